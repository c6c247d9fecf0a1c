using ILGPU;
using ILGPU.Runtime;

namespace ShapeNet.Backends.Gpu;

/// <summary>
/// Softmax and log-softmax along the middle axis of [outer, dim, inner] (mirror of <c>Cpu/Softmax.cs</c>). One thread per
/// (outer, inner) column walks its dim values: maximum, Σ exp(x − max), then the outputs. y may be x.
/// </summary>
public sealed class GpuSoftmax
{
    private readonly GpuKernels _k;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, int, int, int> _forward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int> _backward;

    internal GpuSoftmax(GpuKernels k)
    {
        _k = k;
        _forward = k.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(SoftmaxForwardKernel);
        _backward = k.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(SoftmaxBackwardKernel);
    }

    /// <summary>x (outer,dim,inner) -> y: softmax or log-softmax along dim.</summary>
    public void Softmax_Forward(ArrayView<float> y, ArrayView<float> x, int outer, int dim, int inner, bool log)
    {
        int columns = Check(outer, dim, inner, "Softmax", y, x);
        if (columns > 0 && dim > 0) _forward(_k.Stream, columns, y, x, dim, inner, log ? 1 : 0);
    }

    /// <summary>dy, y (outer,dim,inner) -> dx: softmax dx (+)= y·(dy − Σ dy·y); log-softmax dx (+)= dy − exp(y)·Σ dy.</summary>
    public void Softmax_Backward(ArrayView<float> dx, ArrayView<float> dy, ArrayView<float> y, int outer, int dim, int inner,
        bool log, bool accumulate)
    {
        int columns = Check(outer, dim, inner, "Softmax backward", dx, y);
        GpuKernels.Need(dy, (long)outer * dim * inner, "Softmax backward", "dy");
        if (columns > 0 && dim > 0) _backward(_k.Stream, columns, dx, dy, y, dim, inner, (log ? 1 : 0) | (accumulate ? 2 : 0));
    }

    private static int Check(int outer, int dim, int inner, string op, ArrayView<float> output, ArrayView<float> input)
    {
        if (outer < 0 || dim < 0 || inner < 0)
            throw new ArgumentException($"{op} sizes must be non-negative: outer {outer}, dim {dim}, inner {inner}.");
        long count = (long)outer * dim * inner;
        GpuKernels.Need(output, count, op, "output");
        GpuKernels.Need(input, count, op, "input");
        GpuKernels.Count(count, op);
        return outer * inner;
    }

    // ---- device code ---------------------------------------------------------------------------

    [Kernel]
    internal static void SoftmaxForwardKernel(Index1D column, ArrayView<float> y, ArrayView<float> x, int dim, int inner, int log)
    {
        int o = column / inner, j = column % inner;
        long start = (long)o * dim * inner + j;
        float max = x[start];
        for (int d = 1; d < dim; d++) max = MathF.Max(max, x[start + (long)d * inner]);
        float sum = 0f;
        for (int d = 0; d < dim; d++) sum += MathF.Exp(x[start + (long)d * inner] - max);
        if (log != 0)
        {
            float logSum = MathF.Log(sum);
            for (int d = 0; d < dim; d++) y[start + (long)d * inner] = x[start + (long)d * inner] - max - logSum;
        }
        else
        {
            for (int d = 0; d < dim; d++) y[start + (long)d * inner] = MathF.Exp(x[start + (long)d * inner] - max) / sum;
        }
    }

    /// <summary>flags: bit 0 log-softmax, bit 1 accumulate.</summary>
    [Kernel]
    internal static void SoftmaxBackwardKernel(Index1D column, ArrayView<float> dx, ArrayView<float> dy, ArrayView<float> y, int dim, int inner, int flags)
    {
        int o = column / inner, j = column % inner;
        long start = (long)o * dim * inner + j;
        bool log = (flags & 1) != 0, accumulate = (flags & 2) != 0;
        float sum = 0f;
        for (int d = 0; d < dim; d++)
        {
            long at = start + (long)d * inner;
            sum += log ? dy[at] : dy[at] * y[at];
        }
        for (int d = 0; d < dim; d++)
        {
            long at = start + (long)d * inner;
            float g = log ? dy[at] - MathF.Exp(y[at]) * sum : (dy[at] - sum) * y[at];
            dx[at] = accumulate ? dx[at] + g : g;
        }
    }
}
