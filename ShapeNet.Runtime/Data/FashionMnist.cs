namespace ShapeNet.Data;

/// <summary>
/// Loads Fashion-MNIST (Zalando's 28 × 28 grayscale clothing images in ten classes, *Dive into Deep Learning* §3.5) from
/// files in MNIST's layout (<c>train-images-idx3-ubyte[.gz]</c>, …). The repository ships a balanced 20,000/5,000 subset
/// in <c>data/fashion_mnist</c> (see its README, whose script also makes the whole 60,000/10,000 split).
/// </summary>
public static class FashionMnist
{
    /// <summary>Side of an image in pixels.</summary>
    public const int Side = Mnist.Side;

    /// <summary>Number of classes.</summary>
    public const int Classes = Mnist.Classes;

    /// <summary>The text label of each class index, as d2l's <c>get_fashion_mnist_labels</c> writes them.</summary>
    public static IReadOnlyList<string> Labels { get; } =
        Array.AsReadOnly(["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"]);

    /// <summary>
    /// Reads a split into a dataset of images <c>[n, 1, 28, 28]</c> scaled to 0–1 (PyTorch's <c>ToTensor</c>, as d2l's
    /// <c>load_data_fashion_mnist</c>), then <paramref name="normalize"/>d if given, and labels <c>[n]</c> holding the
    /// class index as a float.
    /// </summary>
    /// <param name="folder">A folder with <c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>,
    /// <c>t10k-images-idx3-ubyte</c> and <c>t10k-labels-idx1-ubyte</c>, each optionally with <c>.gz</c>;
    /// <see cref="DefaultFolder"/> for the shipped subset.</param>
    /// <param name="split">Training or test files.</param>
    /// <param name="normalize">Applied once at load time; d2l uses none.</param>
    /// <exception cref="FileNotFoundException">A file of the split is missing.</exception>
    /// <exception cref="InvalidDataException">A file is not 28 × 28 IDX, images and labels disagree in count, or a label is not 0–9.</exception>
    public static TensorDataset Load(string folder, MnistSplit split, Normalize? normalize = null) =>
        Mnist.LoadIdx(folder, split, normalize, "a Fashion-MNIST class 0–9");

    /// <summary>Reads a split of the shipped subset (<see cref="DefaultFolder"/>).</summary>
    public static TensorDataset Load(MnistSplit split, Normalize? normalize = null) => Load(DefaultFolder, split, normalize);

    /// <summary>The text label of class <paramref name="classIndex"/> (0–9).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is not a class.</exception>
    public static string Label(int classIndex) =>
        classIndex is >= 0 and < Classes
            ? Labels[classIndex]
            : throw new ArgumentOutOfRangeException(nameof(classIndex), $"Fashion-MNIST classes are 0–9, got {classIndex}.");

    /// <summary>d2l's <c>get_fashion_mnist_labels</c>: the text label of each class index in <paramref name="classIndices"/>
    /// (a label tensor <c>[n]</c> or an arg-max, whole numbers stored as floats).</summary>
    /// <exception cref="ArgumentException">A value is not a whole number 0–9.</exception>
    public static string[] TextLabels(ReadOnlySpan<float> classIndices)
    {
        var labels = new string[classIndices.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            float value = classIndices[i];
            if (!(value >= 0 && value < Classes && value == MathF.Floor(value)))
                throw new ArgumentException($"Element {i} is {value}; Fashion-MNIST class indices are whole numbers 0–9.", nameof(classIndices));
            labels[i] = Labels[(int)value];
        }
        return labels;
    }

    /// <summary>
    /// The shipped subset: <c>data/fashion_mnist</c> in the ShapeNet repository, found by walking up from the program's
    /// folder and from the current directory to the folder that holds <c>ShapeNet.sln</c>.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">Neither walk finds the repository, or it lacks <c>data/fashion_mnist</c>.</exception>
    public static string DefaultFolder =>
        ShippedData.Folder("fashion_mnist", "Pass a folder with the Fashion-MNIST files with --data <folder>.");
}
