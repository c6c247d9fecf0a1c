namespace ShapeNet.Data;

/// <summary>Which half of MNIST to load.</summary>
public enum MnistSplit
{
    /// <summary>The training images (<c>train-*</c> files).</summary>
    Train,
    /// <summary>The test images (<c>t10k-*</c> files).</summary>
    Test,
}

/// <summary>
/// Loads MNIST from the four files of its original distribution (gzip-compressed or not). The repository ships an
/// 8,000/2,000 subset in <c>data/mnist</c> (see its README); point <see cref="Load"/> at a folder holding the full
/// MNIST to use all 70,000 digits.
/// </summary>
public static class Mnist
{
    /// <summary>Side of an MNIST image in pixels.</summary>
    public const int Side = 28;

    /// <summary>Number of classes (the digits 0–9).</summary>
    public const int Classes = 10;

    /// <summary>The normalization of the PyTorch tutorial: the training set's pixel mean 0.1307 and std 0.3081.</summary>
    public static Normalize Normalization => new(0.1307f, 0.3081f);

    /// <summary>
    /// Reads a split into a dataset of images <c>[n, 1, 28, 28]</c> scaled to 0–1 (PyTorch's <c>ToTensor</c>), then
    /// <paramref name="normalize"/>d if given, and labels <c>[n]</c> holding the class index as a float.
    /// </summary>
    /// <param name="folder">A folder with <c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>,
    /// <c>t10k-images-idx3-ubyte</c> and <c>t10k-labels-idx1-ubyte</c>, each optionally with <c>.gz</c>.</param>
    /// <param name="split">Training or test files.</param>
    /// <param name="normalize">Applied once at load time, so batches cost nothing extra; e.g. <see cref="Normalization"/>.</param>
    /// <exception cref="FileNotFoundException">A file of the split is missing.</exception>
    /// <exception cref="InvalidDataException">A file is not MNIST-shaped IDX, or images and labels disagree in count.</exception>
    public static TensorDataset Load(string folder, MnistSplit split, Normalize? normalize = null) =>
        LoadIdx(folder, split, normalize, "a digit 0–9");

    /// <summary>
    /// Reads a split of any data set in MNIST's file layout (MNIST, Fashion-MNIST): images <c>[n, 1, 28, 28]</c> scaled to
    /// 0–1, then <paramref name="normalize"/>d if given, and labels <c>[n]</c> (class 0–9 as a float).
    /// <paramref name="labelMeaning"/> completes the error for a label out of range ("is not {labelMeaning}").
    /// </summary>
    internal static TensorDataset LoadIdx(string folder, MnistSplit split, Normalize? normalize, string labelMeaning)
    {
        ArgumentNullException.ThrowIfNull(folder);
        string prefix = split == MnistSplit.Train ? "train" : "t10k";
        string imagesPath = FindFile(folder, $"{prefix}-images-idx3-ubyte");
        string labelsPath = FindFile(folder, $"{prefix}-labels-idx1-ubyte");

        IdxArray images = Idx.Read(imagesPath, IdxElementType.UnsignedByte, expectedRank: 3);
        IdxArray labels = Idx.Read(labelsPath, IdxElementType.UnsignedByte, expectedRank: 1);
        ReadOnlySpan<int> imageDims = images.DimensionSpan;
        if (imageDims[1] != Side || imageDims[2] != Side)
            throw new InvalidDataException(
                $"{Path.GetFileName(imagesPath)}: expected images of {Side} × {Side} pixels, found {Tensor.ShapeText(imageDims)}.");
        int count = imageDims[0];
        if (labels.Length != count)
            throw new InvalidDataException(
                $"{Path.GetFileName(labelsPath)} has {Idx.Thousands(labels.Length)} labels, but {Path.GetFileName(imagesPath)} has " +
                $"{Idx.Thousands(count)} images; they must match one to one.");

        var pixels = (byte[])images.Values;
        var imageData = new float[pixels.Length];
        // Divide (not multiply by 1/255) so the values match PyTorch's ToTensor bit for bit.
        for (int i = 0; i < pixels.Length; i++) imageData[i] = pixels[i] / 255f;
        normalize?.Apply(imageData);

        var classes = (byte[])labels.Values;
        var labelData = new float[count];
        for (int i = 0; i < count; i++)
        {
            if (classes[i] >= Classes)
                throw new InvalidDataException($"{Path.GetFileName(labelsPath)}: label {classes[i]} at index {i} is not {labelMeaning}.");
            labelData[i] = classes[i];
        }
        return new TensorDataset(new Tensor(imageData, count, 1, Side, Side), new Tensor(labelData, count));
    }

    /// <summary>
    /// The shipped subset: <c>data/mnist</c> in the ShapeNet repository, found by walking up from the program's folder
    /// and from the current directory to the folder that holds <c>ShapeNet.sln</c>.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">Neither walk finds the repository, or it lacks <c>data/mnist</c>.</exception>
    public static string DefaultFolder =>
        ShippedData.Folder("mnist", "Pass a folder with the MNIST files with --data <folder>.");

    private static string FindFile(string folder, string name)
    {
        string compressed = Path.Combine(folder, name + ".gz");
        if (File.Exists(compressed)) return compressed;
        string raw = Path.Combine(folder, name);
        if (File.Exists(raw)) return raw;
        throw new FileNotFoundException($"Found neither {name}.gz nor {name} in {Path.GetFullPath(folder)}.", compressed);
    }
}
