using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Cpu;

/// <summary>Dropout's counter-based mask: pinned values of the specified hash, determinism, keep-rate statistics, scaling and the backward.</summary>
public class DropoutTests
{
    private readonly IBackend _backend = CpuBackend.Instance;

    private (float[] Y, float[] Mask) Forward(float[] x, float p, ulong seed, uint step)
    {
        float[] y = new float[x.Length], mask = new float[x.Length];
        _backend.Dropout_Forward(_backend.Wrap(y), _backend.Wrap(mask), _backend.Wrap(x), x.Length, p, seed, step);
        return (y, mask);
    }

    [Fact]
    public void The_hash_gives_the_pinned_values_a_device_backend_must_reproduce()
    {
        // Top 24 bits of Mix64(Mix64(seed) ^ (step << 32 | index)), computed independently of this code.
        uint[] step0 = [9955975, 9443459, 3702101, 3445169], step7 = [12392566, 16195197, 8749300, 9600903];
        for (uint i = 0; i < 4; i++)
        {
            Assert.Equal(step0[i] / (float)(1 << 24), CpuDropout.Uniform(42, 0, i));
            Assert.Equal(step7[i] / (float)(1 << 24), CpuDropout.Uniform(42, 7, i));
        }
        (_, float[] mask) = Forward(new float[4], 0.4f, 42, 0);
        Assert.Equal(new float[] { 1, 1, 0, 0 }, mask);   // u = 0.593, 0.563, 0.221, 0.205 against p = 0.4
    }

    [Fact]
    public void The_mask_is_a_function_of_seed_step_and_index_only()
    {
        float[] x = TestData.Uniform(1, 4097);
        (float[] y1, float[] mask1) = Forward(x, 0.5f, 7, 3);
        (float[] y2, float[] mask2) = Forward(x, 0.5f, 7, 3);
        Assert.Equal(mask1, mask2);
        Assert.Equal(y1, y2);
        Assert.NotEqual(mask1, Forward(x, 0.5f, 7, 4).Mask);
        Assert.NotEqual(mask1, Forward(x, 0.5f, 8, 3).Mask);
        // A prefix sees the same draws: the mask does not depend on n or on the order of evaluation.
        Assert.Equal(mask1[..100], Forward(x[..100], 0.5f, 7, 3).Mask);
        for (uint i = 0; i < x.Length; i++) Assert.Equal(CpuDropout.Uniform(7, 3, i) >= 0.5f ? 1f : 0f, mask1[i]);
    }

    [Theory]
    [InlineData(0.1f)]
    [InlineData(0.5f)]
    [InlineData(0.8f)]
    public void Keep_rate_scaling_and_independence_match_p(float p)
    {
        const int n = 200_000;
        float[] x = Enumerable.Repeat(1f, n).ToArray();
        (float[] y, float[] mask) = Forward(x, p, 1234, 5);
        double kept = mask.Sum(v => (double)v) / n;
        double sigma = Math.Sqrt(p * (1 - p) / n);
        Assert.True(Math.Abs(kept - (1 - p)) < 5 * sigma, $"dropout p={p}: kept fraction {kept:F5}, expected {1 - p} ± {5 * sigma:F5} (5σ)");
        // Inverted dropout keeps the expectation: E[y] = x.
        double meanY = y.Sum(v => (double)v) / n;
        double sigmaY = Math.Sqrt(p / (1 - p) / n);
        Assert.True(Math.Abs(meanY - 1) < 5 * sigmaY, $"dropout p={p}: mean(y) {meanY:F5}, expected 1 ± {5 * sigmaY:F5} (5σ)");
        Assert.All(y, v => Assert.True(v == 0f || v == 1f / (1f - p), $"dropout p={p}: y = {v} is neither 0 nor 1/(1−p)"));
        // Neighbouring elements and the same element of the next step are uncorrelated.
        float[] nextStep = Forward(x, p, 1234, 6).Mask;
        double neighbours = 0, steps = 0, mean = 1 - p;
        for (int i = 0; i < n - 1; i++)
        {
            neighbours += (mask[i] - mean) * (mask[i + 1] - mean);
            steps += (mask[i] - mean) * (nextStep[i] - mean);
        }
        double variance = p * (1 - p), correlationSigma = 1 / Math.Sqrt(n);
        Assert.True(Math.Abs(neighbours / (n - 1) / variance) < 5 * correlationSigma, $"dropout p={p}: neighbour correlation {neighbours / (n - 1) / variance:F5}");
        Assert.True(Math.Abs(steps / (n - 1) / variance) < 5 * correlationSigma, $"dropout p={p}: step-to-step correlation {steps / (n - 1) / variance:F5}");
    }

    [Fact]
    public void P_zero_is_the_identity_and_p_one_drops_everything()
    {
        float[] x = TestData.Uniform(2, 257);
        (float[] y, float[] mask) = Forward(x, 0f, 9, 0);
        Assert.Equal(x, y);
        Assert.All(mask, v => Assert.Equal(1f, v));
        (y, mask) = Forward(x, 1f, 9, 0);
        Assert.All(y, v => Assert.Equal(0f, v));
        Assert.All(mask, v => Assert.Equal(0f, v));
        Assert.Throws<ArgumentOutOfRangeException>(() => Forward(x, 1.5f, 9, 0));
    }

    [Fact]
    public void Backward_matches_finite_differences_of_the_masked_scaling()
    {
        const float p = 0.3f;
        float[] x = TestData.Uniform(3, 301), dy = TestData.Uniform(4, 301), dx = TestData.Uniform(5, 301);
        (float[] y, float[] mask) = Forward(x, p, 11, 2);
        Numerics.AssertClose(x.Select((v, i) => (double)v * mask[i] / (1 - p)).ToArray(), y, 1e-6, 1e-7, "dropout forward", x.Length);

        double[] m = TestData.ToDouble(mask), old = TestData.ToDouble(dx);
        double[] expected = Numerics.FiniteDifference(v => v.Select((value, i) => value * m[i] / (1 - (double)p)).ToArray(),
            TestData.ToDouble(x), TestData.ToDouble(dy));
        _backend.Dropout_Backward(_backend.Wrap(dx), _backend.Wrap(dy), _backend.Wrap(mask), x.Length, p, accumulate: true);
        Numerics.AssertClose(expected.Select((g, i) => g + old[i]).ToArray(), dx, 1e-5, 1e-6, "dropout dx (accumulate)", x.Length);
        _backend.Dropout_Backward(_backend.Wrap(dx), _backend.Wrap(dy), _backend.Wrap(mask), x.Length, p, accumulate: false);
        Numerics.AssertClose(expected, dx, 1e-5, 1e-6, "dropout dx (overwrite)", x.Length);
    }
}
