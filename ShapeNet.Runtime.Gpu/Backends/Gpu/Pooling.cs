using ILGPU;
using ILGPU.Runtime;
using ShapeNet.Backends.Cpu;

namespace ShapeNet.Backends.Gpu;

/// <summary>
/// Max, average and global average pooling over NCHW planes (mirror of <c>Cpu/Pooling.cs</c>, PyTorch semantics with
/// ceil_mode = false). Forward: one thread per output. Backward: one thread per input element gathers the outputs whose
/// windows cover it, in the order the CPU backend scatters them, so no atomics and the same sums.
/// </summary>
public sealed class GpuPooling
{
    private readonly GpuKernels _k;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, PoolGeometry> _maxForward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, PoolGeometry, int> _maxBackward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, PoolGeometry, int> _avgForward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, PoolGeometry, int> _avgBackward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, int> _globalForward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, int, int> _globalBackward;

    internal GpuPooling(GpuKernels k)
    {
        _k = k;
        Accelerator a = k.Accelerator;
        _maxForward = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, PoolGeometry>(MaxPoolForwardKernel);
        _maxBackward = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, PoolGeometry, int>(MaxPoolBackwardKernel);
        _avgForward = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, PoolGeometry, int>(AvgPoolForwardKernel);
        _avgBackward = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, PoolGeometry, int>(AvgPoolBackwardKernel);
        _globalForward = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(GlobalAvgPoolForwardKernel);
        _globalBackward = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(GlobalAvgPoolBackwardKernel);
    }

    /// <summary>x (N,C,H,W) -> y, indices (N,C,outH,outW): window maxima (padding never wins, NaN sticks, ties keep the
    /// first position) and the winner's ih·W + iw as a float.</summary>
    public void MaxPool2d_Forward(ArrayView<float> y, ArrayView<float> indices, ArrayView<float> x, int batch, int channels, int height, int width,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW)
    {
        var g = PoolGeometry.Create("MaxPool2d", batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW);
        g.Check("MaxPool2d", x, y);
        GpuKernels.Need(indices, g.OutputLength, "MaxPool2d", "indices");
        int count = GpuKernels.Count(g.OutputLength, "MaxPool2d");
        if (count > 0) _maxForward(_k.Stream, count, y, indices, x, g);
    }

    /// <summary>dy, indices (N,C,outH,outW) -> dx (N,C,H,W): dx (+)= dy at the stored positions.</summary>
    public void MaxPool2d_Backward(ArrayView<float> dx, ArrayView<float> dy, ArrayView<float> indices, int batch, int channels, int height, int width,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, bool accumulate)
    {
        var g = PoolGeometry.Create("MaxPool2d backward", batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW);
        g.Check("MaxPool2d backward", dx, dy);
        GpuKernels.Need(indices, g.OutputLength, "MaxPool2d backward", "indices");
        int count = GpuKernels.Count(g.InputLength, "MaxPool2d backward");
        if (count > 0) _maxBackward(_k.Stream, count, dx, dy, indices, g, accumulate ? 1 : 0);
    }

    /// <summary>x -> y: window means; the divisor counts padding when countIncludePad.</summary>
    public void AvgPool2d_Forward(ArrayView<float> y, ArrayView<float> x, int batch, int channels, int height, int width,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, bool countIncludePad)
    {
        var g = PoolGeometry.Create("AvgPool2d", batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW);
        g.Check("AvgPool2d", x, y);
        int count = GpuKernels.Count(g.OutputLength, "AvgPool2d");
        if (count > 0) _avgForward(_k.Stream, count, y, x, g, countIncludePad ? 1 : 0);
    }

    /// <summary>dy -> dx (+)= each output's gradient spread over its in-bounds window by the forward's divisor.</summary>
    public void AvgPool2d_Backward(ArrayView<float> dx, ArrayView<float> dy, int batch, int channels, int height, int width,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, bool countIncludePad, bool accumulate)
    {
        var g = PoolGeometry.Create("AvgPool2d backward", batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW);
        g.Check("AvgPool2d backward", dx, dy);
        int count = GpuKernels.Count(g.InputLength, "AvgPool2d backward");
        if (count > 0) _avgBackward(_k.Stream, count, dx, dy, g, (countIncludePad ? 1 : 0) | (accumulate ? 2 : 0));
    }

    /// <summary>x (N,C,plane) -> y (N,C): plane means.</summary>
    public void GlobalAvgPool_Forward(ArrayView<float> y, ArrayView<float> x, int batch, int channels, int planeSize)
    {
        int planes = CheckGlobal("GlobalAvgPool", y, x, batch, channels, planeSize);
        if (planes > 0) _globalForward(_k.Stream, planes, y, x, planeSize);
    }

    /// <summary>dy (N,C) -> dx (N,C,plane) (+)= dy / planeSize.</summary>
    public void GlobalAvgPool_Backward(ArrayView<float> dx, ArrayView<float> dy, int batch, int channels, int planeSize, bool accumulate)
    {
        int planes = CheckGlobal("GlobalAvgPool backward", dy, dx, batch, channels, planeSize);
        int count = GpuKernels.Count((long)planes * planeSize, "GlobalAvgPool backward");
        if (count > 0) _globalBackward(_k.Stream, count, dx, dy, planeSize, accumulate ? 1 : 0);
    }

    private static int CheckGlobal(string op, ArrayView<float> pooled, ArrayView<float> planes, int batch, int channels, int planeSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(planeSize);
        long count = (long)batch * channels;
        GpuKernels.Need(pooled, count, op, "pooled");
        GpuKernels.Need(planes, count * planeSize, op, "planes");
        return GpuKernels.Count(count, op);
    }

    /// <summary>Pooling sizes passed to kernels by value.</summary>
    public struct PoolGeometry
    {
        public int Height, Width, OutH, OutW, KernelH, KernelW, StrideH, StrideW, PadH, PadW;
        public long Planes;

        public readonly long InputLength => Planes * Height * Width;
        public readonly long OutputLength => Planes * OutH * OutW;

        internal static PoolGeometry Create(string op, int batch, int channels, int height, int width,
            int kernelH, int kernelW, int strideH, int strideW, int padH, int padW)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(batch);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
            return new PoolGeometry
            {
                Planes = (long)batch * channels, Height = height, Width = width,
                OutH = CpuPooling.OutputSize(height, kernelH, strideH, padH, "height"),
                OutW = CpuPooling.OutputSize(width, kernelW, strideW, padW, "width"),
                KernelH = kernelH, KernelW = kernelW, StrideH = strideH, StrideW = strideW, PadH = padH, PadW = padW,
            };
        }

        internal readonly void Check(string op, ArrayView<float> input, ArrayView<float> output)
        {
            if (input.Length >= InputLength && output.Length >= OutputLength) return;
            string sizes = $"{op} k{KernelH}×{KernelW} s{StrideH}×{StrideW} p{PadH}×{PadW} on {Planes} planes of {Height}×{Width}";
            GpuKernels.Need(input, InputLength, sizes, "input");
            GpuKernels.Need(output, OutputLength, sizes, "output");
        }

        /// <summary>The outputs whose windows cover input row (or column) i: [first, last].</summary>
        public static void Covering(int i, int kernel, int stride, int pad, int outSize, out int first, out int last)
        {
            int numerator = i + pad - kernel + 1;
            first = numerator <= 0 ? 0 : (numerator + stride - 1) / stride;
            last = (i + pad) / stride;
            if (last > outSize - 1) last = outSize - 1;
        }

        /// <summary>The in-bounds window of output (oh, ow) and its divisor's reciprocal (PyTorch's avg_pool2d, as CpuPooling).</summary>
        public readonly void Window(int oh, int ow, bool countIncludePad, out int h0, out int h1, out int w0, out int w1, out float scale)
        {
            h0 = oh * StrideH - PadH;
            w0 = ow * StrideW - PadW;
            h1 = Math.Min(h0 + KernelH, Height + PadH);
            w1 = Math.Min(w0 + KernelW, Width + PadW);
            int paddedCount = (h1 - h0) * (w1 - w0);
            h0 = Math.Max(h0, 0);
            w0 = Math.Max(w0, 0);
            h1 = Math.Min(h1, Height);
            w1 = Math.Min(w1, Width);
            scale = 1f / (countIncludePad ? paddedCount : (h1 - h0) * (w1 - w0));
        }
    }

    // ---- device code ---------------------------------------------------------------------------

    [Kernel]
    internal static void MaxPoolForwardKernel(Index1D i, ArrayView<float> y, ArrayView<float> indices, ArrayView<float> x, PoolGeometry g)
    {
        int outPlane = g.OutH * g.OutW;
        long plane = i / outPlane;
        int o = (int)(i % outPlane), oh = o / g.OutW, ow = o % g.OutW;
        long xPlane = plane * g.Height * g.Width;
        int h0 = oh * g.StrideH - g.PadH, h1 = Math.Min(h0 + g.KernelH, g.Height);
        h0 = Math.Max(h0, 0);
        int w0 = ow * g.StrideW - g.PadW, w1 = Math.Min(w0 + g.KernelW, g.Width);
        w0 = Math.Max(w0, 0);
        float best = float.NegativeInfinity;
        int bestIndex = h0 * g.Width + w0;
        for (int ih = h0; ih < h1; ih++)
            for (int iw = w0; iw < w1; iw++)
            {
                float v = x[xPlane + ih * g.Width + iw];
                if (v > best || float.IsNaN(v) && !float.IsNaN(best))
                {
                    best = v;
                    bestIndex = ih * g.Width + iw;
                }
            }
        y[i] = best;
        indices[i] = bestIndex;
    }

    [Kernel]
    internal static void MaxPoolBackwardKernel(Index1D i, ArrayView<float> dx, ArrayView<float> dy, ArrayView<float> indices, PoolGeometry g, int accumulate)
    {
        int inPlane = g.Height * g.Width, outPlane = g.OutH * g.OutW;
        long plane = i / inPlane;
        int position = (int)(i % inPlane), ih = position / g.Width, iw = position % g.Width;
        PoolGeometry.Covering(ih, g.KernelH, g.StrideH, g.PadH, g.OutH, out int oh0, out int oh1);
        PoolGeometry.Covering(iw, g.KernelW, g.StrideW, g.PadW, g.OutW, out int ow0, out int ow1);
        float sum = accumulate != 0 ? dx[i] : 0f;
        long yPlane = plane * outPlane;
        for (int oh = oh0; oh <= oh1; oh++)
            for (int ow = ow0; ow <= ow1; ow++)
            {
                long o = yPlane + oh * g.OutW + ow;
                if ((int)indices[o] == position) sum += dy[o];
            }
        dx[i] = sum;
    }

    [Kernel]
    internal static void AvgPoolForwardKernel(Index1D i, ArrayView<float> y, ArrayView<float> x, PoolGeometry g, int countIncludePad)
    {
        int outPlane = g.OutH * g.OutW;
        long plane = i / outPlane;
        int o = (int)(i % outPlane);
        g.Window(o / g.OutW, o % g.OutW, countIncludePad != 0, out int h0, out int h1, out int w0, out int w1, out float scale);
        long xPlane = plane * g.Height * g.Width;
        float sum = 0f;
        for (int ih = h0; ih < h1; ih++)
            for (int iw = w0; iw < w1; iw++) sum += x[xPlane + ih * g.Width + iw];
        y[i] = sum * scale;
    }

    /// <summary>flags: bit 0 countIncludePad, bit 1 accumulate.</summary>
    [Kernel]
    internal static void AvgPoolBackwardKernel(Index1D i, ArrayView<float> dx, ArrayView<float> dy, PoolGeometry g, int flags)
    {
        int inPlane = g.Height * g.Width, outPlane = g.OutH * g.OutW;
        long plane = i / inPlane;
        int position = (int)(i % inPlane), ih = position / g.Width, iw = position % g.Width;
        PoolGeometry.Covering(ih, g.KernelH, g.StrideH, g.PadH, g.OutH, out int oh0, out int oh1);
        PoolGeometry.Covering(iw, g.KernelW, g.StrideW, g.PadW, g.OutW, out int ow0, out int ow1);
        float sum = (flags & 2) != 0 ? dx[i] : 0f;
        long yPlane = plane * outPlane;
        for (int oh = oh0; oh <= oh1; oh++)
            for (int ow = ow0; ow <= ow1; ow++)
            {
                g.Window(oh, ow, (flags & 1) != 0, out _, out _, out _, out _, out float scale);
                sum += dy[yPlane + oh * g.OutW + ow] * scale;
            }
        dx[i] = sum;
    }

    [Kernel]
    internal static void GlobalAvgPoolForwardKernel(Index1D p, ArrayView<float> y, ArrayView<float> x, int planeSize)
    {
        long start = (long)p.X * planeSize;
        float sum = 0f;
        for (int j = 0; j < planeSize; j++) sum += x[start + j];
        y[p] = sum / planeSize;
    }

    [Kernel]
    internal static void GlobalAvgPoolBackwardKernel(Index1D i, ArrayView<float> dx, ArrayView<float> dy, int planeSize, int accumulate)
    {
        float share = dy[i / planeSize] / planeSize;
        dx[i] = accumulate != 0 ? dx[i] + share : share;
    }
}
