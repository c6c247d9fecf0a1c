namespace ShapeNet.Runtime.Tests.Support;

/// <summary>Deterministic random inputs and float/double conversions for kernel tests.</summary>
public static class TestData
{
    public static float[] Uniform(int seed, int count, float low = -1f, float high = 1f)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = low + (high - low) * random.NextSingle();
        return values;
    }

    /// <summary>Values whose magnitude lies in [low, high] with a random sign (away from a kink or pole at 0).</summary>
    public static float[] AwayFromZero(int seed, int count, float low, float high)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = (low + (high - low) * random.NextSingle()) * (random.Next(2) == 0 ? -1f : 1f);
        return values;
    }

    public static double[] ToDouble(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = values[i];
        return result;
    }

    public static int Count(int[] shape)
    {
        int count = 1;
        foreach (int d in shape) count *= d;
        return count;
    }
}
