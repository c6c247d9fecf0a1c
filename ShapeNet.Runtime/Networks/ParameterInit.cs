namespace ShapeNet;

/// <summary>
/// Seeded parameter initialisation with PyTorch's defaults: <c>kaiming_uniform_(a=√5)</c> for weights, which is
/// U(−1/√fanIn, 1/√fanIn), and the same bound for biases. One generator is shared by a network and its blocks,
/// consumed in declaration order, so a seed fixes every parameter.
/// </summary>
public sealed class ParameterInit
{
    private readonly Random _random;

    /// <summary>An initialiser whose draws are fixed by <paramref name="seed"/>.</summary>
    public ParameterInit(int seed) => _random = new Random(seed);

    /// <summary>Fills <paramref name="values"/> from U(−bound, bound), bound = 1/√fanIn (PyTorch's Linear and Conv defaults).</summary>
    public void KaimingUniform(Span<float> values, int fanIn) => Uniform(values, fanIn > 0 ? 1.0 / Math.Sqrt(fanIn) : 0.0);

    /// <summary>Fills <paramref name="values"/> from U(−bound, bound).</summary>
    public void Uniform(Span<float> values, double bound)
    {
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)((_random.NextDouble() * 2.0 - 1.0) * bound);
    }

    /// <summary>Fills <paramref name="values"/> from N(<paramref name="mean"/>, <paramref name="std"/>²) (Box–Muller over the
    /// same generator; PyTorch's <c>nn.Embedding</c> default is N(0, 1)).</summary>
    public void Normal(Span<float> values, double mean, double std)
    {
        for (int i = 0; i < values.Length; i += 2)
        {
            // 1 − U lies in (0, 1], so the logarithm is finite.
            double radius = Math.Sqrt(-2.0 * Math.Log(1.0 - _random.NextDouble())), angle = 2.0 * Math.PI * _random.NextDouble();
            values[i] = (float)(mean + std * radius * Math.Cos(angle));
            if (i + 1 < values.Length) values[i + 1] = (float)(mean + std * radius * Math.Sin(angle));
        }
    }

    /// <summary>Creates a parameter of <paramref name="shape"/> initialised from U(−<paramref name="bound"/>, <paramref name="bound"/>).</summary>
    public Parameter CreateUniform(string name, double bound, params int[] shape)
    {
        var data = new float[Tensor.ElementCount(shape)];
        Uniform(data, bound);
        return new Parameter(name, new Tensor(data, shape));
    }

    /// <summary>Creates a parameter of <paramref name="shape"/> initialised from U(−1/√fanIn, 1/√fanIn).</summary>
    public Parameter Create(string name, int fanIn, params int[] shape)
    {
        long n = 1;
        foreach (int d in shape) n *= d;
        var data = new float[n];
        KaimingUniform(data, fanIn);
        return new Parameter(name, new Tensor(data, shape));
    }
}
