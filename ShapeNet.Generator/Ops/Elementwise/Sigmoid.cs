using System.Collections.Generic;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;

namespace ShapeNet.Generator.Ops;

/// <summary>1 / (1 + e^−x); dx = dy·y·(1 − y).</summary>
internal sealed class Sigmoid : UnaryElementwiseOp<NoArgs>
{
    public override string Name => "Sigmoid";

    public override IReadOnlyList<DslCall> Calls { get; } = new[] { Dsl.Call("Sigmoid", Dsl.Tensor("x")) };

    public override string UnaryCode => "Sigmoid";

    public override bool DerivativeFromOutput => true;

    protected override double Parameter(NoArgs args) => 0;

    protected override OpResult Infer(NoArgs args, ShapeContext c) => SameShape(args, c);

    protected override void Onnx(NoArgs args, OnnxContext o) => o.Unary("Sigmoid");
}
