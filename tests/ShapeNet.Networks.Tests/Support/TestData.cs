namespace ShapeNet.Networks.Tests.Support;

/// <summary>Seeded test data.</summary>
internal static class TestData
{
    /// <summary><paramref name="count"/> normal values with standard deviation <paramref name="std"/>, from <paramref name="seed"/>.</summary>
    public static float[] Normal(int seed, int count, double std = 1)
    {
        var values = new float[count];
        new TensorRandom(seed).FillNormal(values, 0, std);
        return values;
    }

    /// <summary><paramref name="count"/> uniform values in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static float[] Uniform(int seed, int count, double low = -1, double high = 1)
    {
        var values = new float[count];
        new TensorRandom(seed).FillUniform(values, low, high);
        return values;
    }
}
