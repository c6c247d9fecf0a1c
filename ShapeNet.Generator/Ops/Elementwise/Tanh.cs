using System.Collections.Generic;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;

namespace ShapeNet.Generator.Ops;

/// <summary>tanh x; dx = dy·(1 − y²).</summary>
internal sealed class Tanh : UnaryElementwiseOp<NoArgs>
{
    public override string Name => "Tanh";

    public override IReadOnlyList<DslCall> Calls { get; } = new[] { Dsl.Call("Tanh", Dsl.Tensor("x")) };

    public override string UnaryCode => "Tanh";

    public override bool DerivativeFromOutput => true;

    protected override double Parameter(NoArgs args) => 0;

    protected override OpResult Infer(NoArgs args, ShapeContext c) => SameShape(args, c);

    protected override void Onnx(NoArgs args, OnnxContext o) => o.Unary("Tanh");
}
