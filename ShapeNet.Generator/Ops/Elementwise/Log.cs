using System.Collections.Generic;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;

namespace ShapeNet.Generator.Ops;

/// <summary>ln x; dx = dy / x.</summary>
internal sealed class Log : UnaryElementwiseOp<NoArgs>
{
    public override string Name => "Log";

    public override IReadOnlyList<DslCall> Calls { get; } = new[] { Dsl.Call("Log", Dsl.Tensor("x")) };

    public override string UnaryCode => "Log";

    public override bool DerivativeFromOutput => false;

    protected override double Parameter(NoArgs args) => 0;

    protected override OpResult Infer(NoArgs args, ShapeContext c) => SameShape(args, c);

    protected override void Onnx(NoArgs args, OnnxContext o) => o.Unary("Log");
}
