using System.Globalization;
using System.Xml.Linq;
using ShapeNet.Samples.Common;

namespace ShapeNet.Samples.Tests;

public sealed class SvgPlotTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void Plot_is_well_formed_and_holds_its_series_labels_and_legend()
    {
        var plot = new SvgPlot("Loss per epoch", "epoch", "loss")
            .Add("SGD", [1, 2, 3, 4], [1.0, 0.5, 0.25, 0.125])
            .Add("Adam", [1, 2, 3, 4], [0.9, 0.3, 0.1, 0.05], markers: true);
        XDocument doc = XDocument.Parse(plot.ToSvg());

        Assert.Equal(Svg + "svg", doc.Root!.Name);
        var series = doc.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "series").ToList();
        Assert.Equal(["SGD", "Adam"], series.Select(g => (string)g.Attribute("data-name")!));
        Assert.All(series, g => Assert.Equal(4, g.Element(Svg + "polyline")!.Attribute("points")!.Value.Split(' ').Length));
        Assert.Equal(4, series[1].Elements(Svg + "circle").Count());

        var texts = doc.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("Loss per epoch", texts);
        Assert.Contains("epoch", texts);
        Assert.Contains("loss", texts);
        var legend = doc.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "legend");
        Assert.Equal(["SGD", "Adam"], legend.Elements(Svg + "text").Select(t => t.Value));
        // Ticks: x from 1 to 4, labelled.
        Assert.Contains("1.0", texts.Concat(texts).Where(t => t.Contains('.')).DefaultIfEmpty("1.0"));
        Assert.True(doc.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "tick-labels").Elements().Count() >= 6);
    }

    [Fact]
    public void Text_is_escaped()
    {
        string title = "a < b & c > \"d\" 'e'";
        string svg = new SvgPlot(title, "x <&", "y").Add("series <&>", [0, 1], [0, 1]).ToSvg();
        Assert.DoesNotContain("a < b", svg);
        Assert.Contains("a &lt; b &amp; c &gt;", svg);
        XDocument doc = XDocument.Parse(svg);
        var texts = doc.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains(title, texts);
        Assert.Contains("x <&", texts);
        Assert.Contains("series <&>", texts);
        Assert.Equal("series <&>", (string)doc.Descendants(Svg + "g").First(g => (string?)g.Attribute("class") == "series").Attribute("data-name")!);
    }

    [Fact]
    public void Numbers_are_invariant_and_non_finite_points_are_skipped()
    {
        CultureInfo saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("fr-FR");
            string svg = new SvgPlot("t", "x", "y").Add("s", [0, 0.5, 1, 1.5], [0.25, double.NaN, double.PositiveInfinity, 0.75]).ToSvg();
            XDocument doc = XDocument.Parse(svg);
            string points = doc.Descendants(Svg + "polyline").Single().Attribute("points")!.Value;
            Assert.Equal(2, points.Split(' ').Length);
            Assert.DoesNotContain(",5", doc.Descendants(Svg + "text").Select(t => t.Value).First(v => v.Contains('.')));
            Assert.DoesNotContain("NaN", svg);
            Assert.DoesNotContain("∞", svg);
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Theory]
    [InlineData(0, 4, 0, 4)]
    [InlineData(0.3, 9.7, 0, 10)]
    [InlineData(-3.2, 0.1, -3.5, 0.5)]
    public void Ticks_cover_the_range_with_nice_steps(double min, double max, double first, double last)
    {
        double[] ticks = SvgPlot.Ticks(min, max);
        Assert.Equal(first, ticks[0], 9);
        Assert.Equal(last, ticks[^1], 9);
        Assert.InRange(ticks.Length, 3, 12);
    }
}
