using System.Collections.Generic;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;

namespace ShapeNet.Generator.Ops;

/// <summary>−x (the unary minus operator); dx = −dy.</summary>
internal sealed class Neg : UnaryElementwiseOp<NoArgs>
{
    public override string Name => "Neg";

    /// <summary>Made by the parser from <c>-x</c>.</summary>
    public override IReadOnlyList<DslCall> Calls { get; } = new DslCall[0];

    public override string UnaryCode => "Neg";

    public override bool DerivativeFromOutput => false;

    protected override double Parameter(NoArgs args) => 0;

    protected override OpResult Infer(NoArgs args, ShapeContext c) => SameShape(args, c);

    protected override void Onnx(NoArgs args, OnnxContext o) => o.Unary("Neg");
}
