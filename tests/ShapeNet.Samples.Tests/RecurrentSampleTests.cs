using System.Xml.Linq;
using ShapeNet.Samples.Recurrent;

namespace ShapeNet.Samples.Tests;

/// <summary>Lectures 12 and 13: each "hello" variant prints its prediction per epoch and ends on "ohlol" with its defaults;
/// word-language trains a short run (1 epoch on 4,000 words), prints accuracy and the confusion matrix, writes the heat map
/// and the checkpoint, and <c>predict</c> reads the checkpoint back.</summary>
public sealed class RecurrentSampleTests : IDisposable
{
    private readonly SampleRun _run = new();

    public void Dispose() => _run.Dispose();

    public static TheoryData<string> HelloVariants => new() { "hello-rnncell", "hello-rnn", "hello-embedding", "hello-lstm", "hello-gru" };

    [Theory]
    [MemberData(nameof(HelloVariants))]
    public void Hello_learns_ohlol_in_15_epochs_and_saves_its_checkpoint(string name)
    {
        Assert.Equal(0, _run.Run(o => HelloSample.Run(name, o, runsFolder: _run.RunsFolder)));
        string[] epochs = _run.Output.Split('\n').Where(l => l.StartsWith("epoch", StringComparison.Ordinal)).ToArray();
        Assert.Equal(HelloSample.DefaultEpochs, epochs.Length);
        Assert.EndsWith("predicted \"ohlol\"", epochs[^1].TrimEnd());
        Assert.Contains("predicted string after the last epoch = \"ohlol\" (expected \"ohlol\")", _run.Output);
        Assert.Contains($"checkpoint: {_run.File(name, "model.safetensors")}", _run.Output);
    }

    [Fact]
    public void The_cell_loop_and_the_rnn_layer_learn_the_same_from_the_same_seed()
    {
        // The same parameters drawn in the same order, the same kernels: the unrolled cell and the layer agree step by step.
        _run.Run(o => HelloSample.Run("hello-rnncell", o, runsFolder: _run.RunsFolder));
        string cell = Epochs(_run.Output);
        _run.Run(o => HelloSample.Run("hello-rnn", o, runsFolder: _run.RunsFolder));
        string layer = Epochs(_run.Output);
        Assert.Equal(cell, layer);
    }

    /// <summary>The per-epoch lines: from the first "epoch" to the checkpoint line (whose path names the variant).</summary>
    private static string Epochs(string output)
    {
        int start = output.IndexOf("epoch", StringComparison.Ordinal);
        return output[start..output.IndexOf("checkpoint:", start, StringComparison.Ordinal)];
    }

    [Fact]
    public void A_seed_that_falls_short_exits_1()
    {
        Assert.Equal(1, _run.Run(o => HelloSample.Run("hello-rnn", o, seed: 0, runsFolder: _run.RunsFolder)));
        Assert.Contains("<-- MISSED", _run.Output);
    }

    [Fact]
    public void Word_language_trains_reports_and_predicts_from_its_checkpoint()
    {
        Assert.Equal(0, _run.Run(o => WordLanguageSample.Run(new WordLanguageSample.Options(Epochs: 1, RunsFolder: _run.RunsFolder, TrainLimit: 4000), o)));
        Assert.Contains("epoch  1  loss ", _run.Output);
        Assert.Contains("true \\ predicted   eng  ger  fre  ita  spa  por  dut  pol  swe  dan  accuracy", _run.Output);
        foreach (string language in ShapeNet.Data.WordLanguageData.Languages) Assert.Contains("\n" + language.PadRight(17), _run.Output);
        XDocument svg = XDocument.Parse(File.ReadAllText(_run.File("word-language", "confusion.svg")));
        Assert.Equal(100, svg.Descendants().Count(e => e.Name.LocalName == "rect"));
        _run.File("word-language", "metrics.csv");
        _run.File("word-language", "model.safetensors");

        Assert.Equal(0, _run.Run(o => WordLanguageSample.Predict("szczęście", _run.RunsFolder, null, o)));
        string[] lines = _run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("\"szczęście\":", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.All(lines[1..], l => Assert.EndsWith("%", l.TrimEnd()));
        Assert.Contains("polish", lines[1]);

        Assert.Equal(2, _run.Run(o => WordLanguageSample.Predict("abc1", _run.RunsFolder, null, o)));
        Assert.Contains("'1'", _run.Output);
    }

    [Fact]
    public void Predict_without_a_checkpoint_says_to_train_first()
    {
        Assert.Equal(2, _run.Run(o => WordLanguageSample.Predict("hello", _run.RunsFolder, null, o)));
        Assert.Contains("train first", _run.Output);
    }
}
