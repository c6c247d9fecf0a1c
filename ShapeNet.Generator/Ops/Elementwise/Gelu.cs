using System.Collections.Generic;
using ShapeNet.Generator.Emit;
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

    /// <summary>Written out with Erf (or Tanh), which every opset has (ONNX's own Gelu comes with opset 20):
    /// x·0.5·(1 + erf(x·(1/√2))), or x·0.5·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
    protected override void Onnx(GeluArgs args, OnnxContext o)
    {
        string x = o.Input(0), half = o.Temp("half_x"), onePlus = o.Temp("one_plus");
        if (args.Approximate == "tanh")
        {
            string square = o.Temp("square"), cube = o.Temp("cube"), cubeTerm = o.Temp("cube_term"), sum = o.Temp("sum"), inner = o.Temp("inner"), tanh = o.Temp("tanh");
            o.Op("Mul", new[] { x, x }, new[] { square });
            o.Op("Mul", new[] { square, x }, new[] { cube });
            o.Op("Mul", new[] { cube, o.Scalar("kappa", 0.044715) }, new[] { cubeTerm });
            o.Op("Add", new[] { x, cubeTerm }, new[] { sum });
            o.Op("Mul", new[] { sum, o.Scalar("sqrt_2_over_pi", 0.79788456080286536) }, new[] { inner });
            o.Op("Tanh", new[] { inner }, new[] { tanh });
            o.Op("Add", new[] { tanh, o.Scalar("one", 1) }, new[] { onePlus });
        }
        else
        {
            string scaled = o.Temp("scaled"), erf = o.Temp("erf");
            o.Op("Mul", new[] { x, o.Scalar("inv_sqrt2", 0.70710678118654752) }, new[] { scaled });
            o.Op("Erf", new[] { scaled }, new[] { erf });
            o.Op("Add", new[] { erf, o.Scalar("one", 1) }, new[] { onePlus });
        }
        o.Op("Mul", new[] { x, o.Scalar("half", 0.5) }, new[] { half });
        o.Op("Mul", new[] { half, onePlus }, new[] { o.Output(0) });
    }
}
