using System.Collections.Generic;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;

namespace ShapeNet.Generator.Ops;

/// <summary>x + c (also x − c as x + (−c)); dx = dy. Made by the parser from an operator with a constant operand.</summary>
internal sealed class AddScalar : UnaryElementwiseOp<ScalarArgs>
{
    public override string Name => "AddScalar";

    public override IReadOnlyList<DslCall> Calls { get; } = new DslCall[0];

    public override string UnaryCode => "AddScalar";

    public override bool DerivativeFromOutput => false;

    protected override double Parameter(ScalarArgs args) => args.C;

    protected override OpResult Infer(ScalarArgs args, ShapeContext c) => SameShape(args, c);

    /// <summary>Add(x, c) with c a float32 scalar constant.</summary>
    protected override void Onnx(ScalarArgs args, OnnxContext o) => o.Op("Add", new[] { o.Input(0), o.Scalar("c", args.C) }, new[] { o.Output(0) });
}
