using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Cpu;

/// <summary>
/// Conv2d through the backend interface against a direct double-precision convolution written here (forward) and
/// float64 central finite differences of it (backward). The workspace starts as NaN garbage, so a kernel that reads
/// workspace it has not written fails.
/// </summary>
public class ConvolutionTests
{
    private readonly IBackend _backend = CpuBackend.Instance;

    public sealed record ConvCase(int N, int InC, int H, int W, int OutC, int KH, int KW, int SH = 1, int SW = 1, int PH = 0, int PW = 0,
        int DH = 1, int DW = 1, int Groups = 1)
    {
        public int OutH => (H + 2 * PH - DH * (KH - 1) - 1) / SH + 1;
        public int OutW => (W + 2 * PW - DW * (KW - 1) - 1) / SW + 1;
        public int InputLength => N * InC * H * W;
        public int OutputLength => N * OutC * OutH * OutW;
        public int WeightLength => OutC * (InC / Groups) * KH * KW;
        public int Depth => InC / Groups * KH * KW;
        public override string ToString() => $"N{N} {InC}→{OutC} {H}×{W} k{KH}×{KW} s{SH}×{SW} p{PH}×{PW} d{DH}×{DW} g{Groups}";
    }

    /// <summary>Small cases for full finite differences: odd sizes, stride, padding, dilation, groups, rectangular kernels.</summary>
    private static readonly Dictionary<string, ConvCase> Small = new()
    {
        ["odd 3x3"] = new(2, 3, 7, 9, 4, 3, 3),
        ["rectangular stride 2x3 pad 1"] = new(3, 2, 9, 8, 5, 3, 2, SH: 2, SW: 3, PH: 1, PW: 1),
        ["dilation 2 asymmetric pad"] = new(2, 3, 9, 10, 2, 3, 3, PH: 2, PW: 1, DH: 2, DW: 2),
        ["dilation 2x1 stride 2"] = new(2, 2, 10, 9, 3, 2, 3, SH: 2, SW: 2, PH: 1, DH: 2, DW: 1),
        ["groups 2"] = new(2, 4, 6, 7, 6, 3, 3, SW: 2, PH: 1, Groups: 2),
        ["depthwise stride 2 pad 1"] = new(2, 4, 7, 7, 4, 3, 3, SH: 2, SW: 2, PH: 1, PW: 1, Groups: 4),
        ["depthwise multiplier 2"] = new(1, 3, 6, 5, 6, 3, 3, PH: 1, PW: 1, Groups: 3),
        ["pointwise"] = new(3, 5, 4, 6, 7, 1, 1),
        ["pointwise groups 2"] = new(2, 4, 3, 5, 6, 1, 1, Groups: 2),
        ["1x1 stride 2"] = new(2, 3, 7, 7, 4, 1, 1, SH: 2, SW: 2),
        ["1x1 pad 1"] = new(1, 2, 4, 4, 3, 1, 1, PH: 1, PW: 1),
        ["pad wider than kernel"] = new(1, 2, 5, 5, 2, 3, 3, PH: 2, PW: 2),
        ["kernel covers input"] = new(2, 2, 4, 5, 3, 4, 5),
        ["stride larger than kernel"] = new(2, 2, 11, 10, 3, 2, 2, SH: 3, SW: 4, PW: 1),
        ["single input channel 5x5 (im2col, outW < 8)"] = new(2, 1, 9, 8, 3, 5, 5),
        ["single input channel 5x5 (direct, 4 + 1 output channels)"] = new(2, 1, 9, 14, 5, 5, 5),
        ["three input channels 3x3 (direct, overlapping last block)"] = new(2, 3, 6, 13, 4, 3, 3),
        ["four input channels 2x4 (direct)"] = new(1, 4, 5, 12, 2, 2, 4),
        // Implicit GEMM (unit stride, groups 1): padded input, runs of output rows across 16-column strips, and dx as the
        // convolution of dy with the flipped weight when the convolution keeps its size.
        ["dilation 2 same pad 2 (implicit dx)"] = new(3, 3, 7, 9, 4, 3, 3, PH: 2, PW: 2, DH: 2, DW: 2),
        ["5x5 pad 2 on 5x7 (implicit dx)"] = new(3, 2, 5, 7, 3, 5, 5, PH: 2, PW: 2),
        ["3x3 pad 1 rows of 21 (runs across strips)"] = new(1, 2, 5, 21, 3, 3, 3, PH: 1, PW: 1),
        ["1x1 one input channel on 6x11 (depth 1, merged row runs)"] = new(2, 1, 6, 11, 3, 1, 1),
        ["asymmetric pad 2x0 on 6x5 (output grows, implicit dx)"] = new(2, 3, 6, 5, 2, 3, 2, PH: 2),
        ["5x4 pad 1x0 on 6x7 (shrinks: dx by padded col2im)"] = new(2, 3, 6, 7, 2, 5, 4, PH: 1),
        ["dilation 2 pad 1x0 on 9x8 (shrinks: dx by padded col2im)"] = new(3, 2, 9, 8, 3, 3, 3, PH: 1, DH: 2, DW: 2),
        // Backward blocks: several samples' im2col and dy side by side make one weight-gradient GEMM (and one column-gradient
        // GEMM before col2im); a 4×4 plane takes up to 8 samples a block, capped by one core's share of the batch.
        ["3x3 pad 1 on 4x4, 19 samples (blocks, last one short)"] = new(19, 2, 4, 4, 3, 3, 3, PH: 1, PW: 1),
        ["5x5 on 7x7, 9 samples (blocks, col2im from a block)"] = new(9, 2, 7, 7, 3, 5, 5),
        ["strided 3x3 s2, 7 samples (batched im2col)"] = new(7, 2, 9, 9, 3, 3, 3, SH: 2, SW: 2),
        ["grouped 1x1 on 3x3, 11 samples (batched, dx per sample)"] = new(11, 4, 3, 3, 6, 1, 1, Groups: 2),
        ["dilation 2 pad 1 on 5x6, 10 samples (blocks)"] = new(10, 2, 5, 6, 2, 3, 3, PH: 1, PW: 1, DH: 2, DW: 2),
        // Shifted weight gradient (direct kernel, pointwise on planes ≥ 64): dot products over chunks of samples, 4 output
        // channels × 2 taps a tile (clamped at odd edges), the plane rounded up to 8 with zeros.
        ["pointwise 8x9, 5 samples (shifted dW, chunks)"] = new(5, 3, 8, 9, 5, 1, 1),
        ["pointwise 9x9, 7 output channels (shifted dW, plane 81 → 88)"] = new(3, 2, 9, 9, 7, 1, 1),
        ["direct 3 channels 3x3 on 10x11, 5 samples (shifted dW, odd depth 27, 6 output channels)"] = new(5, 3, 10, 11, 6, 3, 3),
        ["direct 1 channel 5x5 on 12x13, batch 1 (shifted dW, plane 72)"] = new(1, 1, 12, 13, 3, 5, 5),
    };

    /// <summary>The convolutions of the seed CNNs (lectures 10–11) at batch 3, which splits unevenly over the cores.</summary>
    private static readonly Dictionary<string, ConvCase> Seed = new()
    {
        ["basic conv1 (1,10,k5) 28x28"] = new(3, 1, 28, 28, 10, 5, 5),
        ["basic conv2 (10,20,k5) 12x12"] = new(3, 10, 12, 12, 20, 5, 5),
        ["inception conv (88,20,k5) 12x12"] = new(2, 88, 12, 12, 20, 5, 5),
        ["inception 1x1 (10,16) 12x12"] = new(3, 10, 12, 12, 16, 1, 1),
        ["inception 1x1 (20,24) 4x4"] = new(3, 20, 4, 4, 24, 1, 1),
        ["inception 5x5 pad 2 (16,24) 12x12"] = new(3, 16, 12, 12, 24, 5, 5, PH: 2, PW: 2),
        ["inception 3x3 pad 1 (16,24) 12x12"] = new(3, 16, 12, 12, 24, 3, 3, PH: 1, PW: 1),
        ["inception 3x3 pad 1 (24,24) 4x4"] = new(3, 24, 4, 4, 24, 3, 3, PH: 1, PW: 1),
        ["residual (16,16,k3,pad1) 12x12"] = new(3, 16, 12, 12, 16, 3, 3, PH: 1, PW: 1),
        ["residual (32,32,k3,pad1) 4x4"] = new(3, 32, 4, 4, 32, 3, 3, PH: 1, PW: 1),
        ["3x3 pad 1 (3,4) 40x60 (column blocks past 2048)"] = new(1, 3, 40, 60, 4, 3, 3, PH: 1, PW: 1),
        ["1x1 (3,2) 700x1 (more runs than one pass)"] = new(1, 3, 700, 1, 2, 1, 1),
    };

    public static TheoryData<string> SmallCases() => new(Small.Keys);
    public static TheoryData<string> SeedCases() => new(Seed.Keys);
    /// <summary>The seed shapes the brief's finite differences cover (the 88-channel Inception conv is checked forward only,
    /// its backward shares the (10,20,k5) path), at batch 2 to keep the float64 reference affordable.</summary>
    public static TheoryData<string> SeedBackwardCases() => new(Seed.Keys.Where(name => !name.StartsWith("inception conv (88")));
    internal static ConvCase Find(string name) => Small.TryGetValue(name, out ConvCase? c) ? c : Seed[name];

    /// <summary>The direct convolution in double: y[n,o,oh,ow] = b[o] + Σ x[n, g·inC/G + i, oh·s − p + ki·d, ow·s − p + kj·d]·W[o,i,ki,kj].</summary>
    public static double[] Reference(ConvCase c, double[] x, double[] w, double[]? b, bool relu = false)
    {
        int inPerGroup = c.InC / c.Groups, outPerGroup = c.OutC / c.Groups;
        var y = new double[c.OutputLength];
        for (int n = 0; n < c.N; n++)
            for (int o = 0; o < c.OutC; o++)
            {
                int group = o / outPerGroup;
                for (int oh = 0; oh < c.OutH; oh++)
                    for (int ow = 0; ow < c.OutW; ow++)
                    {
                        double sum = b?[o] ?? 0;
                        for (int i = 0; i < inPerGroup; i++)
                        {
                            int channel = group * inPerGroup + i;
                            for (int ki = 0; ki < c.KH; ki++)
                            {
                                int ih = oh * c.SH - c.PH + ki * c.DH;
                                if (ih < 0 || ih >= c.H) continue;
                                for (int kj = 0; kj < c.KW; kj++)
                                {
                                    int iw = ow * c.SW - c.PW + kj * c.DW;
                                    if (iw < 0 || iw >= c.W) continue;
                                    sum += x[((n * c.InC + channel) * c.H + ih) * c.W + iw] * w[((o * inPerGroup + i) * c.KH + ki) * c.KW + kj];
                                }
                            }
                        }
                        y[((n * c.OutC + o) * c.OutH + oh) * c.OutW + ow] = relu ? Math.Max(sum, 0) : sum;
                    }
            }
        return y;
    }

    private DeviceBuffer Workspace(ConvCase c)
    {
        long length = _backend.Conv2d_WorkspaceLength(Desc(c), c.N);
        var garbage = new float[length];
        Array.Fill(garbage, float.NaN);
        return _backend.Wrap(garbage);
    }

    private void Forward(ConvCase c, float[] y, float[] x, float[] w, float[]? b, DeviceBuffer workspace, UnaryOp activation)
        => _backend.Conv2d_Forward(_backend.Wrap(y), _backend.Wrap(x), _backend.Wrap(w), b == null ? null : _backend.Wrap(b), workspace,
            Desc(c, activation), c.N);

    internal static Conv2dDesc Desc(ConvCase c, UnaryOp activation = UnaryOp.Identity)
        => new(c.InC, c.H, c.W, c.OutC, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW, c.DH, c.DW, c.Groups, activation);

    private void Backward(ConvCase c, float[]? dx, float[] dw, float[]? db, float[] dy, float[] x, float[] w, DeviceBuffer workspace,
        bool accumulateDx, bool accumulateParameters)
        => _backend.Conv2d_Backward(dx == null ? null : _backend.Wrap(dx), _backend.Wrap(dw), db == null ? null : _backend.Wrap(db),
            _backend.Wrap(dy), _backend.Wrap(x), _backend.Wrap(w), workspace, Desc(c), c.N, accumulateDx, accumulateParameters);

    [Theory]
    [MemberData(nameof(SmallCases))]
    [MemberData(nameof(SeedCases))]
    public void Forward_matches_the_direct_reference(string name)
    {
        ConvCase c = Find(name);
        float[] x = TestData.Uniform(1, c.InputLength), w = TestData.Uniform(2, c.WeightLength), b = TestData.Uniform(3, c.OutC);
        DeviceBuffer workspace = Workspace(c);
        double[] xd = TestData.ToDouble(x), wd = TestData.ToDouble(w), bd = TestData.ToDouble(b);
        double tolerance = 1e-6 * c.Depth + 1e-6;
        foreach ((bool withBias, UnaryOp activation) in new[] { (true, UnaryOp.Identity), (false, UnaryOp.Identity), (true, UnaryOp.Relu) })
        {
            float[] y = new float[c.OutputLength];
            Array.Fill(y, float.NaN);
            Forward(c, y, x, w, withBias ? b : null, workspace, activation);
            double[] expected = Reference(c, xd, wd, withBias ? bd : null, activation == UnaryOp.Relu);
            Numerics.AssertClose(expected, y, 1e-5, tolerance, $"conv2d forward {name} bias={withBias} {activation}",
                c.N, c.OutC, c.OutH, c.OutW);
        }
    }

    /// <summary>Accumulates into non-zero gradients (expected = old + gradient), then overwrites with dx skipped.</summary>
    [Theory]
    [MemberData(nameof(SmallCases))]
    public void Backward_matches_finite_differences(string name)
    {
        ConvCase c = Find(name);
        float[] x = TestData.Uniform(4, c.InputLength), w = TestData.Uniform(5, c.WeightLength), b = TestData.Uniform(6, c.OutC);
        float[] dy = TestData.Uniform(7, c.OutputLength);
        float[] dx = TestData.Uniform(8, c.InputLength), dw = TestData.Uniform(9, c.WeightLength), db = TestData.Uniform(10, c.OutC);
        double[] dx0 = TestData.ToDouble(dx), dw0 = TestData.ToDouble(dw), db0 = TestData.ToDouble(db);
        DeviceBuffer workspace = Workspace(c);
        Backward(c, dx, dw, db, dy, x, w, workspace, accumulateDx: true, accumulateParameters: true);

        double[] xd = TestData.ToDouble(x), wd = TestData.ToDouble(w), bd = TestData.ToDouble(b), dyd = TestData.ToDouble(dy);
        double[] gx = Numerics.FiniteDifference(v => Reference(c, v, wd, bd), xd, dyd);
        double[] gw = Numerics.FiniteDifference(v => Reference(c, xd, v, bd), wd, dyd);
        double[] gb = Numerics.FiniteDifference(v => Reference(c, xd, wd, v), bd, dyd);
        double atol = 2e-6 * (c.N * c.OutH * c.OutW + c.OutC * c.KH * c.KW);
        Numerics.AssertClose(Add(gx, dx0), dx, 1e-4, atol, $"conv2d dx (accumulate) {name}", c.N, c.InC, c.H, c.W);
        Numerics.AssertClose(Add(gw, dw0), dw, 1e-4, atol, $"conv2d dW (accumulate) {name}", c.OutC, c.InC / c.Groups, c.KH, c.KW);
        Numerics.AssertClose(Add(gb, db0), db, 1e-4, atol, $"conv2d db (accumulate) {name}", c.OutC);

        Backward(c, null, dw, db, dy, x, w, workspace, accumulateDx: false, accumulateParameters: false);
        Numerics.AssertClose(gw, dw, 1e-4, atol, $"conv2d dW (overwrite) {name}", c.OutC, c.InC / c.Groups, c.KH, c.KW);
        Numerics.AssertClose(gb, db, 1e-4, atol, $"conv2d db (overwrite) {name}", c.OutC);
        Backward(c, dx, dw, null, dy, x, w, workspace, accumulateDx: false, accumulateParameters: false);
        Numerics.AssertClose(gx, dx, 1e-4, atol, $"conv2d dx (overwrite) {name}", c.N, c.InC, c.H, c.W);
    }

    /// <summary>The seed shapes are too large for every coordinate: central differences at 8 random coordinates of each
    /// operand and along 2 random directions of each, against the kernel's gradient at the same places.</summary>
    [Theory]
    [MemberData(nameof(SeedBackwardCases))]
    public void Seed_shape_backward_matches_sampled_finite_differences(string name)
    {
        ConvCase c = Find(name) with { N = 2 };
        float[] x = TestData.Uniform(11, c.InputLength), w = TestData.Uniform(12, c.WeightLength), b = TestData.Uniform(13, c.OutC);
        float[] dy = TestData.Uniform(14, c.OutputLength);
        float[] dx = new float[c.InputLength], dw = new float[c.WeightLength], db = new float[c.OutC];
        Backward(c, dx, dw, db, dy, x, w, Workspace(c), accumulateDx: false, accumulateParameters: false);

        double[] xd = TestData.ToDouble(x), wd = TestData.ToDouble(w), bd = TestData.ToDouble(b), dyd = TestData.ToDouble(dy);
        double atol = 2e-6 * (c.N * c.OutH * c.OutW + c.OutC * c.KH * c.KW);
        AssertSampledGradient(v => Reference(c, v, wd, bd), xd, dyd, dx, atol, $"conv2d dx {name}", seed: 15);
        AssertSampledGradient(v => Reference(c, xd, v, bd), wd, dyd, dw, atol, $"conv2d dW {name}", seed: 16);
        AssertSampledGradient(v => Reference(c, xd, wd, v), bd, dyd, db, atol, $"conv2d db {name}", seed: 17);
    }

    private static void AssertSampledGradient(Func<double[], double[]> forward, double[] point, double[] upstream, float[] gradient,
        double atol, string what, int seed)
    {
        const double h = 1e-6;
        var random = new Random(seed);
        int samples = Math.Min(8, point.Length);
        var expected = new double[samples + 2];
        var actual = new float[samples + 2];
        for (int s = 0; s < samples; s++)
        {
            int i = random.Next(point.Length);
            var direction = new double[point.Length];
            direction[i] = 1;
            expected[s] = Directional(forward, point, direction, upstream, h);
            actual[s] = gradient[i];
        }
        for (int s = samples; s < samples + 2; s++)
        {
            var direction = new double[point.Length];
            double projected = 0;
            for (int i = 0; i < direction.Length; i++)
            {
                direction[i] = random.NextDouble() * 2 - 1;
                projected += direction[i] * gradient[i];
            }
            expected[s] = Directional(forward, point, direction, upstream, h);
            actual[s] = (float)projected;
        }
        Numerics.AssertClose(expected, actual, 1e-4, atol * Math.Sqrt(point.Length), what + " (8 coordinates, then 2 directions)", samples + 2);
    }

    /// <summary>(Σ upstream·f(p + h·d) − Σ upstream·f(p − h·d)) / 2h in float64.</summary>
    private static double Directional(Func<double[], double[]> forward, double[] point, double[] direction, double[] upstream, double h)
    {
        var shifted = new double[point.Length];
        for (int i = 0; i < point.Length; i++) shifted[i] = point[i] + h * direction[i];
        double[] plus = forward(shifted);
        for (int i = 0; i < point.Length; i++) shifted[i] = point[i] - h * direction[i];
        double[] minus = forward(shifted);
        double sum = 0;
        for (int j = 0; j < plus.Length; j++) sum += upstream[j] * (plus[j] - minus[j]);
        return sum / (2 * h);
    }

    private static double[] Add(double[] a, double[] b)
    {
        var sum = new double[a.Length];
        for (int i = 0; i < a.Length; i++) sum[i] = a[i] + b[i];
        return sum;
    }

    [Fact]
    public void Output_size_and_workspace_length_follow_the_formulas()
    {
        Assert.Equal(24, Conv2dDesc.OutputSize(28, 5, 1, 0, 1));
        Assert.Equal(4, Conv2dDesc.OutputSize(9, 3, 2, 1, 2));   // floor((9 + 2 − 4 − 1)/2) + 1
        Assert.Equal(12, Pool2dDesc.OutputSize(24, 2, 2, 0));
        Assert.Equal(4, Pool2dDesc.OutputSize(7, 3, 2, 1));      // floor((7 + 2 − 3)/2) + 1
        // The direct (one input channel) kernel's weight gradient works on shifted copies of one sample [kW, inC, H, outW],
        // a copy of its dy [outC, outH·outW rounded up to 8] and the 4×2 tiles of dW [⌈depth/2⌉, ⌈outC/4⌉, 8].
        Assert.Equal(5 * 28 * 24 + 10 * 576 + 13 * 3 * 8, _backend.Conv2d_WorkspaceLength(new Conv2dDesc(1, 28, 28, 10, 5, 5, 1, 1, 0, 0, 1, 1, 1), 1));
        // Unit-stride convolutions run as an implicit GEMM. Their workspace is the im2col layout (per core a column buffer —
        // the backward's block of samples: their im2col and dy side by side, or the shifted copies above —, the transposed
        // weight, partial weight gradients) followed by the packed weight (rows rounded up to 12, for the forward or, when
        // dx is a convolution too, the flipped weight), the flipped weight, and one padded sample per core (the input, or dy
        // padded for dx).
        // 1×1 "same" on 12×12: the shifted dW (one copy of x, dy, tiles); dx is the implicit convolution of dy.
        long pointwiseColumns = Math.Max(10 * 144 + 16 * 144 + 5 * 4 * 8, (10 + 16) * 144);
        Assert.Equal(pointwiseColumns + 16 * 10 + Math.Max(24 * 10, 12 * 16) + 16 * 10 + 16 * 144,
            _backend.Conv2d_WorkspaceLength(new Conv2dDesc(10, 12, 12, 16, 1, 1, 1, 1, 0, 0, 1, 1, 1), 1));
        // 5×5 shrinking 12×12 → 8×8: dx keeps the GEMM and col2im, so only the forward's packed weight and padded input. A
        // backward block holds im2col [250, 64] and dy [20, 64] per sample.
        // It is also a Winograd convolution (5×5, 10 → 20 channels): the workspace is the larger of the two layouts, so either
        // path can run in it (CpuConvolution.UseWinograd).
        long perSample = (10 * 25 + 20) * 8 * 8, weight = 20 * 250, packed = 24 * 250, padded = 10 * 144;
        Assert.Equal(Math.Max(perSample + weight + packed + weight + padded, Winograd(10, 20, 5, 1)),
            _backend.Conv2d_WorkspaceLength(new Conv2dDesc(10, 12, 12, 20, 5, 5, 1, 1, 0, 0, 1, 1, 1), 1));
        // Batches: per core a block of samples (an inner dimension of 128 = 2 samples of 8×8, within 65536 floats) and one
        // padded sample, a partial weight gradient per extra core.
        int cores = Math.Clamp(Environment.ProcessorCount, 1, 16);
        int block = Math.Min(2, (64 + cores - 1) / cores);
        Assert.Equal(Math.Max(cores * block * perSample + weight + (cores - 1) * weight + packed + weight + cores * padded, Winograd(10, 20, 5, 64)),
            _backend.Conv2d_WorkspaceLength(new Conv2dDesc(10, 12, 12, 20, 5, 5, 1, 1, 0, 0, 1, 1, 1), 64));
        // Strided: the im2col layout only (im2col [90, 36] and dy [20, 36] of one sample, the transposed weight).
        long stridedColumns = (10 * 9 + 20) * 6 * 6;
        Assert.Equal(stridedColumns + 20 * 90, _backend.Conv2d_WorkspaceLength(new Conv2dDesc(10, 12, 12, 20, 3, 3, 2, 2, 1, 1, 1, 1, 1), 1));
    }

    private static long Winograd(int inC, int outC, int kernel, int batch)
        => CpuWinograd.WorkspaceLength(new Conv2dGeometry(batch, inC, 12, 12, outC, kernel, kernel, 1, 1, 0, 0, 1, 1, 1));

    [Fact]
    public void Invalid_sizes_and_short_workspaces_are_rejected_with_the_sizes_in_the_message()
    {
        ConvCase c = Small["odd 3x3"];
        float[] x = new float[c.InputLength], w = new float[c.WeightLength], y = new float[c.OutputLength];
        var error = Assert.Throws<ArgumentException>(() => Forward(c, y, x, w, null, _backend.Allocate(1), UnaryOp.Identity));
        Assert.Contains("workspace", error.Message);
        Assert.Contains("3→4", error.Message);
        var groups = Assert.Throws<ArgumentException>(() => new Conv2dDesc(3, 7, 9, 4, 3, 3, groups: 2));
        Assert.Contains("groups 2 must divide both inChannels 3 and outChannels 4", groups.Message);
        var tooLarge = Assert.Throws<ArgumentException>(() => new Conv2dDesc(65536, 256, 256, 65536, 3, 3, padH: 1, padW: 1));
        Assert.Contains("Conv2d(65536→65536, 256×256, kernel 3×3, stride 1×1, pad 1×1) is too large", tooLarge.Message);
        Assert.Throws<ArgumentException>(() => Conv2dDesc.OutputSize(4, 5, 1, 0, 1));
        var activation = Assert.Throws<ArgumentException>(() => Forward(c, y, x, w, null, Workspace(c), UnaryOp.Tanh));
        Assert.Contains("Identity or Relu, not Tanh", activation.Message);
    }
}

/// <summary>A convolution forward and backward (parallel over samples; im2col, pointwise and direct kernels) allocate nothing once warm.</summary>
[Collection(nameof(AllocationMeasurement))]
public class ConvolutionAllocationTests
{
    private readonly IBackend _backend = CpuBackend.Instance;

    private void RunKernels(DeviceBuffer[] buffers, DeviceBuffer[] pointwise, DeviceBuffer[] direct)
    {
        // The direct kernel (one input channel, the first MNIST conv) needs no column buffer, only the partial weight gradients.
        _backend.Conv2d_Forward(direct[1], direct[0], direct[2], direct[3], direct[6], new Conv2dDesc(1, 28, 28, 10, 5, 5, 1, 1, 0, 0, 1, 1, 1, UnaryOp.Relu), 16);
        _backend.Conv2d_Backward(null, direct[4], direct[5], direct[1], direct[0], direct[2], direct[6], new Conv2dDesc(1, 28, 28, 10, 5, 5, 1, 1, 0, 0, 1, 1, 1), 16, false, false);
        (DeviceBuffer x, DeviceBuffer w, DeviceBuffer b, DeviceBuffer y, DeviceBuffer ws, DeviceBuffer dx, DeviceBuffer dw, DeviceBuffer db) =
            (buffers[0], buffers[1], buffers[2], buffers[3], buffers[4], buffers[5], buffers[6], buffers[7]);
        _backend.Conv2d_Forward(y, x, w, b, ws, new Conv2dDesc(10, 12, 12, 20, 5, 5, 1, 1, 0, 0, 1, 1, 1, UnaryOp.Relu), 16);
        _backend.Conv2d_Backward(dx, dw, db, y, x, w, ws, new Conv2dDesc(10, 12, 12, 20, 5, 5, 1, 1, 0, 0, 1, 1, 1), 16, false, true);
        _backend.Conv2d_Forward(pointwise[1], pointwise[0], pointwise[2], null, pointwise[3], new Conv2dDesc(10, 12, 12, 16, 1, 1, 1, 1, 0, 0, 1, 1, 1, UnaryOp.Identity), 16);
        _backend.Conv2d_Backward(pointwise[4], pointwise[5], null, pointwise[1], pointwise[0], pointwise[2], pointwise[3], new Conv2dDesc(10, 12, 12, 16, 1, 1, 1, 1, 0, 0, 1, 1, 1), 16, true, false);
    }

    [Fact]
    public void Conv2d_forward_and_backward_allocate_nothing_after_warm_up()
    {
        DeviceBuffer[] buffers =
        [
            _backend.Wrap(TestData.Uniform(1, 16 * 10 * 144)), _backend.Wrap(TestData.Uniform(2, 20 * 10 * 25)),
            _backend.Wrap(TestData.Uniform(3, 20)), _backend.Allocate(16 * 20 * 64),
            _backend.Allocate(_backend.Conv2d_WorkspaceLength(new Conv2dDesc(10, 12, 12, 20, 5, 5, 1, 1, 0, 0, 1, 1, 1), 16)),
            _backend.Allocate(16 * 10 * 144), _backend.Allocate(20 * 10 * 25), _backend.Allocate(20),
        ];
        DeviceBuffer[] pointwise =
        [
            buffers[0], _backend.Allocate(16 * 16 * 144), _backend.Wrap(TestData.Uniform(4, 16 * 10)),
            _backend.Allocate(_backend.Conv2d_WorkspaceLength(new Conv2dDesc(10, 12, 12, 16, 1, 1, 1, 1, 0, 0, 1, 1, 1), 16)),
            _backend.Allocate(16 * 10 * 144), _backend.Allocate(16 * 10),
        ];
        DeviceBuffer[] direct =
        [
            _backend.Wrap(TestData.Uniform(5, 16 * 28 * 28)), _backend.Allocate(16 * 10 * 24 * 24), _backend.Wrap(TestData.Uniform(6, 10 * 25)),
            _backend.Wrap(TestData.Uniform(7, 10)), _backend.Allocate(10 * 25), _backend.Allocate(10),
            _backend.Allocate(_backend.Conv2d_WorkspaceLength(new Conv2dDesc(1, 28, 28, 10, 5, 5, 1, 1, 0, 0, 1, 1, 1), 16)),
        ];
        for (int i = 0; i < 3; i++) RunKernels(buffers, pointwise, direct);
        AllocationWindows.Measure(() =>
        {
            for (int i = 0; i < 3; i++) RunKernels(buffers, pointwise, direct);
        }).AssertSteady("3 rounds of convolution kernels");

        long delta = long.MaxValue;
        for (int attempt = 0; attempt < 20 && delta != 0; attempt++)
        {
            long start = GC.GetTotalAllocatedBytes(precise: true);
            RunKernels(buffers, pointwise, direct);
            delta = GC.GetTotalAllocatedBytes(precise: true) - start;
        }
        Assert.Equal(0, delta);
    }
}
