using System.Collections.Generic;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;

namespace ShapeNet.Generator.Ops;

/// <summary>|x|; dx = dy·sign(x), 0 at 0 (PyTorch's abs backward).</summary>
internal sealed class Abs : UnaryElementwiseOp<NoArgs>
{
    public override string Name => "Abs";

    public override IReadOnlyList<DslCall> Calls { get; } = new[] { Dsl.Call("Abs", Dsl.Tensor("x")) };

    public override string UnaryCode => "Abs";

    public override bool DerivativeFromOutput => false;

    protected override double Parameter(NoArgs args) => 0;

    protected override OpResult Infer(NoArgs args, ShapeContext c) => SameShape(args, c);

    protected override void Onnx(NoArgs args, OnnxContext o) => o.Unary("Abs");
}
