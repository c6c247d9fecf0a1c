using System.Collections.Generic;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;

namespace ShapeNet.Generator.Ops;

/// <summary>x·c (also x / c as x·(1/c)); dx = dy·c. Made by the parser from an operator with a constant operand.</summary>
internal sealed class MulScalar : UnaryElementwiseOp<ScalarArgs>
{
    public override string Name => "MulScalar";

    public override IReadOnlyList<DslCall> Calls { get; } = new DslCall[0];

    public override string UnaryCode => "MulScalar";

    public override bool DerivativeFromOutput => false;

    protected override double Parameter(ScalarArgs args) => args.C;

    protected override OpResult Infer(ScalarArgs args, ShapeContext c) => SameShape(args, c);

    /// <summary>Mul(x, c) with c a float32 scalar constant (x / c was compiled to x · (1/c), as the plan computes it).</summary>
    protected override void Onnx(ScalarArgs args, OnnxContext o) => o.Op("Mul", new[] { o.Input(0), o.Scalar("c", args.C) }, new[] { o.Output(0) });
}
