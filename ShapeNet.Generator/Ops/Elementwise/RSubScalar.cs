using System.Collections.Generic;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;

namespace ShapeNet.Generator.Ops;

/// <summary>c − x; dx = −dy. Made by the parser from an operator with a constant operand.</summary>
internal sealed class RSubScalar : UnaryElementwiseOp<ScalarArgs>
{
    public override string Name => "RSubScalar";

    public override IReadOnlyList<DslCall> Calls { get; } = new DslCall[0];

    public override string UnaryCode => "RSubScalar";

    public override bool DerivativeFromOutput => false;

    protected override double Parameter(ScalarArgs args) => args.C;

    protected override OpResult Infer(ScalarArgs args, ShapeContext c) => SameShape(args, c);

    /// <summary>Sub(c, x) with c a float32 scalar constant.</summary>
    protected override void Onnx(ScalarArgs args, OnnxContext o) => o.Op("Sub", new[] { o.Scalar("c", args.C), o.Input(0) }, new[] { o.Output(0) });
}
