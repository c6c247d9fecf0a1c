using ShapeNet.Data;

namespace ShapeNet.Runtime.Tests.Data;

public class MnistTests
{
    [Fact]
    public void The_shipped_training_split_loads_with_8000_digits_scaled_to_0_1()
    {
        TensorDataset train = Mnist.Load(Mnist.DefaultFolder, MnistSplit.Train);

        Assert.Equal(8000, train.Count);
        Assert.Equal([8000, 1, 28, 28], train.Features.Shape);
        Assert.Equal([8000], train.Targets.Shape);
        Assert.Equal(0f, train.Features.Data.Min());
        Assert.Equal(1f, train.Features.Data.Max());
        Assert.Equal(Enumerable.Range(0, 10).Select(c => (float)c), train.Targets.Data.Distinct().Order());
        // data/mnist/make_mnist.py prints the first label of each split; the README records them.
        Assert.Equal(9f, train.Targets.Data[0]);
    }

    [Fact]
    public void The_shipped_test_split_loads_with_2000_digits_and_normalizes()
    {
        TensorDataset test = Mnist.Load(Mnist.DefaultFolder, MnistSplit.Test, Mnist.Normalization);

        Assert.Equal(2000, test.Count);
        Assert.Equal(0f, test.Targets.Data[0]);
        Assert.All(test.Targets.Data, label => Assert.InRange(label, 0f, 9f));
        // The corner pixel is background (0), so normalized it is (0 - mean) / std.
        Assert.Equal((0f - 0.1307f) / 0.3081f, test.Features.Data[0]);
        Assert.Equal((1f - 0.1307f) / 0.3081f, test.Features.Data.Max());
    }

    [Fact]
    public void Image_and_label_counts_must_match()
    {
        using var files = new IdxFiles();
        files.Write("t10k-images-idx3-ubyte", 0x08, [3, 28, 28], new byte[3 * 28 * 28]);
        files.Write("t10k-labels-idx1-ubyte.gz", 0x08, [2], [1, 2], gzip: true);

        var e = Assert.Throws<InvalidDataException>(() => Mnist.Load(files.Folder, MnistSplit.Test));

        Assert.Equal("t10k-labels-idx1-ubyte.gz has 2 labels, but t10k-images-idx3-ubyte has 3 images; they must match one to one.", e.Message);
    }

    [Fact]
    public void A_missing_file_names_the_folder_and_both_file_names()
    {
        using var files = new IdxFiles();

        var e = Assert.Throws<FileNotFoundException>(() => Mnist.Load(files.Folder, MnistSplit.Train));

        Assert.Contains("train-images-idx3-ubyte.gz nor train-images-idx3-ubyte", e.Message);
        Assert.Contains(files.Folder, e.Message);
    }

    [Fact]
    public void The_default_folder_is_data_mnist_in_the_repository()
    {
        string folder = Mnist.DefaultFolder;

        Assert.True(File.Exists(Path.Combine(folder, "..", "..", "ShapeNet.sln")));
        Assert.True(File.Exists(Path.Combine(folder, "train-images-idx3-ubyte.gz")));
    }
}
