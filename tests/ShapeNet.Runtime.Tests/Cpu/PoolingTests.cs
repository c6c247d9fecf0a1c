using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Cpu;

/// <summary>Max, average and global average pooling through the backend interface against direct double-precision
/// references written here (PyTorch semantics, ceil_mode = false) and float64 central finite differences of them.</summary>
public class PoolingTests
{
    private readonly IBackend _backend = CpuBackend.Instance;

    public sealed record PoolCase(int N, int C, int H, int W, int KH, int KW, int SH, int SW, int PH = 0, int PW = 0)
    {
        public int OutH => (H + 2 * PH - KH) / SH + 1;
        public int OutW => (W + 2 * PW - KW) / SW + 1;
        public int InputLength => N * C * H * W;
        public int OutputLength => N * C * OutH * OutW;
        public override string ToString() => $"({N},{C},{H},{W}) k{KH}×{KW} s{SH}×{SW} p{PH}×{PW}";
    }

    private static readonly Dictionary<string, PoolCase> Cases = new()
    {
        ["2x2 stride 2 (basic CNN)"] = new(2, 3, 8, 8, 2, 2, 2, 2),
        ["2x2 stride 2 odd size drops the last row"] = new(2, 2, 7, 9, 2, 2, 2, 2),
        ["2x2 stride 2 rows of 12 (vector block, overlapping last block)"] = new(2, 3, 6, 24, 2, 2, 2, 2),
        ["2x2 stride 2 rows of 6 (four-wide block, overlapping)"] = new(2, 2, 4, 13, 2, 2, 2, 2),
        ["2x2 stride 2 rows of 2 (scalar)"] = new(1, 2, 4, 5, 2, 2, 2, 2),
        ["2x2 stride 2 odd 5x19 (vector block, dropped column)"] = new(1, 2, 5, 19, 2, 2, 2, 2),
        ["2x2 stride 2 odd 5x33, 3 samples (two vector blocks a row, dropped row and column)"] = new(3, 2, 5, 33, 2, 2, 2, 2),
        ["3x3 stride 1 pad 1 (Inception branch)"] = new(2, 3, 5, 6, 3, 3, 1, 1, 1, 1),
        ["3x3 stride 1 pad 1 on 1x4 (one row)"] = new(1, 2, 1, 4, 3, 3, 1, 1, 1, 1),
        ["3x3 stride 1 pad 1 on 7x1 (one column)"] = new(2, 1, 7, 1, 3, 3, 1, 1, 1, 1),
        ["3x3 stride 2 pad 1"] = new(1, 2, 7, 8, 3, 3, 2, 2, 1, 1),
        ["rectangular 2x3 stride 1x2 pad 1x0"] = new(2, 2, 6, 7, 2, 3, 1, 2, 1, 0),
        ["overlapping 3x3 stride 2"] = new(2, 2, 9, 7, 3, 3, 2, 2),
    };

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    private static double[] MaxReference(PoolCase c, double[] x, int[]? argmax = null)
    {
        var y = new double[c.OutputLength];
        for (int plane = 0; plane < c.N * c.C; plane++)
            for (int oh = 0; oh < c.OutH; oh++)
                for (int ow = 0; ow < c.OutW; ow++)
                {
                    double best = double.NegativeInfinity;
                    int bestIndex = -1;
                    for (int ki = 0; ki < c.KH; ki++)
                        for (int kj = 0; kj < c.KW; kj++)
                        {
                            int ih = oh * c.SH - c.PH + ki, iw = ow * c.SW - c.PW + kj;
                            if (ih < 0 || ih >= c.H || iw < 0 || iw >= c.W) continue;
                            double v = x[plane * c.H * c.W + ih * c.W + iw];
                            if (v > best) (best, bestIndex) = (v, ih * c.W + iw);
                        }
                    int o = (plane * c.OutH + oh) * c.OutW + ow;
                    y[o] = best;
                    if (argmax != null) argmax[o] = bestIndex;
                }
        return y;
    }

    private static double[] AvgReference(PoolCase c, double[] x, bool countIncludePad)
    {
        var y = new double[c.OutputLength];
        for (int plane = 0; plane < c.N * c.C; plane++)
            for (int oh = 0; oh < c.OutH; oh++)
                for (int ow = 0; ow < c.OutW; ow++)
                {
                    double sum = 0;
                    int inside = 0, padded = 0;
                    for (int ki = 0; ki < c.KH; ki++)
                        for (int kj = 0; kj < c.KW; kj++)
                        {
                            int ih = oh * c.SH - c.PH + ki, iw = ow * c.SW - c.PW + kj;
                            // A tap counts towards count_include_pad's divisor when it lies in the zero-padded input.
                            if (ih < c.H + c.PH && iw < c.W + c.PW) padded++;
                            if (ih < 0 || ih >= c.H || iw < 0 || iw >= c.W) continue;
                            sum += x[plane * c.H * c.W + ih * c.W + iw];
                            inside++;
                        }
                    y[(plane * c.OutH + oh) * c.OutW + ow] = sum / (countIncludePad ? padded : inside);
                }
        return y;
    }

    private void MaxForward(PoolCase c, float[] y, float[] indices, float[] x)
        => _backend.MaxPool2d_Forward(_backend.Wrap(y), _backend.Wrap(indices), _backend.Wrap(x), Desc(c), c.N);

    private static Pool2dDesc Desc(PoolCase c, bool countIncludePad = true) => new(c.C, c.H, c.W, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW, countIncludePad);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MaxPool_forward_and_indices_match_the_reference(string name)
    {
        PoolCase c = Cases[name];
        float[] x = TestData.Uniform(1, c.InputLength);
        float[] y = new float[c.OutputLength], indices = new float[c.OutputLength];
        MaxForward(c, y, indices, x);
        var argmax = new int[c.OutputLength];
        double[] expected = MaxReference(c, TestData.ToDouble(x), argmax);
        Numerics.AssertClose(expected, y, 0, 0, $"maxpool forward {name}", c.N, c.C, c.OutH, c.OutW);
        Numerics.AssertClose(TestData.ToDouble(argmax.Select(i => (float)i).ToArray()), indices, 0, 0, $"maxpool indices {name}",
            c.N, c.C, c.OutH, c.OutW);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MaxPool_backward_matches_finite_differences(string name)
    {
        // Distinct values at least 1e-3 apart: the step 1e-6 never changes a window's winner.
        PoolCase c = Cases[name];
        float[] x = Enumerable.Range(0, c.InputLength).Select(i => (float)(i * 1e-3)).ToArray();
        new Random(2).Shuffle(x);
        float[] y = new float[c.OutputLength], indices = new float[c.OutputLength], dy = TestData.Uniform(3, c.OutputLength);
        MaxForward(c, y, indices, x);
        float[] dx = TestData.Uniform(4, c.InputLength);
        double[] expected = Numerics.FiniteDifference(v => MaxReference(c, v), TestData.ToDouble(x), TestData.ToDouble(dy));
        double[] old = TestData.ToDouble(dx);
        _backend.MaxPool2d_Backward(_backend.Wrap(dx), _backend.Wrap(dy), _backend.Wrap(indices), Desc(c), c.N, accumulate: true);
        Numerics.AssertClose(expected.Select((g, i) => g + old[i]).ToArray(), dx, 1e-6, 1e-6, $"maxpool dx (accumulate) {name}", c.N, c.C, c.H, c.W);
        _backend.MaxPool2d_Backward(_backend.Wrap(dx), _backend.Wrap(dy), _backend.Wrap(indices), Desc(c), c.N, accumulate: false);
        Numerics.AssertClose(expected, dx, 1e-6, 1e-6, $"maxpool dx (overwrite) {name}", c.N, c.C, c.H, c.W);
    }

    [Fact]
    public void MaxPool_ignores_padding_when_every_value_is_negative_and_takes_the_first_of_ties()
    {
        // One 3×3 plane of −5 with one −1: the padded border (zeros in AvgPool) must never win a max.
        var c = new PoolCase(1, 1, 3, 3, 3, 3, 1, 1, 1, 1);
        float[] x = [-5, -5, -5, -5, -5, -5, -5, -5, -1];
        float[] y = new float[9], indices = new float[9];
        MaxForward(c, y, indices, x);
        Assert.Equal(new float[] { -5, -5, -5, -5, -1, -1, -5, -1, -1 }, y);
        Assert.Equal(new float[] { 0, 0, 1, 0, 8, 8, 3, 8, 8 }, indices);
    }

    [Fact]
    public void MaxPool_2x2_vector_path_keeps_first_ties_and_sticky_NaN()
    {
        // One 2×16 plane, eight windows (a b / c d each): ties, NaN in every position, −∞, and each position winning.
        float nan = float.NaN, inf = float.NegativeInfinity;
        float[] top = [1, 1, 0, nan, nan, 2, 0, 1, 0, 1, 0, 9, inf, inf, 1, 2];
        float[] bottom = [1, 1, 5, 3, nan, 7, 4, 8, 6, 6, 3, 4, inf, inf, nan, 3];
        var c = new PoolCase(1, 1, 2, 16, 2, 2, 2, 2);
        float[] y = new float[8], indices = new float[8];
        MaxForward(c, y, indices, [.. top, .. bottom]);
        Assert.Equal(new float[] { 1, nan, nan, 8, 6, 9, inf, nan }, y);
        Assert.Equal(new float[] { 0, 3, 4, 23, 24, 11, 12, 30 }, indices);
        // The four-wide path (2×8 plane, four windows) on the first half of the same data.
        c = new PoolCase(1, 1, 2, 8, 2, 2, 2, 2);
        y = new float[4];
        indices = new float[4];
        MaxForward(c, y, indices, [.. top[..8], .. bottom[..8]]);
        Assert.Equal(new float[] { 1, nan, nan, 8 }, y);
        Assert.Equal(new float[] { 0, 3, 4, 15 }, indices);
    }

    public static TheoryData<string, bool> AvgCases()
    {
        var data = new TheoryData<string, bool>();
        foreach (string name in Cases.Keys)
        {
            data.Add(name, true);
            data.Add(name, false);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(AvgCases))]
    public void AvgPool_forward_matches_the_reference(string name, bool countIncludePad)
    {
        PoolCase c = Cases[name];
        float[] x = TestData.Uniform(5, c.InputLength), y = new float[c.OutputLength];
        _backend.AvgPool2d_Forward(_backend.Wrap(y), _backend.Wrap(x), Desc(c, countIncludePad), c.N);
        Numerics.AssertClose(AvgReference(c, TestData.ToDouble(x), countIncludePad), y, 1e-6, 1e-6,
            $"avgpool forward {name} countIncludePad={countIncludePad}", c.N, c.C, c.OutH, c.OutW);
    }

    [Theory]
    [MemberData(nameof(AvgCases))]
    public void AvgPool_backward_matches_finite_differences(string name, bool countIncludePad)
    {
        PoolCase c = Cases[name];
        float[] x = TestData.Uniform(6, c.InputLength), dy = TestData.Uniform(7, c.OutputLength), dx = TestData.Uniform(8, c.InputLength);
        double[] old = TestData.ToDouble(dx);
        double[] expected = Numerics.FiniteDifference(v => AvgReference(c, v, countIncludePad), TestData.ToDouble(x), TestData.ToDouble(dy));
        _backend.AvgPool2d_Backward(_backend.Wrap(dx), _backend.Wrap(dy), Desc(c, countIncludePad), c.N, accumulate: true);
        Numerics.AssertClose(expected.Select((g, i) => g + old[i]).ToArray(), dx, 1e-5, 1e-6,
            $"avgpool dx (accumulate) {name} countIncludePad={countIncludePad}", c.N, c.C, c.H, c.W);
        _backend.AvgPool2d_Backward(_backend.Wrap(dx), _backend.Wrap(dy), Desc(c, countIncludePad), c.N, accumulate: false);
        Numerics.AssertClose(expected, dx, 1e-5, 1e-6, $"avgpool dx (overwrite) {name} countIncludePad={countIncludePad}", c.N, c.C, c.H, c.W);
    }

    [Fact]
    public void AvgPool_divisors_follow_PyTorch_at_the_border()
    {
        // 3×3 window, stride 1, pad 1 on a 2×2 plane of ones: the corner window covers 4 values of a 9-tap window.
        var c = new PoolCase(1, 1, 2, 2, 3, 3, 1, 1, 1, 1);
        float[] x = [1, 1, 1, 1], y = new float[4];
        _backend.AvgPool2d_Forward(_backend.Wrap(y), _backend.Wrap(x), new Pool2dDesc(1, 2, 2, 3, 3, 1, 1, 1, 1, countIncludePad: true), 1);
        Assert.All(y, v => Assert.Equal(4f / 9f, v, 1e-7f));
        _backend.AvgPool2d_Forward(_backend.Wrap(y), _backend.Wrap(x), new Pool2dDesc(1, 2, 2, 3, 3, 1, 1, 1, 1, countIncludePad: false), 1);
        Assert.All(y, v => Assert.Equal(1f, v, 1e-7f));
        Assert.Equal(c.OutH * c.OutW, y.Length);
    }

    [Fact]
    public void GlobalAvgPool_forward_and_backward_match_the_mean_and_its_finite_differences()
    {
        const int n = 3, channels = 5, plane = 7 * 9;
        float[] x = TestData.Uniform(9, n * channels * plane), y = new float[n * channels];
        _backend.GlobalAvgPool_Forward(_backend.Wrap(y), _backend.Wrap(x), n, channels, plane);
        Func<double[], double[]> reference = v =>
        {
            var means = new double[n * channels];
            for (int p = 0; p < means.Length; p++)
            {
                for (int i = 0; i < plane; i++) means[p] += v[p * plane + i];
                means[p] /= plane;
            }
            return means;
        };
        Numerics.AssertClose(reference(TestData.ToDouble(x)), y, 1e-6, 1e-6, "global avgpool forward", n, channels);

        float[] dy = TestData.Uniform(10, n * channels), dx = TestData.Uniform(11, x.Length);
        double[] old = TestData.ToDouble(dx);
        double[] expected = Numerics.FiniteDifference(reference, TestData.ToDouble(x), TestData.ToDouble(dy));
        _backend.GlobalAvgPool_Backward(_backend.Wrap(dx), _backend.Wrap(dy), n, channels, plane, accumulate: true);
        Numerics.AssertClose(expected.Select((g, i) => g + old[i]).ToArray(), dx, 1e-5, 1e-6, "global avgpool dx (accumulate)", n, channels, plane);
        _backend.GlobalAvgPool_Backward(_backend.Wrap(dx), _backend.Wrap(dy), n, channels, plane, accumulate: false);
        Numerics.AssertClose(expected, dx, 1e-5, 1e-6, "global avgpool dx (overwrite)", n, channels, plane);
    }

    [Fact]
    public void Pool_sizes_are_validated_with_the_shapes_in_the_message()
    {
        var error = Assert.Throws<ArgumentException>(() => CpuPooling.AvgPool2d_Forward(new float[10], new float[2 * 3 * 8 * 8],
            2, 3, 8, 8, 2, 2, 2, 2, 0, 0, countIncludePad: true));
        Assert.Contains("(2,3,8,8)", error.Message);
        // PyTorch: pad should be at most half of the kernel.
        Assert.Throws<ArgumentException>(() => Pool2dDesc.OutputSize(8, 2, 2, 2));
    }
}
