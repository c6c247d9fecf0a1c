using System.Collections.Generic;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;

namespace ShapeNet.Generator.Ops;

/// <summary>max(x, 0); dx = dy where y &gt; 0 (from the output).</summary>
internal sealed class Relu : UnaryElementwiseOp<NoArgs>
{
    public override string Name => "Relu";

    public override IReadOnlyList<DslCall> Calls { get; } = new[] { Dsl.Call("Relu", Dsl.Tensor("x")) };

    public override string UnaryCode => "Relu";

    public override bool DerivativeFromOutput => true;

    protected override double Parameter(NoArgs args) => 0;

    protected override OpResult Infer(NoArgs args, ShapeContext c) => SameShape(args, c);

    protected override void Onnx(NoArgs args, OnnxContext o) => o.Unary("Relu");
}
