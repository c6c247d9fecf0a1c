using ILGPU;
using ILGPU.Runtime;

namespace ShapeNet.Backends.Gpu;

/// <summary>
/// Top-k along the middle axis of [outer, dim, inner] (mirror of <c>Cpu/TopK.cs</c>, torch.topk sorted): one thread per
/// (outer, inner) column keeps a sorted list of k in the output column (insertion, O(dim·k)); ties keep the lower index
/// first, NaN counts as the largest. The indices are whole-number floats. Backward: the same thread zeroes its dx column
/// (unless accumulating) and adds dy at the kept positions, so no two threads write one element.
/// </summary>
public sealed class GpuTopK
{
    private readonly GpuKernels _k;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int> _forward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int> _backward;

    internal GpuTopK(GpuKernels k)
    {
        _k = k;
        _forward = k.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(TopKForwardKernel);
        _backward = k.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(TopKBackwardKernel);
    }

    /// <summary>x (outer,dim,inner) -> values, indices (outer,k,inner).</summary>
    public void TopK_Forward(ArrayView<float> values, ArrayView<float> indices, ArrayView<float> x, int outer, int dim, int inner, int k, bool largest)
    {
        int columns = Check(outer, dim, inner, k, "TopK", values, indices);
        GpuKernels.Need(x, (long)outer * dim * inner, "TopK", "x");
        if (columns > 0) _forward(_k.Stream, columns, values, indices, x, dim, inner, k, largest ? 1 : 0);
    }

    /// <summary>dValues, indices (outer,k,inner) -> dx (outer,dim,inner): dx (+)= dValues at the kept positions.</summary>
    public void TopK_Backward(ArrayView<float> dx, ArrayView<float> dValues, ArrayView<float> indices, int outer, int dim, int inner, int k, bool accumulate)
    {
        int columns = Check(outer, dim, inner, k, "TopK backward", dValues, indices);
        GpuKernels.Need(dx, (long)outer * dim * inner, "TopK backward", "dx");
        if (columns > 0) _backward(_k.Stream, columns, dx, dValues, indices, dim, inner, k, accumulate ? 1 : 0);
    }

    private static int Check(int outer, int dim, int inner, int k, string op, ArrayView<float> values, ArrayView<float> indices)
    {
        if (outer < 0 || dim < 0 || inner < 0 || k < 1 || k > dim)
            throw new ArgumentException($"{op} needs non-negative sizes and 1 <= k <= dim: outer {outer}, dim {dim}, inner {inner}, k {k}.");
        long kept = (long)outer * k * inner;
        GpuKernels.Need(values, kept, op, "values");
        GpuKernels.Need(indices, kept, op, "indices");
        GpuKernels.Count((long)outer * dim * inner, op);
        return outer * inner;
    }

    // ---- device code ---------------------------------------------------------------------------

    [Kernel]
    internal static void TopKForwardKernel(Index1D column, ArrayView<float> values, ArrayView<float> indices, ArrayView<float> x, int dim, int inner,
        int k, int largest)
    {
        int o = column / inner, j = column % inner;
        long inBase = (long)o * dim * inner + j, outBase = (long)o * k * inner + j;
        int count = 0;
        for (int d = 0; d < dim; d++)
        {
            float v = x[inBase + (long)d * inner];
            int at = count;
            while (at > 0 && Beats(v, values[outBase + (long)(at - 1) * inner], largest != 0)) at--;
            if (at >= k) continue;
            int last = count < k - 1 ? count : k - 1;
            for (int m = last; m > at; m--)
            {
                values[outBase + (long)m * inner] = values[outBase + (long)(m - 1) * inner];
                indices[outBase + (long)m * inner] = indices[outBase + (long)(m - 1) * inner];
            }
            values[outBase + (long)at * inner] = v;
            indices[outBase + (long)at * inner] = d;
            if (count < k) count++;
        }
    }

    [Kernel]
    internal static void TopKBackwardKernel(Index1D column, ArrayView<float> dx, ArrayView<float> dValues, ArrayView<float> indices, int dim, int inner,
        int k, int accumulate)
    {
        int o = column / inner, j = column % inner;
        long inBase = (long)o * dim * inner + j, outBase = (long)o * k * inner + j;
        if (accumulate == 0)
            for (int d = 0; d < dim; d++) dx[inBase + (long)d * inner] = 0f;
        for (int m = 0; m < k; m++)
        {
            int d = (int)indices[outBase + (long)m * inner];
            dx[inBase + (long)d * inner] += dValues[outBase + (long)m * inner];
        }
    }

    /// <summary>Whether <paramref name="candidate"/> goes strictly before <paramref name="kept"/> (NaN counts as the largest).</summary>
    private static bool Beats(float candidate, float kept, bool largest)
    {
        bool candidateNaN = float.IsNaN(candidate), keptNaN = float.IsNaN(kept);
        if (candidateNaN) return largest && !keptNaN;
        if (keptNaN) return !largest;
        return largest ? candidate > kept : candidate < kept;
    }
}
