namespace ShapeNet;

/// <summary>
/// A seeded source of random tensor values, the counterpart of <c>torch.Generator</c>: the same seed gives
/// the same values on every machine. Normal samples use the Box–Muller transform over a
/// <see cref="System.Random"/> seeded with the given seed. Not thread-safe; use one per thread.
/// </summary>
public sealed class TensorRandom
{
    private Random _random;
    private double? _spareNormal;

    /// <summary>Creates a generator seeded with <paramref name="seed"/>.</summary>
    public TensorRandom(int seed) => _random = new Random(seed);

    /// <summary>Restarts the sequence from <paramref name="seed"/> (PyTorch's <c>manual_seed</c>).</summary>
    public void ManualSeed(int seed)
    {
        _random = new Random(seed);
        _spareNormal = null;
    }

    /// <summary>A sample from U[0, 1).</summary>
    public double NextUniform() => _random.NextDouble();

    /// <summary>A sample from N(0, 1).</summary>
    public double NextNormal()
    {
        if (_spareNormal is double spare)
        {
            _spareNormal = null;
            return spare;
        }
        // Box–Muller makes two independent normals from two uniforms; keep the second for the next call.
        // 1 − U lies in (0, 1], so the logarithm is finite.
        double u1 = 1.0 - _random.NextDouble();
        double u2 = _random.NextDouble();
        double radius = Math.Sqrt(-2.0 * Math.Log(u1));
        double angle = 2.0 * Math.PI * u2;
        _spareNormal = radius * Math.Sin(angle);
        return radius * Math.Cos(angle);
    }

    /// <summary>Fills <paramref name="values"/> from N(<paramref name="mean"/>, <paramref name="std"/>²).</summary>
    public void FillNormal(Span<float> values, double mean, double std)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (float)(mean + std * NextNormal());
    }

    /// <summary>Fills <paramref name="values"/> from U[<paramref name="low"/>, <paramref name="high"/>).</summary>
    public void FillUniform(Span<float> values, double low, double high)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (float)(low + (high - low) * NextUniform());
    }
}
