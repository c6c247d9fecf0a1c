using System.Collections.Generic;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;

namespace ShapeNet.Generator.Ops;

/// <summary>The scale α of <see cref="Elu"/>'s negative part.</summary>
internal sealed record EluArgs(double Alpha) : OpArgs;

/// <summary>PyTorch's <c>F.elu</c>: x if x &gt; 0 else α·(eˣ − 1); dx = dy·(1 if x &gt; 0 else α·eˣ), from the input.</summary>
internal sealed class Elu : UnaryElementwiseOp<EluArgs>
{
    public override string Name => "Elu";

    public override IReadOnlyList<DslCall> Calls { get; } = new[]
    {
        Dsl.Call("Elu", a => new EluArgs(a.Double("alpha")), Dsl.Tensor("x"), Dsl.Double("alpha", 1.0)),
    };

    public override string UnaryCode => "Elu";

    public override bool DerivativeFromOutput => false;

    protected override double Parameter(EluArgs args) => args.Alpha;

    protected override OpResult Infer(EluArgs args, ShapeContext c) => SameShape(args, c);

    protected override void Onnx(EluArgs args, OnnxContext o) => o.Unary("Elu", OnnxAttr.Float("alpha", args.Alpha));
}
