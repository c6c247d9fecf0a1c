namespace ShapeNet.Gpu.Tests;

/// <summary>Random inputs and the comparison every parity test uses: |gpu − cpu| ≤ atol + rtol·|cpu| per element, with the
/// op, the shape and the largest difference in the failure message.</summary>
internal static class Parity
{
    public static float[] Random(int length, int seed, float low = -2f, float high = 2f)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = low + (float)random.NextDouble() * (high - low);
        return values;
    }

    public static void Close(float[] expected, float[] actual, string what, float rtol = 1e-5f, float atol = 1e-6f)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} values, expected {expected.Length}.");
        double maxDifference = 0;
        int worst = 0, failures = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            if (float.IsNaN(e) && float.IsNaN(a)) continue;
            double difference = Math.Abs((double)e - a);
            if (double.IsNaN(difference)) difference = double.PositiveInfinity;
            if (difference > atol + rtol * Math.Abs(e)) failures++;
            if (difference > maxDifference) { maxDifference = difference; worst = i; }
        }
        Assert.True(failures == 0, $"{what}: {failures} of {expected.Length} values differ beyond {atol} + {rtol}·|cpu|; " +
            $"max difference {maxDifference:G6} at {worst} (cpu {(expected.Length > 0 ? expected[worst] : 0f):G9}, gpu {(actual.Length > 0 ? actual[worst] : 0f):G9}).");
    }

    public static void Exact(float[] expected, float[] actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} values, expected {expected.Length}.");
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what}: element {i} is {actual[i]:G9} on the device and {expected[i]:G9} on the CPU (bit-exact expected).");
    }

    public static string Shape(params int[] sizes) => "[" + string.Join(", ", sizes) + "]";
}
