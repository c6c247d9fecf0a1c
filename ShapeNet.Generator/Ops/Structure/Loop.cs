using System.Collections.Generic;
using System.Linq;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>The loop region a node belongs to (<see cref="CompiledGraph.Loops"/>, or the parsed body's <c>Loops</c> before
/// inference renumbers it), the counter's first value, the step count (−1: the run-time <c>Seq</c>) and, for
/// <see cref="LoopCollect"/>, the axis the result grows along.</summary>
internal sealed record LoopArgs(int Loop, int Start = 0, int Count = 0, int Axis = 0) : OpArgs;

/// <summary>
/// The nodes a loop region is made of (lecture 12a's hand-written loop, docs/dsl.md "Loops"): the parser makes them and
/// <see cref="GraphCodeWriter"/> writes their calls around and inside the literal <c>for</c> loop, because what they do depends
/// on the step (<c>t</c>): the state is the initial value at the first step and the previous step's value after it, <c>x[t]</c>
/// reads a slice chosen at run time, a collected result is written one slice per step. Their definitions give the shape rules,
/// how gradients flow (as for a copy) and the FLOPs; their own <c>Forward</c>/<c>Backward</c> are never called.
/// </summary>
internal abstract class LoopOp : OpDefinition<LoopArgs>
{
    public override IReadOnlyList<DslCall> Calls { get; } = new DslCall[0];

    protected override Differentiation Gradient(LoopArgs args) => Differentiation.AllOperands;

    protected override void Plan(LoopArgs args, PlanContext p)
    {
        // Row copies into buffers the plan already has; the per-step copies are the loop's (BufferPlan.LoopPlans).
    }

    protected override void Forward(LoopArgs args, ForwardContext f) => f.Fail($"{Name} ({f.Text}) is written by its loop, outside a loop it has no code");

    protected override void Backward(LoopArgs args, BackwardContext b) => b.Fail($"{Name} ({b.Text}) is written by its loop, outside a loop it has no code");

    protected override long Flops(LoopArgs args, NodeInfo n) => 0;

    internal override bool TakesRunTimeSeq(OpArgs args, IReadOnlyList<Shape> operands, IReadOnlyList<Shape> outputs) => true;

    protected override void Onnx(LoopArgs args, OnnxContext o) =>
        o.Unsupported("a hand-written loop compiled to a loop region has no ONNX export yet (ONNX's Loop operator is not written)");
}

/// <summary>A carried variable at the start of a step: operand 0 (its value before the loop) at the first step, the previous
/// step's value after that.</summary>
internal sealed class LoopState : LoopOp
{
    public override string Name => "LoopState";

    protected override OpResult Infer(LoopArgs args, ShapeContext c) => OpResult.Of(args, c.Shape(0));
}

/// <summary>A carried variable after the loop: its value at the end of the last step.</summary>
internal sealed class LoopExit : LoopOp
{
    public override string Name => "LoopExit";

    protected override OpResult Infer(LoopArgs args, ShapeContext c) => OpResult.Of(args, c.Shape(0));
}

/// <summary><c>x[t]</c> inside a loop region: the slice at the counter's value along axis 0 of <c>x</c>, which must hold every
/// step (<c>Start + Count ≤ x.Size(0)</c>; for a loop to the run-time length, <c>x</c>'s first axis is <c>Seq</c>).</summary>
internal sealed class StepSelect : LoopOp
{
    public override string Name => "StepSelect";

    protected override OpResult Infer(LoopArgs args, ShapeContext c)
    {
        Shape x = c.Shape(0);
        if (x.Rank == 0)
            return c.Fail(DiagnosticDescriptors.RankMismatch, c.Text, "a tensor of rank 1 or more to index", c.OperandText(0), x.ToNamedString());
        if (args.Count < 0 && !x[0].IsSeq)
            return c.Fail(DiagnosticDescriptors.RunTimeSequence, $"'{c.Text}' (a loop to the run-time sequence length reading a tensor whose first axis is {x[0]})",
                $" (its steps are counted at run time, so they cannot be checked against {x.ToNamedString()})");
        if (args.Count >= 0 && x[0].IsSeq)
            return c.Fail(DiagnosticDescriptors.RunTimeSequence, $"'{c.Text}' (an index along Seq)",
                $" (its length is known only at run time, so the {args.Count} steps of the loop cannot be checked)");
        if (args.Count >= 0 && !x[0].IsStatic)
            return c.Fail(DiagnosticDescriptors.RankMismatch, c.Text, "a static first axis to index (the batch's size is known only at run time)",
                c.OperandText(0), x.ToNamedString());
        if (args.Count >= 0 && (long)args.Start + args.Count > x[0].Size)
            return c.Fail(DiagnosticDescriptors.IndexOutOfRange, c.Text, args.Start + args.Count - 1, x[0].Size, c.OperandText(0), x.ToNamedString());
        return OpResult.Of(args, new Shape(x.Dims.Skip(1).ToEquatableArray()));
    }
}

/// <summary><c>acc = Concat([acc, piece], axis)</c> in a loop region: the result after the loop, operand 0 (<c>acc</c> before
/// the loop) followed along <see cref="LoopArgs.Axis"/> by operand 1 (the piece, a body value) of every step; each step writes
/// its piece into its slice of the preallocated result.</summary>
internal sealed class LoopCollect : LoopOp
{
    public override string Name => "LoopCollect";

    protected override OpResult Infer(LoopArgs args, ShapeContext c)
    {
        Shape first = c.Shape(0), piece = c.Shape(1);
        if (!c.TryAxis(first, args.Axis, out int axis)) return OpResult.Failure;
        if (args.Count < 0)
            return c.Fail(DiagnosticDescriptors.ConcatMismatch, c.Text, axis,
                "the loop runs to the run-time sequence length, so the result's size along the axis would be known only at run time; carry a fixed-size state instead");
        bool fits = piece.Rank == first.Rank && Enumerable.Range(0, first.Rank).All(d => d == axis || piece[d].SameSizeAs(first[d]));
        if (!fits)
            return c.Fail(DiagnosticDescriptors.ConcatMismatch, c.Text, axis,
                $"the inputs differ on another axis: {c.OperandText(0)} {first.ToNamedString()}, {c.OperandText(1)} {piece.ToNamedString()}");
        if (!first[axis].IsStatic || !piece[axis].IsStatic)
            return c.Fail(DiagnosticDescriptors.ConcatMismatch, c.Text, axis, "it is the batch axis, whose size is known only at run time; concatenate along a feature axis");
        long size = first[axis].Size + (long)args.Count * piece[axis].Size;
        if (size > int.MaxValue)
            return c.Fail(DiagnosticDescriptors.ConcatMismatch, c.Text, axis, $"{args.Count} steps of {piece[axis].Size} make {size}, more than a dimension can hold");
        var dims = first.Dims.ToArray();
        dims[axis] = Dim.Of((int)size);
        return OpResult.Of(args with { Axis = axis }, new Shape(dims.ToEquatableArray()));
    }

    protected override long Flops(LoopArgs args, NodeInfo n) => 0;
}
