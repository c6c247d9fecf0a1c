using System.CommandLine;
using ShapeNet.Data;
using ShapeNet.Samples.Common;

namespace ShapeNet.Samples.Preprocessing;

/// <summary>
/// <i>Dive into Deep Learning</i> §2.2: reads the book's <c>house_tiny.csv</c>, splits inputs from the target, fills
/// the missing numbers with the column mean, one-hot encodes with an "is missing" column (<c>get_dummies(dummy_na=True)</c>)
/// and converts to tensors, checking each step against the book's values.
/// </summary>
public static class PreprocessSample
{
    public const double ExpectedNumRoomsFill = 3.0;
    public static readonly string[] ExpectedColumns = ["NumRooms", "RoofType_Slate", "RoofType_nan"];
    public static readonly float[] ExpectedX = [3, 0, 1, 2, 0, 1, 4, 1, 0, 3, 0, 1];
    public static readonly float[] ExpectedY = [127500, 106000, 178100, 140000];

    public sealed record Options(string? Path = null);

    public static Command Command()
    {
        var path = new Option<string?>("--csv") { Description = "The CSV to read (default: the shipped data/house_tiny.csv)." };
        var command = new Command("preprocess", "d2l 2.2: read house_tiny.csv, fill missing numbers with the mean, one-hot with dummy_na, make tensors.") { path };
        command.SetAction(result => Run(new Options(result.GetValue(path)), Console.Out));
        return command;
    }

    public static int Run(Options options, TextWriter output)
    {
        string path = options.Path ?? Tabular.HouseTinyPath;
        Table data = Csv.Read(path);
        output.WriteLine($"data = read_csv({path})");
        output.Write(data);

        var (inputs, targets) = data.Split("Price");
        var rawRooms = inputs.Numeric("NumRooms");
        double? mean = rawRooms.Mean();
        inputs = inputs.FillMissingWithMean();
        output.WriteLine($"inputs = inputs.fillna(inputs.mean())  # NumRooms mean of the {rawRooms.Length - rawRooms.MissingCount} known values = {Report.Number(mean ?? double.NaN, "F1")}");
        output.Write(inputs);
        inputs = inputs.OneHot(dummyNa: true);
        output.WriteLine("inputs = pd.get_dummies(inputs, dummy_na=True)");
        output.Write(inputs);

        Tensor x = inputs.ToTensor();
        Tensor y = targets.Numeric("Price").ToTensor();
        output.WriteLine($"X = {x}");
        output.WriteLine($"y = {y}");

        var report = new Report(output);
        var filledRooms = inputs.Numeric("NumRooms");
        var filledValues = Enumerable.Range(0, rawRooms.Length).Where(rawRooms.IsMissing).Select(r => filledRooms[r] ?? double.NaN).ToArray();
        report.Check("NumRooms filled with", filledValues.Length > 0 && filledValues.All(v => v == ExpectedNumRoomsFill),
            "[" + string.Join(", ", filledValues.Select(v => Report.Number(v, "F1"))) + "]", Report.Number(ExpectedNumRoomsFill, "F1") + ", the mean of 2 and 4");
        report.Check("columns", inputs.ColumnNames.SequenceEqual(ExpectedColumns),
            string.Join(", ", inputs.ColumnNames), string.Join(", ", ExpectedColumns));
        report.Check("X", x.Shape.SequenceEqual([4, 3]) && x.ToArray().SequenceEqual(ExpectedX), Rows(x), "[[3, 0, 1], [2, 0, 1], [4, 1, 0], [3, 0, 1]]");
        report.Check("y", y.Shape.SequenceEqual([4]) && y.ToArray().SequenceEqual(ExpectedY), Flat(y), "[127500, 106000, 178100, 140000]");
        return report.ExitCode;
    }

    private static string Flat(Tensor t) => "[" + string.Join(", ", t.ToArray().Select(v => Report.Number(v, "0.####"))) + "]";

    private static string Rows(Tensor t)
    {
        if (t.Rank != 2) return $"{Flat(t)} (shape {Tensor.ShapeText(t.Shape)})";
        int columns = t.Shape[1];
        float[] values = t.ToArray();
        return "[" + string.Join(", ", Enumerable.Range(0, t.Shape[0])
            .Select(r => "[" + string.Join(", ", values.Skip(r * columns).Take(columns).Select(v => Report.Number(v, "0.####"))) + "]")) + "]";
    }
}
