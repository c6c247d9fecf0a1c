using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace ShapeNet.Runtime.Tests.Cpu;

/// <summary>
/// The Winograd convolutions (F(4×4, 3×3) and F(2×2, 5×5), <see cref="CpuWinograd"/>) against the direct convolution and
/// its exact gradients in double: forward (bias, ReLU), input gradient and weight gradient, overwriting and accumulating,
/// on every GEMM kernel family (AVX-512, AVX2, portable) and at one and two threads. Tolerance: the transforms scale values
/// by up to ~10 per axis before the float products, so each result may differ from the double sum by at most
/// 2e-5 · Σ|terms| + 1e-6 (Σ|terms| the sum of the absolute products that make the value, computed beside the
/// reference; the float GEMM paths stay within ~1e-6 · Σ|terms|). The largest difference relative to Σ|terms| is printed.
/// Runs alone: the kernel family and thread count are process-wide.
/// </summary>
[Collection(nameof(AllocationMeasurement))]
public class WinogradTests(ITestOutputHelper output)
{
    private const double RelativeTolerance = 2e-5, AbsoluteTolerance = 1e-6;
    private readonly IBackend _backend = CpuBackend.Instance;

    private static readonly Dictionary<string, ConvolutionTests.ConvCase> Cases = new()
    {
        ["3x3 pad 1 (16,24) 12x12, 8 samples"] = new(8, 16, 12, 12, 24, 3, 3, PH: 1, PW: 1),
        ["3x3 pad 1 (24,24) 4x4, 9 samples (one tile a sample)"] = new(9, 24, 4, 4, 24, 3, 3, PH: 1, PW: 1),
        ["3x3 pad 0 (8,9) 11x13 (edge tiles cut at 9x11)"] = new(8, 8, 11, 13, 9, 3, 3),
        ["3x3 pad 2 (9,8) 7x6 (output grows)"] = new(8, 9, 7, 6, 8, 3, 3, PH: 2, PW: 2),
        ["3x3 asymmetric pad 1x0 (8,13) 9x10"] = new(8, 8, 9, 10, 13, 3, 3, PH: 1),
        ["5x5 pad 0 (10,20) 12x12, 8 samples (basic conv2)"] = new(8, 10, 12, 12, 20, 5, 5),
        ["5x5 pad 0 (88,20) 12x12, 8 samples (Inception conv2)"] = new(8, 88, 12, 12, 20, 5, 5),
        ["5x5 pad 2 (16,24) 4x4, 11 samples"] = new(11, 16, 4, 4, 24, 5, 5, PH: 2, PW: 2),
        ["5x5 pad 1 (8,8) 9x8 (odd output 7x6)"] = new(8, 8, 9, 8, 8, 5, 5, PH: 1, PW: 1),
        ["5x5 pad 3 (12,9) 5x5 (output 7x7 grows)"] = new(8, 12, 5, 5, 9, 5, 5, PH: 3, PW: 3),
        // Chunks whose products exceed CpuWinograd.StripThreshold (forward and backward), so they run strip by strip.
        ["3x3 pad 1 (16,16) 12x12, 64 samples (many chunks)"] = new(64, 16, 12, 12, 16, 3, 3, PH: 1, PW: 1),
    };

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    public static TheoryData<string, string, int> Paths()
    {
        var data = new TheoryData<string, string, int>();
        foreach (GemmKernel family in Enum.GetValues<GemmKernel>().Where(k => k <= CpuGemm.BestKernel))
            foreach (string name in new[] { "3x3 pad 1 (16,24) 12x12, 8 samples", "5x5 pad 0 (10,20) 12x12, 8 samples (basic conv2)",
                         "3x3 pad 0 (8,9) 11x13 (edge tiles cut at 9x11)", "3x3 pad 1 (16,16) 12x12, 64 samples (many chunks)" })
                foreach (int threads in new[] { 1, CpuBackend.MaxThreads }.Distinct())
                    data.Add(name, family.ToString(), threads);
        return data;
    }

    [Fact]
    public void The_seed_3x3_and_5x5_convolutions_take_the_winograd_path_and_others_do_not()
    {
        Assert.True(Geometry(new(64, 16, 12, 12, 16, 3, 3, PH: 1, PW: 1)).IsWinograd);
        Assert.True(Geometry(new(64, 88, 12, 12, 20, 5, 5)).IsWinograd);
        Assert.True(Geometry(new(64, 10, 12, 12, 20, 5, 5)).IsWinograd);
        Assert.False(Geometry(new(64, 1, 28, 28, 10, 5, 5)).IsWinograd);                      // one input channel: direct kernel
        Assert.False(Geometry(new(64, 16, 12, 12, 16, 3, 3, SH: 2, SW: 2, PH: 1, PW: 1)).IsWinograd);
        Assert.False(Geometry(new(64, 16, 12, 12, 16, 3, 3, PH: 2, PW: 2, DH: 2, DW: 2)).IsWinograd);
        Assert.False(Geometry(new(64, 16, 12, 12, 16, 1, 1)).IsWinograd);
        Assert.False(Geometry(new(64, 16, 12, 12, 16, 3, 5, PH: 1, PW: 2)).IsWinograd);
        Assert.False(Geometry(new(4, 16, 12, 12, 16, 3, 3, PH: 1, PW: 1, Groups: 2)).IsWinograd);
        Assert.True(CpuConvolution.WorkspaceLength(Geometry(new(64, 88, 12, 12, 20, 5, 5))) >= CpuWinograd.WorkspaceLength(Geometry(new(64, 88, 12, 12, 20, 5, 5))));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Forward_and_gradients_match_the_direct_convolution(string name) => Check(Cases[name], name);

    [Theory]
    [MemberData(nameof(Paths))]
    public void Each_kernel_family_and_thread_count_matches_and_repeats_bit_for_bit(string name, string family, int threads)
    {
        CpuGemm.Kernel = Enum.Parse<GemmKernel>(family);
        CpuBackend.Threads = threads;
        try
        {
            float[][] first = Check(Cases[name], $"{name} on {family}, {threads} thread(s)");
            float[][] second = Check(Cases[name], $"{name} on {family}, {threads} thread(s), again");
            for (int i = 0; i < first.Length; i++) Assert.Equal(first[i], second[i]);
        }
        finally
        {
            CpuGemm.Kernel = CpuGemm.BestKernel;
            CpuBackend.Threads = CpuBackend.MaxThreads;
        }
    }

    [Fact]
    public void A_single_sample_takes_the_gemm_path_bit_for_bit()
    {
        // Batch 1 is below CpuWinograd.MinBatch: the result must be exactly the one of the path without Winograd.
        ConvolutionTests.ConvCase c = new(1, 16, 12, 12, 24, 3, 3, PH: 1, PW: 1);
        Assert.True(Geometry(c).IsWinograd);
        Assert.False(CpuWinograd.Applies(Geometry(c)));
        float[] x = TestData.Uniform(31, c.InputLength), w = TestData.Uniform(32, c.WeightLength);
        float[] dy = TestData.Uniform(33, c.OutputLength);
        float[][] gated = Run(c, x, w, null, dy, UnaryOp.Identity);
        CpuWinograd.Enabled = false;
        float[][] gemm;
        try
        {
            gemm = Run(c, x, w, null, dy, UnaryOp.Identity);
        }
        finally
        {
            CpuWinograd.Enabled = true;
        }
        for (int i = 0; i < gemm.Length; i++) Assert.Equal(gemm[i], gated[i]);
        Assert.False(CpuWinograd.Applies(Geometry(c with { N = CpuWinograd.MinBatch - 1 })));
        Assert.True(CpuWinograd.Applies(Geometry(c with { N = CpuWinograd.MinBatch })));
    }

    [Fact]
    public void Winograd_and_the_gemm_paths_agree_within_the_tolerance()
    {
        ConvolutionTests.ConvCase c = Cases["5x5 pad 2 (16,24) 4x4, 11 samples"];
        float[] x = TestData.Uniform(21, c.InputLength), w = TestData.Uniform(22, c.WeightLength);
        float[] dy = TestData.Uniform(23, c.OutputLength);
        float[][] winograd = Run(c, x, w, null, dy, UnaryOp.Identity);
        CpuWinograd.Enabled = false;
        float[][] gemm;
        try
        {
            gemm = Run(c, x, w, null, dy, UnaryOp.Identity);
        }
        finally
        {
            CpuWinograd.Enabled = true;
        }
        string[] names = ["y", "dx", "dW"];
        for (int i = 0; i < 3; i++)
        {
            double scale = gemm[i].Max(v => Math.Abs(v));
            Numerics.AssertClose(gemm[i], winograd[i], 0, 1e-5 * scale, $"Winograd vs GEMM {names[i]}", gemm[i].Length);
        }
    }

    private static Conv2dGeometry Geometry(ConvolutionTests.ConvCase c)
        => new(c.N, c.InC, c.H, c.W, c.OutC, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW, c.DH, c.DW, c.Groups);

    /// <summary>y (bias, ReLU), then dx and dW overwritten, then accumulated onto them: each against double.</summary>
    private float[][] Check(ConvolutionTests.ConvCase c, string name)
    {
        Assert.True(CpuWinograd.Applies(Geometry(c)), name);
        float[] x = TestData.Uniform(1, c.InputLength), w = TestData.Uniform(2, c.WeightLength), b = TestData.Uniform(3, c.OutC);
        float[] dy = TestData.Uniform(4, c.OutputLength);
        double[] xd = TestData.ToDouble(x), wd = TestData.ToDouble(w), bd = TestData.ToDouble(b), dyd = TestData.ToDouble(dy);

        float[][] result = Run(c, x, w, b, dy, UnaryOp.Relu);
        (double[] y, double[] yBound) = Forward(c, xd, wd, bd);
        for (int i = 0; i < y.Length; i++) y[i] = Math.Max(y[i], 0);
        AssertWithin(y, yBound, result[0], $"{name}: forward +bias +relu");
        (double[] dx, double[] dxBound, double[] dw, double[] dwBound) = Gradients(c, xd, wd, dyd);
        AssertWithin(dx, dxBound, result[1], $"{name}: dx");
        AssertWithin(dw, dwBound, result[2], $"{name}: dW");

        // Accumulate onto the previous gradients (expected: twice).
        DeviceBuffer dxBuffer = _backend.Wrap(result[1]), dwBuffer = _backend.Wrap(result[2]);
        _backend.Conv2d_Backward(dxBuffer, dwBuffer, null, _backend.Wrap(dy), _backend.Wrap(x), _backend.Wrap(w), Workspace(c),
            ConvolutionTests.Desc(c), c.N, accumulateDx: true, accumulateParameters: true);
        AssertWithin(dx.Select(v => 2 * v).ToArray(), dxBound.Select(v => 2 * v).ToArray(), result[1], $"{name}: dx accumulated");
        AssertWithin(dw.Select(v => 2 * v).ToArray(), dwBound.Select(v => 2 * v).ToArray(), result[2], $"{name}: dW accumulated");
        return result;
    }

    private DeviceBuffer Workspace(ConvolutionTests.ConvCase c)
    {
        var garbage = new float[_backend.Conv2d_WorkspaceLength(ConvolutionTests.Desc(c), c.N)];
        Array.Fill(garbage, float.NaN);
        return _backend.Wrap(garbage);
    }

    /// <summary>[y, dx, dW] from the backend (dx and dW overwritten, outputs start as NaN).</summary>
    private float[][] Run(ConvolutionTests.ConvCase c, float[] x, float[] w, float[]? b, float[] dy, UnaryOp activation)
    {
        float[] y = new float[c.OutputLength], dx = new float[c.InputLength], dw = new float[c.WeightLength];
        Array.Fill(y, float.NaN);
        Array.Fill(dx, float.NaN);
        Array.Fill(dw, float.NaN);
        _backend.Conv2d_Forward(_backend.Wrap(y), _backend.Wrap(x), _backend.Wrap(w), b == null ? null : _backend.Wrap(b), Workspace(c),
            ConvolutionTests.Desc(c, activation), c.N);
        _backend.Conv2d_Backward(_backend.Wrap(dx), _backend.Wrap(dw), null, _backend.Wrap(dy), _backend.Wrap(x), _backend.Wrap(w),
            Workspace(c), ConvolutionTests.Desc(c), c.N, accumulateDx: false, accumulateParameters: false);
        return [y, dx, dw];
    }

    private void AssertWithin(double[] expected, double[] bound, float[] actual, string what)
    {
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = Math.Abs(actual[i] - expected[i]);
            if (double.IsNaN(actual[i])) diff = double.PositiveInfinity;
            worst = Math.Max(worst, diff / (bound[i] + 1e-30));
            if (diff > RelativeTolerance * bound[i] + AbsoluteTolerance)
                throw new Xunit.Sdk.XunitException($"{what}: value {i} is {actual[i]:G9}, expected {expected[i]:G9} (|difference| {diff:G3}, " +
                    $"Σ|terms| {bound[i]:G4}); tolerance {RelativeTolerance:G2}·Σ|terms| + {AbsoluteTolerance:G2}.");
        }
        output.WriteLine($"{what}: max |difference| / Σ|terms| = {worst:G3}");
    }

    /// <summary>The direct convolution in double with Σ|terms| per output (no bias: the bias is added exactly).</summary>
    private static (double[] Y, double[] Bound) Forward(ConvolutionTests.ConvCase c, double[] x, double[] w, double[] b)
    {
        var y = new double[c.OutputLength];
        var bound = new double[c.OutputLength];
        ForEachTerm(c, (yi, xi, wi) =>
        {
            y[yi] += x[xi] * w[wi];
            bound[yi] += Math.Abs(x[xi] * w[wi]);
        });
        int plane = c.OutH * c.OutW;
        for (int i = 0; i < y.Length; i++) y[i] += b[i / plane % c.OutC];
        return (y, bound);
    }

    private static (double[] Dx, double[] DxBound, double[] Dw, double[] DwBound) Gradients(ConvolutionTests.ConvCase c, double[] x, double[] w,
        double[] dy)
    {
        double[] dx = new double[c.InputLength], dxBound = new double[c.InputLength], dw = new double[c.WeightLength], dwBound = new double[c.WeightLength];
        ForEachTerm(c, (yi, xi, wi) =>
        {
            dx[xi] += dy[yi] * w[wi];
            dxBound[xi] += Math.Abs(dy[yi] * w[wi]);
            dw[wi] += dy[yi] * x[xi];
            dwBound[wi] += Math.Abs(dy[yi] * x[xi]);
        });
        return (dx, dxBound, dw, dwBound);
    }

    /// <summary>Every (output, input, weight) index triple of the convolution (groups 1, unit stride and dilation).</summary>
    private static void ForEachTerm(ConvolutionTests.ConvCase c, Action<int, int, int> term)
    {
        for (int n = 0; n < c.N; n++)
            for (int o = 0; o < c.OutC; o++)
                for (int oh = 0; oh < c.OutH; oh++)
                    for (int ow = 0; ow < c.OutW; ow++)
                    {
                        int yi = ((n * c.OutC + o) * c.OutH + oh) * c.OutW + ow;
                        for (int i = 0; i < c.InC; i++)
                            for (int ki = 0; ki < c.KH; ki++)
                            {
                                int ih = oh - c.PH + ki;
                                if (ih < 0 || ih >= c.H) continue;
                                for (int kj = 0; kj < c.KW; kj++)
                                {
                                    int iw = ow - c.PW + kj;
                                    if (iw < 0 || iw >= c.W) continue;
                                    term(yi, ((n * c.InC + i) * c.H + ih) * c.W + iw, ((o * c.InC + i) * c.KH + ki) * c.KW + kj);
                                }
                            }
                    }
    }
}
