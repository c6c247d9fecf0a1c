using System.Globalization;
using System.Text;

namespace ShapeNet.Data;

/// <summary>A named column of a <see cref="Table"/>: numeric (<see cref="NumericColumn"/>) or strings (<see cref="CategoricalColumn"/>).</summary>
public abstract class TableColumn
{
    private protected TableColumn(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        Name = name;
    }

    /// <summary>The column's name (its header field).</summary>
    public string Name { get; }

    /// <summary>Number of rows.</summary>
    public abstract int Length { get; }

    /// <summary>Number of missing values.</summary>
    public abstract int MissingCount { get; }

    /// <summary>Whether the row's value is missing (pandas' <c>isna</c>).</summary>
    public abstract bool IsMissing(int row);

    /// <summary>The value of a row as pandas prints it: <c>NaN</c> when missing.</summary>
    public abstract string Format(int row);

    /// <summary>A column with the same name holding the given rows, in that order.</summary>
    public abstract TableColumn Take(IReadOnlyList<int> rows);

    /// <summary>The same values under another name.</summary>
    public abstract TableColumn Rename(string name);

    /// <summary>The name, kind, length and missing count: <c>Price (numeric, 4 rows, 0 missing)</c>.</summary>
    public override string ToString() => $"{Name} ({(this is NumericColumn ? "numeric" : "categorical")}, {Length} rows, {MissingCount} missing)";
}

/// <summary>A column of numbers, each possibly missing (<c>null</c>).</summary>
public sealed class NumericColumn : TableColumn
{
    private readonly double?[] _values;

    /// <summary>A column holding <paramref name="values"/> (copied).</summary>
    public NumericColumn(string name, IEnumerable<double?> values) : base(name)
    {
        ArgumentNullException.ThrowIfNull(values);
        _values = values.ToArray();
        foreach (double? v in _values)
            if (v is double d && double.IsNaN(d))
                throw new ArgumentException($"Column {name}: write a missing value as null, not NaN.", nameof(values));
    }

    /// <summary>A column of non-missing numbers (copied).</summary>
    public NumericColumn(string name, IEnumerable<double> values) : this(name, values.Select(v => (double?)v)) { }

    /// <summary>The values, <c>null</c> where missing.</summary>
    public IReadOnlyList<double?> Values => _values;

    /// <summary>The value of one row, <c>null</c> when missing.</summary>
    public double? this[int row] => _values[row];

    /// <inheritdoc />
    public override int Length => _values.Length;

    /// <inheritdoc />
    public override int MissingCount => _values.Count(v => v is null);

    /// <inheritdoc />
    public override bool IsMissing(int row) => _values[row] is null;

    /// <summary>The mean of the values that are not missing (pandas' <c>mean()</c>, which skips NaN); <c>null</c> when all are missing.</summary>
    public double? Mean()
    {
        double sum = 0;
        int count = 0;
        foreach (double? v in _values)
            if (v is double d) { sum += d; count++; }
        return count == 0 ? null : sum / count;
    }

    /// <summary>This column with every missing value replaced by <paramref name="value"/>.</summary>
    public NumericColumn FillMissing(double value) => new(Name, _values.Select(v => v ?? value));

    /// <inheritdoc />
    /// <remarks>
    /// As pandas, which reads a column of whole numbers without missing values as integers and any other numeric
    /// column as floats: <c>127500</c> in the first case, <c>2.0</c> and <c>NaN</c> in the second.
    /// </remarks>
    public override string Format(int row)
    {
        if (_values[row] is not double d) return "NaN";
        _printsAsIntegers ??= _values.All(v => v is double x && Math.Abs(x) < 1e15 && x == Math.Floor(x));
        return _printsAsIntegers.Value ? d.ToString("F0", CultureInfo.InvariantCulture) : FormatNumber(d);
    }

    private bool? _printsAsIntegers;

    /// <inheritdoc />
    public override TableColumn Take(IReadOnlyList<int> rows) => new NumericColumn(Name, rows.Select(r => _values[r]));

    /// <inheritdoc />
    public override TableColumn Rename(string name) => new NumericColumn(name, _values);

    /// <summary>The values as a float32 tensor <c>[rows]</c>.</summary>
    /// <exception cref="InvalidOperationException">A value is missing.</exception>
    public Tensor ToTensor()
    {
        var data = new float[_values.Length];
        for (int i = 0; i < data.Length; i++)
            data[i] = _values[i] is double d ? (float)d : throw Table.MissingError(this);
        return new Tensor(data, data.Length);
    }

    internal static string FormatNumber(double d)
    {
        // pandas prints float columns with a decimal point: 3.0, 127500.0.
        string text = d.ToString("R", CultureInfo.InvariantCulture);
        return double.IsFinite(d) && text.All(ch => ch == '-' || char.IsAsciiDigit(ch)) ? text + ".0" : text;
    }
}

/// <summary>A column of strings (categories), each possibly missing (<c>null</c>).</summary>
public sealed class CategoricalColumn : TableColumn
{
    private readonly string?[] _values;

    /// <summary>A column holding <paramref name="values"/> (copied).</summary>
    public CategoricalColumn(string name, IEnumerable<string?> values) : base(name)
    {
        ArgumentNullException.ThrowIfNull(values);
        _values = values.ToArray();
    }

    /// <summary>The values, <c>null</c> where missing.</summary>
    public IReadOnlyList<string?> Values => _values;

    /// <summary>The value of one row, <c>null</c> when missing.</summary>
    public string? this[int row] => _values[row];

    /// <summary>The distinct values that are not missing, in ordinal (code point) order, as pandas sorts them.</summary>
    public IReadOnlyList<string> Categories =>
        _values.Where(v => v is not null).Select(v => v!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();

    /// <inheritdoc />
    public override int Length => _values.Length;

    /// <inheritdoc />
    public override int MissingCount => _values.Count(v => v is null);

    /// <inheritdoc />
    public override bool IsMissing(int row) => _values[row] is null;

    /// <inheritdoc />
    public override string Format(int row) => _values[row] ?? "NaN";

    /// <inheritdoc />
    public override TableColumn Take(IReadOnlyList<int> rows) => new CategoricalColumn(Name, rows.Select(r => _values[r]));

    /// <inheritdoc />
    public override TableColumn Rename(string name) => new CategoricalColumn(name, _values);
}

/// <summary>
/// A small data frame: named columns of equal length, numeric (<c>double?</c>) or categorical (<c>string?</c>), as
/// read by <see cref="Csv"/>. It carries the preprocessing of <i>Dive into Deep Learning</i> §2.2 — fill missing
/// numbers with the column mean, one-hot encode categories with an "is missing" column, convert to a tensor — and
/// is immutable: every operation returns a new table.
/// </summary>
/// <example>
/// <code>
/// Table data = Csv.Read("data/house_tiny.csv");             // NumRooms, RoofType, Price
/// var (inputs, targets) = data.Split("Price");
/// inputs = inputs.OneHot(dummyNa: true).FillMissingWithMean(); // NumRooms, RoofType_Slate, RoofType_nan
/// Tensor X = inputs.ToTensor();                               // [[3, 0, 1], [2, 0, 1], [4, 1, 0], [3, 0, 1]]
/// Tensor y = targets.ToTensor();                              // [[127500], [106000], [178100], [140000]]
/// </code>
/// </example>
public sealed class Table
{
    private readonly TableColumn[] _columns;
    private readonly Dictionary<string, int> _index;

    /// <summary>A table of <paramref name="columns"/>, which must have distinct names and equal lengths.</summary>
    public Table(IEnumerable<TableColumn> columns) : this(columns.ToArray(), rows: null) { }

    internal Table(TableColumn[] columns, int? rows)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _columns = columns;
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        RowCount = rows ?? (columns.Length == 0 ? 0 : columns[0].Length);
        for (int i = 0; i < columns.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(columns[i]);
            if (!_index.TryAdd(columns[i].Name, i))
                throw new ArgumentException($"A table cannot have two columns named {columns[i].Name}.", nameof(columns));
            if (columns[i].Length != RowCount)
                throw new ArgumentException(
                    $"Column {columns[i].Name} has {columns[i].Length} rows, but column {columns[0].Name} has {RowCount}; a table's columns must have equal lengths.",
                    nameof(columns));
        }
    }

    /// <summary>Number of rows.</summary>
    public int RowCount { get; }

    /// <summary>Number of columns.</summary>
    public int ColumnCount => _columns.Length;

    /// <summary>The columns, in order.</summary>
    public IReadOnlyList<TableColumn> Columns => _columns;

    /// <summary>The column names, in order.</summary>
    public IReadOnlyList<string> ColumnNames => _columns.Select(c => c.Name).ToArray();

    /// <summary>The column at <paramref name="index"/>.</summary>
    public TableColumn this[int index] => _columns[index];

    /// <summary>The column named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">There is none; the message lists the columns.</exception>
    public TableColumn this[string name] => _columns[IndexOf(name)];

    /// <summary>Whether a column is named <paramref name="name"/>.</summary>
    public bool Contains(string name) => _index.ContainsKey(name);

    /// <summary>The numeric column named <paramref name="name"/>.</summary>
    public NumericColumn Numeric(string name) => this[name] as NumericColumn
        ?? throw new InvalidOperationException($"Column {name} is categorical, not numeric.");

    /// <summary>The categorical column named <paramref name="name"/>.</summary>
    public CategoricalColumn Categorical(string name) => this[name] as CategoricalColumn
        ?? throw new InvalidOperationException($"Column {name} is numeric, not categorical.");

    /// <summary>The named columns, in the order given (pandas' <c>df[[...]]</c>).</summary>
    public Table Select(params string[] names) => new(names.Select(n => this[n]).ToArray(), RowCount);

    /// <summary>All columns but the named ones (pandas' <c>drop(columns=...)</c>).</summary>
    public Table Drop(params string[] names)
    {
        foreach (string n in names) IndexOf(n);
        return new(_columns.Where(c => !names.Contains(c.Name)).ToArray(), RowCount);
    }

    /// <summary>The given rows, in that order (pandas' <c>iloc[rows]</c>).</summary>
    public Table Rows(IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        foreach (int r in rows)
            if ((uint)r >= (uint)RowCount)
                throw new ArgumentOutOfRangeException(nameof(rows), $"Row {r} is out of range for a table of {RowCount} rows.");
        return new(_columns.Select(c => c.Take(rows)).ToArray(), rows.Count);
    }

    /// <summary>
    /// Splits off the <paramref name="target"/> column, as the book does with <c>iloc</c>: the inputs are every other
    /// column, the targets a one-column table.
    /// </summary>
    public (Table Inputs, Table Targets) Split(string target) => (Drop(target), Select(target));

    /// <summary>
    /// Replaces each numeric column's missing values by the mean of its other values (pandas'
    /// <c>fillna(df.mean())</c>). Categorical columns, and numeric columns with no value at all, are left unchanged.
    /// </summary>
    public Table FillMissingWithMean() => new(_columns.Select(c =>
        c is NumericColumn n && n.MissingCount > 0 && n.Mean() is double mean ? n.FillMissing(mean) : c).ToArray(), RowCount);

    /// <summary>
    /// One-hot encodes the categorical columns with pandas' <c>get_dummies</c> semantics: the numeric columns come
    /// first, in order, then for each categorical column (in order) a 0/1 numeric column per category, in sorted
    /// (ordinal) order, named <c>Column_value</c>, plus <c>Column_nan</c> marking the missing values when
    /// <paramref name="dummyNa"/> (always added then, as pandas does, even if nothing is missing). Without it a
    /// missing value is all zeros. pandas ≥ 2 makes the dummies booleans; here they are the numbers 0 and 1.
    /// </summary>
    public Table OneHot(bool dummyNa = false)
    {
        var result = _columns.Where(c => c is NumericColumn).ToList();
        foreach (var column in _columns.OfType<CategoricalColumn>())
        {
            foreach (string category in column.Categories)
                result.Add(new NumericColumn($"{column.Name}_{category}",
                    column.Values.Select(v => string.Equals(v, category, StringComparison.Ordinal) ? 1.0 : 0.0)));
            if (dummyNa)
                result.Add(new NumericColumn($"{column.Name}_nan", column.Values.Select(v => v is null ? 1.0 : 0.0)));
        }
        return new(result.ToArray(), RowCount);
    }

    /// <summary>
    /// The named numeric columns (all columns when none are named) as a float32 tensor <c>[rows, columns]</c>,
    /// row-major: the book's <c>torch.tensor(inputs.to_numpy(dtype=float))</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">A column is categorical (one-hot encode it first) or has missing values (fill them first).</exception>
    public Tensor ToTensor(params string[] columns)
    {
        TableColumn[] selected = columns.Length == 0 ? _columns : columns.Select(n => this[n]).ToArray();
        var data = new float[RowCount * selected.Length];
        foreach (TableColumn column in selected)
            if (column is not NumericColumn)
                throw new InvalidOperationException(
                    $"Column {column.Name} is categorical; one-hot encode it (OneHot) or leave it out before converting to a tensor.");
        for (int c = 0; c < selected.Length; c++)
        {
            var numeric = (NumericColumn)selected[c];
            for (int r = 0; r < RowCount; r++)
                data[r * selected.Length + c] = numeric[r] is double d ? (float)d : throw MissingError(numeric);
        }
        return new Tensor(data, RowCount, selected.Length);
    }

    /// <summary>
    /// A dataset of the <paramref name="target"/> column as targets <c>[rows, 1]</c> and every other column as
    /// features <c>[rows, columns - 1]</c>; all must be numeric without missing values.
    /// </summary>
    public TensorDataset ToDataset(string target)
    {
        var (inputs, targets) = Split(target);
        return new TensorDataset(inputs.ToTensor(), targets.ToTensor());
    }

    /// <summary>
    /// The table laid out like pandas prints it: a header, then each row with its index, right-aligned columns,
    /// missing values as <c>NaN</c> (the spacing between columns is always two blanks).
    /// </summary>
    public override string ToString()
    {
        var cells = new string[RowCount + 1][];
        cells[0] = ["", .. _columns.Select(c => c.Name)];
        for (int r = 0; r < RowCount; r++)
            cells[r + 1] = [r.ToString(CultureInfo.InvariantCulture), .. _columns.Select(c => c.Format(r))];
        var widths = Enumerable.Range(0, _columns.Length + 1).Select(i => cells.Max(row => row[i].Length)).ToArray();
        var text = new StringBuilder();
        foreach (string[] row in cells)
        {
            for (int i = 0; i < row.Length; i++)
            {
                if (i > 0) text.Append("  ");
                text.Append(i == 0 ? row[i].PadRight(widths[i]) : row[i].PadLeft(widths[i]));
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    internal int IndexOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _index.TryGetValue(name, out int i) ? i
            : throw new KeyNotFoundException($"The table has no column {name}; its columns are {string.Join(", ", ColumnNames)}.");
    }

    internal static InvalidOperationException MissingError(NumericColumn column)
    {
        var rows = Enumerable.Range(0, column.Length).Where(column.IsMissing).ToArray();
        string shown = string.Join(", ", rows.Take(5)) + (rows.Length > 5 ? ", …" : "");
        return new InvalidOperationException(
            $"Column {column.Name} has {rows.Length} missing value{(rows.Length == 1 ? "" : "s")} (row{(rows.Length == 1 ? "" : "s")} {shown}); " +
            "fill them (FillMissingWithMean) before converting to a tensor.");
    }
}
