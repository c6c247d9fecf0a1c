using System.Collections.Generic;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;

namespace ShapeNet.Generator.Ops;

/// <summary>√x; dx = dy / (2y).</summary>
internal sealed class Sqrt : UnaryElementwiseOp<NoArgs>
{
    public override string Name => "Sqrt";

    public override IReadOnlyList<DslCall> Calls { get; } = new[] { Dsl.Call("Sqrt", Dsl.Tensor("x")) };

    public override string UnaryCode => "Sqrt";

    public override bool DerivativeFromOutput => true;

    protected override double Parameter(NoArgs args) => 0;

    protected override OpResult Infer(NoArgs args, ShapeContext c) => SameShape(args, c);

    protected override void Onnx(NoArgs args, OnnxContext o) => o.Unary("Sqrt");
}
