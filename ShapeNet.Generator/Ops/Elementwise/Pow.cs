using System.Collections.Generic;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;

namespace ShapeNet.Generator.Ops;

/// <summary>The exponent of <see cref="Pow"/>.</summary>
internal sealed record PowArgs(double Exponent) : OpArgs;

/// <summary>x^p (PyTorch's <c>x ** p</c>); dx = dy·p·x^(p−1), exactly 0 for p = 0.</summary>
internal sealed class Pow : UnaryElementwiseOp<PowArgs>
{
    public override string Name => "Pow";

    public override IReadOnlyList<DslCall> Calls { get; } = new[]
    {
        Dsl.Call("Pow", a => new PowArgs(a.Double("exponent")), Dsl.Tensor("x"), Dsl.Double("exponent")),
    };

    public override string UnaryCode => "Pow";

    public override bool DerivativeFromOutput => false;

    protected override double Parameter(PowArgs args) => args.Exponent;

    protected override OpResult Infer(PowArgs args, ShapeContext c) => SameShape(args, c);

    /// <summary>Pow(x, p) with p a float32 scalar constant.</summary>
    protected override void Onnx(PowArgs args, OnnxContext o) => o.Op("Pow", new[] { o.Input(0), o.Scalar("exponent", args.Exponent) }, new[] { o.Output(0) });
}
