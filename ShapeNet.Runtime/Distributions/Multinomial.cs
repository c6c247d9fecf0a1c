namespace ShapeNet.Distributions;

/// <summary>
/// PyTorch's <c>torch.distributions.multinomial.Multinomial(total_count, probs)</c>: the counts per category of
/// <see cref="TotalCount"/> independent draws from a categorical distribution. *Dive into Deep Learning* §2.6 rolls a fair
/// die with it: <c>new Multinomial(10, Tensor.Ones(6) / 6).Sample()</c> is how often each face came up in ten rolls.
/// </summary>
public sealed class Multinomial
{
    private readonly Tensor _weights;

    /// <summary>
    /// The distribution of <paramref name="totalCount"/> draws with probabilities <paramref name="probs"/> <c>[…, K]</c>:
    /// non-negative weights along the last axis, normalised to sum to 1 (as PyTorch does); leading axes are a batch of
    /// independent distributions.
    /// </summary>
    /// <exception cref="ArgumentException">The count is negative, <paramref name="probs"/> is a scalar, a weight is negative or not
    /// finite, or a row of weights sums to 0.</exception>
    public Multinomial(int totalCount, Tensor probs)
    {
        ArgumentNullException.ThrowIfNull(probs);
        if (totalCount < 0) throw new ArgumentOutOfRangeException(nameof(totalCount), $"Multinomial needs totalCount ≥ 0, got {totalCount}.");
        if (probs.Rank == 0) throw new ArgumentException("Multinomial needs probabilities [..., K] with at least one axis, got a scalar [].", nameof(probs));
        int categories = probs.Size(-1);
        Categorical.CheckWeights(probs.Data, categories == 0 ? 0 : probs.Numel / categories, categories, "Multinomial");
        TotalCount = totalCount;
        _weights = probs.Clone();
        Probs = probs / probs.Sum(-1, keepDim: true);
    }

    /// <summary>The number of draws one sample counts (counts are floats, exact up to 2²⁴).</summary>
    public int TotalCount { get; }

    /// <summary>The probabilities, normalised along the last axis.</summary>
    public Tensor Probs { get; }

    /// <summary>The expected counts, <c>TotalCount · probs</c>.</summary>
    public Tensor Mean => Probs * TotalCount;

    /// <summary>The variance of each count, <c>TotalCount · probs · (1 − probs)</c>.</summary>
    public Tensor Variance => Probs * (1 - Probs) * TotalCount;

    /// <summary>One sample from the default generator (see <see cref="Tensor.ManualSeed"/>): counts shaped like <c>probs</c>.</summary>
    public Tensor Sample() => Sample([]);

    /// <summary>One sample from <paramref name="generator"/>.</summary>
    public Tensor Sample(TensorRandom generator) => Sample([], generator);

    /// <summary>
    /// <paramref name="sampleShape"/> independent samples from the default generator (PyTorch's <c>sample((500,))</c>):
    /// counts shaped <c>[*sampleShape, *probs.shape]</c>, each row of K summing to <see cref="TotalCount"/>.
    /// </summary>
    public Tensor Sample(int[] sampleShape) => Tensor.UseDefaultRandom(generator => Sample(sampleShape, generator));

    /// <summary><see cref="Sample(int[])"/> from a generator seeded with <paramref name="seed"/>: the same seed gives the same counts.</summary>
    public Tensor Sample(int[] sampleShape, int seed) => Sample(sampleShape, new TensorRandom(seed));

    /// <summary><see cref="Sample(int[])"/> drawn from <paramref name="generator"/>.</summary>
    public Tensor Sample(int[] sampleShape, TensorRandom generator)
    {
        ArgumentNullException.ThrowIfNull(sampleShape);
        ArgumentNullException.ThrowIfNull(generator);
        int[] shape = [.. sampleShape, .. _weights.ShapeSpan];
        var counts = new float[Tensor.ElementCount(shape)];
        int categories = _weights.Size(-1);
        int rows = _weights.Numel / categories;
        var cumulative = new double[checked(rows * categories)];
        for (int r = 0; r < rows; r++) Categorical.Cumulative(_weights.Data.AsSpan(r * categories, categories), cumulative.AsSpan(r * categories, categories));
        for (int offset = 0; offset < counts.Length; offset += categories)
        {
            int row = offset / categories % rows;
            ReadOnlySpan<double> running = cumulative.AsSpan(row * categories, categories);
            for (int draw = 0; draw < TotalCount; draw++) counts[offset + Categorical.Draw(running, generator)]++;
        }
        return new Tensor(counts, shape);
    }
}
