using ShapeNet.Data;

namespace ShapeNet.Runtime.Tests.Data;

public class SyntheticRegressionTests
{
    [Fact]
    public void The_books_data_has_standard_normal_features_and_small_noise()
    {
        var (X, y) = SyntheticRegression.Generate([2, -3.4], 4.2, n: 1000, noiseStd: 0.01, seed: 42);

        Assert.Equal([1000, 2], X.Shape);
        Assert.Equal([1000, 1], y.Shape);
        for (int j = 0; j < 2; j++)
        {
            double[] column = Enumerable.Range(0, 1000).Select(i => (double)X.Data[2 * i + j]).ToArray();
            double mean = column.Average();
            Assert.InRange(mean, -0.1, 0.1);                                    // 3 standard errors is 0.095
            Assert.InRange(Math.Sqrt(column.Average(v => (v - mean) * (v - mean))), 0.9, 1.1);
        }
        double[] noise = Enumerable.Range(0, 1000).Select(i => y.Data[i] - (2.0 * X.Data[2 * i] - 3.4 * X.Data[2 * i + 1] + 4.2)).ToArray();
        Assert.InRange(noise.Average(), -0.001, 0.001);                         // std error 0.0003
        Assert.InRange(Math.Sqrt(noise.Average(e => e * e)), 0.009, 0.011);
    }

    [Fact]
    public void Least_squares_on_the_data_recovers_w_and_b()
    {
        var (X, y) = SyntheticRegression.GenerateBook(seed: 7);

        // Normal equations (AᵀA) θ = Aᵀy for A = [x1, x2, 1], θ = [w1, w2, b], solved by Gaussian elimination.
        var m = new double[3, 4];
        for (int i = 0; i < 1000; i++)
        {
            double[] a = [X.Data[2 * i], X.Data[2 * i + 1], 1];
            for (int r = 0; r < 3; r++)
            {
                for (int c = 0; c < 3; c++) m[r, c] += a[r] * a[c];
                m[r, 3] += a[r] * y.Data[i];
            }
        }
        for (int p = 0; p < 3; p++)
            for (int r = p + 1; r < 3; r++)
            {
                double f = m[r, p] / m[p, p];
                for (int c = p; c < 4; c++) m[r, c] -= f * m[p, c];
            }
        var theta = new double[3];
        for (int r = 2; r >= 0; r--)
        {
            double s = m[r, 3];
            for (int c = r + 1; c < 3; c++) s -= m[r, c] * theta[c];
            theta[r] = s / m[r, r];
        }

        Assert.Equal(2.0, theta[0], 0.01);
        Assert.Equal(-3.4, theta[1], 0.01);
        Assert.Equal(4.2, theta[2], 0.01);
    }

    [Fact]
    public void The_same_seed_gives_the_same_data_and_another_seed_does_not()
    {
        var a = SyntheticRegression.GenerateBook(n: 50, seed: 3);
        var b = SyntheticRegression.Generate([2, -3.4], 4.2, n: 50, seed: 3);
        var c = SyntheticRegression.GenerateBook(n: 50, seed: 4);

        Assert.Equal(a.Features.Data, b.Features.Data);
        Assert.Equal(a.Labels.Data, b.Labels.Data);
        Assert.NotEqual(a.Features.Data, c.Features.Data);
        Assert.Equal(50, a.ToDataset().Count);
    }
}
