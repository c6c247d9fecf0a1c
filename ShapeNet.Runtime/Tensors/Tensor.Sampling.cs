namespace ShapeNet;

// Sampling from categorical distributions: torch.multinomial (indices). ShapeNet.Distributions.Multinomial counts them.
public sealed partial class Tensor
{
    /// <summary>
    /// PyTorch's <c>torch.multinomial(input, num_samples, replacement)</c>: draws <paramref name="numSamples"/> category indices
    /// from each row of this tensor of non-negative weights (<c>[K]</c> gives <c>[numSamples]</c>, <c>[N, K]</c> gives
    /// <c>[N, numSamples]</c>; each row's weights need not sum to 1), from the default generator (see <see cref="ManualSeed"/>).
    /// Without replacement a row's indices are distinct, in the order drawn. Indices are stored as floats, as <see cref="ArgMax(int, bool)"/> does.
    /// </summary>
    /// <exception cref="ArgumentException">The tensor is not rank 1 or 2, a weight is negative or not finite, a row sums to 0, or
    /// (without replacement) a row has fewer positive weights than <paramref name="numSamples"/>.</exception>
    public Tensor Multinomial(int numSamples, bool replacement = false) =>
        UseDefaultRandom(generator => Multinomial(numSamples, replacement, generator));

    /// <summary><see cref="Multinomial(int, bool)"/> from a generator seeded with <paramref name="seed"/>: the same seed gives the same indices.</summary>
    public Tensor Multinomial(int numSamples, bool replacement, int seed) => Multinomial(numSamples, replacement, new TensorRandom(seed));

    /// <summary><see cref="Multinomial(int, bool)"/> drawn from <paramref name="generator"/>.</summary>
    public Tensor Multinomial(int numSamples, bool replacement, TensorRandom generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (Rank is not (1 or 2))
            throw new ArgumentException($"Multinomial takes weights [K] or [N, K], got {ShapeText(_shape)}.");
        if (numSamples < 1) throw new ArgumentOutOfRangeException(nameof(numSamples), $"Multinomial needs numSamples ≥ 1, got {numSamples}.");
        int categories = _shape[^1], rows = Rank == 1 ? 1 : _shape[0];
        Categorical.CheckWeights(_data, rows, categories, "Multinomial");
        int[] shape = Rank == 1 ? [numSamples] : [rows, numSamples];
        Tensor result = Empty(shape);
        var scratch = new double[categories];
        var order = new int[categories];
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> weights = _data.AsSpan(r * categories, categories);
            Span<float> indices = result._data.AsSpan(r * numSamples, numSamples);
            if (replacement)
            {
                Categorical.Cumulative(weights, scratch);
                for (int s = 0; s < numSamples; s++) indices[s] = Categorical.Draw(scratch, generator);
            }
            else
            {
                Categorical.DrawDistinct(weights, indices, scratch, order, generator, r);
            }
        }
        return result;
    }

    /// <summary>Runs <paramref name="draw"/> on the default generator under its lock.</summary>
    internal static T UseDefaultRandom<T>(Func<TensorRandom, T> draw)
    {
        lock (DefaultRandomLock) return draw(DefaultRandom);
    }
}

/// <summary>The categorical draws behind <see cref="Tensor.Multinomial(int, bool, TensorRandom)"/> and
/// <see cref="Distributions.Multinomial"/>, on one row of weights at a time.</summary>
internal static class Categorical
{
    /// <summary>Every weight finite and ≥ 0, every row's sum positive; the error names the row and the index.</summary>
    public static void CheckWeights(ReadOnlySpan<float> weights, int rows, int categories, string what)
    {
        if (categories == 0) throw new ArgumentException($"{what} needs at least one category; the weights' last axis is 0.");
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = weights.Slice(r * categories, categories);
            double sum = 0;
            for (int k = 0; k < categories; k++)
            {
                if (!(row[k] >= 0) || float.IsPositiveInfinity(row[k]))
                    throw new ArgumentException($"{what}: weight {k} of row {r} is {row[k]}; weights must be finite and ≥ 0.");
                sum += row[k];
            }
            if (sum == 0) throw new ArgumentException($"{what}: the weights of row {r} are all 0; at least one must be positive.");
        }
    }

    /// <summary>Running sums of <paramref name="weights"/> in double into <paramref name="cumulative"/>.</summary>
    public static void Cumulative(ReadOnlySpan<float> weights, Span<double> cumulative)
    {
        double sum = 0;
        for (int k = 0; k < weights.Length; k++) cumulative[k] = sum += weights[k];
    }

    /// <summary>One index with probability weight / total (inverse transform on the running sums): the first category whose
    /// running sum exceeds U·total, so a zero weight is never drawn.</summary>
    public static int Draw(ReadOnlySpan<double> cumulative, TensorRandom generator)
    {
        double target = generator.NextUniform() * cumulative[^1];
        int low = 0, high = cumulative.Length - 1;
        while (low < high)
        {
            int mid = (low + high) >>> 1;
            if (cumulative[mid] > target) high = mid;
            else low = mid + 1;
        }
        // U·total rounds below total, so some running sum exceeds it; step back over trailing zero weights if rounding did not.
        while (low > 0 && cumulative[low] == cumulative[low - 1]) low--;
        return low;
    }

    /// <summary>
    /// <paramref name="indices"/>.Length distinct indices, drawn as successive draws without replacement would (each next
    /// index with probability weight / the weight still left): category k arrives at time E_k / w_k with E_k ~ Exp(1), and
    /// the first arrivals are the draws in order (the exponential race PyTorch also uses).
    /// </summary>
    public static void DrawDistinct(ReadOnlySpan<float> weights, Span<float> indices, Span<double> arrival, Span<int> order,
        TensorRandom generator, int row)
    {
        int positive = 0;
        for (int k = 0; k < weights.Length; k++)
        {
            double exponential = -Math.Log(1.0 - generator.NextUniform());
            arrival[k] = weights[k] > 0 ? exponential / weights[k] : double.PositiveInfinity;
            order[k] = k;
            if (weights[k] > 0) positive++;
        }
        if (indices.Length > positive)
            throw new ArgumentException($"Multinomial without replacement: row {row} has {positive} categories with a positive weight, " +
                $"fewer than the {indices.Length} samples asked for.");
        Span<double> keys = arrival[..weights.Length];
        keys.Sort(order[..weights.Length]);
        for (int s = 0; s < indices.Length; s++) indices[s] = order[s];
    }
}
