using ShapeNet;
using ShapeNet.Data;

namespace ShapeNetClassifier;

/// <summary>
/// Three interleaved spiral arms, one class each: a small data set a linear model cannot separate. Replace it with your
/// own: a <see cref="TensorDataset"/> of features [n, 2] and class indices [n] (as floats), for example from
/// <c>Csv.Read(path).ToDataset(target)</c>.
/// </summary>
public static class SpiralData
{
    public const int ClassCount = 3;

    /// <summary><paramref name="perClass"/> points per class, with Gaussian noise, fixed by <paramref name="seed"/>.</summary>
    public static TensorDataset Generate(int perClass, int seed)
    {
        var random = new Random(seed);
        int n = perClass * ClassCount;
        var features = new float[n * 2];
        var labels = new float[n];
        for (int c = 0; c < ClassCount; c++)
        {
            for (int i = 0; i < perClass; i++)
            {
                double radius = (double)i / perClass;
                double angle = c * 4.0 + radius * 4.0 + Normal(random) * 0.2;
                int row = c * perClass + i;
                features[row * 2] = (float)(radius * Math.Sin(angle));
                features[row * 2 + 1] = (float)(radius * Math.Cos(angle));
                labels[row] = c;
            }
        }
        return new TensorDataset(new Tensor(features, n, 2), new Tensor(labels, n));
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2.0 * Math.PI * random.NextDouble());
}
