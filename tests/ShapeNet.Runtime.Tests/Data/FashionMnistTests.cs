using System.IO.Compression;
using System.Security.Cryptography;
using ShapeNet.Data;

namespace ShapeNet.Runtime.Tests.Data;

public class FashionMnistTests
{
    /// <summary>SHA-256 of the shipped files and of their decompressed IDX content, as data/fashion_mnist/make_fashion_mnist.py
    /// printed them (its README records them too). The decompressed hashes hold whatever zlib build recompresses the data.</summary>
    private static readonly (string File, string Compressed, string Decompressed)[] Shipped =
    [
        ("train-images-idx3-ubyte.gz", "b2bdc7c11f5272cd9c3a625679b8e22792d0ecb65bd0fcee8180e4cf18d9a6f1", "956b26126c2b2156e7d539d5484cb51bbfe864bf52348779d501f1bb55fbccfe"),
        ("train-labels-idx1-ubyte.gz", "67958133ef43bc8648e2a8580d7e2094a4468ac9ee0ad274280205eb14331095", "4a4cd609a004939c438bcf7a13da152b67594cce3cc7a9ef5104bfc940a25eca"),
        ("t10k-images-idx3-ubyte.gz", "9b54aec8911ee69e101a0b753ce7746d4cfbd086a455347d3dd1d226fe1953fc", "ae0eaad464f5551fa2d577d44c89c5c83678dea1147a4fb7a435f616f3bb4be3"),
        ("t10k-labels-idx1-ubyte.gz", "cf9df18f9dcf2d4fda47875f400e2c69e700b3040001c477b60a2fc0e9281596", "5d673d82c5951cc56d2b675850c1796de26b9fa9a89a881237d4db35463a70dc"),
    ];

    [Fact]
    public void The_shipped_files_are_the_scripts_output()
    {
        string folder = FashionMnist.DefaultFolder;
        string[] sums = File.ReadAllLines(Path.Combine(folder, "SHA256SUMS"));
        Assert.Equal(Shipped.Select(s => $"{s.Compressed}  {s.File}"), sums);
        foreach ((string file, string compressed, string decompressed) in Shipped)
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(folder, file));
            Assert.True(compressed == Convert.ToHexStringLower(SHA256.HashData(bytes)), $"{file}: SHA-256 of the file differs from the script's output");
            using var content = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            Assert.True(decompressed == Convert.ToHexStringLower(SHA256.HashData(content)), $"{file}: SHA-256 of the decompressed IDX differs from the script's output");
        }
    }

    [Theory]
    [InlineData(MnistSplit.Train, 20000, 8f)]
    [InlineData(MnistSplit.Test, 5000, 2f)]
    public void The_shipped_subset_is_balanced_with_no_empty_image(MnistSplit split, int count, float firstLabel)
    {
        TensorDataset data = FashionMnist.Load(split);

        Assert.Equal([count, 1, 28, 28], data.Features.Shape);
        Assert.Equal([count], data.Targets.Shape);
        // The script prints the first label of each split; the README records them.
        Assert.Equal(firstLabel, data.Targets.Data[0]);
        int[] perClass = new int[10];
        foreach (float label in data.Targets.Data) perClass[(int)label]++;
        Assert.All(perClass, n => Assert.Equal(count / 10, n));
        float[] pixels = data.Features.Data;
        Assert.Equal(0f, pixels.Min());
        Assert.Equal(1f, pixels.Max());
        // Every image has ink (the official files hold no blank image).
        for (int i = 0; i < count; i++)
            Assert.True(pixels.AsSpan(i * 784, 784).ContainsAnyExcept(0f), $"image {i} is blank");
    }

    [Fact]
    public void Labels_are_the_books_ten_text_labels()
    {
        Assert.Equal(["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"], FashionMnist.Labels);
        Assert.Equal(["ankle boot", "t-shirt", "bag"], FashionMnist.TextLabels([9f, 0f, 8f]));
        Assert.Equal("sneaker", FashionMnist.Label(7));

        var e = Assert.Throws<ArgumentException>(() => FashionMnist.TextLabels([1f, 2.5f]));
        Assert.StartsWith("Element 1 is 2.5; Fashion-MNIST class indices are whole numbers 0–9.", e.Message);
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => FashionMnist.Label(10));
        Assert.StartsWith("Fashion-MNIST classes are 0–9, got 10.", range.Message);
    }

    [Fact]
    public void A_label_out_of_range_is_named()
    {
        using var files = new IdxFiles();
        files.Write("t10k-images-idx3-ubyte", 0x08, [2, 28, 28], new byte[2 * 28 * 28]);
        files.Write("t10k-labels-idx1-ubyte", 0x08, [2], [3, 12]);

        var e = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(files.Folder, MnistSplit.Test));

        Assert.Equal("t10k-labels-idx1-ubyte: label 12 at index 1 is not a Fashion-MNIST class 0–9.", e.Message);
    }

    [Fact]
    public void The_default_folder_is_data_fashion_mnist_in_the_repository()
    {
        string folder = FashionMnist.DefaultFolder;

        Assert.True(File.Exists(Path.Combine(folder, "..", "..", "ShapeNet.sln")));
        Assert.True(File.Exists(Path.Combine(folder, "make_fashion_mnist.py")));
    }
}
