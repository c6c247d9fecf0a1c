using System.Collections.Generic;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>The same values cut from the gradient (PyTorch's <c>detach()</c>): the operand's buffer, and nothing flows back.</summary>
internal sealed class Detach : OpDefinition<NoArgs>
{
    /// <summary>Its sizes are element or row counts, so it runs with the run-time <c>Seq</c>.</summary>
    internal override bool TakesRunTimeSeq(OpArgs args, IReadOnlyList<Shape> operands, IReadOnlyList<Shape> outputs) => true;


    public override string Name => "Detach";

    public override IReadOnlyList<DslCall> Calls { get; } = new[] { Dsl.Call("Detach", Dsl.Tensor("x")) };

    protected override OpResult Infer(NoArgs args, ShapeContext c) => OpResult.Of(args, c.Shape(0));

    protected override Differentiation Gradient(NoArgs args) => Differentiation.Stop;

    protected override void Plan(NoArgs args, PlanContext p)
    {
        // The operand's value buffer.
    }

    protected override void Forward(NoArgs args, ForwardContext f) => f.CommentOnly($"{f.Header} (the same buffer as {f.InputText(0)})");

    protected override void Backward(NoArgs args, BackwardContext b)
    {
        // Stops the gradient.
    }

    protected override long Flops(NoArgs args, NodeInfo n) => 0;

    protected override void Onnx(NoArgs args, OnnxContext o) => o.Unary("Identity");
}
