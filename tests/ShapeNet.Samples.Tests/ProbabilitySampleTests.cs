using System.Globalization;
using System.Xml.Linq;
using ShapeNet.Samples.Probability;

namespace ShapeNet.Samples.Tests;

/// <summary>d2l 2.6: the die-rolling sample prints the book's experiments, meets its chi-square bound and draws the book's
/// figure (six running estimates and the dashed line at 1/6).</summary>
public sealed class ProbabilitySampleTests : IDisposable
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private readonly SampleRun _run = new();

    public void Dispose() => _run.Dispose();

    [Fact]
    public void Five_hundred_groups_of_ten_rolls_converge_to_one_sixth()
    {
        Assert.Equal(0, _run.Run(o => ProbabilitySample.Run(new(RunsFolder: _run.RunsFolder), o)));

        Assert.Contains("fair_probs = tensor([0.1667, 0.1667, 0.1667, 0.1667, 0.1667, 0.1667])", _run.Output);
        Assert.Equal(1, Counts("Multinomial(1, fair_probs).sample()").Sum());   // one roll: one face counted once
        Assert.Equal(10, Counts("Multinomial(10, fair_probs).sample()").Sum());
        Assert.Contains("estimates after 500 groups ( 5000 rolls)", _run.Output);
        Assert.Matches(@"chi-square of the 5,000 rolls' counts against 1/6 each \(df 5\) = \d+\.\d\d \(expected ≤ 20\.52\)\r?\n", _run.Output);

        string[] csv = File.ReadAllLines(_run.File("probability", "metrics.csv"));
        Assert.Equal("groups,p1,p2,p3,p4,p5,p6", csv[0]);
        Assert.Equal(501, csv.Length);
        foreach (string line in csv.Skip(1))
        {
            double[] p = line.Split(',').Skip(1).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(1.0, p.Sum(), 5); // each row of estimates is a distribution
        }

        XDocument doc = XDocument.Parse(File.ReadAllText(_run.File("probability", "estimates.svg")));
        var series = doc.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "series").ToList();
        Assert.Equal(Enumerable.Range(1, 6).Select(f => $"P(die={f})"), series.Select(g => (string)g.Attribute("data-name")!));
        Assert.All(series, g => Assert.Equal(500, g.Element(Svg + "polyline")!.Attribute("points")!.Value.Split(' ').Length));
        Assert.Equal(6, series.Select(g => (string)g.Element(Svg + "polyline")!.Attribute("stroke")!).Distinct().Count());
        XElement reference = doc.Descendants(Svg + "line").Single(l => (string?)l.Attribute("class") == "reference");
        Assert.Equal("black", (string?)reference.Attribute("stroke"));
        Assert.NotNull(reference.Attribute("stroke-dasharray"));
        Assert.Equal((string?)reference.Attribute("y1"), (string?)reference.Attribute("y2"));
        var texts = doc.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("Groups of experiments", texts);
        Assert.Contains("Estimated probability", texts);
        Assert.Contains("1/6", texts);
    }

    /// <summary>The six numbers of the tensor printed on the output line that starts with <paramref name="what"/>.</summary>
    private int[] Counts(string what)
    {
        string line = _run.Output.Split('\n').Single(l => l.StartsWith(what, StringComparison.Ordinal));
        string inside = line[(line.IndexOf("tensor([", StringComparison.Ordinal) + 8)..line.IndexOf("])", StringComparison.Ordinal)];
        int[] counts = inside.Split(',').Select(v => (int)double.Parse(v.Trim(), CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(6, counts.Length);
        return counts;
    }

    [Fact]
    public void The_same_seed_prints_the_same_rolls()
    {
        _run.Run(o => ProbabilitySample.Run(new(Groups: 50, Seed: 4, RunsFolder: _run.RunsFolder), o));
        string first = _run.Output;
        _run.Run(o => ProbabilitySample.Run(new(Groups: 50, Seed: 4, RunsFolder: _run.RunsFolder), o));
        Assert.Equal(first, _run.Output);
        _run.Run(o => ProbabilitySample.Run(new(Groups: 50, Seed: 5, RunsFolder: _run.RunsFolder), o));
        Assert.NotEqual(first, _run.Output);
    }
}
