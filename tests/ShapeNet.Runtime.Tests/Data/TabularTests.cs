using ShapeNet.Data;

namespace ShapeNet.Runtime.Tests.Data;

public class TabularTests
{
    [Theory]
    [InlineData(30)]
    [InlineData(8)]
    public void The_shipped_breast_cancer_data_loads_with_the_readmes_counts(int features)
    {
        TabularSplit data = Tabular.LoadBreastCancer(features);

        Assert.Equal(455, data.Train.Count);
        Assert.Equal(114, data.Test.Count);
        Assert.Equal([455, features], data.Train.Features.Shape);
        Assert.Equal([114, 1], data.Test.Targets.Shape);
        Assert.Equal(features, data.FeatureNames.Count);
        Assert.Equal("mean radius", data.FeatureNames[0]);
        Assert.Equal(features == 8 ? "mean concave points" : "worst fractal dimension", data.FeatureNames[^1]);
        // data/breast_cancer/README.md: benign (1) 285 of 455 in training, 72 of 114 in test.
        Assert.All(data.Train.Targets.Data.Concat(data.Test.Targets.Data), t => Assert.True(t is 0f or 1f));
        Assert.Equal(285f, data.Train.Targets.Data.Sum());
        Assert.Equal(72f, data.Test.Targets.Data.Sum());
        Assert.Equal(0f, data.Train.Targets.Data[0]);
        Assert.Equal(0f, data.Test.Targets.Data[0]);

        // Standardized with the training split's statistics: training columns have mean 0 and std 1, test ones only roughly.
        for (int j = 0; j < features; j++)
        {
            double[] column = Enumerable.Range(0, 455).Select(i => (double)data.Train.Features.Data[i * features + j]).ToArray();
            double mean = column.Average();
            Assert.Equal(0.0, mean, 1e-5);
            Assert.Equal(1.0, Math.Sqrt(column.Average(v => (v - mean) * (v - mean))), 1e-5);
        }
    }

    [Fact]
    public void The_8_feature_files_are_the_first_8_columns_of_the_30_feature_ones()
    {
        TabularSplit all = Tabular.LoadBreastCancer(30, standardize: false);
        TabularSplit eight = Tabular.LoadBreastCancer(8, standardize: false);

        Assert.Null(all.Standardization);
        Assert.Equal(all.FeatureNames.Take(8), eight.FeatureNames);
        for (int i = 0; i < 114; i++)
            Assert.Equal(all.Test.Features.Data.AsSpan(i * 30, 8).ToArray(), eight.Test.Features.Data.AsSpan(i * 8, 8).ToArray());
        Assert.Equal(all.Train.Targets.Data, eight.Train.Targets.Data);
        // The source's first sample (17.99, 10.38, …, malignant) is in one of the splits, unchanged.
        Assert.Contains(Enumerable.Range(0, 455), i => all.Train.Features.Data[i * 30] == 17.99f && all.Train.Features.Data[i * 30 + 1] == 10.38f);
    }

    [Fact]
    public void The_docs_example_feeds_a_data_loader()
    {
        var (train, test) = Tabular.LoadBreastCancer(features: 8);
        var loader = new DataLoader(train, batchSize: 32, shuffle: true, prefetch: false);
        loader.EnsureFeatureShape(8);
        loader.EnsureTargetShape(1);

        int samples = 0;
        foreach (MiniBatch batch in loader) samples += batch.Count;

        Assert.Equal(455, samples);
        Assert.Equal(15, loader.BatchesPerEpoch);
        Assert.Equal(114, test.Count);
    }

    [Fact]
    public void Other_feature_counts_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Tabular.LoadBreastCancer(10));
    }
}
