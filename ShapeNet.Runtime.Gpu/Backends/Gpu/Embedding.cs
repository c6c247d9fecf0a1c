using ILGPU;
using ILGPU.Runtime;

namespace ShapeNet.Backends.Gpu;

/// <summary>
/// Embedding lookup (PyTorch's nn.Embedding): indices stored as floats, as class labels are. The CPU backend has no
/// embedding op yet (the recurrent issue adds it), so the tests compare with a plain host loop. The backward gathers per
/// weight element over the rows that picked its row, so sums are deterministic (no atomics) in row order.
/// </summary>
public sealed class GpuEmbedding
{
    private readonly GpuKernels _k;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> _forward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int> _backward;

    internal GpuEmbedding(GpuKernels k)
    {
        _k = k;
        _forward = k.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(EmbeddingForwardKernel);
        _backward = k.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(EmbeddingBackwardKernel);
    }

    /// <summary>indices (rows), weight (num,dim) -> y (rows,dim): y[r] = weight[indices[r]]; an index outside [0, num) gives NaN.</summary>
    public void Embedding_Forward(ArrayView<float> y, ArrayView<float> indices, ArrayView<float> weight, int rows, int num, int dim)
    {
        Check("Embedding", rows, num, dim, indices, weight);
        GpuKernels.Need(y, (long)rows * dim, "Embedding", "y");
        int count = GpuKernels.Count((long)rows * dim, "Embedding");
        if (count > 0) _forward(_k.Stream, count, y, indices, weight, num, dim);
    }

    /// <summary>dy (rows,dim), indices (rows) -> dWeight (num,dim) (+)= Σ_{r: indices[r] = v} dy[r] for each row v.</summary>
    public void Embedding_Backward(ArrayView<float> dWeight, ArrayView<float> dy, ArrayView<float> indices, int rows, int num, int dim, bool accumulate)
    {
        Check("Embedding backward", rows, num, dim, indices, dWeight);
        GpuKernels.Need(dy, (long)rows * dim, "Embedding backward", "dy");
        int count = GpuKernels.Count((long)num * dim, "Embedding backward");
        if (count > 0) _backward(_k.Stream, count, dWeight, dy, indices, rows, dim, accumulate ? 1 : 0);
    }

    private static void Check(string op, int rows, int num, int dim, ArrayView<float> indices, ArrayView<float> weight)
    {
        if (rows < 0 || num <= 0 || dim <= 0)
            throw new ArgumentException($"{op}: rows {rows} must be non-negative, num {num} and dim {dim} positive.");
        GpuKernels.Need(indices, rows, op, "indices");
        GpuKernels.Need(weight, (long)num * dim, op, "weight");
    }

    // ---- device code ---------------------------------------------------------------------------

    [Kernel]
    internal static void EmbeddingForwardKernel(Index1D i, ArrayView<float> y, ArrayView<float> indices, ArrayView<float> weight, int num, int dim)
    {
        int r = i / dim, j = i % dim;
        float stored = indices[r];
        int index = (int)stored;
        y[i] = index == stored && index >= 0 && index < num ? weight[(long)index * dim + j] : float.NaN;
    }

    [Kernel]
    internal static void EmbeddingBackwardKernel(Index1D i, ArrayView<float> dWeight, ArrayView<float> dy, ArrayView<float> indices, int rows, int dim, int accumulate)
    {
        int v = i / dim, j = i % dim;
        float sum = accumulate != 0 ? dWeight[i] : 0f;
        for (int r = 0; r < rows; r++)
            if (indices[r] == v) sum += dy[(long)r * dim + j];
        dWeight[i] = sum;
    }
}
