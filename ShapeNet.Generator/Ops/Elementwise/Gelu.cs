using System.Collections.Generic;
using ShapeNet.Generator.Inference;

namespace ShapeNet.Generator.Ops;

/// <summary>Which form of <see cref="Gelu"/>: PyTorch's <c>approximate</c>, <c>"none"</c> (erf) or <c>"tanh"</c>.</summary>
internal sealed record GeluArgs(string Approximate) : OpArgs;

/// <summary>
/// PyTorch's <c>F.gelu</c>: x·Φ(x) through erf (<c>approximate: "none"</c>, the default; backend <c>UnaryOp.Gelu</c>), or
/// x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))/2 (<c>approximate: "tanh"</c>; <c>UnaryOp.GeluTanh</c>); the derivative of
/// either form is computed from the input, as PyTorch's <c>gelu_backward</c> does.
/// </summary>
internal sealed class Gelu : UnaryElementwiseOp<GeluArgs>
{
    public override string Name => "Gelu";

    public override IReadOnlyList<DslCall> Calls { get; } = new[]
    {
        Dsl.Call("Gelu", a => new GeluArgs(a.String("approximate")), Dsl.Tensor("x"), Dsl.String("approximate", "none")),
    };

    public override string UnaryCode => "Gelu";

    public override bool DerivativeFromOutput => false;

    protected override string UnaryCodeOf(GeluArgs args) => args.Approximate == "tanh" ? "GeluTanh" : "Gelu";

    protected override double Parameter(GeluArgs args) => 0;

    protected override OpResult Infer(GeluArgs args, ShapeContext c)
    {
        if (args.Approximate is not ("none" or "tanh"))
            return c.Fail(DiagnosticDescriptors.WrongArguments, "Gelu", c.Text,
                $"approximate must be \"none\" or \"tanh\", but it is \"{args.Approximate}\"");
        return SameShape(args, c);
    }
}
