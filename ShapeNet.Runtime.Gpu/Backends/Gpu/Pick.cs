using ILGPU;
using ILGPU.Runtime;

namespace ShapeNet.Backends.Gpu;

/// <summary>
/// Pick (mirror of <c>Cpu/Pick.cs</c>): y[i] = x[i, indices[i]] and its scatter backward, one thread per row (the backward
/// thread writes its whole row, so nothing races). A kernel cannot throw, so the indices must already be integers in
/// [0, cols): <see cref="GpuBackend"/> checks them on the host before it launches, with the CPU backend's message.
/// </summary>
public sealed class GpuPick
{
    private readonly GpuKernels _k;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _forward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> _backward;

    internal GpuPick(GpuKernels k)
    {
        _k = k;
        _forward = k.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(PickForwardKernel);
        _backward = k.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(PickBackwardKernel);
    }

    /// <summary>x (rows, cols), indices (rows) -> y (rows): y[i] = x[i, indices[i]].</summary>
    public void Pick_Forward(ArrayView<float> y, ArrayView<float> x, ArrayView<float> indices, int rows, int cols)
    {
        Check(rows, cols, "Pick", x, indices);
        GpuKernels.Need(y, rows, "Pick", "y");
        if (rows > 0) _forward(_k.Stream, rows, y, x, indices, cols);
    }

    /// <summary>dy (rows), indices (rows) -> dx (rows, cols): dx[i, indices[i]] (+)= dy[i]; without accumulate the rest of dx is 0.</summary>
    public void Pick_Backward(ArrayView<float> dx, ArrayView<float> dy, ArrayView<float> indices, int rows, int cols, bool accumulate)
    {
        Check(rows, cols, "Pick backward", dx, indices);
        GpuKernels.Need(dy, rows, "Pick backward", "dy");
        if (rows > 0) _backward(_k.Stream, rows, dx, dy, indices, cols, accumulate ? 1 : 0);
    }

    private static void Check(int rows, int cols, string op, ArrayView<float> matrix, ArrayView<float> indices)
    {
        if (rows < 0 || cols <= 0) throw new ArgumentOutOfRangeException(nameof(cols), $"{op}: rows ({rows}) must be ≥ 0 and cols ({cols}) > 0.");
        GpuKernels.Need(matrix, (long)rows * cols, op, "the [rows, cols] operand");
        GpuKernels.Need(indices, rows, op, "indices");
    }

    // ---- device code ---------------------------------------------------------------------------

    [Kernel]
    internal static void PickForwardKernel(Index1D i, ArrayView<float> y, ArrayView<float> x, ArrayView<float> indices, int cols)
        => y[i] = x[(long)(int)i * cols + (int)indices[i]];

    [Kernel]
    internal static void PickBackwardKernel(Index1D i, ArrayView<float> dx, ArrayView<float> dy, ArrayView<float> indices, int cols, int accumulate)
    {
        long row = (long)(int)i * cols;
        int picked = (int)indices[i];
        for (int c = 0; c < cols; c++)
        {
            float g = c == picked ? dy[i] : 0f;
            dx[row + c] = accumulate != 0 ? dx[row + c] + g : g;
        }
    }
}
