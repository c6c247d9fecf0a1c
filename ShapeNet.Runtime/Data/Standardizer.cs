namespace ShapeNet.Data;

/// <summary>
/// Standardizes columns to mean 0 and standard deviation 1: <c>x → (x − mean) / std</c>, with the mean and std of
/// each column computed once on the training split (<see cref="Fit(Table, string[])"/>) and then applied unchanged to
/// the training and the test split, so no test statistics leak into training (scikit-learn's <c>StandardScaler</c>).
/// The std is the population one (divide by n, as <c>StandardScaler</c>; pandas' <c>std()</c> divides by n − 1);
/// a constant column has std 0 and is only centred. Missing values are skipped when fitting and stay missing.
/// </summary>
public sealed class Standardizer
{
    private readonly string[] _columns;
    private readonly double[] _means;
    private readonly double[] _stds;

    private Standardizer(string[] columns, double[] means, double[] stds)
    {
        _columns = columns;
        _means = means;
        _stds = stds;
    }

    /// <summary>The standardized columns (for a tensor fit, <c>"0"</c>, <c>"1"</c>, …).</summary>
    public IReadOnlyList<string> Columns => _columns;

    /// <summary>Each column's mean on the data it was fitted to.</summary>
    public IReadOnlyList<double> Means => _means;

    /// <summary>Each column's population standard deviation on the data it was fitted to.</summary>
    public IReadOnlyList<double> Stds => _stds;

    /// <summary>Fits the named numeric columns of <paramref name="train"/> (all numeric columns when none are named).</summary>
    public static Standardizer Fit(Table train, params string[] columns)
    {
        ArgumentNullException.ThrowIfNull(train);
        NumericColumn[] selected = columns.Length == 0
            ? train.Columns.OfType<NumericColumn>().ToArray()
            : columns.Select(train.Numeric).ToArray();
        var means = new double[selected.Length];
        var stds = new double[selected.Length];
        for (int c = 0; c < selected.Length; c++)
        {
            double[] values = selected[c].Values.Where(v => v is not null).Select(v => v!.Value).ToArray();
            if (values.Length == 0)
                throw new InvalidOperationException($"Column {selected[c].Name} has no values to compute a mean and a standard deviation from.");
            (means[c], stds[c]) = MeanStd(values);
        }
        return new Standardizer(selected.Select(c => c.Name).ToArray(), means, stds);
    }

    /// <summary>Fits the columns of <paramref name="features"/> <c>[n, d]</c>, in double precision.</summary>
    public static Standardizer Fit(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.Rank != 2 || features.Size(0) == 0)
            throw new ArgumentException($"Standardizer.Fit takes features [n, d] with n > 0, got {Tensor.ShapeText(features.ShapeSpan)}.", nameof(features));
        int n = features.Size(0), d = features.Size(1);
        var means = new double[d];
        var stds = new double[d];
        var column = new double[n];
        for (int c = 0; c < d; c++)
        {
            for (int r = 0; r < n; r++) column[r] = features.Data[r * d + c];
            (means[c], stds[c]) = MeanStd(column);
        }
        return new Standardizer(Enumerable.Range(0, d).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray(), means, stds);
    }

    /// <summary><paramref name="table"/> with the fitted columns standardized; other columns are unchanged.</summary>
    /// <exception cref="KeyNotFoundException">A fitted column is not in <paramref name="table"/>.</exception>
    public Table Apply(Table table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var columns = table.Columns.ToArray();
        for (int c = 0; c < _columns.Length; c++)
        {
            int i = table.IndexOf(_columns[c]);
            NumericColumn numeric = table.Numeric(_columns[c]);
            double mean = _means[c], scale = Scale(c);
            columns[i] = new NumericColumn(numeric.Name, numeric.Values.Select(v => v is double x ? (x - mean) / scale : (double?)null));
        }
        return new Table(columns, table.RowCount);
    }

    /// <summary>A new tensor: <paramref name="features"/> <c>[n, d]</c> with column <c>c</c> standardized by the c-th fitted column.</summary>
    public Tensor Apply(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.Rank != 2 || features.Size(1) != _columns.Length)
            throw new ArgumentException(
                $"This standardizer was fitted to {_columns.Length} columns; it cannot apply to {Tensor.ShapeText(features.ShapeSpan)}.", nameof(features));
        int n = features.Size(0), d = _columns.Length;
        var data = new float[n * d];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < d; c++)
                data[r * d + c] = (float)((features.Data[r * d + c] - _means[c]) / Scale(c));
        return new Tensor(data, n, d);
    }

    private double Scale(int c) => _stds[c] == 0 ? 1 : _stds[c];

    private static (double Mean, double Std) MeanStd(IReadOnlyList<double> values)
    {
        double mean = values.Sum() / values.Count;
        double squares = 0;
        foreach (double v in values) squares += (v - mean) * (v - mean);
        return (mean, Math.Sqrt(squares / values.Count));
    }
}
