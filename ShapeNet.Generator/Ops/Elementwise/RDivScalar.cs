using System.Collections.Generic;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;

namespace ShapeNet.Generator.Ops;

/// <summary>c / x; dx = −dy·c / x². Made by the parser from an operator with a constant operand.</summary>
internal sealed class RDivScalar : UnaryElementwiseOp<ScalarArgs>
{
    public override string Name => "RDivScalar";

    public override IReadOnlyList<DslCall> Calls { get; } = new DslCall[0];

    public override string UnaryCode => "RDivScalar";

    public override bool DerivativeFromOutput => false;

    protected override double Parameter(ScalarArgs args) => args.C;

    protected override OpResult Infer(ScalarArgs args, ShapeContext c) => SameShape(args, c);

    /// <summary>Div(c, x) with c a float32 scalar constant.</summary>
    protected override void Onnx(ScalarArgs args, OnnxContext o) => o.Op("Div", new[] { o.Scalar("c", args.C), o.Input(0) }, new[] { o.Output(0) });
}
