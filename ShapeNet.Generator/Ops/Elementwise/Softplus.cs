using System.Collections.Generic;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;

namespace ShapeNet.Generator.Ops;

/// <summary>The sharpness β of <see cref="Softplus"/> and the threshold above which β·x is linear.</summary>
internal sealed record SoftplusArgs(double Beta, double Threshold) : OpArgs;

/// <summary>PyTorch's <c>F.softplus</c>: log(1 + e^(β·x))/β, and x where β·x &gt; threshold; dx = dy·σ(β·x), dy in the linear
/// part. Backend parameters: β, then the threshold as <c>parameter2</c>.</summary>
internal sealed class Softplus : UnaryElementwiseOp<SoftplusArgs>
{
    public override string Name => "Softplus";

    public override IReadOnlyList<DslCall> Calls { get; } = new[]
    {
        Dsl.Call("Softplus", a => new SoftplusArgs(a.Double("beta"), a.Double("threshold")),
            Dsl.Tensor("x"), Dsl.Double("beta", 1.0), Dsl.Double("threshold", 20.0)),
    };

    public override string UnaryCode => "Softplus";

    public override bool DerivativeFromOutput => false;

    protected override double Parameter(SoftplusArgs args) => args.Beta;

    protected override double Parameter2(SoftplusArgs args) => args.Threshold;

    protected override OpResult Infer(SoftplusArgs args, ShapeContext c)
    {
        if (args.Beta == 0)
            return c.Fail(DiagnosticDescriptors.WrongArguments, "Softplus", c.Text, "beta must not be 0 (the result is divided by it)");
        return SameShape(args, c);
    }

    /// <summary>Where(β·x &gt; threshold, x, Softplus(β·x)/β): ONNX's Softplus has neither β nor the threshold, and the
    /// switch to linear is written out so the exported values equal PyTorch's even for a small threshold.</summary>
    protected override void Onnx(SoftplusArgs args, OnnxContext o)
    {
        string scaled = o.Temp("scaled"), softplus = o.Temp("softplus"), smooth = o.Temp("smooth"), linear = o.Temp("linear");
        o.Op("Mul", new[] { o.Input(0), o.Scalar("beta", args.Beta) }, new[] { scaled });
        o.Op("Softplus", new[] { scaled }, new[] { softplus });
        o.Op("Div", new[] { softplus, o.Scalar("beta", args.Beta) }, new[] { smooth });
        o.Op("Greater", new[] { scaled, o.Scalar("threshold", args.Threshold) }, new[] { linear });
        o.Op("Where", new[] { linear, o.Input(0), smooth }, new[] { o.Output(0) });
    }
}
