using System.Collections.Generic;
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
}
