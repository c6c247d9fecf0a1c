using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ShapeNet.Backends.Cpu;

/// <summary>
/// The sizes of one 2-D convolution (NCHW, PyTorch semantics, weight [outC, inC/groups, kH, kW]) and the sizes
/// derived from them. Output size per axis: floor((in + 2·pad − dilation·(kernel − 1) − 1) / stride) + 1.
/// </summary>
public readonly struct Conv2dGeometry
{
    /// <summary>Samples in the batch (N).</summary>
    public readonly int Batch;
    /// <summary>Channels of the input (C_in).</summary>
    public readonly int InChannels;
    /// <summary>Input height in pixels (H_in).</summary>
    public readonly int InHeight;
    /// <summary>Input width in pixels (W_in).</summary>
    public readonly int InWidth;
    /// <summary>Channels of the output (C_out), the weight's first axis.</summary>
    public readonly int OutChannels;
    /// <summary>Kernel height.</summary>
    public readonly int KernelH;
    /// <summary>Kernel width.</summary>
    public readonly int KernelW;
    /// <summary>Vertical stride.</summary>
    public readonly int StrideH;
    /// <summary>Horizontal stride.</summary>
    public readonly int StrideW;
    /// <summary>Zero rows added above and below the input.</summary>
    public readonly int PadH;
    /// <summary>Zero columns added left and right of the input.</summary>
    public readonly int PadW;
    /// <summary>Vertical spacing of the kernel taps (1: adjacent).</summary>
    public readonly int DilationH;
    /// <summary>Horizontal spacing of the kernel taps (1: adjacent).</summary>
    public readonly int DilationW;
    /// <summary>Channel groups: each output channel sees <see cref="GroupInChannels"/> input channels (1: all of them).</summary>
    public readonly int Groups;
    /// <summary>Output height, from <see cref="OutputSize"/>.</summary>
    public readonly int OutHeight;
    /// <summary>Output width, from <see cref="OutputSize"/>.</summary>
    public readonly int OutWidth;

    /// <summary>Validates the sizes (positive channels, groups dividing both channel counts, a kernel that fits the padded
    /// input, every derived size within its integer type) and derives the output size.</summary>
    /// <exception cref="ArgumentException">A size is out of range or a product overflows; the message names it.</exception>
    public Conv2dGeometry(int batch, int inChannels, int inHeight, int inWidth, int outChannels, int kernelH, int kernelW,
        int strideH, int strideW, int padH, int padW, int dilationH, int dilationW, int groups)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groups);
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Conv2d: groups {groups} must divide both inChannels {inChannels} and outChannels {outChannels}.", nameof(groups));
        (Batch, InChannels, InHeight, InWidth, OutChannels, KernelH, KernelW) = (batch, inChannels, inHeight, inWidth, outChannels, kernelH, kernelW);
        (StrideH, StrideW, PadH, PadW, DilationH, DilationW, Groups) = (strideH, strideW, padH, padW, dilationH, dilationW, groups);
        OutHeight = OutputSize(inHeight, kernelH, strideH, padH, dilationH, "height");
        OutWidth = OutputSize(inWidth, kernelW, strideW, padW, dilationW, "width");
        // Every derived size below is computed in int or long arithmetic by the kernels; check here, once, that each fits.
        SizeMath.Product("Conv2d", "the input plane", [inHeight, inWidth], int.MaxValue);
        SizeMath.Product("Conv2d", "the output plane", [OutHeight, OutWidth], int.MaxValue);
        SizeMath.Product("Conv2d", "the padded input plane", [inHeight + 2L * padH, inWidth + 2L * padW], int.MaxValue);
        SizeMath.Product("Conv2d", "the weight", [outChannels, inChannels / groups, kernelH, kernelW], int.MaxValue);
        SizeMath.Product("Conv2d", "the input", [batch, inChannels, inHeight, inWidth]);
        SizeMath.Product("Conv2d", "the output", [batch, outChannels, OutHeight, OutWidth]);
        SizeMath.Product("Conv2d", "one sample's padded input", [inChannels, inHeight + 2L * padH, inWidth + 2L * padW]);
        SizeMath.Product("Conv2d", "one sample's im2col columns", [inChannels, kernelH, kernelW, OutHeight, OutWidth]);
    }

    /// <summary>floor((size + 2·pad − dilation·(kernel − 1) − 1) / stride) + 1, validated to be at least 1.</summary>
    public static int OutputSize(int size, int kernel, int stride, int pad, int dilation, string axis = "size")
    {
        if (size <= 0 || kernel <= 0 || stride <= 0 || dilation <= 0 || pad < 0)
            throw new ArgumentException($"Conv2d {axis}: input {size}, kernel {kernel}, stride {stride}, pad {pad} and dilation {dilation} " +
                "must be positive (pad non-negative).");
        long span = (long)dilation * (kernel - 1) + 1, padded = size + 2L * pad;
        if (span > int.MaxValue)
            throw new ArgumentException($"Conv2d {axis}: the receptive field {dilation:N0}·{kernel - 1}+1 overflows a 32-bit size.");
        if (padded > int.MaxValue)
            throw new ArgumentException($"Conv2d {axis}: the padded input {size:N0}+2·{pad:N0} overflows a 32-bit size.");
        if (padded < span)
            throw new ArgumentException($"Conv2d {axis}: the dilated kernel spans {span} but the padded input is {padded}.");
        return (int)((padded - span) / stride + 1);
    }

    /// <summary>Pixels in one input channel, H_in · W_in.</summary>
    public int InPlane => InHeight * InWidth;
    /// <summary>Pixels in one output channel, H_out · W_out.</summary>
    public int OutPlane => OutHeight * OutWidth;
    /// <summary>Taps in one kernel, kH · kW.</summary>
    public int KernelArea => KernelH * KernelW;
    /// <summary>Input channels each group reads, C_in / groups (the weight's second axis).</summary>
    public int GroupInChannels => InChannels / Groups;
    /// <summary>Output channels each group writes, C_out / groups.</summary>
    public int GroupOutChannels => OutChannels / Groups;
    /// <summary>The depth of one group's GEMM: rows of its im2col block, columns of its weight matrix.</summary>
    public int GroupDepth => GroupInChannels * KernelArea;
    /// <summary>Floats in the input, N · C_in · H_in · W_in.</summary>
    public long InputLength => (long)Batch * InChannels * InPlane;
    /// <summary>Floats in the output, N · C_out · H_out · W_out.</summary>
    public long OutputLength => (long)Batch * OutChannels * OutPlane;
    /// <summary>Floats in the weight, C_out · C_in/groups · kH · kW.</summary>
    public int WeightLength => OutChannels * GroupDepth;
    /// <summary>A 1×1 kernel at stride 1 without padding reads the input as the column matrix itself.</summary>
    public bool IsPointwise => KernelH == 1 && KernelW == 1 && StrideH == 1 && StrideW == 1 && PadH == 0 && PadW == 0;
    /// <summary>Input channels up to which a dense, unpadded, unit-stride convolution runs the direct kernel.</summary>
    public const int DirectMaxChannels = 4;
    /// <summary>Few input channels (an image network's first layer): a GEMM of depth inC·kH·kW and only outC rows is
    /// mostly packing, so a direct kernel accumulates 8 output columns per register instead. Needs outW ≥ 8.</summary>
    public bool IsDirect => Groups == 1 && InChannels <= DirectMaxChannels && KernelArea > 1 && StrideH == 1 && StrideW == 1
        && DilationH == 1 && DilationW == 1 && PadH == 0 && PadW == 0 && OutWidth >= 8;
    /// <summary>Dense unit-stride convolutions other than the direct kernel run as an implicit GEMM: the micro-kernel reads a
    /// weight packed once per call and column strips packed straight from the (zero-padded) input, with no im2col matrix.</summary>
    public bool IsImplicit => Groups == 1 && StrideH == 1 && StrideW == 1 && !IsDirect;
    /// <summary>An implicit convolution whose input gradient is itself an implicit convolution: dx = conv(dy padded by
    /// dilation·(kernel − 1) − pad, the weight flipped and transposed [inC, outC, kH, kW]); needs pad ≤ dilation·(kernel − 1).
    /// Only when the input plane is at most 5/4 of the output plane ("same" convolutions): the transposed convolution
    /// multiplies over every input position, so for a shrinking convolution (12×12 → 8×8) it would do 2.25× the work of
    /// the GEMM and col2im.</summary>
    public bool HasImplicitInputGradient => IsImplicit && PadH <= DilationH * (KernelH - 1) && PadW <= DilationW * (KernelW - 1)
        && 4L * InPlane <= 5L * OutPlane;
    /// <summary>Dense, unit-stride, undilated square 3×3 or 5×5 kernels with at least 8 input and output channels (at most 512)
    /// and padding below the kernel size run as Winograd F(4×4, 3×3) or F(2×2, 5×5) (<see cref="CpuWinograd"/>): 36
    /// multiply-adds per 6×6 input tile and channel pair instead of 144 or 100.</summary>
    public bool IsWinograd => Groups == 1 && StrideH == 1 && StrideW == 1 && DilationH == 1 && DilationW == 1 && KernelH == KernelW
        && (KernelH == 3 || KernelH == 5) && PadH < KernelH && PadW < KernelW && InChannels >= 8 && OutChannels >= 8
        && InChannels <= 512 && OutChannels <= 512 && CpuWinograd.TilesPerSample(this) <= CpuWinograd.MaxTilesPerSample;
    /// <summary>The convolution that computes the input gradient (see <see cref="HasImplicitInputGradient"/>).</summary>
    public Conv2dGeometry InputGradientGeometry => new(Batch, OutChannels, OutHeight, OutWidth, InChannels, KernelH, KernelW, 1, 1,
        DilationH * (KernelH - 1) - PadH, DilationW * (KernelW - 1) - PadW, DilationH, DilationW, 1);
    /// <summary>One sample's input with its zero padding, [inC, H + 2·padH, W + 2·padW].</summary>
    public long PaddedInputLength => (long)InChannels * (InHeight + 2 * PadH) * (InWidth + 2 * PadW);
    /// <summary>One sample's im2col matrix [inC·kH·kW, outH·outW] (none for the pointwise and direct kernels).</summary>
    public long ColumnLength => IsPointwise || IsDirect ? 0 : (long)InChannels * KernelArea * OutPlane;
}

/// <summary>
/// 2-D convolution as im2col + the blocked GEMM. Per sample and group: Y_g[outC/g, outH·outW] = W_g[outC/g, inC/g·kH·kW]
/// · col_g[inC/g·kH·kW, outH·outW]; bias and ReLU are applied to each sample's output while it is still in cache.
/// A pointwise (1×1, stride 1, no padding) convolution skips im2col: the input plane block is the column matrix. A dense,
/// unpadded, unit-stride convolution of at most <see cref="Conv2dGeometry.DirectMaxChannels"/> input channels (the first
/// MNIST conv) runs a direct kernel instead.
/// Backward: dW += dY·colᵀ, dx = col2im(Wᵀ·dY). Batches are split by samples over the cores, each core with its own
/// column buffer and (backward) its own partial weight gradient in the caller's workspace.
/// </summary>
[SkipLocalsInit]
public static unsafe class CpuConvolution
{
    /// <summary>Batches with fewer multiply-adds than this run on the calling thread.</summary>
    private const long ParallelThreshold = 1L << 18;

    /// <summary>Whether eligible 3×3 and 5×5 convolutions (<see cref="Conv2dGeometry.IsWinograd"/>) run as Winograd (the
    /// default) or as the implicit GEMM / im2col paths. For measurements and comparisons; set it between calls.</summary>
    public static bool UseWinograd
    {
        get => CpuWinograd.Enabled;
        set => CpuWinograd.Enabled = value;
    }

    /// <summary>Samples processed at once: one per thread in use, never more than the batch.</summary>
    private static int ConcurrentSamples(int batch) => Math.Max(1, Math.Min(batch, CpuWorkers.Threads));

    /// <summary>Floats of workspace <see cref="Conv2d_Forward"/> and <see cref="Conv2d_Backward"/> need: one im2col
    /// buffer per concurrently processed sample, the transposed weight (GEMM paths), and a partial weight gradient per
    /// extra core, in that order.</summary>
    public static long WorkspaceLength(in Conv2dGeometry g)
    {
        int samples = ConcurrentSamples(g.Batch);
        long length = ImplicitOffset(g);
        if (g.IsImplicit) length += PackedWeightLength(g) + g.WeightLength + samples * PaddedLength(g);
        // The Winograd path reuses the workspace from its start; the other paths stay possible (CpuWinograd.Enabled).
        if (g.IsWinograd) length = Math.Max(length, CpuWinograd.WorkspaceLength(g));
        return length;
    }

    /// <summary>After the im2col layout (columns, transposed weight, partial weight gradients), the implicit GEMM's: the
    /// packed weight (forward) or flipped weight (input gradient), the flipped weight itself, and one padded sample per core.</summary>
    private static long ImplicitOffset(in Conv2dGeometry g) => PartialsOffset(g) + (ConcurrentSamples(g.Batch) - 1) * (long)g.WeightLength;

    /// <summary>Rows rounded up to the widest micro-tile (12), so the length does not depend on the instruction set.</summary>
    private static long PackedWeightLength(in Conv2dGeometry g)
    {
        long forward = RoundUp(g.OutChannels, 12) * (long)g.GroupDepth;
        long inputGradient = g.HasImplicitInputGradient ? RoundUp(g.InChannels, 12) * (long)g.OutChannels * g.KernelArea : 0;
        return Math.Max(forward, inputGradient);
    }

    private static long PaddedLength(in Conv2dGeometry g)
        => Math.Max(g.PaddedInputLength, g.HasImplicitInputGradient ? g.InputGradientGeometry.PaddedInputLength : 0);

    private static long RoundUp(long value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>The forward GEMM reads the weight as op(A) = (Wᵀ)ᵀ: the GEMM packs a transposed A with contiguous reads and
    /// writes, several times faster for these short, deep matrices than packing W's rows with strided writes. The
    /// transpose is made once per call, after the column buffers.</summary>
    private static long TransposedWeightOffset(in Conv2dGeometry g) => ConcurrentSamples(g.Batch) * PartColumnLength(g);

    /// <summary>Inner dimension the backward GEMMs aim for: samples are batched until their output planes add up to this.</summary>
    private const int BlockInner = 128;

    /// <summary>Floats a backward block may occupy (its im2col and dy, 256 KB): a larger block falls out of L2 and the
    /// deep convolutions (88→20 k5: 140k floats per sample) got slower.</summary>
    private const long BlockBudget = 1 << 16;

    /// <summary>Samples whose weight gradient is one GEMM (GEMM and col2im paths): enough for an inner dimension of about
    /// <see cref="BlockInner"/> (8 samples of a 4×4 map, 2 of 8×8, 1 of 12×12: two 12×12 samples measured no faster)
    /// within <see cref="BlockBudget"/>, never more than one core's share of the batch.</summary>
    internal static int BlockSamples(in Conv2dGeometry g)
    {
        if (g.IsDirect || g.Batch == 0) return 1;
        int parts = ConcurrentSamples(g.Batch);
        int share = (g.Batch + parts - 1) / parts;
        long perSample = (long)(g.InChannels * g.KernelArea + g.OutChannels) * g.OutPlane;
        int samples = (int)Math.Min((BlockInner + g.OutPlane - 1) / g.OutPlane, BlockBudget / perSample);
        return Math.Clamp(samples, 1, share);
    }

    /// <summary>Each core's column buffer: the forward's im2col of one sample, or the backward's block of
    /// <see cref="BlockSamples"/> samples — their im2col side by side [inC·kH·kW, samples·outH·outW] followed by their dy
    /// side by side [outC, samples·outH·outW].</summary>
    private static long PartColumnLength(in Conv2dGeometry g)
    {
        long length = g.IsDirect ? 0 : Math.Max(g.ColumnLength, (long)BlockSamples(g) * (g.InChannels * g.KernelArea + g.OutChannels) * g.OutPlane);
        if (HasShiftedWeightGradient(g))
            length = Math.Max(length, ShiftedChunk(g) * (ShiftedSampleLength(g) + (long)g.OutChannels * ShiftedInner(g)) + ShiftedTilesLength(g));
        return length;
    }

    /// <summary>The direct kernel's convolutions (few input channels) and pointwise ones on planes of at least 64 compute dW
    /// from shifted copies of the input (see <see cref="ShiftedWeightGradient"/>): there the dot products are long and the
    /// copies small. Deeper k×k convolutions keep im2col and the GEMM, which measured faster for them (the shifted copies
    /// are kW times the input, and the dot products' 4×2 tiles reach about a third of the GEMM micro-kernel's rate).</summary>
    private static bool HasShiftedWeightGradient(in Conv2dGeometry g)
        => g.IsDirect || (g.IsPointwise && g.Groups == 1 && g.OutPlane >= 64);

    /// <summary>The weight gradient's 4×2 tiles, 8 floats each, tap pairs outer: [⌈K/2⌉, ⌈outC/4⌉, 8].</summary>
    private static long ShiftedTilesLength(in Conv2dGeometry g) => (g.GroupDepth + 1) / 2 * (long)((g.OutChannels + 3) / 4) * 8;

    /// <summary>One sample's output plane rounded up to a whole number of vectors.</summary>
    private static int ShiftedInner(in Conv2dGeometry g) => (g.OutPlane + 7) & ~7;

    /// <summary>One sample's shifted copies [kW, inC, H + 2·padH, outW] and the slack the last tap's rounded-up run reads.</summary>
    private static long ShiftedSampleLength(in Conv2dGeometry g)
        => RoundUp((long)g.KernelW * g.InChannels * (g.InHeight + 2 * g.PadH) * g.OutWidth + ShiftedInner(g) - g.OutPlane, 8);

    /// <summary>Samples whose dot products run before the horizontal sums: about 512 products per sum, within
    /// <see cref="BlockBudget"/>, never more than one core's share.</summary>
    private static int ShiftedChunk(in Conv2dGeometry g)
    {
        if (g.Batch == 0) return 1;
        int parts = ConcurrentSamples(g.Batch);
        int share = (g.Batch + parts - 1) / parts;
        long perSample = ShiftedSampleLength(g) + (long)g.OutChannels * ShiftedInner(g);
        int samples = (int)Math.Min((512 + ShiftedInner(g) - 1) / ShiftedInner(g), BlockBudget / perSample);
        return Math.Clamp(samples, 1, share);
    }

    private static long PartialsOffset(in Conv2dGeometry g) => TransposedWeightOffset(g) + (g.IsDirect ? 0 : g.WeightLength);

    // The operands of the parallel call in flight; written by the thread that owns CpuWorkers.
    private static Conv2dGeometry s_geometry;
    private static float* s_y, s_x, s_weight, s_transposedWeight, s_bias, s_workspace, s_dx, s_dWeight, s_dy, s_padded;
    private static long s_paddedLength;
    private static UnaryOp s_activation;
    private static bool s_accumulateDx, s_accumulateParameters;
    private static int s_parts;

    /// <summary>
    /// x (N,inC,H,W), weight (outC,inC/groups,kH,kW), bias (outC) -> y (N,outC,outH,outW)
    /// y = act(conv(x, W) + b); act is Identity or Relu; an empty bias means none. The workspace holds
    /// <see cref="WorkspaceLength"/> floats (may be empty when that is 0).
    /// </summary>
    public static void Conv2d_Forward(Span<float> y, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> workspace, in Conv2dGeometry g, UnaryOp activation)
    {
        if (activation is not (UnaryOp.Identity or UnaryOp.Relu))
            throw new ArgumentException($"Conv2d fuses Identity or Relu, not {activation}.", nameof(activation));
        Check(y.Length, g.OutputLength, "y", "(N,outC,outH,outW)", g);
        Check(x.Length, g.InputLength, "x", "(N,inC,H,W)", g);
        Check(weight.Length, g.WeightLength, "weight", "(outC,inC/groups,kH,kW)", g);
        if (!bias.IsEmpty) Check(bias.Length, g.OutChannels, "bias", "(outC)", g);
        Check(workspace.Length, WorkspaceLength(g), "workspace", "(Conv2d_WorkspaceLength)", g);
        if (g.Batch == 0) return;

        fixed (float* py = y, px = x, pw = weight, pb = bias, pws = workspace)
        {
            if (CpuWinograd.Applies(g))
            {
                CpuWinograd.Forward(py, px, pw, pb, pws, g, activation == UnaryOp.Relu);
                return;
            }
            if (g.IsImplicit)
            {
                float* packed = pws + ImplicitOffset(g);
                PackWeight(g, pw, packed);
                RunImplicit(g, py, px, packed, pb, pws + ImplicitOffset(g) + PackedWeightLength(g) + g.WeightLength, PaddedLength(g),
                    activation, accumulate: false);
                return;
            }
            float* transposedWeight = pws + TransposedWeightOffset(g);
            if (!g.IsDirect) TransposeWeight(g, pw, transposedWeight);
            int parts = ConcurrentSamples(g.Batch);
            long work = (long)g.Batch * g.OutChannels * g.OutPlane * g.GroupDepth;
            if (parts > 1 && work >= ParallelThreshold && CpuWorkers.TryAcquire())
            {
                s_geometry = g;
                s_y = py; s_x = px; s_weight = pw; s_transposedWeight = transposedWeight; s_bias = pb; s_workspace = pws;
                (s_activation, s_parts) = (activation, parts);
                CpuWorkers.RunAndRelease(&ForwardPart);
                return;
            }
            ForwardSamples(g, 0, g.Batch, py, px, pw, transposedWeight, pb, pws, activation);
        }
    }

    private static void ForwardPart(int part, int _)
    {
        if (part >= s_parts) return;
        Conv2dGeometry g = s_geometry;
        int start = (int)((long)g.Batch * part / s_parts), end = (int)((long)g.Batch * (part + 1) / s_parts);
        ForwardSamples(g, start, end, s_y, s_x, s_weight, s_transposedWeight, s_bias, s_workspace + part * PartColumnLength(g), s_activation);
    }

    private static void ForwardSamples(in Conv2dGeometry g, int start, int end, float* y, float* x, float* weight, float* transposedWeight,
        float* bias, float* columns, UnaryOp activation)
    {
        int plane = g.OutPlane, depth = g.GroupDepth, groupOut = g.GroupOutChannels;
        var transposedSpan = new ReadOnlySpan<float>(transposedWeight, g.IsDirect ? 0 : g.WeightLength);
        for (int s = start; s < end; s++)
        {
            float* xs = x + (long)s * g.InChannels * g.InPlane;
            float* ys = y + (long)s * g.OutChannels * plane;
            if (g.IsDirect)
            {
                if (HasWideDirectForward(g)) WideDirectForward(g, xs, ys, weight, bias, activation == UnaryOp.Relu, columns);
                else DirectForward(g, xs, ys, weight, bias, activation == UnaryOp.Relu);
                continue;
            }
            float* b = xs;
            if (!g.IsPointwise)
            {
                Im2Col(g, xs, columns, plane);
                b = columns;
            }
            for (int group = 0; group < g.Groups; group++)
                CpuGemm.Gemm(true, false, groupOut, plane, depth, 1f, transposedSpan.Slice(group * groupOut * depth, groupOut * depth), groupOut,
                    new ReadOnlySpan<float>(b + (long)group * depth * plane, depth * plane), plane,
                    0f, new Span<float>(ys + (long)group * groupOut * plane, groupOut * plane), plane);
            if (bias == null && activation == UnaryOp.Identity) continue;
            for (int o = 0; o < g.OutChannels; o++)
            {
                var row = new Span<float>(ys + (long)o * plane, plane);
                if (bias != null) TensorPrimitives.Add(row, bias[o], row);
                if (activation == UnaryOp.Relu) TensorPrimitives.Max(row, 0f, row);
            }
        }
    }

    /// <summary>
    /// dy (N,outC,outH,outW), x (N,inC,H,W), weight (outC,inC/groups,kH,kW) -> dx (N,inC,H,W), dWeight (outC,inC/groups,kH,kW), dBias (outC)
    /// dx (+)= conv_transpose(dy, W) (skipped when dx is empty); dW (+)= Σ_samples dY·colᵀ; db (+)= Σ dy over N, outH, outW
    /// (skipped when empty). dy is the gradient of the pre-activation output.
    /// </summary>
    public static void Conv2d_Backward(Span<float> dx, Span<float> dWeight, Span<float> dBias, ReadOnlySpan<float> dy,
        ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> workspace, in Conv2dGeometry g,
        bool accumulateDx, bool accumulateParameters)
    {
        if (!dx.IsEmpty) Check(dx.Length, g.InputLength, "dx", "(N,inC,H,W)", g);
        Check(dWeight.Length, g.WeightLength, "dWeight", "(outC,inC/groups,kH,kW)", g);
        if (!dBias.IsEmpty) Check(dBias.Length, g.OutChannels, "dBias", "(outC)", g);
        Check(dy.Length, g.OutputLength, "dy", "(N,outC,outH,outW)", g);
        Check(x.Length, g.InputLength, "x", "(N,inC,H,W)", g);
        Check(weight.Length, g.WeightLength, "weight", "(outC,inC/groups,kH,kW)", g);
        Check(workspace.Length, WorkspaceLength(g), "workspace", "(Conv2d_WorkspaceLength)", g);

        fixed (float* pdx0 = dx, pdw = dWeight, pdb = dBias, pdy = dy, px = x, pw = weight, pws = workspace)
        {
            // The input gradient of an implicit convolution is a second implicit convolution, after the weight gradient.
            bool implicitDx = pdx0 != null && g.HasImplicitInputGradient;
            float* pdx = implicitDx ? null : pdx0;
            if (g.Batch == 0)
            {
                if (!accumulateParameters) dWeight.Clear();
            }
            else if (CpuWinograd.Applies(g))
            {
                CpuWinograd.Backward(pdx0, pdw, pdy, px, pw, pws, g, accumulateDx, accumulateParameters);
            }
            else
            {
                int parts = ConcurrentSamples(g.Batch);
                long work = (long)g.Batch * g.OutChannels * g.OutPlane * g.GroupDepth * (dx.IsEmpty ? 1 : 2);
                if (parts > 1 && work >= ParallelThreshold && CpuWorkers.TryAcquire())
                {
                    s_geometry = g;
                    s_dx = pdx; s_dWeight = pdw; s_dy = pdy; s_x = px; s_weight = pw; s_workspace = pws;
                    s_parts = parts;
                    (s_accumulateDx, s_accumulateParameters) = (accumulateDx, accumulateParameters);
                    CpuWorkers.RunAndRelease(&BackwardPart);
                    // Parts 1.. summed their samples' weight gradients into private buffers after the column buffers.
                    float* partials = pws + PartialsOffset(g);
                    for (int part = 1; part < parts; part++)
                    {
                        var partial = new ReadOnlySpan<float>(partials + (long)(part - 1) * g.WeightLength, g.WeightLength);
                        TensorPrimitives.Add(dWeight, partial, dWeight);
                    }
                }
                else
                {
                    BackwardSamples(g, 0, g.Batch, pdx, pdw, pdy, px, pw, pws, PaddedBuffer(g, pws, 0), accumulateDx, accumulateParameters);
                }
                if (implicitDx)
                {
                    Conv2dGeometry t = g.InputGradientGeometry;
                    float* flipped = pws + ImplicitOffset(g) + PackedWeightLength(g), packed = pws + ImplicitOffset(g);
                    FlipWeight(g, pw, flipped);
                    PackWeight(t, flipped, packed);
                    RunImplicit(t, pdx0, pdy, packed, null, flipped + g.WeightLength, PaddedLength(g), UnaryOp.Identity, accumulateDx);
                }
            }
        }
        if (dBias.IsEmpty) return;
        Span<float> biasGradient = dBias[..g.OutChannels];
        if (!accumulateParameters) biasGradient.Clear();
        int outPlane = g.OutPlane;
        for (int s = 0; s < g.Batch; s++)
            for (int o = 0; o < g.OutChannels; o++)
                biasGradient[o] += TensorPrimitives.Sum(dy.Slice((s * g.OutChannels + o) * outPlane, outPlane));
    }

    private static void BackwardPart(int part, int _)
    {
        if (part >= s_parts) return;
        Conv2dGeometry g = s_geometry;
        int start = (int)((long)g.Batch * part / s_parts), end = (int)((long)g.Batch * (part + 1) / s_parts);
        float* columns = s_workspace + part * PartColumnLength(g);
        // Part 0 writes the caller's dWeight (honouring accumulate); the others start their private partial from zero.
        float* dWeight = part == 0 ? s_dWeight : s_workspace + PartialsOffset(g) + (long)(part - 1) * g.WeightLength;
        bool accumulateParameters = part == 0 && s_accumulateParameters;
        BackwardSamples(g, start, end, s_dx, dWeight, s_dy, s_x, s_weight, columns, PaddedBuffer(g, s_workspace, part), s_accumulateDx,
            accumulateParameters);
    }

    /// <summary>The padded-sample buffer of one part (implicit convolutions only).</summary>
    private static float* PaddedBuffer(in Conv2dGeometry g, float* workspace, int part)
        => g.IsImplicit ? workspace + ImplicitOffset(g) + PackedWeightLength(g) + g.WeightLength + part * PaddedLength(g) : null;

    /// <summary>Samples [start, end) in blocks of <see cref="BlockSamples"/>: the block's im2col matrices side by side and its
    /// dy side by side make dW (+)= dY_block·col_blockᵀ one GEMM of inner dimension samples·outH·outW (the GEMM packs and
    /// writes the dW tiles once per block, not per sample), and the column gradient Wᵀ·dY_block one GEMM, scattered back
    /// sample by sample by col2im.</summary>
    private static void BackwardSamples(in Conv2dGeometry g, int start, int end, float* dx, float* dWeight, float* dy, float* x,
        float* weight, float* columns, float* padded, bool accumulateDx, bool accumulateParameters)
    {
        int plane = g.OutPlane, depth = g.GroupDepth, groupOut = g.GroupOutChannels, groupBlock = groupOut * depth;
        var weightSpan = new ReadOnlySpan<float>(weight, g.WeightLength);
        var dWeightSpan = new Span<float>(dWeight, g.WeightLength);
        if (start == end && !accumulateParameters) dWeightSpan.Clear();
        bool shifted = HasShiftedWeightGradient(g);
        if (shifted) ShiftedWeightGradient(g, start, end, dy, x, dWeight, !accumulateParameters, columns);
        if (g.IsDirect)
        {
            if (dx != null)
                for (int s = start; s < end; s++)
                    DirectInputGradient(g, dx + (long)s * g.InChannels * g.InPlane, dy + (long)s * g.OutChannels * plane, weight, accumulateDx);
            return;
        }
        if (shifted && dx == null) return;
        int blockSamples = BlockSamples(g), outC = g.OutChannels;
        long columnRows = (long)g.InChannels * g.KernelArea;
        float* dyBlock = columns + blockSamples * columnRows * plane;
        for (int s0 = start; s0 < end; s0 += blockSamples)
        {
            int count = Math.Min(blockSamples, end - s0), inner = count * plane;
            for (int t = 0; t < count && !shifted; t++)
            {
                float* xs = x + (long)(s0 + t) * g.InChannels * g.InPlane;
                if (g.IsImplicit) Im2ColUnitStride(g, xs, padded, columns + t * plane, inner);
                else Im2Col(g, xs, columns + t * plane, inner);
            }
            // One sample's dy is already [outC, plane]; a block's rows are gathered side by side.
            float* a = dy + (long)s0 * outC * plane;
            if (count > 1)
            {
                for (int t = 0; t < count; t++)
                    for (int o = 0; o < outC; o++)
                        Copy(a + ((long)t * outC + o) * plane, dyBlock + (long)o * inner + t * plane, plane);
                a = dyBlock;
            }
            float beta = s0 == start && !accumulateParameters ? 0f : 1f;
            for (int group = 0; group < g.Groups && !shifted; group++)
                CpuGemm.Gemm(false, true, groupOut, depth, inner, 1f,
                    new ReadOnlySpan<float>(a + (long)group * groupOut * inner, groupOut * inner), inner,
                    new ReadOnlySpan<float>(columns + (long)group * depth * inner, depth * inner), inner,
                    beta, dWeightSpan.Slice(group * groupBlock, groupBlock), depth);
            if (dx == null) continue;

            if (g.IsPointwise)
            {
                for (int s = s0; s < s0 + count; s++)
                {
                    float* dxs = dx + (long)s * g.InChannels * g.InPlane, dys = dy + (long)s * outC * plane;
                    for (int group = 0; group < g.Groups; group++)
                        CpuGemm.Gemm(true, false, depth, plane, groupOut, 1f, weightSpan.Slice(group * groupBlock, groupBlock), depth,
                            new ReadOnlySpan<float>(dys + (long)group * groupOut * plane, groupOut * plane), plane,
                            accumulateDx ? 1f : 0f, new Span<float>(dxs + (long)group * depth * plane, depth * plane), plane);
                }
                continue;
            }
            // The column gradient reuses the column buffer: the weight gradient above has finished reading it.
            for (int group = 0; group < g.Groups; group++)
                CpuGemm.Gemm(true, false, depth, inner, groupOut, 1f, weightSpan.Slice(group * groupBlock, groupBlock), depth,
                    new ReadOnlySpan<float>(a + (long)group * groupOut * inner, groupOut * inner), inner,
                    0f, new Span<float>(columns + (long)group * depth * inner, depth * inner), inner);
            for (int t = 0; t < count; t++)
            {
                float* dxs = dx + (long)(s0 + t) * g.InChannels * g.InPlane;
                if (!accumulateDx) new Span<float>(dxs, g.InChannels * g.InPlane).Clear();
                if (g.IsImplicit) Col2ImUnitStride(g, columns + t * plane, dxs, padded, inner);
                else Col2Im(g, columns + t * plane, dxs, inner);
            }
        }
    }

    /// <summary>
    /// dW[o, (c·kH + i)·kW + j] (+)= Σ_s Σ_{oh,ow} dy[s, o, oh, ow]·xpad[s, c, oh + i·dH, ow + j·dW] for a dense unit-stride
    /// convolution, with neither im2col nor GEMM packing. Per sample the input is copied kW times, shifted by j·dW columns
    /// and cut to outW columns (zero in the padding): shifted[j, c, h, ow] = xpad[c, h, ow + j·dW]. Then every tap's
    /// operand is one contiguous run shifted + ((j·inC + c)·paddedH + i·dH)·outW of the output plane's length, as is every
    /// dy row, and dW is a matrix of dot products: 4 output channels × 2 taps per step (8 accumulators, 6 loads), summed
    /// over a chunk of samples in registers before the horizontal sums. The plane is rounded up to whole vectors with zeros
    /// in dy's copy.
    /// </summary>
    private static void ShiftedWeightGradient(in Conv2dGeometry g, int start, int end, float* dy, float* x, float* dWeight, bool overwrite,
        float* buffer)
    {
        int outC = g.OutChannels, plane = g.OutPlane, inner = ShiftedInner(g), chunk = ShiftedChunk(g);
        int inC = g.InChannels, kH = g.KernelH, kW = g.KernelW, depth = g.GroupDepth, paddedH = g.InHeight + 2 * g.PadH, outW = g.OutWidth;
        long sampleLength = ShiftedSampleLength(g), dyLength = (long)outC * inner;
        float* dyCopy = buffer + chunk * sampleLength, tiles = dyCopy + chunk * dyLength;
        // 16 lanes where the GEMM runs its AVX-512 kernels (forcing AVX2 or portable for tests narrows this too).
        bool wide = CpuGemm.Kernel == GemmKernel.Avx512;
        if (start == end) return;
        for (int s0 = start; s0 < end; s0 += chunk)
        {
            int count = Math.Min(chunk, end - s0);
            for (int t = 0; t < count; t++)
            {
                ShiftInput(g, x + (long)(s0 + t) * inC * g.InPlane, buffer + t * sampleLength, sampleLength);
                float* source = dy + (long)(s0 + t) * outC * plane, destination = dyCopy + t * dyLength;
                for (int o = 0; o < outC; o++)
                {
                    Copy(source + (long)o * plane, destination + (long)o * inner, plane);
                    for (int p = plane; p < inner; p++) destination[(long)o * inner + p] = 0f;
                }
            }
            bool store = s0 == start;
            float* tile = tiles;
            for (int k0 = 0; k0 < depth; k0 += 2)
            {
                int k1 = Math.Min(k0 + 1, depth - 1);
                long b0 = ShiftedOffset(k0, inC, kH, kW, paddedH, outW, g.DilationH), b1 = ShiftedOffset(k1, inC, kH, kW, paddedH, outW, g.DilationH);
                for (int o0 = 0; o0 < outC; o0 += 4, tile += 8)
                {
                    int o1 = Math.Min(o0 + 1, outC - 1), o2 = Math.Min(o0 + 2, outC - 1), o3 = Math.Min(o0 + 3, outC - 1);
                    Vector256<float> sums = wide
                        ? ShiftedTile512(dyCopy + (long)o0 * inner, (o1 - o0) * inner, (o2 - o0) * inner, (o3 - o0) * inner,
                            buffer + b0, (int)(b1 - b0), count, dyLength, sampleLength, inner)
                        : ShiftedTile(dyCopy + (long)o0 * inner, (o1 - o0) * inner, (o2 - o0) * inner, (o3 - o0) * inner,
                            buffer + b0, (int)(b1 - b0), count, dyLength, sampleLength, inner);
                    if (!store) sums += Vector256.Load(tile);
                    Vector256.Store(sums, tile);
                }
            }
        }
        int oBlocks = (outC + 3) / 4;
        for (int k0 = 0, pair = 0; k0 < depth; k0 += 2, pair++)
            for (int o = 0; o < outC; o++)
            {
                float* tile = tiles + ((long)pair * oBlocks + o / 4) * 8 + (o & 3) * 2;
                Store(dWeight + (long)o * depth + k0, tile[0], overwrite);
                if (k0 + 1 < depth) Store(dWeight + (long)o * depth + k0 + 1, tile[1], overwrite);
            }
    }

    /// <summary>One 4×2 tile of dot products over <paramref name="count"/> samples: rows d, d + r1, d + r2, d + r3 of dy
    /// against runs x and x + second, as [o0k0, o0k1, o1k0, o1k1, o2k0, o2k1, o3k0, o3k1]. Its own method so the eight
    /// accumulators stay in registers.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<float> ShiftedTile(float* d, int r1, int r2, int r3, float* x, int second, int count, long dyLength,
        long sampleLength, int inner)
    {
        Vector256<float> a00 = Vector256<float>.Zero, a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int t = 0; t < count; t++, d += dyLength, x += sampleLength)
        {
            float* d1 = d + r1, d2 = d + r2, d3 = d + r3, x1 = x + second;
            for (int p = 0; p < inner; p += 8)
            {
                Vector256<float> xa = Vector256.Load(x + p), xb = Vector256.Load(x1 + p), v = Vector256.Load(d + p);
                a00 = Vector256.FusedMultiplyAdd(v, xa, a00);
                a01 = Vector256.FusedMultiplyAdd(v, xb, a01);
                v = Vector256.Load(d1 + p);
                a10 = Vector256.FusedMultiplyAdd(v, xa, a10);
                a11 = Vector256.FusedMultiplyAdd(v, xb, a11);
                v = Vector256.Load(d2 + p);
                a20 = Vector256.FusedMultiplyAdd(v, xa, a20);
                a21 = Vector256.FusedMultiplyAdd(v, xb, a21);
                v = Vector256.Load(d3 + p);
                a30 = Vector256.FusedMultiplyAdd(v, xa, a30);
                a31 = Vector256.FusedMultiplyAdd(v, xb, a31);
            }
        }
        return HorizontalSums(a00, a01, a10, a11, a20, a21, a30, a31);
    }

    /// <summary><see cref="ShiftedTile"/> in 16 lanes (AVX-512; a last 8 floats of a run zero-extended), folded to 8 before
    /// the same reduction.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<float> ShiftedTile512(float* d, int r1, int r2, int r3, float* x, int second, int count, long dyLength,
        long sampleLength, int inner)
    {
        Vector512<float> a00 = Vector512<float>.Zero, a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int t = 0; t < count; t++, d += dyLength, x += sampleLength)
        {
            float* d1 = d + r1, d2 = d + r2, d3 = d + r3, x1 = x + second;
            int p = 0;
            for (; p <= inner - 16; p += 16)
            {
                Vector512<float> xa = Vector512.Load(x + p), xb = Vector512.Load(x1 + p), v = Vector512.Load(d + p);
                a00 = Vector512.FusedMultiplyAdd(v, xa, a00);
                a01 = Vector512.FusedMultiplyAdd(v, xb, a01);
                v = Vector512.Load(d1 + p);
                a10 = Vector512.FusedMultiplyAdd(v, xa, a10);
                a11 = Vector512.FusedMultiplyAdd(v, xb, a11);
                v = Vector512.Load(d2 + p);
                a20 = Vector512.FusedMultiplyAdd(v, xa, a20);
                a21 = Vector512.FusedMultiplyAdd(v, xb, a21);
                v = Vector512.Load(d3 + p);
                a30 = Vector512.FusedMultiplyAdd(v, xa, a30);
                a31 = Vector512.FusedMultiplyAdd(v, xb, a31);
            }
            if (p < inner)
            {
                Vector512<float> xa = Vector256.Load(x + p).ToVector512(), xb = Vector256.Load(x1 + p).ToVector512();
                Vector512<float> v = Vector256.Load(d + p).ToVector512();
                a00 = Vector512.FusedMultiplyAdd(v, xa, a00);
                a01 = Vector512.FusedMultiplyAdd(v, xb, a01);
                v = Vector256.Load(d1 + p).ToVector512();
                a10 = Vector512.FusedMultiplyAdd(v, xa, a10);
                a11 = Vector512.FusedMultiplyAdd(v, xb, a11);
                v = Vector256.Load(d2 + p).ToVector512();
                a20 = Vector512.FusedMultiplyAdd(v, xa, a20);
                a21 = Vector512.FusedMultiplyAdd(v, xb, a21);
                v = Vector256.Load(d3 + p).ToVector512();
                a30 = Vector512.FusedMultiplyAdd(v, xa, a30);
                a31 = Vector512.FusedMultiplyAdd(v, xb, a31);
            }
        }
        return HorizontalSums(Fold(a00), Fold(a01), Fold(a10), Fold(a11), Fold(a20), Fold(a21), Fold(a30), Fold(a31));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fold(Vector512<float> v) => v.GetLower() + v.GetUpper();

    /// <summary>[Σa, Σb, Σc, Σd, Σe, Σf, Σg, Σh] by horizontal adds: 6 hadds, 2 lane permutes and an add instead of eight
    /// separate reductions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> HorizontalSums(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d,
        Vector256<float> e, Vector256<float> f, Vector256<float> g, Vector256<float> h)
    {
        if (Avx.IsSupported)
        {
            Vector256<float> q1 = Avx.HorizontalAdd(Avx.HorizontalAdd(a, b), Avx.HorizontalAdd(c, d));
            Vector256<float> q2 = Avx.HorizontalAdd(Avx.HorizontalAdd(e, f), Avx.HorizontalAdd(g, h));
            return Avx.Permute2x128(q1, q2, 0x20) + Avx.Permute2x128(q1, q2, 0x31);
        }
        return Vector256.Create(Vector256.Sum(a), Vector256.Sum(b), Vector256.Sum(c), Vector256.Sum(d),
            Vector256.Sum(e), Vector256.Sum(f), Vector256.Sum(g), Vector256.Sum(h));
    }

    /// <summary>Where tap k = (c·kH + i)·kW + j starts in a sample's shifted copies: ((j·inC + c)·paddedH + i·dH)·outW.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long ShiftedOffset(int k, int inC, int kH, int kW, int paddedH, int outW, int dilationH)
    {
        int c = k / (kH * kW), r = k - c * kH * kW, i = r / kW, j = r - i * kW;
        return ((long)(j * inC + c) * paddedH + i * dilationH) * outW;
    }

    /// <summary>shifted[j, c, h, ow] = x[c, h − padH, ow + j·dW − padW] (zero outside x) for h &lt; H + 2·padH, ow &lt; outW,
    /// then zeros up to <paramref name="length"/>.</summary>
    private static void ShiftInput(in Conv2dGeometry g, float* x, float* shifted, long length)
    {
        int inC = g.InChannels, inH = g.InHeight, inW = g.InWidth, outW = g.OutWidth, paddedH = inH + 2 * g.PadH;
        float* row = shifted;
        for (int j = 0; j < g.KernelW; j++)
        {
            int offset = j * g.DilationW - g.PadW;
            ValidRange(offset, 1, inW, outW, out int first, out int last);
            for (int c = 0; c < inC; c++)
                for (int h = 0; h < paddedH; h++, row += outW)
                {
                    int ih = h - g.PadH;
                    if ((uint)ih >= (uint)inH || first >= last)
                    {
                        new Span<float>(row, outW).Clear();
                        continue;
                    }
                    float* source = x + ((long)c * inH + ih) * inW + offset;
                    for (int ow = 0; ow < first; ow++) row[ow] = 0f;
                    Copy(source + first, row + first, last - first);
                    for (int ow = last; ow < outW; ow++) row[ow] = 0f;
                }
        }
        for (float* end = shifted + length; row < end; row++) *row = 0f;
    }

    /// <summary>W [outC, K] packed as the GEMM's A operand once per call: per depth block of <see cref="DepthBlock"/>, MR-row
    /// strips stored depth-major, the block starting at pc at offset roundUp(outC, MR)·pc.</summary>
    private static void PackWeight(in Conv2dGeometry g, float* weight, float* packed)
    {
        int m = g.OutChannels, k = g.GroupDepth, kc = DepthBlock(k), mr = CpuGemm.MR;
        long rows = RoundUp(m, mr);
        for (int pc = 0; pc < k; pc += kc)
            CpuGemm.PackA(false, weight, k, 0, pc, m, Math.Min(kc, k - pc), 1f, packed + rows * pc);
    }

    /// <summary>Equal depth blocks of at most <see cref="CpuGemm.KC"/>, as the GEMM cuts them.</summary>
    private static int DepthBlock(int k)
    {
        int blocks = (k + CpuGemm.KC - 1) / CpuGemm.KC;
        return (k + blocks - 1) / blocks;
    }

    /// <summary>W'[c, o, i, j] = W[o, c, kH−1−i, kW−1−j]: the weight of the convolution that computes dx.</summary>
    private static void FlipWeight(in Conv2dGeometry g, float* weight, float* flipped)
    {
        int area = g.KernelArea, inC = g.InChannels, outC = g.OutChannels;
        for (int o = 0; o < outC; o++)
            for (int c = 0; c < inC; c++)
            {
                float* source = weight + ((long)o * inC + c) * area, destination = flipped + ((long)c * outC + o) * area;
                for (int t = 0; t < area; t++) destination[t] = source[area - 1 - t];
            }
    }

    private static void RunImplicit(in Conv2dGeometry g, float* y, float* x, float* packedWeight, float* bias, float* padded, long paddedLength,
        UnaryOp activation, bool accumulate)
    {
        int parts = ConcurrentSamples(g.Batch);
        long work = (long)g.Batch * g.OutChannels * g.OutPlane * g.GroupDepth;
        if (parts > 1 && work >= ParallelThreshold && CpuWorkers.TryAcquire())
        {
            s_geometry = g;
            s_y = y; s_x = x; s_transposedWeight = packedWeight; s_bias = bias; s_padded = padded; s_paddedLength = paddedLength;
            (s_activation, s_parts, s_accumulateDx) = (activation, parts, accumulate);
            CpuWorkers.RunAndRelease(&ImplicitPart);
            return;
        }
        ImplicitSamples(g, 0, g.Batch, y, x, packedWeight, bias, padded, activation, accumulate);
    }

    private static void ImplicitPart(int part, int _)
    {
        if (part >= s_parts) return;
        Conv2dGeometry g = s_geometry;
        int start = (int)((long)g.Batch * part / s_parts), end = (int)((long)g.Batch * (part + 1) / s_parts);
        ImplicitSamples(g, start, end, s_y, s_x, s_transposedWeight, s_bias, s_padded + part * s_paddedLength, s_activation, s_accumulateDx);
    }

    /// <summary>y_s (+)= act(W·col(x_s) + b) for samples [start, end) without forming col: per depth block and NC columns,
    /// the column strips are packed straight from the zero-padded sample and the micro-kernel writes y_s in place
    /// (first depth block overwrites unless <paramref name="accumulate"/>).</summary>
    private static void ImplicitSamples(in Conv2dGeometry g, int start, int end, float* y, float* x, float* packedWeight, float* bias,
        float* padded, UnaryOp activation, bool accumulate)
    {
        int m = g.OutChannels, plane = g.OutPlane, k = g.GroupDepth, kcMax = DepthBlock(k), mr = CpuGemm.MR;
        int paddedW = g.InWidth + 2 * g.PadW, paddedPlane = (g.InHeight + 2 * g.PadH) * paddedW;
        bool pad = g.PadH > 0 || g.PadW > 0;
        long rows = RoundUp(m, mr);
        float* packedB = CpuGemm.ThreadPackedB;
        for (int s = start; s < end; s++)
        {
            float* xs = x + (long)s * g.InChannels * g.InPlane, ys = y + (long)s * m * plane;
            float* source = xs;
            if (pad)
            {
                Pad(g, xs, padded);
                source = padded;
            }
            for (int jc = 0; jc < plane; jc += CpuGemm.NC)
            {
                int nc = Math.Min(CpuGemm.NC, plane - jc);
                for (int pc = 0; pc < k; pc += kcMax)
                {
                    int kc = Math.Min(kcMax, k - pc);
                    PackColumns(g, source, paddedW, paddedPlane, pc, kc, jc, nc, packedB);
                    float beta = pc > 0 || accumulate ? 1f : 0f;
                    float* a = packedWeight + rows * pc;
                    for (int jr = 0; jr < nc; jr += CpuGemm.NR)
                    {
                        int columns = Math.Min(CpuGemm.NR, nc - jr);
                        float* b = packedB + (long)jr * kc;
                        for (int ir = 0; ir < m; ir += mr)
                            CpuGemm.MicroKernel(kc, a + (long)ir * kc, b, ys + (long)ir * plane + jc + jr, plane, beta, Math.Min(mr, m - ir), columns);
                    }
                }
            }
            if (bias == null && activation == UnaryOp.Identity) continue;
            for (int o = 0; o < m; o++)
            {
                var row = new Span<float>(ys + (long)o * plane, plane);
                if (bias != null) TensorPrimitives.Add(row, bias[o], row);
                if (activation == UnaryOp.Relu) TensorPrimitives.Max(row, 0f, row);
            }
        }
    }

    /// <summary>padded[c, pH + h, pW + w] = x[c, h, w], zero elsewhere.</summary>
    private static void Pad(in Conv2dGeometry g, float* x, float* padded)
    {
        int h = g.InHeight, w = g.InWidth, paddedW = w + 2 * g.PadW, paddedH = h + 2 * g.PadH;
        new Span<float>(padded, checked((int)g.PaddedInputLength)).Clear();
        for (int c = 0; c < g.InChannels; c++)
        {
            float* source = x + (long)c * h * w, destination = padded + ((long)c * paddedH + g.PadH) * paddedW + g.PadW;
            for (int row = 0; row < h; row++) Copy(source + row * w, destination + row * paddedW, w);
        }
    }

    /// <summary>Packs depth rows [pc, pc+kc) × output positions [jc, jc+nc) of the implicit column matrix
    /// col[(c·kH + i)·kW + j, oh·outW + ow] = padded[c, oh + i·dH, ow + j·dW] as the GEMM's NR-column strips (depth-major,
    /// columns past nc zero). At unit stride each output row is a contiguous run of the padded input, and the runs (where
    /// they come from, where they go in a strip row) are the same for every depth row: they are listed once, so a depth
    /// row is a few vector copies. Each output is reused only outC times, so this packing must cost little per value.</summary>
    private static void PackColumns(in Conv2dGeometry g, float* source, int paddedW, int paddedPlane, int pc, int kc, int jc, int nc,
        float* packed)
    {
        const int nr = CpuGemm.NR;
        const int maxRuns = 512;
        int kW = g.KernelW, area = g.KernelArea, outW = g.OutWidth;
        long stripStride = (long)kc * nr;
        int* runSource = stackalloc int[maxRuns];
        int* runDestination = stackalloc int[maxRuns];
        int* runLength = stackalloc int[maxRuns];
        int tail = nc % nr;
        float* tailStrip = packed + nc / nr * stripStride;
        int firstRow = jc / outW;
        int runs = 0, oh = firstRow, ow = jc - firstRow * outW, l = 0;
        // A run never crosses a strip, so each is one short copy; more runs than fit are packed in further passes.
        while (l < nc)
        {
            runs = 0;
            while (l < nc && runs < maxRuns)
            {
                int piece = Math.Min(Math.Min(outW - ow, nc - l), nr - (l & (nr - 1)));
                int from = oh * paddedW + ow, to = (int)((l / nr) * stripStride) + (l & (nr - 1));
                // Rows that continue each other in the source (1×1, unpadded) and in the same strip: one copy per strip row
                // (a run never crosses a strip, so it stays at most 16 long).
                if (runs > 0 && (l & (nr - 1)) != 0 && runSource[runs - 1] + runLength[runs - 1] == from)
                    runLength[runs - 1] += piece;
                else
                {
                    runSource[runs] = from;
                    runDestination[runs] = to;
                    runLength[runs] = piece;
                    runs++;
                }
                l += piece;
                ow += piece;
                if (ow == outW)
                {
                    oh++;
                    ow = 0;
                }
            }
            int c = pc / area, r = pc - c * area, i = r / kW, j = r - i * kW;
            for (int t = 0; t < kc; t++)
            {
                float* rowBase = source + (long)c * paddedPlane + (long)i * g.DilationH * paddedW + j * g.DilationW;
                float* destinationRow = packed + t * nr;
                for (int run = 0; run < runs; run++)
                    CopyShort(rowBase + runSource[run], destinationRow + runDestination[run], runLength[run]);
                if (++j == kW)
                {
                    j = 0;
                    if (++i == g.KernelH)
                    {
                        i = 0;
                        c++;
                    }
                }
            }
        }
        if (tail != 0)
            for (int t = 0; t < kc; t++)
                for (int lane = tail; lane < nr; lane++) tailStrip[t * nr + lane] = 0f;
    }

    /// <summary>Copies at most 16 floats (a piece of a packed strip row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyShort(float* source, float* destination, int count)
    {
        if (count >= 8)
        {
            Vector256.Store(Vector256.Load(source), destination);
            source += 8;
            destination += 8;
            count -= 8;
            if (count >= 8)
            {
                Vector256.Store(Vector256.Load(source), destination);
                return;
            }
        }
        if (count >= 4)
        {
            Vector128.Store(Vector128.Load(source), destination);
            source += 4;
            destination += 4;
            count -= 4;
        }
        for (int i = 0; i < count; i++) destination[i] = source[i];
    }

    /// <summary>y[o, oh, ow..ow+8) = act(b[o] + Σ_{c,i,j} W[o,c,i,j]·x[c, oh+i, ow+j..ow+j+8)): 8 output columns in one register,
    /// four output channels at once sharing each input load (four independent FMA chains); a row's last block overlaps the
    /// previous one when outW is not a multiple of 8 (it recomputes, never accumulates).</summary>
    private static void DirectForward(in Conv2dGeometry g, float* x, float* y, float* weight, float* bias, bool relu)
    {
        int outH = g.OutHeight, outW = g.OutWidth, inW = g.InWidth, kH = g.KernelH, kW = g.KernelW, channels = g.InChannels;
        int kernelArea = g.KernelArea, inPlane = g.InPlane, weightStride = channels * kernelArea, plane = g.OutPlane;
        int o = 0;
        for (; o + 4 <= g.OutChannels; o += 4)
        {
            Vector256<float> b0 = Bias(bias, o), b1 = Bias(bias, o + 1), b2 = Bias(bias, o + 2), b3 = Bias(bias, o + 3);
            float* w0 = weight + o * weightStride, w1 = w0 + weightStride, w2 = w1 + weightStride, w3 = w2 + weightStride;
            for (int oh = 0; oh < outH; oh++)
            {
                float* row = y + (long)o * plane + oh * outW;
                for (int block = 0; block < outW; block += 8)
                {
                    int ow = Math.Min(block, outW - 8);
                    Vector256<float> s0 = b0, s1 = b1, s2 = b2, s3 = b3;
                    for (int c = 0; c < channels; c++)
                    {
                        float* xc = x + (long)c * inPlane + oh * inW + ow;
                        int tap = c * kernelArea;
                        for (int i = 0; i < kH; i++, xc += inW)
                            for (int j = 0; j < kW; j++, tap++)
                            {
                                Vector256<float> xv = Vector256.Load(xc + j);
                                s0 = Vector256.FusedMultiplyAdd(Vector256.Create(w0[tap]), xv, s0);
                                s1 = Vector256.FusedMultiplyAdd(Vector256.Create(w1[tap]), xv, s1);
                                s2 = Vector256.FusedMultiplyAdd(Vector256.Create(w2[tap]), xv, s2);
                                s3 = Vector256.FusedMultiplyAdd(Vector256.Create(w3[tap]), xv, s3);
                            }
                    }
                    if (relu)
                    {
                        s0 = Vector256.Max(s0, Vector256<float>.Zero); s1 = Vector256.Max(s1, Vector256<float>.Zero);
                        s2 = Vector256.Max(s2, Vector256<float>.Zero); s3 = Vector256.Max(s3, Vector256<float>.Zero);
                    }
                    Vector256.Store(s0, row + ow);
                    Vector256.Store(s1, row + plane + ow);
                    Vector256.Store(s2, row + 2 * plane + ow);
                    Vector256.Store(s3, row + 3 * plane + ow);
                }
            }
        }
        for (; o < g.OutChannels; o++)
        {
            Vector256<float> start = Bias(bias, o);
            float* wo = weight + o * weightStride;
            for (int oh = 0; oh < outH; oh++)
            {
                float* row = y + (long)o * plane + oh * outW;
                for (int block = 0; block < outW; block += 8)
                {
                    int ow = Math.Min(block, outW - 8);
                    Vector256<float> sum = start;
                    for (int c = 0; c < channels; c++)
                    {
                        float* xc = x + (long)c * inPlane + oh * inW + ow;
                        float* wc = wo + c * kernelArea;
                        for (int i = 0; i < kH; i++, xc += inW, wc += kW)
                            for (int j = 0; j < kW; j++)
                                sum = Vector256.FusedMultiplyAdd(Vector256.Create(wc[j]), Vector256.Load(xc + j), sum);
                    }
                    if (relu) sum = Vector256.Max(sum, Vector256<float>.Zero);
                    Vector256.Store(sum, row + ow);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Bias(float* bias, int o) => Vector256.Create(bias == null ? 0f : bias[o]);

    /// <summary>Most taps (inC·kH·kW) whose run offsets <see cref="WideDirectForward"/> keeps on the stack.</summary>
    private const int WideDirectMaxTaps = 512;

    /// <summary>Whether the direct kernel's forward runs <see cref="WideDirectForward"/>: the AVX-512 kernels in use
    /// (<see cref="CpuGemm.Kernel"/>, so tests that force AVX2 run <see cref="DirectForward"/>), an output plane of at least
    /// 64 and at most <see cref="WideDirectMaxTaps"/> taps. Its scratch is the weight gradient's shifted copies of one sample,
    /// which every direct geometry's per-core workspace holds.</summary>
    private static bool HasWideDirectForward(in Conv2dGeometry g)
        => CpuGemm.Kernel == GemmKernel.Avx512 && g.IsDirect && g.Groups == 1 && g.OutPlane >= 64 && g.GroupDepth <= WideDirectMaxTaps;

    /// <summary>The direct kernel in 16 lanes over the flattened output plane: the sample's shifted copies
    /// (<see cref="ShiftInput"/>, as the weight gradient makes them) turn every tap into one contiguous run as long as the plane,
    /// so y[o, p] = b[o] + Σ_k W[o, k]·run_k[p] is 4 output channels × 64 positions per block (16 accumulators, 4 loads and
    /// 4 broadcasts per 16 FMAs), with no columns wasted at the row ends (the Vector256 kernel computes 8-column blocks of
    /// each row, the last one overlapping). Each value is the same FMA chain from the bias over k in order as in
    /// <see cref="DirectForward"/>, so both give the same bits. The last block starts at plane − 64 (recomputing values).</summary>
    private static void WideDirectForward(in Conv2dGeometry g, float* x, float* y, float* weight, float* bias, bool relu, float* shifted)
    {
        int outC = g.OutChannels, plane = g.OutPlane, depth = g.GroupDepth;
        ShiftInput(g, x, shifted, ShiftedSampleLength(g));
        int* offsets = stackalloc int[depth];
        for (int k = 0; k < depth; k++) offsets[k] = (int)ShiftedOffset(k, g.InChannels, g.KernelH, g.KernelW, g.InHeight + 2 * g.PadH, g.OutWidth, g.DilationH);
        for (int o0 = 0; o0 < outC; o0 += 4)
        {
            int o1 = Math.Min(o0 + 1, outC - 1), o2 = Math.Min(o0 + 2, outC - 1), o3 = Math.Min(o0 + 3, outC - 1);
            float* w0 = weight + (long)o0 * depth, w1 = weight + (long)o1 * depth, w2 = weight + (long)o2 * depth, w3 = weight + (long)o3 * depth;
            for (int block = 0; block < plane; block += 64)
            {
                int p = Math.Min(block, plane - 64);
                WideDirectBlock(shifted + p, offsets, depth, w0, w1, w2, w3, bias == null ? null : bias + o0, o3 - o0 + 1, relu,
                    y + (long)o0 * plane + p, plane);
            }
        }
    }

    /// <summary>One 4-channel × 64-position block of <see cref="WideDirectForward"/> (its own method so the 16 accumulators
    /// stay in registers); <paramref name="rows"/> of the 4 channels are stored (the others are clamped duplicates).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void WideDirectBlock(float* runs, int* offsets, int depth, float* w0, float* w1, float* w2, float* w3, float* bias, int rows,
        bool relu, float* y, int plane)
    {
        Vector512<float> b0 = Vector512.Create(bias == null ? 0f : bias[0]), b1 = Vector512.Create(bias == null || rows < 2 ? 0f : bias[1]);
        Vector512<float> b2 = Vector512.Create(bias == null || rows < 3 ? 0f : bias[2]), b3 = Vector512.Create(bias == null || rows < 4 ? 0f : bias[3]);
        Vector512<float> a00 = b0, a01 = b0, a02 = b0, a03 = b0, a10 = b1, a11 = b1, a12 = b1, a13 = b1;
        Vector512<float> a20 = b2, a21 = b2, a22 = b2, a23 = b2, a30 = b3, a31 = b3, a32 = b3, a33 = b3;
        for (int k = 0; k < depth; k++)
        {
            float* run = runs + offsets[k];
            Vector512<float> x0 = Vector512.Load(run), x1 = Vector512.Load(run + 16), x2 = Vector512.Load(run + 32), x3 = Vector512.Load(run + 48);
            Vector512<float> w = Vector512.Create(w0[k]);
            a00 = Vector512.FusedMultiplyAdd(w, x0, a00); a01 = Vector512.FusedMultiplyAdd(w, x1, a01);
            a02 = Vector512.FusedMultiplyAdd(w, x2, a02); a03 = Vector512.FusedMultiplyAdd(w, x3, a03);
            w = Vector512.Create(w1[k]);
            a10 = Vector512.FusedMultiplyAdd(w, x0, a10); a11 = Vector512.FusedMultiplyAdd(w, x1, a11);
            a12 = Vector512.FusedMultiplyAdd(w, x2, a12); a13 = Vector512.FusedMultiplyAdd(w, x3, a13);
            w = Vector512.Create(w2[k]);
            a20 = Vector512.FusedMultiplyAdd(w, x0, a20); a21 = Vector512.FusedMultiplyAdd(w, x1, a21);
            a22 = Vector512.FusedMultiplyAdd(w, x2, a22); a23 = Vector512.FusedMultiplyAdd(w, x3, a23);
            w = Vector512.Create(w3[k]);
            a30 = Vector512.FusedMultiplyAdd(w, x0, a30); a31 = Vector512.FusedMultiplyAdd(w, x1, a31);
            a32 = Vector512.FusedMultiplyAdd(w, x2, a32); a33 = Vector512.FusedMultiplyAdd(w, x3, a33);
        }
        StoreRow(y, a00, a01, a02, a03, relu);
        if (rows > 1) StoreRow(y + plane, a10, a11, a12, a13, relu);
        if (rows > 2) StoreRow(y + 2 * plane, a20, a21, a22, a23, relu);
        if (rows > 3) StoreRow(y + 3 * plane, a30, a31, a32, a33, relu);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* y, Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d, bool relu)
    {
        if (relu)
        {
            a = Vector512.Max(a, Vector512<float>.Zero); b = Vector512.Max(b, Vector512<float>.Zero);
            c = Vector512.Max(c, Vector512<float>.Zero); d = Vector512.Max(d, Vector512<float>.Zero);
        }
        Vector512.Store(a, y); Vector512.Store(b, y + 16); Vector512.Store(c, y + 32); Vector512.Store(d, y + 48);
    }

    /// <summary>dW[o,c,i,j] (+)= Σ_{oh,ow} dy[o,oh,ow]·x[c, oh+i, ow+j], 8 columns per register plus a scalar tail, four output
    /// channels at once sharing each input load.</summary>
    private static void DirectWeightGradient(in Conv2dGeometry g, float* x, float* dy, float* dWeight, bool overwrite)
    {
        int outH = g.OutHeight, outW = g.OutWidth, inW = g.InWidth, kH = g.KernelH, kW = g.KernelW, channels = g.InChannels;
        int vectorEnd = outW & ~7, plane = g.OutPlane, weightStride = channels * g.KernelArea;
        int o = 0;
        for (; o + 4 <= g.OutChannels; o += 4)
        {
            float* gradient = dWeight + o * weightStride;
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < kH; i++)
                    for (int j = 0; j < kW; j++, gradient++)
                    {
                        Vector256<float> s0 = Vector256<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
                        float t0 = 0f, t1 = 0f, t2 = 0f, t3 = 0f;
                        for (int oh = 0; oh < outH; oh++)
                        {
                            float* d0 = dy + (long)o * plane + oh * outW, d1 = d0 + plane, d2 = d1 + plane, d3 = d2 + plane;
                            float* xRow = x + (long)c * g.InPlane + (oh + i) * inW + j;
                            int ow = 0;
                            for (; ow < vectorEnd; ow += 8)
                            {
                                Vector256<float> xv = Vector256.Load(xRow + ow);
                                s0 = Vector256.FusedMultiplyAdd(Vector256.Load(d0 + ow), xv, s0);
                                s1 = Vector256.FusedMultiplyAdd(Vector256.Load(d1 + ow), xv, s1);
                                s2 = Vector256.FusedMultiplyAdd(Vector256.Load(d2 + ow), xv, s2);
                                s3 = Vector256.FusedMultiplyAdd(Vector256.Load(d3 + ow), xv, s3);
                            }
                            for (; ow < outW; ow++)
                            {
                                float xs = xRow[ow];
                                t0 += d0[ow] * xs; t1 += d1[ow] * xs; t2 += d2[ow] * xs; t3 += d3[ow] * xs;
                            }
                        }
                        Store(gradient, Vector256.Sum(s0) + t0, overwrite);
                        Store(gradient + weightStride, Vector256.Sum(s1) + t1, overwrite);
                        Store(gradient + 2 * weightStride, Vector256.Sum(s2) + t2, overwrite);
                        Store(gradient + 3 * weightStride, Vector256.Sum(s3) + t3, overwrite);
                    }
        }
        for (; o < g.OutChannels; o++)
        {
            float* gradient = dWeight + o * weightStride;
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < kH; i++)
                    for (int j = 0; j < kW; j++, gradient++)
                    {
                        Vector256<float> sum = Vector256<float>.Zero;
                        float tail = 0f;
                        for (int oh = 0; oh < outH; oh++)
                        {
                            float* dyRow = dy + (long)o * plane + oh * outW;
                            float* xRow = x + (long)c * g.InPlane + (oh + i) * inW + j;
                            int ow = 0;
                            for (; ow < vectorEnd; ow += 8)
                                sum = Vector256.FusedMultiplyAdd(Vector256.Load(dyRow + ow), Vector256.Load(xRow + ow), sum);
                            for (; ow < outW; ow++) tail += dyRow[ow] * xRow[ow];
                        }
                        Store(gradient, Vector256.Sum(sum) + tail, overwrite);
                    }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* destination, float value, bool overwrite) => *destination = overwrite ? value : *destination + value;

    /// <summary>dx[c, oh+i, ow+j] (+)= Σ_o W[o,c,i,j]·dy[o, oh, ow] as row updates.</summary>
    private static void DirectInputGradient(in Conv2dGeometry g, float* dx, float* dy, float* weight, bool accumulate)
    {
        int outH = g.OutHeight, outW = g.OutWidth, inW = g.InWidth, kH = g.KernelH, kW = g.KernelW, channels = g.InChannels;
        if (!accumulate) new Span<float>(dx, channels * g.InPlane).Clear();
        float* w = weight;
        for (int o = 0; o < g.OutChannels; o++)
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < kH; i++)
                    for (int j = 0; j < kW; j++, w++)
                        for (int oh = 0; oh < outH; oh++)
                        {
                            var target = new Span<float>(dx + (long)c * g.InPlane + (oh + i) * inW + j, outW);
                            TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(dy + ((long)o * outH + oh) * outW, outW), *w, target, target);
                        }
    }

    /// <summary>Per group: Wᵀ_g[p, o] = W[g·outC/G + o, p], each group's block [inC/G·kH·kW, outC/G] where W_g was.</summary>
    private static void TransposeWeight(in Conv2dGeometry g, float* weight, float* transposed)
    {
        int depth = g.GroupDepth, groupOut = g.GroupOutChannels;
        for (int group = 0; group < g.Groups; group++)
        {
            float* source = weight + (long)group * groupOut * depth, destination = transposed + (long)group * groupOut * depth;
            for (int o = 0; o < groupOut; o++)
                for (int p = 0; p < depth; p++) destination[p * groupOut + o] = source[o * depth + p];
        }
    }

    /// <summary>columns[(c·kH + i)·kW + j, oh·outW + ow] = x[c, oh·sH − pH + i·dH, ow·sW − pW + j·dW], zero in the padding.</summary>
    private static void Im2Col(in Conv2dGeometry g, float* x, float* columns, int rowStride)
    {
        int outH = g.OutHeight, outW = g.OutWidth, inH = g.InHeight, inW = g.InWidth, strideW = g.StrideW;
        float* row = columns;
        for (int c = 0; c < g.InChannels; c++)
        {
            float* xc = x + (long)c * g.InPlane;
            for (int i = 0; i < g.KernelH; i++)
            {
                int rowOffset = i * g.DilationH - g.PadH;
                for (int j = 0; j < g.KernelW; j++, row += rowStride)
                {
                    int columnOffset = j * g.DilationW - g.PadW;
                    ValidRange(columnOffset, strideW, inW, outW, out int first, out int last);
                    for (int oh = 0; oh < outH; oh++)
                    {
                        float* destination = row + oh * outW;
                        int ih = oh * g.StrideH + rowOffset;
                        if ((uint)ih >= (uint)inH || first >= last)
                        {
                            new Span<float>(destination, outW).Clear();
                            continue;
                        }
                        float* source = xc + ih * inW + columnOffset;
                        for (int ow = 0; ow < first; ow++) destination[ow] = 0f;
                        if (strideW == 1)
                            Copy(source + first, destination + first, last - first);
                        else
                            for (int ow = first; ow < last; ow++) destination[ow] = source[ow * strideW];
                        for (int ow = last; ow < outW; ow++) destination[ow] = 0f;
                    }
                }
            }
        }
    }

    /// <summary><see cref="Im2Col"/> at unit stride (groups 1): the sample is zero-padded once, then every output row of
    /// every tap is one contiguous copy, without per-row bounds arithmetic.</summary>
    private static void Im2ColUnitStride(in Conv2dGeometry g, float* x, float* padded, float* columns, int rowStride)
    {
        float* source = x;
        int paddedW = g.InWidth + 2 * g.PadW, paddedPlane = (g.InHeight + 2 * g.PadH) * paddedW;
        if (g.PadH > 0 || g.PadW > 0)
        {
            Pad(g, x, padded);
            source = padded;
        }
        int outH = g.OutHeight, outW = g.OutWidth;
        float* row = columns;
        for (int c = 0; c < g.InChannels; c++)
            for (int i = 0; i < g.KernelH; i++)
                for (int j = 0; j < g.KernelW; j++, row += rowStride)
                {
                    float* from = source + (long)c * paddedPlane + (long)i * g.DilationH * paddedW + j * g.DilationW;
                    float* to = row;
                    if (outW <= 16)
                        for (int oh = 0; oh < outH; oh++, from += paddedW, to += outW) CopyShort(from, to, outW);
                    else
                        for (int oh = 0; oh < outH; oh++, from += paddedW, to += outW) Copy(from, to, outW);
                }
    }

    /// <summary><see cref="Col2Im"/> at unit stride (groups 1): every output row of every tap adds onto one contiguous run,
    /// of dx itself when there is no padding, else of a zeroed padded buffer whose interior is then added onto dx.</summary>
    private static void Col2ImUnitStride(in Conv2dGeometry g, float* columns, float* dx, float* padded, int rowStride)
    {
        bool pad = g.PadH > 0 || g.PadW > 0;
        int paddedW = g.InWidth + 2 * g.PadW, paddedH = g.InHeight + 2 * g.PadH, paddedPlane = paddedH * paddedW;
        float* target = dx;
        if (pad)
        {
            new Span<float>(padded, checked((int)g.PaddedInputLength)).Clear();
            target = padded;
        }
        int outH = g.OutHeight, outW = g.OutWidth;
        float* row = columns;
        for (int c = 0; c < g.InChannels; c++)
            for (int i = 0; i < g.KernelH; i++)
                for (int j = 0; j < g.KernelW; j++, row += rowStride)
                {
                    float* to = target + (long)c * paddedPlane + (long)i * g.DilationH * paddedW + j * g.DilationW;
                    float* from = row;
                    for (int oh = 0; oh < outH; oh++, to += paddedW, from += outW) AddTo(from, to, outW);
                }
        if (!pad) return;
        int h = g.InHeight, w = g.InWidth;
        for (int c = 0; c < g.InChannels; c++)
        {
            float* source = padded + ((long)c * paddedH + g.PadH) * paddedW + g.PadW, destination = dx + (long)c * h * w;
            for (int r = 0; r < h; r++) AddTo(source + r * paddedW, destination + r * w, w);
        }
    }

    /// <summary>The adjoint of <see cref="Im2Col"/>: dx[c, ih, iw] += columns[...] for every in-bounds tap.</summary>
    private static void Col2Im(in Conv2dGeometry g, float* columns, float* dx, int rowStride)
    {
        int outH = g.OutHeight, outW = g.OutWidth, inH = g.InHeight, inW = g.InWidth, strideW = g.StrideW;
        float* row = columns;
        for (int c = 0; c < g.InChannels; c++)
        {
            float* dxc = dx + (long)c * g.InPlane;
            for (int i = 0; i < g.KernelH; i++)
            {
                int rowOffset = i * g.DilationH - g.PadH;
                for (int j = 0; j < g.KernelW; j++, row += rowStride)
                {
                    int columnOffset = j * g.DilationW - g.PadW;
                    ValidRange(columnOffset, strideW, inW, outW, out int first, out int last);
                    if (first >= last) continue;
                    for (int oh = 0; oh < outH; oh++)
                    {
                        int ih = oh * g.StrideH + rowOffset;
                        if ((uint)ih >= (uint)inH) continue;
                        float* source = row + oh * outW;
                        float* destination = dxc + ih * inW + columnOffset;
                        if (strideW == 1)
                            AddTo(source + first, destination + first, last - first);
                        else
                        {
                            for (int ow = first; ow < last; ow++) destination[ow * strideW] += source[ow];
                        }
                    }
                }
            }
        }
    }

    /// <summary>Rows of im2col are short (an output row, often 8–24 floats): inline vector copies beat a call per row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(float* source, float* destination, int count)
    {
        int i = 0;
        for (; i <= count - 8; i += 8) Vector256.Store(Vector256.Load(source + i), destination + i);
        for (; i < count; i++) destination[i] = source[i];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTo(float* source, float* destination, int count)
    {
        int i = 0;
        for (; i <= count - 8; i += 8) Vector256.Store(Vector256.Load(destination + i) + Vector256.Load(source + i), destination + i);
        for (; i < count; i++) destination[i] += source[i];
    }

    /// <summary>The output columns [first, last) whose input column ow·stride + offset lies inside [0, inW).</summary>
    private static void ValidRange(int offset, int stride, int inW, int outW, out int first, out int last)
    {
        first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        last = offset >= inW ? 0 : Math.Min(outW, (inW - 1 - offset) / stride + 1);
        first = Math.Min(first, outW);
    }

    private static void Check(long actual, long expected, string name, string layout, in Conv2dGeometry g)
    {
        if (actual < expected)
            throw new ArgumentException($"Conv2d {g.InChannels}→{g.OutChannels} k{g.KernelH}×{g.KernelW} on N={g.Batch}, " +
                $"{g.InHeight}×{g.InWidth} → {g.OutHeight}×{g.OutWidth}: {name} {layout} needs {expected} values, got {actual}.", name);
    }
}
