namespace ShapeNet.Data;

/// <summary>A training and a test dataset of tabular data, with the feature names and the standardization used.</summary>
/// <param name="Train">The training split.</param>
/// <param name="Test">The test split.</param>
public sealed record TabularSplit(TensorDataset Train, TensorDataset Test)
{
    /// <summary>The feature columns, in the order of the features tensor's second axis.</summary>
    public IReadOnlyList<string> FeatureNames { get; init; } = [];

    /// <summary>The standardization fitted on the training split and applied to both; <c>null</c> when not standardized.</summary>
    public Standardizer? Standardization { get; init; }
}

/// <summary>The tabular data shipped in the repository's <c>data</c> folder (see the READMEs there).</summary>
public static class Tabular
{
    /// <summary>The target column of the breast-cancer files: 1 for benign, 0 for malignant.</summary>
    public const string BreastCancerTarget = "target";

    /// <summary>
    /// Loads the shipped Breast Cancer Wisconsin (Diagnostic) data (<c>data/breast_cancer</c>, 455 training and 114
    /// test samples) for lectures 7 and 8: features <c>[n, features]</c> as float32, standardized with the training
    /// split's mean and std (<see cref="Standardizer"/>) unless <paramref name="standardize"/> is false, and targets
    /// <c>[n, 1]</c> holding 1 (benign) or 0 (malignant), ready for a sigmoid output and BCE.
    /// </summary>
    /// <param name="features">30 (all) or 8 (the first 8 "mean" features: <c>mean radius</c> … <c>mean concave points</c>).</param>
    /// <param name="folder">A folder holding <c>train.csv.gz</c>, <c>test.csv.gz</c> (30 features) and/or
    /// <c>train8.csv.gz</c>, <c>test8.csv.gz</c>; <see cref="BreastCancerFolder"/> by default.</param>
    /// <param name="standardize">Whether to standardize the features.</param>
    /// <exception cref="FileNotFoundException">A file of the requested variant is missing.</exception>
    /// <exception cref="InvalidDataException">A file does not have the expected columns or a target is not 0 or 1.</exception>
    public static TabularSplit LoadBreastCancer(int features = 30, string? folder = null, bool standardize = true)
    {
        if (features is not (30 or 8))
            throw new ArgumentOutOfRangeException(nameof(features), features,
                "The breast-cancer data comes with all 30 features or the first 8 (the \"mean\" features of lecture 7).");
        folder ??= BreastCancerFolder;
        string suffix = features == 8 ? "8" : "";
        Table train = ReadBreastCancer(Path.Combine(folder, $"train{suffix}.csv.gz"), features);
        Table test = ReadBreastCancer(Path.Combine(folder, $"test{suffix}.csv.gz"), features);
        var names = train.ColumnNames.Where(n => n != BreastCancerTarget).ToArray();
        if (!names.SequenceEqual(test.ColumnNames.Where(n => n != BreastCancerTarget)))
            throw new InvalidDataException($"The training and test files in {folder} have different feature columns.");

        Standardizer? standardizer = null;
        if (standardize)
        {
            standardizer = Standardizer.Fit(train, names);
            train = standardizer.Apply(train);
            test = standardizer.Apply(test);
        }
        return new TabularSplit(train.ToDataset(BreastCancerTarget), test.ToDataset(BreastCancerTarget))
        {
            FeatureNames = names,
            Standardization = standardizer,
        };
    }

    /// <summary>The shipped <c>data/breast_cancer</c> folder, found like <see cref="Mnist.DefaultFolder"/>.</summary>
    public static string BreastCancerFolder => ShippedData.Folder("breast_cancer");

    /// <summary>The book's four-row <c>data/house_tiny.csv</c> (<c>NumRooms,RoofType,Price</c>, with missing values).</summary>
    public static string HouseTinyPath => Path.Combine(ShippedData.Folder(null), "house_tiny.csv");

    private static Table ReadBreastCancer(string path, int features)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Found no {Path.GetFileName(path)} in {Path.GetFullPath(Path.GetDirectoryName(path) ?? ".")}.", path);
        Table table = Csv.Read(path);
        if (table.ColumnCount != features + 1 || table.ColumnNames[^1] != BreastCancerTarget)
            throw new InvalidDataException(
                $"{path}: expected {features} feature columns and then {BreastCancerTarget}, found {table.ColumnCount} columns ({string.Join(", ", table.ColumnNames)}).");
        foreach (TableColumn column in table.Columns)
        {
            if (column is not NumericColumn numeric || numeric.MissingCount > 0)
                throw new InvalidDataException($"{path}: column {column.Name} must hold a number in every row.");
        }
        var target = table.Numeric(BreastCancerTarget);
        for (int r = 0; r < table.RowCount; r++)
            if (target[r] is not (0 or 1))
                throw new InvalidDataException($"{path} line {r + 2}: {BreastCancerTarget} must be 0 or 1, found {target[r]}.");
        return table;
    }
}
