using System.Collections.Generic;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;

namespace ShapeNet.Generator.Ops;

/// <summary>PyTorch's <c>F.silu</c> (swish): x·σ(x); dx = dy·σ(x)·(1 + x·(1 − σ(x))), from the input.</summary>
internal sealed class Silu : UnaryElementwiseOp<NoArgs>
{
    public override string Name => "Silu";

    public override IReadOnlyList<DslCall> Calls { get; } = new[] { Dsl.Call("Silu", Dsl.Tensor("x")) };

    public override string UnaryCode => "Silu";

    public override bool DerivativeFromOutput => false;

    protected override double Parameter(NoArgs args) => 0;

    protected override OpResult Infer(NoArgs args, ShapeContext c) => SameShape(args, c);

    /// <summary>x · Sigmoid(x) (ONNX has no SiLU before opset 22's Swish).</summary>
    protected override void Onnx(NoArgs args, OnnxContext o)
    {
        string sigmoid = o.Temp("sigmoid");
        o.Op("Sigmoid", new[] { o.Input(0) }, new[] { sigmoid });
        o.Op("Mul", new[] { o.Input(0), sigmoid }, new[] { o.Output(0) });
    }
}
