using ILGPU;
using ILGPU.Runtime;

namespace ShapeNet.Backends.Gpu;

/// <summary>
/// Integer-indexed layers (mirror of <c>Cpu/Embedding.cs</c>): <c>Embedding</c> (PyTorch's nn.Embedding with padding_idx) and
/// <c>OneHot</c>, ids as int32. A device cannot throw for an id outside [0, num): the forward writes NaN for that row and the
/// backward ignores it; <see cref="CheckIds"/> is the host check a backend runs where ids enter (as the CPU kernels throw). The
/// backward gathers per weight element over the rows that picked its row, so sums are deterministic (no atomics), in row order.
/// </summary>
public sealed class GpuEmbedding
{
    private readonly GpuKernels _k;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int> _forward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int, int, int> _backward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<int>, int> _oneHot;

    internal GpuEmbedding(GpuKernels k)
    {
        _k = k;
        _forward = k.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int>(EmbeddingForwardKernel);
        _backward = k.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int, int, int>(EmbeddingBackwardKernel);
        _oneHot = k.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<int>, int>(OneHotKernel);
    }

    /// <summary>ids (rows), weight (num,dim) -> y (rows,dim): y[r] = weight[ids[r]]; an id outside [0, num) gives a NaN row.
    /// paddingIdx changes nothing in the forward (the padding row holds whatever it holds).</summary>
    public void Embedding_Forward(ArrayView<float> y, ArrayView<int> ids, ArrayView<float> weight, int rows, int num, int dim)
    {
        Check("Embedding", rows, num, dim, ids, weight);
        GpuKernels.Need(y, (long)rows * dim, "Embedding", "y");
        int count = GpuKernels.Count((long)rows * dim, "Embedding");
        if (count > 0) _forward(_k.Stream, count, y, ids, weight, num, dim);
    }

    /// <summary>dy (rows,dim), ids (rows) -> dWeight (num,dim) (+)= Σ_{r: ids[r] = v} dy[r] for each row v except
    /// <paramref name="paddingIdx"/> (−1 for none), whose gradient is zero (left as it is when accumulating), as in PyTorch.</summary>
    public void Embedding_Backward(ArrayView<float> dWeight, ArrayView<float> dy, ArrayView<int> ids, int rows, int num, int dim,
        int paddingIdx, bool accumulate)
    {
        Check("Embedding backward", rows, num, dim, ids, dWeight);
        GpuKernels.Need(dy, (long)rows * dim, "Embedding backward", "dy");
        if (paddingIdx < -1 || paddingIdx >= num)
            throw new ArgumentOutOfRangeException(nameof(paddingIdx), paddingIdx,
                $"Embedding({num}, {dim}): paddingIdx must be a row in [0, {num}) or −1 for none.");
        int count = GpuKernels.Count((long)num * dim, "Embedding backward");
        if (count > 0) _backward(_k.Stream, count, dWeight, dy, ids, rows, dim, paddingIdx, accumulate ? 1 : 0);
    }

    /// <summary>ids (rows) -> y (rows,classes): 1 where the column is the id, else 0 (F.one_hot as floats; an id outside the
    /// classes gives a zero row).</summary>
    public void OneHot_Forward(ArrayView<float> y, ArrayView<int> ids, int rows, int classes)
    {
        if (rows < 0 || classes < 1) throw new ArgumentException($"OneHot: rows {rows} must be non-negative and classes {classes} positive.");
        if (ids.Length < rows) throw new ArgumentException($"OneHot: ids needs {rows} values, the view has {ids.Length}.", nameof(ids));
        GpuKernels.Need(y, (long)rows * classes, "OneHot", "y");
        int count = GpuKernels.Count((long)rows * classes, "OneHot");
        if (count > 0) _oneHot(_k.Stream, count, y, ids, classes);
    }

    /// <summary>The host check of ids before they are uploaded (a device cannot throw): the CPU kernels' message for the first
    /// id outside [0, limit).</summary>
    public static void CheckIds(ReadOnlySpan<int> ids, int limit, string op)
    {
        for (int r = 0; r < ids.Length; r++)
            if ((uint)ids[r] >= (uint)limit)
                throw new ArgumentOutOfRangeException(nameof(ids), ids[r],
                    $"{op}: id {ids[r]} at position {r} (row {r} of the output) is outside [0, {limit}): " +
                    (ids[r] < 0 ? "ids cannot be negative." : $"the table has {limit} rows."));
    }

    private static void Check(string op, int rows, int num, int dim, ArrayView<int> ids, ArrayView<float> weight)
    {
        if (rows < 0 || num <= 0 || dim <= 0)
            throw new ArgumentException($"{op}: rows {rows} must be non-negative, num {num} and dim {dim} positive.");
        if (ids.Length < rows) throw new ArgumentException($"{op}: ids needs {rows} values, the view has {ids.Length}.", nameof(ids));
        GpuKernels.Need(weight, (long)num * dim, op, "weight");
    }

    // ---- device code ---------------------------------------------------------------------------

    [Kernel]
    internal static void EmbeddingForwardKernel(Index1D i, ArrayView<float> y, ArrayView<int> ids, ArrayView<float> weight, int num, int dim)
    {
        int r = i / dim, j = i % dim;
        int id = ids[r];
        y[i] = id >= 0 && id < num ? weight[(long)id * dim + j] : float.NaN;
    }

    [Kernel]
    internal static void EmbeddingBackwardKernel(Index1D i, ArrayView<float> dWeight, ArrayView<float> dy, ArrayView<int> ids, int rows,
        int dim, int paddingIdx, int accumulate)
    {
        int v = i / dim, j = i % dim;
        float sum = accumulate != 0 ? dWeight[i] : 0f;
        if (v != paddingIdx)
            for (int r = 0; r < rows; r++)
                if (ids[r] == v) sum += dy[(long)r * dim + j];
        dWeight[i] = sum;
    }

    [Kernel]
    internal static void OneHotKernel(Index1D i, ArrayView<float> y, ArrayView<int> ids, int classes)
    {
        int r = i / classes, c = i % classes;
        y[i] = ids[r] == c ? 1f : 0f;
    }
}
