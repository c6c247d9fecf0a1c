using ILGPU;
using ILGPU.Runtime;
using ShapeNet.Backends.Cpu;

namespace ShapeNet.Backends.Gpu;

/// <summary>
/// Conv2d as im2col + GEMM (mirror of <c>Cpu/Convolution.cs</c>; NCHW, PyTorch semantics with groups and dilation): the
/// convolution ShapeNet runs where cuDNN is not (ILGPU's CPU accelerator in CI, other accelerators, a CUDA machine with only
/// the driver and cuBLAS). Per sample: im2col into the workspace ([inC·kH·kW, outH·outW]), then one GEMM batched over the
/// groups with bias and activation in its epilogue. Backward per sample: im2col again, dW (+)= dY·colᵀ, dcol = Wᵀ·dY, and
/// col2im gathers dcol into dx (each input element sums the taps that read it: no atomics).
/// </summary>
public sealed class GpuConvolution : IGpuConvolution
{
    private readonly GpuKernels _k;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ConvArgs> _im2col;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ConvArgs, int> _col2im;

    internal GpuConvolution(GpuKernels k)
    {
        _k = k;
        _im2col = k.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ConvArgs>(Im2ColKernel);
        _col2im = k.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ConvArgs, int>(Col2ImKernel);
    }

    /// <summary>Floats of the workspace both passes take: one sample's column matrix.</summary>
    public static long WorkspaceLength(in Conv2dGeometry g) => (long)g.InChannels * g.KernelArea * g.OutPlane;

    public string Name => "ShapeNet im2col + GEMM";

    long IGpuConvolution.WorkspaceLength(in Conv2dGeometry g) => WorkspaceLength(g);

    void IGpuConvolution.Forward(ArrayView<float> y, ArrayView<float> x, ArrayView<float> weight, ArrayView<float> bias,
        ArrayView<float> workspace, in Conv2dGeometry g, UnaryOp activation)
        => Conv2d_Forward(y, x, weight, bias, workspace, g, activation);

    void IGpuConvolution.Backward(ArrayView<float> dx, ArrayView<float> dWeight, ArrayView<float> dBias, ArrayView<float> dy,
        ArrayView<float> x, ArrayView<float> weight, ArrayView<float> workspace, in Conv2dGeometry g, bool accumulateDx, bool accumulateParameters)
        => Conv2d_Backward(dx, dWeight, dBias, dy, x, weight, workspace, g, accumulateDx, accumulateParameters);

    void IDisposable.Dispose()
    {
    }

    /// <summary>x (N,inC,H,W), weight (outC,inC/groups,kH,kW), bias (outC or empty) -> y (N,outC,outH,outW) = act(conv + b);
    /// act is Identity or Relu.</summary>
    public void Conv2d_Forward(ArrayView<float> y, ArrayView<float> x, ArrayView<float> weight, ArrayView<float> bias, ArrayView<float> workspace,
        in Conv2dGeometry g, UnaryOp activation)
    {
        if (activation is not (UnaryOp.Identity or UnaryOp.Relu))
            throw new ArgumentException($"Conv2d fuses Identity or Relu, not {activation}.", nameof(activation));
        Check(g, x, weight, workspace);
        GpuKernels.Need(y, g.OutputLength, "Conv2d", "y");
        if (bias.Length > 0) GpuKernels.Need(bias, g.OutChannels, "Conv2d", "bias");
        ConvArgs args = ConvArgs.From(g);
        int ocg = g.GroupOutChannels, depth = g.GroupDepth, plane = g.OutPlane;
        long inSample = (long)g.InChannels * g.InPlane, outSample = (long)g.OutChannels * plane;
        int columns = GpuKernels.Count(WorkspaceLength(g), "Conv2d columns");
        for (int n = 0; n < g.Batch; n++)
        {
            _im2col(_k.Stream, columns, workspace, x.SubView(n * inSample, inSample), args);
            _k.Blas.Gemm(false, false, ocg, plane, depth, 1f, weight, depth, workspace, plane, 0f, y.SubView(n * outSample, outSample), plane,
                g.Groups, (long)ocg * depth, (long)depth * plane, (long)ocg * plane,
                bias, bias.Length > 0 ? GpuGemm.BiasMode.PerRow : GpuGemm.BiasMode.None, ocg, activation);
        }
    }

    /// <summary>dy (N,outC,outH,outW), x, weight -> dx (+)= input gradient (skipped when empty), dW (+)= weight gradient,
    /// db (+)= Σ_{N,outH,outW} dy (skipped when empty). dy is the gradient of the pre-activation output.</summary>
    public void Conv2d_Backward(ArrayView<float> dx, ArrayView<float> dWeight, ArrayView<float> dBias, ArrayView<float> dy, ArrayView<float> x,
        ArrayView<float> weight, ArrayView<float> workspace, in Conv2dGeometry g, bool accumulateDx, bool accumulateParameters)
    {
        Check(g, x, weight, workspace);
        GpuKernels.Need(dy, g.OutputLength, "Conv2d backward", "dy");
        GpuKernels.Need(dWeight, g.WeightLength, "Conv2d backward", "dWeight");
        if (dx.Length > 0) GpuKernels.Need(dx, g.InputLength, "Conv2d backward", "dx");
        if (dBias.Length > 0) GpuKernels.Need(dBias, g.OutChannels, "Conv2d backward", "dBias");
        ConvArgs args = ConvArgs.From(g);
        int ocg = g.GroupOutChannels, depth = g.GroupDepth, plane = g.OutPlane;
        long inSample = (long)g.InChannels * g.InPlane, outSample = (long)g.OutChannels * plane;
        int columns = GpuKernels.Count(WorkspaceLength(g), "Conv2d columns");
        int inputs = GpuKernels.Count(inSample, "Conv2d input");
        if (g.Batch == 0 && !accumulateParameters) _k.Elementwise.Fill(dWeight, 0f, g.WeightLength);
        for (int n = 0; n < g.Batch; n++)
        {
            ArrayView<float> dySample = dy.SubView(n * outSample, outSample);
            _im2col(_k.Stream, columns, workspace, x.SubView(n * inSample, inSample), args);
            _k.Blas.Gemm(false, true, ocg, depth, plane, 1f, dySample, plane, workspace, plane, n > 0 || accumulateParameters ? 1f : 0f,
                dWeight, depth, g.Groups, (long)ocg * plane, (long)depth * plane, (long)ocg * depth, default, GpuGemm.BiasMode.None, 0, UnaryOp.Identity);
            if (dx.Length == 0) continue;
            _k.Blas.Gemm(true, false, depth, plane, ocg, 1f, weight, depth, dySample, plane, 0f, workspace, plane,
                g.Groups, (long)ocg * depth, (long)ocg * plane, (long)depth * plane, default, GpuGemm.BiasMode.None, 0, UnaryOp.Identity);
            _col2im(_k.Stream, inputs, dx.SubView(n * inSample, inSample), workspace, args, accumulateDx ? 1 : 0);
        }
        if (dBias.Length > 0)
            _k.Reduction.Reduce(ReduceOp.Sum, dBias, dy, [g.Batch, g.OutChannels, plane], [true, false, true], accumulateParameters);
    }

    private static void Check(in Conv2dGeometry g, ArrayView<float> x, ArrayView<float> weight, ArrayView<float> workspace)
    {
        GpuKernels.Need(x, g.InputLength, "Conv2d", "x");
        GpuKernels.Need(weight, g.WeightLength, "Conv2d", "weight");
        GpuKernels.Need(workspace, WorkspaceLength(g), "Conv2d", "workspace");
    }

    /// <summary>Convolution sizes passed to kernels by value.</summary>
    public struct ConvArgs
    {
        public int InHeight, InWidth, OutHeight, OutWidth, KernelH, KernelW, StrideH, StrideW, PadH, PadW, DilationH, DilationW;

        internal static ConvArgs From(in Conv2dGeometry g) => new()
        {
            InHeight = g.InHeight, InWidth = g.InWidth, OutHeight = g.OutHeight, OutWidth = g.OutWidth, KernelH = g.KernelH, KernelW = g.KernelW,
            StrideH = g.StrideH, StrideW = g.StrideW, PadH = g.PadH, PadW = g.PadW, DilationH = g.DilationH, DilationW = g.DilationW,
        };
    }

    // ---- device code ---------------------------------------------------------------------------

    /// <summary>col[(c·kH + kh)·kW + kw, oh·outW + ow] = x[c, oh·sH − pH + kh·dH, ow·sW − pW + kw·dW], 0 in the padding.</summary>
    [Kernel]
    internal static void Im2ColKernel(Index1D i, ArrayView<float> columns, ArrayView<float> x, ConvArgs a)
    {
        int plane = a.OutHeight * a.OutWidth;
        int row = i / plane, position = i % plane;
        int oh = position / a.OutWidth, ow = position % a.OutWidth;
        int kernelArea = a.KernelH * a.KernelW;
        int c = row / kernelArea, tap = row % kernelArea, kh = tap / a.KernelW, kw = tap % a.KernelW;
        int ih = oh * a.StrideH - a.PadH + kh * a.DilationH, iw = ow * a.StrideW - a.PadW + kw * a.DilationW;
        columns[i] = ih >= 0 && ih < a.InHeight && iw >= 0 && iw < a.InWidth ? x[((long)c * a.InHeight + ih) * a.InWidth + iw] : 0f;
    }

    /// <summary>dx[c, ih, iw] (+)= Σ over the taps (kh, kw) whose output position (oh, ow) reads it of col[(c, kh, kw), (oh, ow)].</summary>
    [Kernel]
    internal static void Col2ImKernel(Index1D i, ArrayView<float> dx, ArrayView<float> columns, ConvArgs a, int accumulate)
    {
        int inPlane = a.InHeight * a.InWidth, outPlane = a.OutHeight * a.OutWidth;
        int c = i / inPlane, position = i % inPlane, ih = position / a.InWidth, iw = position % a.InWidth;
        float sum = 0f;
        for (int kh = 0; kh < a.KernelH; kh++)
        {
            int h = ih + a.PadH - kh * a.DilationH;
            if (h < 0 || h % a.StrideH != 0) continue;
            int oh = h / a.StrideH;
            if (oh >= a.OutHeight) continue;
            for (int kw = 0; kw < a.KernelW; kw++)
            {
                int w = iw + a.PadW - kw * a.DilationW;
                if (w < 0 || w % a.StrideW != 0) continue;
                int ow = w / a.StrideW;
                if (ow >= a.OutWidth) continue;
                long row = ((long)c * a.KernelH + kh) * a.KernelW + kw;
                sum += columns[row * outPlane + oh * a.OutWidth + ow];
            }
        }
        dx[i] = accumulate != 0 ? dx[i] + sum : sum;
    }
}
