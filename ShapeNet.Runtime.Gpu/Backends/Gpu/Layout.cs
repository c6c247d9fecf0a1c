using ILGPU;
using ILGPU.Runtime;

namespace ShapeNet.Backends.Gpu;

/// <summary>Data movement (mirror of <c>Cpu/Layout.cs</c>): axis permutation and strided row copies (concatenation,
/// slicing and their backwards). One thread per destination element.</summary>
public sealed class GpuLayout
{
    private readonly GpuKernels _k;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, Walk, int> _permute;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, long, long, long, int> _copyRows;

    internal GpuLayout(GpuKernels k)
    {
        _k = k;
        _permute = k.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, Walk, int>(PermuteKernel);
        _copyRows = k.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, long, long, long, int>(CopyRowsKernel);
    }

    /// <summary>x (xShape) -> y (xShape[perm[0]], …): y (+)= x permuted; y's axis i is x's axis perm[i].</summary>
    public void Permute(ArrayView<float> y, ArrayView<float> x, ReadOnlySpan<int> xShape, ReadOnlySpan<int> permutation, bool accumulate)
    {
        int rank = xShape.Length;
        if (permutation.Length != rank || rank > Walk.MaxRank)
            throw new ArgumentException($"Permutation of length {permutation.Length} for x of rank {rank}.", nameof(permutation));
        Span<long> xStrides = Walk.Strides(xShape, stackalloc long[Walk.MaxRank]);
        long count = Walk.Product(xShape);
        Span<bool> seen = stackalloc bool[rank];
        var walk = new Walk();
        for (int i = 0; i < rank; i++)
        {
            int axis = permutation[i];
            if ((uint)axis >= (uint)rank || seen[axis])
                throw new ArgumentException($"[{string.Join(", ", permutation.ToArray())}] is not a permutation of {rank} axes.", nameof(permutation));
            seen[axis] = true;
            walk.Append(xShape[axis], xStrides[axis], 0);
        }
        GpuKernels.Need(x, count, "Permute", "x");
        GpuKernels.Need(y, count, "Permute", "y");
        int n = GpuKernels.Count(count, "Permute");
        if (n > 0) _permute(_k.Stream, n, y, x, walk, accumulate ? 1 : 0);
    }

    /// <summary>dst[r·dstStride + i] (+)= src[r·srcStride + i] for r &lt; rows, i &lt; rowLength (views start at the offsets).</summary>
    public void CopyRows(ArrayView<float> destination, long destinationStride, ArrayView<float> source, long sourceStride,
        long rowLength, long rows, bool accumulate)
    {
        if (rows <= 0 || rowLength <= 0) return;
        if ((rows - 1) * destinationStride + rowLength > destination.Length || (rows - 1) * sourceStride + rowLength > source.Length)
            throw new ArgumentException($"CopyRows of {rows}×{rowLength} (strides {destinationStride} and {sourceStride}) overruns " +
                $"the destination ({destination.Length}) or the source ({source.Length}).");
        int n = GpuKernels.Count(rows * rowLength, "CopyRows");
        _copyRows(_k.Stream, n, destination, source, destinationStride, sourceStride, rowLength, accumulate ? 1 : 0);
    }

    // ---- device code ---------------------------------------------------------------------------

    /// <summary>Element i of y in y's order; the walk's A strides step through x.</summary>
    [Kernel]
    internal static void PermuteKernel(Index1D i, ArrayView<float> y, ArrayView<float> x, Walk walk, int accumulate)
    {
        walk.Offsets(i, out long xOffset, out _);
        float v = x[xOffset];
        y[i] = accumulate != 0 ? y[i] + v : v;
    }

    [Kernel]
    internal static void CopyRowsKernel(Index1D i, ArrayView<float> destination, ArrayView<float> source, long destinationStride,
        long sourceStride, long rowLength, int accumulate)
    {
        long r = i / rowLength, c = i % rowLength;
        long to = r * destinationStride + c;
        float v = source[r * sourceStride + c];
        destination[to] = accumulate != 0 ? destination[to] + v : v;
    }
}
