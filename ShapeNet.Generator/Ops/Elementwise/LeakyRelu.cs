using System.Collections.Generic;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;

namespace ShapeNet.Generator.Ops;

/// <summary>The slope of <see cref="LeakyRelu"/> for x ≤ 0.</summary>
internal sealed record LeakyReluArgs(double NegativeSlope) : OpArgs;

/// <summary>PyTorch's <c>F.leaky_relu</c>: x if x &gt; 0 else negativeSlope·x; dx = dy·(1 if x &gt; 0 else negativeSlope), from the input.</summary>
internal sealed class LeakyRelu : UnaryElementwiseOp<LeakyReluArgs>
{
    public override string Name => "LeakyRelu";

    public override IReadOnlyList<DslCall> Calls { get; } = new[]
    {
        Dsl.Call("LeakyRelu", a => new LeakyReluArgs(a.Double("negativeSlope")), Dsl.Tensor("x"), Dsl.Double("negativeSlope", 0.01)),
    };

    public override string UnaryCode => "LeakyRelu";

    public override bool DerivativeFromOutput => false;

    protected override double Parameter(LeakyReluArgs args) => args.NegativeSlope;

    protected override OpResult Infer(LeakyReluArgs args, ShapeContext c) => SameShape(args, c);

    protected override void Onnx(LeakyReluArgs args, OnnxContext o) => o.Unary("LeakyRelu", OnnxAttr.Float("alpha", args.NegativeSlope));
}
