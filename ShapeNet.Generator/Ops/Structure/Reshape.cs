using System.Collections.Generic;
using System.Linq;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>A reshape as written: <c>Flatten(x, startDim)</c> (<see cref="FlattenFrom"/>, normalised by inference) or
/// <c>Reshape(x, sizes)</c> (<see cref="Sizes"/>, −1 once for an inferred size). The result's shape is the node's.</summary>
internal sealed record ReshapeArgs(int? FlattenFrom, EquatableArray<int> Sizes) : OpArgs
{
    /// <summary>A size read from a typed tensor's <c>Batch</c> axis (<c>x.Size(1)</c> of a <c>Tensor&lt;Seq, Batch, H&gt;</c>).</summary>
    public const int BatchSize = int.MinValue + 1;

    /// <summary>A size read from a typed tensor's <c>Seq</c> axis (<c>x.Size(0)</c> of a <c>Tensor&lt;Seq, Batch, H&gt;</c>).</summary>
    public const int SeqSize = int.MinValue + 2;
}

/// <summary>The same data under another shape (Flatten and Reshape): the operand's value and gradient buffers, no code.
/// The batch cannot be merged into a static dimension (SN0109).</summary>
internal sealed class Reshape : OpDefinition<ReshapeArgs>
{
    public override string Name => "Reshape";

    /// <summary>An alias with no call of its own: a reshape may merge the run-time <c>Seq</c> with the batch and static sizes
    /// (<c>Seq·Batch</c>), whose size every later call prints with the pass's variables.</summary>
    internal override bool TakesRunTimeSeq(OpArgs args, IReadOnlyList<Shape> operands, IReadOnlyList<Shape> outputs) => true;

    public override IReadOnlyList<DslCall> Calls { get; } = new[]
    {
        Dsl.Call("Flatten", a => new ReshapeArgs(a.Int("startDim"), EquatableArray<int>.Empty), Dsl.Tensor("x"), Dsl.Int("startDim", 1)),
        Dsl.Call("Reshape", a => new ReshapeArgs(null, a.Ints("shape")), Dsl.Tensor("x"), Dsl.IntList("shape")),
    };

    protected override OpResult Infer(ReshapeArgs args, ShapeContext c) => args.FlattenFrom is int start ? Flatten(args, start, c) : ReshapeTo(args, c);

    private static OpResult Flatten(ReshapeArgs args, int start, ShapeContext c)
    {
        Shape a = c.Shape(0);
        if (a.Rank == 0) return c.Fail(DiagnosticDescriptors.RankMismatch, c.Text, "a tensor of rank 1 or more", c.OperandText(0), a.ToNamedString());
        if (!c.TryAxis(a, start, out int axis)) return OpResult.Failure;
        var kept = a.Dims.Take(axis).ToList();
        var merged = a.Dims.Skip(axis).ToList();
        if (merged.Count > 1 && merged.Any(d => d.SeqFactors > 0))
        {
            // [Seq, Batch, H] from axis 0: one axis of Seq·Batch·H elements, sized per pass.
            kept.Add(Dim.Product(merged));
            return OpResult.Of(args with { FlattenFrom = axis }, new Shape(kept.ToEquatableArray()));
        }
        if (merged.Count(d => !d.IsStatic) > 0 && merged.Count > 1)
            return c.Fail(DiagnosticDescriptors.ReshapeBatch, c.Text,
                $"flattening from axis {axis} would merge {string.Join(", ", merged.Where(d => !d.IsStatic))} into a static dimension; flatten from axis 1 (the default) to keep the batch");
        Dim flat = merged.Count == 1 ? merged[0] : Dim.Of(checked((int)merged.Aggregate(1L, (p, d) => checked(p * d.Size))));
        kept.Add(flat);
        return OpResult.Of(args with { FlattenFrom = axis }, new Shape(kept.ToEquatableArray()));
    }

    private static OpResult ReshapeTo(ReshapeArgs args, ShapeContext c)
    {
        Shape a = c.Shape(0);
        int[] requested = args.Sizes.ToArray();
        string requestedText = string.Join(", ", requested.Select(s => s == ReshapeArgs.BatchSize ? "Batch" : s == ReshapeArgs.SeqSize ? "Seq" : s.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        int inferred = System.Array.IndexOf(requested, -1);
        bool runTimeSizes = requested.Any(s => s is ReshapeArgs.BatchSize or ReshapeArgs.SeqSize);
        if (requested.Count(s => s == -1) > 1 || requested.Any(s => (s < -1 && s != ReshapeArgs.BatchSize && s != ReshapeArgs.SeqSize) || s == 0))
            return c.Fail(DiagnosticDescriptors.ReshapeBatch, c.Text, $"sizes must be positive, with at most one -1 to infer, but [{requestedText}] was given");
        long known = requested.Where(s => s > 0).Aggregate(1L, (p, s) => checked(p * s));
        long staticCount = a.StaticElementCount;
        var dims = requested.Select(s => s == ReshapeArgs.BatchSize ? Dim.Batch : s == ReshapeArgs.SeqSize ? Dim.Seq : Dim.Of(s)).ToArray();
        if (runTimeSizes)
        {
            // Sizes read from typed tensors (y.view(x.size(0), x.size(1), -1)): the run-time factors asked for must be among the
            // operand's; -1 takes the rest of them and of the static elements, and without -1 nothing may be left.
            var given = dims.Where((d, i) => i != inferred).ToList();
            int batches = a.Dims.Sum(d => d.BatchFactors) - given.Sum(d => d.BatchFactors);
            int seqs = a.Dims.Sum(d => d.SeqFactors) - given.Sum(d => d.SeqFactors);
            string operandRunTime = a.Dims.Any(d => !d.IsStatic) ? string.Join(", ", a.Dims.Where(d => !d.IsStatic)) : "no run-time dimension";
            if (batches < 0 || seqs < 0)
                return c.Fail(DiagnosticDescriptors.ReshapeBatch, c.Text,
                    $"[{requestedText}] asks for more run-time dimensions than {c.OperandText(0)} {a.ToNamedString()} has ({operandRunTime})");
            if (inferred < 0)
            {
                if (batches > 0 || seqs > 0 || known != staticCount)
                    return c.Fail(DiagnosticDescriptors.ReshapeBatch, c.Text,
                        $"[{requestedText}] does not account for all of {c.OperandText(0)} {a.ToNamedString()}; write -1 for the rest");
                return OpResult.Of(args, new Shape(dims.ToEquatableArray()));
            }
            if (staticCount % known != 0)
                return c.Fail(DiagnosticDescriptors.ReshapeBatch, c.Text,
                    $"the sizes [{requestedText}] multiply to {known} static elements, which does not divide the {staticCount} of {a.ToNamedString()}");
            var rest = new List<Dim>();
            rest.AddRange(Enumerable.Repeat(Dim.Seq, seqs));
            rest.AddRange(Enumerable.Repeat(Dim.Batch, batches));
            rest.Add(Dim.Of(checked((int)(staticCount / known))));
            dims[inferred] = Dim.Product(rest);
            return OpResult.Of(args, new Shape(dims.ToEquatableArray()));
        }
        if (a.HasSeq)
        {
            // The run-time Seq (and the batch with it) can only go where -1 is: [Seq, Batch, H] -> Reshape(x, -1, H) is
            // [Seq·Batch, H], PyTorch's output.view(-1, hidden) of a language model; the -1 is the run-time factors times what is
            // left of the static ones.
            string runTime = string.Join(", ", a.Dims.Where(d => !d.IsStatic));
            if (inferred < 0)
                return c.Fail(DiagnosticDescriptors.ReshapeBatch, c.Text, $"{c.OperandText(0)} {a.ToNamedString()} has the run-time dimensions {runTime}; write -1 where they go");
            if (staticCount % known != 0)
                return c.Fail(DiagnosticDescriptors.ReshapeBatch, c.Text,
                    $"-1 stands for {runTime} times what is left of the static sizes of {a.ToNamedString()} ({staticCount}), but the other sizes multiply to {known}, which does not divide it");
            var factors = a.Dims.Where(d => !d.IsStatic).ToList();
            factors.Add(Dim.Of(checked((int)(staticCount / known))));
            dims[inferred] = Dim.Product(factors);
            return OpResult.Of(args, new Shape(dims.ToEquatableArray()));
        }
        if (a.HasDynamic)
        {
            if (inferred < 0)
                return c.Fail(DiagnosticDescriptors.ReshapeBatch, c.Text, $"{c.OperandText(0)} {a.ToNamedString()} has the run-time dimension Batch; write -1 where the batch goes");
            if (known != staticCount)
                return c.Fail(DiagnosticDescriptors.ReshapeBatch, c.Text,
                    $"-1 can stand for Batch only when the other sizes multiply to the rest of {a.ToNamedString()} ({staticCount}), but they multiply to {known}");
            dims[inferred] = Dim.Batch;
        }
        else if (inferred >= 0)
        {
            if (known == 0 || staticCount % known != 0)
                return c.Fail(DiagnosticDescriptors.ReshapeCount, c.Text, a.ToNamedString(), staticCount, requestedText, "a multiple of " + known);
            dims[inferred] = Dim.Of((int)(staticCount / known));
        }
        else if (known != staticCount)
        {
            return c.Fail(DiagnosticDescriptors.ReshapeCount, c.Text, a.ToNamedString(), staticCount, requestedText, known);
        }
        return OpResult.Of(args, new Shape(dims.ToEquatableArray()));
    }

    protected override Differentiation Gradient(ReshapeArgs args) => Differentiation.Alias;

    protected override void Plan(ReshapeArgs args, PlanContext p)
    {
        // The operand's buffers.
    }

    protected override void Forward(ReshapeArgs args, ForwardContext f) => f.CommentOnly($"{f.Header} (the same buffer as {f.InputText(0)})");

    protected override void Backward(ReshapeArgs args, BackwardContext b)
    {
        // An alias: the gradient is the operand's buffer.
    }

    protected override long Flops(ReshapeArgs args, NodeInfo n) => 0;

    /// <summary><c>Flatten(x)</c> from axis 1 is ONNX's Flatten (what PyTorch exports); any other shape is a Reshape to the
    /// inferred shape with the batch as −1.</summary>
    protected override void Onnx(ReshapeArgs args, OnnxContext o)
    {
        if (args.FlattenFrom == 1 && !o.InputShape(0).HasSeq)
        {
            o.Unary("Flatten", OnnxAttr.Int("axis", 1));
            return;
        }
        // A run-time axis kept in place is 0 (copied); one other is −1; [Seq·Batch, V] back to [Seq, Batch, V] reads the sizes
        // from the inputs (Shape, Gather), as PyTorch's exporter does for view(x.size(0), x.size(1), -1).
        if (o.ReshapeTarget(o.Shape, o.InputShape(0)) is { } target)
            o.Op("Reshape", new[] { o.Input(0), o.Int64s("shape", target) }, new[] { o.Output(0) });
        else if (o.RunTimeShape(o.Shape) is { } shape)
            o.Op("Reshape", new[] { o.Input(0), shape }, new[] { o.Output(0) });
    }
}
