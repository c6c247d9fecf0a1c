using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Cpu;

/// <summary>BatchNorm2d through the backend interface against a double-precision reference of PyTorch's formulas
/// (training: batch mean and biased variance; running statistics with the unbiased variance; evaluation: running
/// statistics) and float64 central finite differences of it.</summary>
public class NormalizationTests
{
    private const float Momentum = 0.1f, Eps = 1e-5f;
    private readonly IBackend _backend = CpuBackend.Instance;

    public static TheoryData<int, int, int> Shapes() => new()
    {
        { 3, 4, 5 * 7 },   // odd plane, batch > 1
        { 2, 3, 1 },       // 1×1 planes: statistics over the batch alone
        { 1, 2, 3 * 3 },   // a single sample: statistics over the plane alone
        { 4, 16, 12 * 12 },
    };

    /// <summary>Per channel: (mean, biased variance) over N and the plane.</summary>
    private static (double Mean, double Variance)[] Statistics(double[] x, int n, int channels, int plane)
    {
        var stats = new (double, double)[channels];
        int count = n * plane;
        for (int c = 0; c < channels; c++)
        {
            double sum = 0, squares = 0;
            for (int s = 0; s < n; s++)
                for (int i = 0; i < plane; i++) sum += x[(s * channels + c) * plane + i];
            double mean = sum / count;
            for (int s = 0; s < n; s++)
                for (int i = 0; i < plane; i++) squares += Math.Pow(x[(s * channels + c) * plane + i] - mean, 2);
            stats[c] = (mean, squares / count);
        }
        return stats;
    }

    /// <summary>y = (x − mean)/√(var + eps)·γ + β with the batch statistics (training) or the given running ones.</summary>
    private static double[] Reference(double[] x, double[]? gamma, double[]? beta, int n, int channels, int plane,
        double[]? runningMean = null, double[]? runningVar = null)
    {
        (double Mean, double Variance)[] stats = runningMean == null
            ? Statistics(x, n, channels, plane)
            : Enumerable.Range(0, channels).Select(c => (runningMean[c], runningVar![c])).ToArray();
        var y = new double[x.Length];
        for (int s = 0; s < n; s++)
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < plane; i++)
                {
                    int index = (s * channels + c) * plane + i;
                    y[index] = (x[index] - stats[c].Mean) / Math.Sqrt(stats[c].Variance + Eps) * (gamma?[c] ?? 1) + (beta?[c] ?? 0);
                }
        return y;
    }

    private void Forward(float[] y, float[] saveMean, float[] saveInvStd, float[]? runningMean, float[]? runningVar, float[] x,
        float[]? weight, float[]? bias, int n, int channels, int plane, bool training)
        => _backend.BatchNorm2d_Forward(_backend.Wrap(y), _backend.Wrap(saveMean), _backend.Wrap(saveInvStd),
            runningMean == null ? null : _backend.Wrap(runningMean), runningVar == null ? null : _backend.Wrap(runningVar), _backend.Wrap(x),
            weight == null ? null : _backend.Wrap(weight), bias == null ? null : _backend.Wrap(bias), new BatchNormDesc(channels, plane, Momentum, Eps), n, training);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Training_forward_normalises_with_batch_statistics_and_updates_running_statistics(int n, int channels, int plane)
    {
        // An offset mean and a non-unit scale, as activations have.
        float[] x = TestData.Uniform(1, n * channels * plane, -2f, 5f), weight = TestData.Uniform(2, channels), bias = TestData.Uniform(3, channels);
        float[] runningMean = TestData.Uniform(4, channels), runningVar = TestData.Uniform(5, channels, 0.5f, 2f);
        double[] mean0 = TestData.ToDouble(runningMean), var0 = TestData.ToDouble(runningVar);
        float[] y = new float[x.Length], saveMean = new float[channels], saveInvStd = new float[channels];
        Forward(y, saveMean, saveInvStd, runningMean, runningVar, x, weight, bias, n, channels, plane, training: true);

        double[] xd = TestData.ToDouble(x);
        Numerics.AssertClose(Reference(xd, TestData.ToDouble(weight), TestData.ToDouble(bias), n, channels, plane), y, 1e-4, 1e-5,
            "batchnorm training forward", n, channels, plane);
        (double Mean, double Variance)[] stats = Statistics(xd, n, channels, plane);
        int count = n * plane;
        Numerics.AssertClose(stats.Select(s => s.Mean).ToArray(), saveMean, 1e-5, 1e-6, "batchnorm saveMean", channels);
        Numerics.AssertClose(stats.Select(s => 1 / Math.Sqrt(s.Variance + Eps)).ToArray(), saveInvStd, 1e-5, 1e-6, "batchnorm saveInvStd", channels);
        Numerics.AssertClose(stats.Select((s, c) => (1 - Momentum) * mean0[c] + Momentum * s.Mean).ToArray(), runningMean, 1e-5, 1e-6,
            "batchnorm running mean", channels);
        Numerics.AssertClose(stats.Select((s, c) => (1 - Momentum) * var0[c] + Momentum * s.Variance * count / (count - 1)).ToArray(),
            runningVar, 1e-5, 1e-6, "batchnorm running var (unbiased)", channels);

        // Without affine parameters: γ = 1, β = 0.
        Forward(y, saveMean, saveInvStd, null, null, x, null, null, n, channels, plane, training: true);
        Numerics.AssertClose(Reference(xd, null, null, n, channels, plane), y, 1e-4, 1e-5, "batchnorm training forward, no affine", n, channels, plane);
    }

    [Fact]
    public void Running_statistics_follow_the_exponential_average_over_steps()
    {
        const int n = 2, channels = 3, plane = 4;
        float[] runningMean = new float[channels], runningVar = Enumerable.Repeat(1f, channels).ToArray();
        double[] expectedMean = new double[channels], expectedVar = Enumerable.Repeat(1.0, channels).ToArray();
        float[] y = new float[n * channels * plane], saveMean = new float[channels], saveInvStd = new float[channels];
        for (int step = 0; step < 5; step++)
        {
            float[] x = TestData.Uniform(10 + step, y.Length, -1f, 3f);
            Forward(y, saveMean, saveInvStd, runningMean, runningVar, x, null, null, n, channels, plane, training: true);
            (double Mean, double Variance)[] stats = Statistics(TestData.ToDouble(x), n, channels, plane);
            for (int c = 0; c < channels; c++)
            {
                expectedMean[c] = (1 - Momentum) * expectedMean[c] + Momentum * stats[c].Mean;
                expectedVar[c] = (1 - Momentum) * expectedVar[c] + Momentum * stats[c].Variance * (n * plane) / (n * plane - 1);
            }
        }
        Numerics.AssertClose(expectedMean, runningMean, 1e-5, 1e-6, "batchnorm running mean after 5 steps", channels);
        Numerics.AssertClose(expectedVar, runningVar, 1e-5, 1e-6, "batchnorm running var after 5 steps", channels);
    }

    [Fact]
    public void Evaluation_forward_uses_the_running_statistics_and_leaves_them_alone()
    {
        const int n = 2, channels = 3, plane = 5;
        float[] x = TestData.Uniform(20, n * channels * plane), weight = TestData.Uniform(21, channels), bias = TestData.Uniform(22, channels);
        float[] runningMean = TestData.Uniform(23, channels), runningVar = TestData.Uniform(24, channels, 0.5f, 2f);
        float[] meanBefore = (float[])runningMean.Clone(), varBefore = (float[])runningVar.Clone();
        float[] y = new float[x.Length], saveMean = new float[channels], saveInvStd = new float[channels];
        Forward(y, saveMean, saveInvStd, runningMean, runningVar, x, weight, bias, n, channels, plane, training: false);
        Numerics.AssertClose(Reference(TestData.ToDouble(x), TestData.ToDouble(weight), TestData.ToDouble(bias), n, channels, plane,
            TestData.ToDouble(runningMean), TestData.ToDouble(runningVar)), y, 1e-5, 1e-6, "batchnorm eval forward", n, channels, plane);
        Assert.Equal(meanBefore, runningMean);
        Assert.Equal(varBefore, runningVar);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Training_backward_matches_finite_differences(int n, int channels, int plane)
    {
        float[] x = TestData.Uniform(30, n * channels * plane, -2f, 5f), weight = TestData.Uniform(31, channels), bias = TestData.Uniform(32, channels);
        float[] dy = TestData.Uniform(33, x.Length);
        float[] y = new float[x.Length], saveMean = new float[channels], saveInvStd = new float[channels];
        Forward(y, saveMean, saveInvStd, null, null, x, weight, bias, n, channels, plane, training: true);

        float[] dx = TestData.Uniform(34, x.Length), dw = TestData.Uniform(35, channels), db = TestData.Uniform(36, channels);
        double[] dx0 = TestData.ToDouble(dx), dw0 = TestData.ToDouble(dw), db0 = TestData.ToDouble(db);
        Backward(dx, dw, db, dy, x, saveMean, saveInvStd, weight, n, channels, plane, training: true, accumulate: true);

        double[] xd = TestData.ToDouble(x), wd = TestData.ToDouble(weight), bd = TestData.ToDouble(bias), dyd = TestData.ToDouble(dy);
        double[] gx = Numerics.FiniteDifference(v => Reference(v, wd, bd, n, channels, plane), xd, dyd);
        double[] gw = Numerics.FiniteDifference(v => Reference(xd, v, bd, n, channels, plane), wd, dyd);
        double[] gb = Numerics.FiniteDifference(v => Reference(xd, wd, v, n, channels, plane), bd, dyd);
        Numerics.AssertClose(gx.Select((g, i) => g + dx0[i]).ToArray(), dx, 1e-3, 1e-4, "batchnorm training dx (accumulate)", n, channels, plane);
        Numerics.AssertClose(gw.Select((g, i) => g + dw0[i]).ToArray(), dw, 1e-3, 1e-4, "batchnorm dWeight (accumulate)", channels);
        Numerics.AssertClose(gb.Select((g, i) => g + db0[i]).ToArray(), db, 1e-3, 1e-4, "batchnorm dBias (accumulate)", channels);

        Backward(dx, dw, db, dy, x, saveMean, saveInvStd, weight, n, channels, plane, training: true, accumulate: false);
        Numerics.AssertClose(gx, dx, 1e-3, 1e-4, "batchnorm training dx (overwrite)", n, channels, plane);
        Numerics.AssertClose(gw, dw, 1e-3, 1e-4, "batchnorm dWeight (overwrite)", channels);
        Numerics.AssertClose(gb, db, 1e-3, 1e-4, "batchnorm dBias (overwrite)", channels);
    }

    [Fact]
    public void Evaluation_backward_matches_finite_differences_through_constant_statistics()
    {
        const int n = 2, channels = 3, plane = 6;
        float[] x = TestData.Uniform(40, n * channels * plane), weight = TestData.Uniform(41, channels), bias = TestData.Uniform(42, channels);
        float[] runningMean = TestData.Uniform(43, channels), runningVar = TestData.Uniform(44, channels, 0.5f, 2f), dy = TestData.Uniform(45, x.Length);
        float[] y = new float[x.Length], saveMean = new float[channels], saveInvStd = new float[channels];
        Forward(y, saveMean, saveInvStd, runningMean, runningVar, x, weight, bias, n, channels, plane, training: false);
        float[] dx = new float[x.Length], dw = new float[channels];
        Backward(dx, dw, null, dy, x, saveMean, saveInvStd, weight, n, channels, plane, training: false, accumulate: false);

        double[] rm = TestData.ToDouble(runningMean), rv = TestData.ToDouble(runningVar), wd = TestData.ToDouble(weight), bd = TestData.ToDouble(bias);
        double[] xd = TestData.ToDouble(x), dyd = TestData.ToDouble(dy);
        Numerics.AssertClose(Numerics.FiniteDifference(v => Reference(v, wd, bd, n, channels, plane, rm, rv), xd, dyd), dx, 1e-4, 1e-5,
            "batchnorm eval dx", n, channels, plane);
        Numerics.AssertClose(Numerics.FiniteDifference(v => Reference(xd, v, bd, n, channels, plane, rm, rv), wd, dyd), dw, 1e-4, 1e-5,
            "batchnorm eval dWeight", channels);
    }

    [Fact]
    public void Training_with_one_value_per_channel_is_rejected()
    {
        float[] one = new float[2];
        var error = Assert.Throws<ArgumentException>(() => CpuNormalization.BatchNorm2d_Forward(one, one.ToArray(), one.ToArray(), default, default,
            one.ToArray(), default, default, batch: 1, channels: 2, planeSize: 1, training: true, Momentum, Eps));
        Assert.Contains("more than one value per channel", error.Message);
    }

    private void Backward(float[] dx, float[] dw, float[]? db, float[] dy, float[] x, float[] saveMean, float[] saveInvStd, float[] weight,
        int n, int channels, int plane, bool training, bool accumulate)
        => _backend.BatchNorm2d_Backward(_backend.Wrap(dx), _backend.Wrap(dw), db == null ? null : _backend.Wrap(db), _backend.Wrap(dy),
            _backend.Wrap(x), _backend.Wrap(saveMean), _backend.Wrap(saveInvStd), _backend.Wrap(weight), new BatchNormDesc(channels, plane), n,
            training, accumulate, accumulate);
}
