using System.Collections.Generic;
using System.Linq;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;

namespace ShapeNet.Generator.Ops;

/// <summary>The sizes a <c>Split</c> asks for along an axis: the sections (<c>Split(x, [2, 6], 1)</c>), or one split size
/// when <see cref="SplitSize"/> is positive (<c>Split(x, 3, 1)</c>); inference normalises the axis and fills <see cref="Sizes"/>.</summary>
internal sealed record SplitArgs(EquatableArray<int> Sections, int SplitSize, int Axis, EquatableArray<int> Sizes) : OpArgs;

/// <summary>
/// torch.split: cuts x along a static axis into parts of the given sizes, which must add up to the axis's size, or into
/// parts of one split size (the last smaller when it does not divide). Returns a tuple
/// (<c>var (a, b) = Split(x, [2, 6], 1);</c>); the forward and backward are <see cref="AxisPartition{TArgs}"/>'s row copies.
/// </summary>
internal sealed class Split : AxisPartition<SplitArgs>
{
    public override string Name => "Split";

    public override IReadOnlyList<DslCall> Calls { get; } = new[]
    {
        Dsl.Call("Split", a => a.IsList("sizes")
                ? new SplitArgs(a.Ints("sizes"), 0, a.Int("dim"), EquatableArray<int>.Empty)
                : new SplitArgs(EquatableArray<int>.Empty, a.Ints("sizes")[0], a.Int("dim"), EquatableArray<int>.Empty),
            Dsl.Tensor("x"), Dsl.Axes("sizes"), Dsl.Int("dim", 0)),
    };

    protected override int AxisOf(SplitArgs args) => args.Axis;

    protected override EquatableArray<int> SizesOf(SplitArgs args) => args.Sizes;

    protected override OpResult Infer(SplitArgs args, ShapeContext c)
    {
        if (StaticAxis(c, args.Axis) is not int axis) return OpResult.Failure;
        Shape x = c.Shape(0);
        int n = checked((int)x[axis].Size);
        OpResult Bad(string why) => c.Fail(DiagnosticDescriptors.PartitionSizes, c.Text, axis, c.OperandText(0), x.ToNamedString(), why);
        var sizes = new List<int>();
        if (args.Sections.Count == 0)
        {
            if (args.SplitSize <= 0) return Bad($"the split size must be positive, but it is {args.SplitSize}");
            for (int start = 0; start < n; start += args.SplitSize) sizes.Add(System.Math.Min(args.SplitSize, n - start));
        }
        else
        {
            if (args.Sections.FirstOrDefault(s => s <= 0) is var bad && args.Sections.Any(s => s <= 0))
                return Bad($"every size must be positive, but one is {bad}");
            long sum = args.Sections.Sum(s => (long)s);
            if (sum != n) return Bad($"the sizes {string.Join(" + ", args.Sections)} = {sum} do not add up to {n}");
            sizes.AddRange(args.Sections);
        }
        return Parts(c, new SplitArgs(args.Sections, args.SplitSize, axis, sizes.ToEquatableArray()), axis, sizes);
    }
}
