namespace ShapeNet.Data;

/// <summary>
/// The synthetic linear-regression data of <i>Dive into Deep Learning</i> §3.3 (<c>synthetic_data(w, b, n)</c>):
/// features <c>X</c> drawn from N(0, 1), labels <c>y = Xw + b + ε</c> with noise ε from N(0, noiseStd²).
/// The book uses <c>w = [2, −3.4]</c>, <c>b = 4.2</c>, 1,000 examples and noise std 0.01
/// (<see cref="BookWeights"/>, <see cref="BookBias"/>).
/// </summary>
public static class SyntheticRegression
{
    /// <summary>The book's true weights, <c>[2, −3.4]</c>.</summary>
    public static IReadOnlyList<double> BookWeights { get; } = [2, -3.4];

    /// <summary>The book's true bias, 4.2.</summary>
    public const double BookBias = 4.2;

    /// <summary>
    /// Draws <paramref name="n"/> examples: features <c>[n, w.Length]</c> from N(0, 1), then the noise, both from one
    /// <see cref="TensorRandom"/> seeded with <paramref name="seed"/> (features row by row first, then the noise), so
    /// the same arguments give the same tensors on every machine. Labels <c>[n, 1]</c> are computed in double
    /// precision from the float32 features, then rounded to float32.
    /// </summary>
    /// <example><c>var (X, y) = SyntheticRegression.Generate([2, -3.4], 4.2, n: 1000);</c></example>
    public static RegressionData Generate(ReadOnlySpan<double> w, double b, int n = 1000, double noiseStd = 0.01, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(noiseStd);
        if (w.IsEmpty) throw new ArgumentException("The weights need at least one element (one feature).", nameof(w));
        int d = w.Length;
        var random = new TensorRandom(seed);
        var features = new float[n * d];
        random.FillNormal(features, 0, 1);
        var labels = new float[n];
        for (int i = 0; i < n; i++)
        {
            double y = b;
            for (int j = 0; j < d; j++) y += features[i * d + j] * w[j];
            labels[i] = (float)(y + noiseStd * random.NextNormal());
        }
        return new RegressionData(new Tensor(features, n, d), new Tensor(labels, n, 1));
    }

    /// <summary>The book's data set: <c>w = [2, −3.4]</c>, <c>b = 4.2</c>, noise std 0.01.</summary>
    public static RegressionData GenerateBook(int n = 1000, int seed = 0) =>
        Generate([.. BookWeights], BookBias, n, 0.01, seed);
}

/// <summary>Features <c>[n, d]</c> and labels <c>[n, 1]</c> of a regression problem.</summary>
public sealed record RegressionData(Tensor Features, Tensor Labels)
{
    /// <summary>The data as a dataset for a <see cref="DataLoader"/> (the tensors are not copied).</summary>
    public TensorDataset ToDataset() => new(Features, Labels);
}
