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
