using System.Collections.Generic;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>A parameter of the forward method (<see cref="InputArgs"/>: its position): uploaded before the forward pass;
/// its gradient is a result the caller reads.</summary>
internal sealed class Input : OpDefinition<InputArgs>
{
    /// <summary>Its sizes are element or row counts, so it runs with the run-time <c>Seq</c>.</summary>
    internal override bool TakesRunTimeSeq(OpArgs args, IReadOnlyList<Shape> operands, IReadOnlyList<Shape> outputs) => true;


    public override string Name => "Input";

    /// <summary>Made by shape inference from the method's parameters.</summary>
    public override IReadOnlyList<DslCall> Calls { get; } = new DslCall[0];

    protected override OpResult Infer(InputArgs args, ShapeContext c) =>
        c.Fail(DiagnosticDescriptors.InternalError, c.Text, "an input is not a call");

    /// <summary>A float input is a leaf whose gradient is a result; integers (ids, lengths) have none.</summary>
    protected override Differentiation Gradient(InputArgs args) => args.Integer ? Differentiation.None : Differentiation.Leaf;

    protected override void Plan(InputArgs args, PlanContext p)
    {
        // The input buffer is planned with the values (BufferRole.Input).
    }

    protected override void Forward(InputArgs args, ForwardContext f)
    {
        // Uploaded by the caller before the pass.
    }

    protected override void Backward(InputArgs args, BackwardContext b)
    {
        // A leaf: its gradient is a result.
    }

    protected override long Flops(InputArgs args, NodeInfo n) => 0;

    protected override void Onnx(InputArgs args, OnnxContext o)
    {
        // A graph input, named by the exporter after the forward method's parameter.
    }
}
