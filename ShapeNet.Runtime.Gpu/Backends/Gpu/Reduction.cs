using ILGPU;
using ILGPU.Runtime;

namespace ShapeNet.Backends.Gpu;

/// <summary>
/// Sum and mean over any set of axes (mirror of <c>Cpu/Reduction.cs</c>). Forward: one thread per output element sums
/// its reduced axes in order. Backward: one thread per input element reads its output's gradient.
/// </summary>
public sealed class GpuReduction
{
    private readonly GpuKernels _k;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ReductionWalk, float, int> _forward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, Walk, float, int> _backward;

    internal GpuReduction(GpuKernels k)
    {
        _k = k;
        _forward = k.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ReductionWalk, float, int>(ReduceForwardKernel);
        _backward = k.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, Walk, float, int>(ReduceBackwardKernel);
    }

    /// <summary>x (xShape) -> y (xShape with the flagged axes of size 1): y = sum or mean over the flagged axes.</summary>
    public void Reduce_Forward(ReduceOp op, ArrayView<float> y, ArrayView<float> x, ReadOnlySpan<int> xShape, ReadOnlySpan<bool> reduceAxes)
        => Reduce(op, y, x, xShape, reduceAxes, accumulate: false);

    /// <summary>As <see cref="Reduce_Forward"/>, adding into y when <paramref name="accumulate"/> (bias gradients).</summary>
    internal void Reduce(ReduceOp op, ArrayView<float> y, ArrayView<float> x, ReadOnlySpan<int> xShape, ReadOnlySpan<bool> reduceAxes, bool accumulate)
    {
        Span<int> yShape = ReducedShape(op, xShape, reduceAxes, stackalloc int[Walk.MaxRank], out long reducedCount);
        GpuKernels.Need(x, Walk.Product(xShape), "Reduce", op, "x");
        GpuKernels.Need(y, Walk.Product(yShape), "Reduce", op, "y");
        int count = GpuKernels.Count(Walk.Product(yShape), "Reduce", op);
        if (count == 0) return;
        float divisor = op == ReduceOp.Mean ? reducedCount : 0f;
        _forward(_k.Stream, count, y, x, ReductionWalk.Create(yShape, yShape, xShape), divisor, accumulate ? 1 : 0);
    }

    /// <summary>dy (reduced shape) -> dx (xShape): dx (+)= broadcast(dy), divided by the reduced count for Mean.</summary>
    public void Reduce_Backward(ReduceOp op, ArrayView<float> dx, ArrayView<float> dy, ReadOnlySpan<int> xShape,
        ReadOnlySpan<bool> reduceAxes, bool accumulate)
    {
        Span<int> yShape = ReducedShape(op, xShape, reduceAxes, stackalloc int[Walk.MaxRank], out long reducedCount);
        GpuKernels.Need(dx, Walk.Product(xShape), "Reduce backward", op, "dx");
        GpuKernels.Need(dy, Walk.Product(yShape), "Reduce backward", op, "dy");
        int count = GpuKernels.Count(Walk.Product(xShape), "Reduce backward", op);
        if (count == 0) return;
        float scale = op == ReduceOp.Mean ? 1f / reducedCount : 1f;
        _backward(_k.Stream, count, dx, dy, Walk.Broadcast(xShape, yShape, xShape), scale, accumulate ? 1 : 0);
    }

    private static Span<int> ReducedShape(ReduceOp op, ReadOnlySpan<int> xShape, ReadOnlySpan<bool> reduceAxes, Span<int> yShape, out long reducedCount)
    {
        if (op is not (ReduceOp.Sum or ReduceOp.Mean)) throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown reduction.");
        if (reduceAxes.Length != xShape.Length)
            throw new ArgumentException($"reduceAxes has {reduceAxes.Length} flags for x of rank {xShape.Length}.", nameof(reduceAxes));
        if (xShape.Length > Walk.MaxRank)
            throw new ArgumentException($"Rank {xShape.Length} exceeds the supported {Walk.MaxRank}.", nameof(xShape));
        yShape = yShape[..xShape.Length];
        reducedCount = 1;
        for (int d = 0; d < xShape.Length; d++)
        {
            yShape[d] = reduceAxes[d] ? 1 : xShape[d];
            if (reduceAxes[d]) reducedCount *= xShape[d];
        }
        return yShape;
    }

    // ---- device code ---------------------------------------------------------------------------

    /// <summary>y[i] (+)= Σ x over the reduced axes (÷ divisor when it is not 0).</summary>
    [Kernel]
    internal static void ReduceForwardKernel(Index1D i, ArrayView<float> y, ArrayView<float> x, ReductionWalk walk, float divisor, int accumulate)
    {
        walk.Kept.Offsets(i, out long xBase, out _);
        long reduced = walk.Reduced.Count;
        float sum = 0f;
        for (long r = 0; r < reduced; r++)
        {
            walk.Reduced.Offsets(r, out long xOffset, out _);
            sum += x[xBase + xOffset];
        }
        if (divisor != 0f) sum /= divisor;
        y[i] = accumulate != 0 ? y[i] + sum : sum;
    }

    [Kernel]
    internal static void ReduceBackwardKernel(Index1D i, ArrayView<float> dx, ArrayView<float> dy, Walk walk, float scale, int accumulate)
    {
        walk.Offsets(i, out _, out long yOffset);
        float g = dy[yOffset] * scale;
        dx[i] = accumulate != 0 ? dx[i] + g : g;
    }
}
