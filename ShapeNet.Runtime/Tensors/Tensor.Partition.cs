using ShapeNet.Backends.Cpu;

namespace ShapeNet;

public sealed partial class Tensor
{
    /// <summary>Cuts this tensor along <paramref name="dim"/> into chunks of ⌈n / <paramref name="chunks"/>⌉ (PyTorch's
    /// <c>torch.chunk</c>): the last may be smaller, and there are fewer than asked when the division leaves nothing for the
    /// last (6 into 4 gives three of 2). Each part is a copy.</summary>
    public TensorTuple Chunk(int chunks, int dim = 0)
    {
        int a = CheckedAxis(dim, "Chunk");
        if (chunks <= 0) throw new ArgumentOutOfRangeException(nameof(chunks), chunks, $"Chunk needs a positive chunk count, got {chunks}.");
        int n = _shape[a];
        int size = (n + chunks - 1) / chunks;
        return Parts("Chunk", a, size == 0 ? new[] { 0 } : Sizes(n, size));
    }

    /// <summary>Cuts this tensor along <paramref name="dim"/> into parts of <paramref name="sizes"/>, which must add up to the
    /// axis's size (PyTorch's <c>torch.split</c> with a list). Each part is a copy.</summary>
    public TensorTuple Split(int[] sizes, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        int a = CheckedAxis(dim, "Split");
        long sum = 0;
        foreach (int s in sizes)
        {
            if (s <= 0) throw new ArgumentOutOfRangeException(nameof(sizes), $"Split needs positive sizes, got [{string.Join(", ", sizes)}].");
            sum += s;
        }
        if (sum != _shape[a])
            throw new ArgumentException($"Split sizes [{string.Join(", ", sizes)}] add up to {sum}, but axis {a} of {ShapeText(_shape)} has {_shape[a]}.", nameof(sizes));
        return Parts("Split", a, sizes);
    }

    /// <summary>Cuts this tensor along <paramref name="dim"/> into parts of <paramref name="splitSize"/> (PyTorch's
    /// <c>torch.split</c> with an int): the last is smaller when it does not divide. Each part is a copy.</summary>
    public TensorTuple Split(int splitSize, int dim = 0)
    {
        int a = CheckedAxis(dim, "Split");
        if (splitSize <= 0) throw new ArgumentOutOfRangeException(nameof(splitSize), splitSize, $"Split needs a positive split size, got {splitSize}.");
        return Parts("Split", a, Sizes(_shape[a], splitSize));
    }

    /// <summary>The <paramref name="k"/> largest (or smallest) elements along <paramref name="dim"/>, sorted, and their
    /// positions along it (PyTorch's <c>torch.topk</c>; ties keep the lower index first, NaN counts as the largest). The
    /// indices are a float tensor of whole numbers (exact below 2^24).</summary>
    public (Tensor Values, Tensor Indices) TopK(int k, int dim = -1, bool largest = true)
    {
        int a = CheckedAxis(dim, "TopK");
        if (k <= 0 || k > _shape[a])
            throw new ArgumentOutOfRangeException(nameof(k), k, $"TopK needs 1 <= k <= {_shape[a]} (axis {a} of {ShapeText(_shape)}), got {k}.");
        int[] shape = Shape;
        shape[a] = k;
        Tensor values = Empty(shape), indices = Empty(shape);
        (int outer, int inner) = OuterInner(a);
        CpuTopK.Forward(values._data, indices._data, _data, outer, _shape[a], inner, k, largest);
        return (values, indices);
    }

    private int CheckedAxis(int dim, string op)
    {
        if (Rank == 0) throw new ArgumentException($"{op} needs a tensor with at least one axis, got a scalar.", nameof(dim));
        if (dim < -Rank || dim >= Rank)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, $"{op} along axis {dim} is out of range for {ShapeText(_shape)}.");
        return NormalizeAxis(dim, Rank);
    }

    private (int Outer, int Inner) OuterInner(int axis)
    {
        int outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer = checked(outer * _shape[d]);
        for (int d = axis + 1; d < Rank; d++) inner = checked(inner * _shape[d]);
        return (outer, inner);
    }

    private static int[] Sizes(int n, int size)
    {
        int count = (n + size - 1) / size;
        var sizes = new int[count];
        for (int i = 0; i < count; i++) sizes[i] = Math.Min(size, n - i * size);
        return sizes;
    }

    private TensorTuple Parts(string op, int axis, int[] sizes)
    {
        var parts = new Tensor[sizes.Length];
        int start = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            parts[i] = Slice(axis, start, start + sizes[i]);
            start += sizes[i];
        }
        return new TensorTuple(op, parts);
    }
}
