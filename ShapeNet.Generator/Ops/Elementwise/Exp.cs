using System.Collections.Generic;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;

namespace ShapeNet.Generator.Ops;

/// <summary>eˣ; dx = dy·y.</summary>
internal sealed class Exp : UnaryElementwiseOp<NoArgs>
{
    public override string Name => "Exp";

    public override IReadOnlyList<DslCall> Calls { get; } = new[] { Dsl.Call("Exp", Dsl.Tensor("x")) };

    public override string UnaryCode => "Exp";

    public override bool DerivativeFromOutput => true;

    protected override double Parameter(NoArgs args) => 0;

    protected override OpResult Infer(NoArgs args, ShapeContext c) => SameShape(args, c);

    protected override void Onnx(NoArgs args, OnnxContext o) => o.Unary("Exp");
}
