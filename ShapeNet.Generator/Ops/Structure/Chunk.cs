using System.Collections.Generic;
using System.Linq;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;

namespace ShapeNet.Generator.Ops;

/// <summary>The requested chunk count and axis of a <c>Chunk</c>; inference normalises the axis and fills the sizes.</summary>
internal sealed record ChunkArgs(int Chunks, int Axis, EquatableArray<int> Sizes) : OpArgs;

/// <summary>
/// torch.chunk: cuts x along a static axis of size n into chunks of ⌈n / chunks⌉ (the last may be smaller, and there may be
/// fewer than asked when the division leaves nothing for the last: 6 into 4 gives three of 2, as in PyTorch). Returns a tuple
/// (<c>var (a, b) = Chunk(x, 2, 1);</c>); the forward and backward are <see cref="AxisPartition{TArgs}"/>'s row copies.
/// </summary>
internal sealed class Chunk : AxisPartition<ChunkArgs>
{
    public override string Name => "Chunk";

    public override IReadOnlyList<DslCall> Calls { get; } = new[]
    {
        Dsl.Call("Chunk", a => new ChunkArgs(a.Int("chunks"), a.Int("dim"), EquatableArray<int>.Empty), Dsl.Tensor("x"), Dsl.Int("chunks"), Dsl.Int("dim", 0)),
    };

    protected override int AxisOf(ChunkArgs args) => args.Axis;

    protected override EquatableArray<int> SizesOf(ChunkArgs args) => args.Sizes;

    protected override OpResult Infer(ChunkArgs args, ShapeContext c)
    {
        if (StaticAxis(c, args.Axis) is not int axis) return OpResult.Failure;
        Shape x = c.Shape(0);
        if (args.Chunks <= 0)
            return c.Fail(DiagnosticDescriptors.PartitionSizes, c.Text, axis, c.OperandText(0), x.ToNamedString(), $"the chunk count must be positive, but it is {args.Chunks}");
        int n = checked((int)x[axis].Size);
        int size = (n + args.Chunks - 1) / args.Chunks;
        var sizes = new List<int>();
        for (int start = 0; start < n; start += size) sizes.Add(System.Math.Min(size, n - start));
        return Parts(c, new ChunkArgs(args.Chunks, axis, sizes.ToEquatableArray()), axis, sizes);
    }
}
