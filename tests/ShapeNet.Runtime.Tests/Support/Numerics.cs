using Xunit.Sdk;

namespace ShapeNet.Runtime.Tests.Support;

/// <summary>Comparisons with a stated tolerance; failures name what was compared, its shape and the max difference.</summary>
public static class Numerics
{
    /// <summary>Passes when |actual − expected| ≤ atol + rtol·|expected| for every element.</summary>
    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double rtol, double atol, string what, params int[] shape)
    {
        if (expected.Length != actual.Length)
            throw new XunitException($"{what} {Tensor.ShapeText(shape)}: expected {expected.Length} values, got {actual.Length}.");
        double maxDiff = 0, worstExpected = 0, worstActual = 0;
        int worst = -1;
        bool failed = false;
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = Math.Abs(actual[i] - expected[i]);
            if (double.IsNaN(actual[i]) != double.IsNaN(expected[i])) diff = double.PositiveInfinity;
            if (diff > atol + rtol * Math.Abs(expected[i])) failed = true;
            if (diff > maxDiff || worst < 0)
            {
                maxDiff = diff; worst = i; worstExpected = expected[i]; worstActual = actual[i];
            }
        }
        if (failed)
            throw new XunitException($"{what} {Tensor.ShapeText(shape)}: max |difference| {maxDiff:G4} at flat index {worst} " +
                $"(expected {worstExpected:G7}, got {worstActual:G7}); tolerance atol {atol:G3} + rtol {rtol:G3}·|expected|.");
    }

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double rtol, double atol, string what, params int[] shape)
    {
        var e = new double[expected.Length];
        for (int i = 0; i < e.Length; i++) e[i] = expected[i];
        AssertClose(e, actual, rtol, atol, what, shape);
    }

    /// <summary>Passes when every value of <paramref name="actual"/> has exactly the bits of <paramref name="expected"/> (signed
    /// zeros and NaNs included); a failure counts the values that differ and gives the largest difference.</summary>
    public static void AssertSameBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        if (expected.Length != actual.Length)
            throw new XunitException($"{what}: expected {expected.Length} values, got {actual.Length}.");
        int differing = 0, first = -1;
        double maxDiff = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i])) continue;
            if (differing++ == 0) first = i;
            maxDiff = Math.Max(maxDiff, Math.Abs((double)expected[i] - actual[i]));
        }
        if (differing > 0)
            throw new XunitException($"{what}: {differing} of {expected.Length} values differ in their bits, the first at flat index " +
                $"{first} (expected {expected[first]:G9}, got {actual[first]:G9}); max |difference| {maxDiff:G9}.");
    }

    /// <summary>Central finite differences in float64: ∂(Σ w·f(x))/∂x for a forward written in double.</summary>
    public static double[] FiniteDifference(Func<double[], double[]> forward, double[] x, double[] upstream, double h = 1e-6)
    {
        var grad = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double saved = x[i];
            x[i] = saved + h;
            double[] plus = forward(x);
            x[i] = saved - h;
            double[] minus = forward(x);
            x[i] = saved;
            double g = 0;
            for (int j = 0; j < plus.Length; j++) g += upstream[j] * (plus[j] - minus[j]);
            grad[i] = g / (2 * h);
        }
        return grad;
    }
}
