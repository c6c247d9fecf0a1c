using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace ShapeNet.Data;

/// <summary>How <see cref="Csv"/> reads a file. The defaults read the files of the book and of pandas' <c>read_csv</c>.</summary>
public sealed record CsvOptions
{
    /// <summary>The field separator; <c>,</c> by default.</summary>
    public char Separator { get; init; } = ',';

    /// <summary>
    /// Field texts that mean "missing", compared exactly (quoted or not, as pandas does): the empty field and <c>NA</c>
    /// by default. A numeric field that parses to NaN is missing too.
    /// </summary>
    public IReadOnlyCollection<string> MissingValues { get; init; } = ["", "NA"];

    /// <summary>
    /// Columns that must be numeric: a value that is not a number is an error naming the file and line, instead of
    /// making the column categorical.
    /// </summary>
    public IReadOnlyCollection<string> NumericColumns { get; init; } = [];

    /// <summary>Columns kept as strings even when every value is a number (codes, zip codes).</summary>
    public IReadOnlyCollection<string> CategoricalColumns { get; init; } = [];
}

/// <summary>
/// Reads comma-separated values (RFC 4180) with a header row into a <see cref="Table"/>, like pandas' <c>read_csv</c>:
/// fields may be quoted (<c>"a, b"</c>, <c>"say ""hi"""</c>, line breaks inside quotes); <c>NA</c> and empty fields are
/// missing; gzip input is detected from the content. A column is numeric when every value that is not missing parses
/// as a number in the invariant culture (<c>1.5</c>, <c>-2e3</c>), otherwise categorical (strings).
/// Malformed input raises <see cref="InvalidDataException"/>s naming the file and the line, e.g.
/// <c>data/x.csv line 7: expected 3 fields (NumRooms, RoofType, Price), found 4.</c>
/// </summary>
public static class Csv
{
    private const byte GzipFirstByte = 0x1F, GzipSecondByte = 0x8B;

    /// <summary>Reads the CSV file at <paramref name="path"/> (raw or gzip-compressed; UTF-8, a BOM is skipped).</summary>
    /// <exception cref="InvalidDataException">The file is malformed; the message names <paramref name="path"/> and the line.</exception>
    public static Table Read(string path, CsvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        Span<byte> start = stackalloc byte[2];
        bool compressed = file.ReadAtLeast(start, 2, throwOnEndOfStream: false) == 2
            && start[0] == GzipFirstByte && start[1] == GzipSecondByte;
        file.Position = 0;
        Stream stream = compressed ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        try
        {
            return Read(reader, path, options);
        }
        catch (InvalidDataException e) when (e.Source == typeof(GZipStream).Assembly.GetName().Name)
        {
            // The decompressor's message ("unsupported compression method") names neither the file nor where it failed.
            throw new InvalidDataException($"{path}: the gzip data is corrupt near compressed byte {file.Position:N0} of {file.Length:N0}: {e.Message}", e);
        }
    }

    /// <summary>Parses CSV text; <paramref name="source"/> names it in error messages.</summary>
    public static Table Parse(string text, string source = "<text>", CsvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        using var reader = new StringReader(text);
        return Read(reader, source, options);
    }

    /// <summary>Reads CSV from <paramref name="reader"/>; <paramref name="source"/> names it in error messages.</summary>
    public static Table Read(TextReader reader, string source, CsvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(source);
        options ??= new CsvOptions();
        var records = ReadRecords(reader, source, options.Separator);
        if (records.Count == 0)
            throw new InvalidDataException($"{source}: expected a header row, the input is empty.");

        string[] names = records[0].Fields;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string name in names)
            if (!seen.Add(name))
                throw new InvalidDataException($"{source} line {records[0].Line}: the header names column {name} twice.");
        foreach (string name in options.NumericColumns.Concat(options.CategoricalColumns))
            if (!seen.Contains(name))
                throw new ArgumentException($"CsvOptions names column {name}, but {source} has only {string.Join(", ", names)}.", nameof(options));

        for (int r = 1; r < records.Count; r++)
            if (records[r].Fields.Length != names.Length)
                throw new InvalidDataException(
                    $"{source} line {records[r].Line}: expected {names.Length} fields ({string.Join(", ", names)}), found {records[r].Fields.Length}.");

        var missing = options.MissingValues as ISet<string> ?? new HashSet<string>(options.MissingValues, StringComparer.Ordinal);
        int rows = records.Count - 1;
        var columns = new TableColumn[names.Length];
        for (int c = 0; c < names.Length; c++)
        {
            bool forcedNumeric = options.NumericColumns.Contains(names[c]);
            bool forcedCategorical = options.CategoricalColumns.Contains(names[c]);
            if (forcedNumeric && forcedCategorical)
                throw new ArgumentException($"CsvOptions names column {names[c]} both numeric and categorical.", nameof(options));
            columns[c] = forcedCategorical
                ? Categorical(names[c], records, c, missing)
                : (TableColumn?)TryNumeric(names[c], records, c, missing, source, forcedNumeric) ?? Categorical(names[c], records, c, missing);
        }
        return new Table(columns, rows);
    }

    private static NumericColumn? TryNumeric(string name, List<Record> records, int c, ICollection<string> missing, string source, bool forced)
    {
        var values = new double?[records.Count - 1];
        for (int r = 1; r < records.Count; r++)
        {
            string text = records[r].Fields[c];
            if (missing.Contains(text)) continue;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            {
                if (!forced) return null;
                throw new InvalidDataException($"{source} line {records[r].Line}: column {name} is numeric, but \"{text}\" is not a number.");
            }
            values[r - 1] = double.IsNaN(value) ? null : value;
        }
        return new NumericColumn(name, values);
    }

    private static CategoricalColumn Categorical(string name, List<Record> records, int c, ICollection<string> missing)
    {
        var values = new string?[records.Count - 1];
        for (int r = 1; r < records.Count; r++)
        {
            string text = records[r].Fields[c];
            values[r - 1] = missing.Contains(text) ? null : text;
        }
        return new CategoricalColumn(name, values);
    }

    /// <summary>One record: its fields and the (1-based) line it starts on.</summary>
    private readonly record struct Record(string[] Fields, int Line);

    /// <summary>
    /// Splits the input into records. Line breaks are <c>\n</c>, <c>\r\n</c> or <c>\r</c>; blank lines are skipped
    /// (as pandas does); a quoted field may hold separators, line breaks and doubled quotes.
    /// </summary>
    private static List<Record> ReadRecords(TextReader reader, string source, char separator)
    {
        var records = new List<Record>();
        var fields = new List<string>();
        var field = new StringBuilder();
        int line = 1, recordLine = 1;
        bool fieldStarted = false; // the current record has content (so a blank line is not a record)

        while (true)
        {
            int ch = reader.Read();
            if (ch == -1)
            {
                if (fieldStarted || fields.Count > 0) EndRecord();
                return records;
            }
            char c = (char)ch;
            if (c == '"' && field.Length == 0)
            {
                // A quoted field: read to the closing quote; "" is one quote.
                int quoteLine = line;
                fieldStarted = true;
                while (true)
                {
                    int q = reader.Read();
                    if (q == -1)
                        throw new InvalidDataException($"{source} line {quoteLine}: a quoted field starts here but its closing quote is missing.");
                    if (q == '"')
                    {
                        if (reader.Peek() == '"') { reader.Read(); field.Append('"'); continue; }
                        break;
                    }
                    if (q == '\r' && reader.Peek() == '\n') { reader.Read(); field.Append('\r'); q = '\n'; line++; }
                    else if (q == '\n' || q == '\r') line++;
                    field.Append((char)q);
                }
                int after = reader.Peek();
                if (after != -1 && after != separator && after != '\n' && after != '\r')
                    throw new InvalidDataException(
                        $"{source} line {line}: expected a separator or the end of the line after a closing quote, found '{(char)after}'.");
                continue;
            }
            if (c == separator)
            {
                fields.Add(field.ToString());
                field.Clear();
                fieldStarted = true;
                continue;
            }
            if (c == '\n' || c == '\r')
            {
                if (c == '\r' && reader.Peek() == '\n') reader.Read();
                if (fieldStarted || fields.Count > 0) EndRecord();
                line++;
                recordLine = line;
                continue;
            }
            field.Append(c); // a quote inside an unquoted field is kept as text, as pandas does
            fieldStarted = true;
        }

        void EndRecord()
        {
            fields.Add(field.ToString());
            field.Clear();
            records.Add(new Record([.. fields], recordLine));
            fields.Clear();
            fieldStarted = false;
        }
    }
}
