using System.Globalization;
using System.Text.RegularExpressions;
using ShapeNet.Data;
using ShapeNet.Samples.BreastCancer;
using ShapeNet.Samples.Preprocessing;

namespace ShapeNet.Samples.Tests;

/// <summary>The tabular samples: lectures 7/8 on the breast-cancer data (short runs) and the book's CSV preprocessing.</summary>
public sealed class TabularSampleTests : IDisposable
{
    private readonly SampleRun _run = new();

    public void Dispose() => _run.Dispose();

    [Fact]
    public void Full_batch_run_beats_the_majority_class()
    {
        // 1,000 of the default 1,500 full-batch epochs: past the plateau the lecture's 100 epochs stay on, so only a loose bound.
        _run.Run(o => TabularSample.Run(new(Epochs: 1000, RunsFolder: _run.RunsFolder), o));
        Assert.Contains("lecture 7: full batch (455)", _run.Output);
        Assert.Contains("majority class (benign) on the test split: 63.16%", _run.Output);
        Assert.Contains("test accuracy after the lecture's 100 full-batch epochs", _run.Output);
        Assert.True(TestAccuracy() >= 80, _run.Output);
        Assert.Equal(1001, File.ReadAllLines(_run.File("tabular", "metrics.csv")).Length);
        _run.File("tabular", "loss.svg");
    }

    [Fact]
    public void Loader_run_beats_the_majority_class()
    {
        _run.Run(o => TabularSample.Run(new(Loader: true, Epochs: 60, RunsFolder: _run.RunsFolder), o));
        Assert.Contains("lecture 8: DataLoader batch 32, shuffle", _run.Output);
        Assert.Contains("epoch 60/60  loss ", _run.Output);
        Assert.True(TestAccuracy() >= 80, _run.Output);
        Assert.Equal(61, File.ReadAllLines(_run.File("tabular-loader", "metrics.csv")).Length);
        _run.File("tabular-loader", "loss.svg");
    }

    [Fact]
    public void Majority_rate_of_the_test_split_is_the_readmes()
    {
        var (train, test) = Tabular.LoadBreastCancer(features: 8);
        Assert.Equal(72.0 / 114, TabularSample.MajorityRate(test), 10);
        Assert.Equal(285.0 / 455, TabularSample.MajorityRate(train), 10);
    }

    [Fact]
    public void Model_keeps_pytorchs_parameter_names_and_shapes()
    {
        var model = new TabularModel(0);
        Assert.Equal(["linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "linear3.weight", "linear3.bias"],
            model.Parameters.Select(p => p.Name));
        Assert.Equal([[6, 8], [6], [4, 6], [4], [1, 4], [1]], model.Parameters.Select(p => p.Value.Shape));
    }

    [Fact]
    public void Preprocess_gives_the_books_tensors()
    {
        Assert.Equal(0, _run.Run(o => PreprocessSample.Run(new(), o)));
        Assert.Contains("   NumRooms  RoofType   Price\n0       NaN       NaN  127500\n", _run.Output);
        Assert.Contains("NumRooms filled with = [3.0, 3.0] (expected 3.0", _run.Output);
        Assert.Contains("X = [[3, 0, 1], [2, 0, 1], [4, 1, 0], [3, 0, 1]] (expected [[3, 0, 1], [2, 0, 1], [4, 1, 0], [3, 0, 1]])", _run.Output);
        Assert.Contains("y = [127500, 106000, 178100, 140000] (expected", _run.Output);
        Assert.Contains("y = tensor([127500., 106000., 178100., 140000.])", _run.Output);
        Assert.DoesNotContain("MISSED", _run.Output);
    }

    [Fact]
    public void Preprocess_exits_1_on_other_data()
    {
        string csv = Path.Combine(_run.RunsFolder, "other.csv");
        File.WriteAllText(csv, "NumRooms,RoofType,Price\nNA,NA,127500\n2,NA,106000\n6,Slate,178100\nNA,NA,140000\n");
        Assert.Equal(1, _run.Run(o => PreprocessSample.Run(new(csv), o)));
        Assert.Contains("NumRooms filled with = [4.0, 4.0] (expected 3.0, the mean of 2 and 4)  <-- MISSED", _run.Output);
    }

    private double TestAccuracy()
    {
        Match match = Regex.Match(_run.Output, @"test accuracy: (\d+\.\d+)%");
        Assert.True(match.Success, _run.Output);
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }
}
