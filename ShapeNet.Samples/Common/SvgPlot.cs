using System.Globalization;
using System.Text;

namespace ShapeNet.Samples.Common;

/// <summary>
/// A small line plot written as SVG by hand: a frame with axes, "nice" ticks and their labels, axis labels, a title,
/// one or more series as polylines, optional point markers and a legend. Numbers are written with the invariant culture
/// and text is XML-escaped. Non-finite points are skipped (a diverging run does not break the plot). Fixed axis limits
/// (matplotlib's <c>xlim</c>/<c>ylim</c>) clip what lies outside them.
/// </summary>
public sealed class SvgPlot(string title, string xLabel, string yLabel)
{
    private static readonly string[] Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];
    private readonly List<(string Name, double[] X, double[] Y, bool Markers, string Color, string? Dash)> _series = [];
    private readonly List<(double Y, string Label, string Color)> _horizontalLines = [];
    private readonly List<(double X, string Label)> _verticalLines = [];

    public int Width { get; init; } = 640;
    public int Height { get; init; } = 400;

    /// <summary>Fixed x-axis limits (matplotlib's <c>xlim</c>); null fits the data.</summary>
    public (double Min, double Max)? XLimits { get; init; }

    /// <summary>Fixed y-axis limits (matplotlib's <c>ylim</c>); null fits the data.</summary>
    public (double Min, double Max)? YLimits { get; init; }

    public string Title { get; } = title;
    public string XLabel { get; } = xLabel;
    public string YLabel { get; } = yLabel;

    public int SeriesCount => _series.Count;

    /// <summary>Adds a series (x and y of equal length), drawn in <paramref name="color"/> (default: the next palette colour)
    /// and solid, or dashed with the SVG <c>stroke-dasharray</c> <paramref name="dash"/> (<c>"6 3"</c>).</summary>
    public SvgPlot Add(string name, IReadOnlyList<double> x, IReadOnlyList<double> y, bool markers = false, string? color = null, string? dash = null)
    {
        if (x.Count != y.Count) throw new ArgumentException($"Series '{name}' has {x.Count} x values but {y.Count} y values.", nameof(y));
        _series.Add((name, x.ToArray(), y.ToArray(), markers, color ?? Palette[_series.Count % Palette.Length], dash));
        return this;
    }

    /// <summary>A dashed horizontal reference line (e.g. P = 0.5), grey unless <paramref name="color"/> says otherwise.</summary>
    public SvgPlot HorizontalLine(double y, string label, string color = "#888")
    {
        _horizontalLines.Add((y, label, color));
        return this;
    }

    /// <summary>A dashed vertical reference line (e.g. the minimum).</summary>
    public SvgPlot VerticalLine(double x, string label)
    {
        _verticalLines.Add((x, label));
        return this;
    }

    public string ToSvg()
    {
        const double left = 70, right = 20, top = 40, bottom = 55;
        double plotWidth = Width - left - right, plotHeight = Height - top - bottom;
        (double xMin, double xMax) = XLimits ?? Range(_series.SelectMany(s => Finite(s.X, s.Y).Select(p => p.X)).Concat(_verticalLines.Select(l => l.X)));
        (double yMin, double yMax) = YLimits ?? Range(_series.SelectMany(s => Finite(s.X, s.Y).Select(p => p.Y)).Concat(_horizontalLines.Select(l => l.Y)));
        double[] xTicks = AxisTicks(xMin, xMax, XLimits is not null), yTicks = AxisTicks(yMin, yMax, YLimits is not null);
        if (XLimits is null) { xMin = Math.Min(xMin, xTicks[0]); xMax = Math.Max(xMax, xTicks[^1]); }
        if (YLimits is null) { yMin = Math.Min(yMin, yTicks[0]); yMax = Math.Max(yMax, yTicks[^1]); }
        double Sx(double x) => left + (x - xMin) / (xMax - xMin) * plotWidth;
        double Sy(double y) => top + plotHeight - (y - yMin) / (yMax - yMin) * plotHeight;

        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append($"  <title>{Escape(Title)}</title>\n");
        svg.Append($"  <rect x=\"0\" y=\"0\" width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        svg.Append($"  <clipPath id=\"plot-area\"><rect x=\"{N(left)}\" y=\"{N(top)}\" width=\"{N(plotWidth)}\" height=\"{N(plotHeight)}\"/></clipPath>\n");
        svg.Append($"  <text x=\"{N(left + plotWidth / 2)}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{Escape(Title)}</text>\n");

        svg.Append("  <g class=\"grid\" stroke=\"#e0e0e0\" stroke-width=\"1\">\n");
        foreach (double t in xTicks) svg.Append($"    <line x1=\"{N(Sx(t))}\" y1=\"{N(top)}\" x2=\"{N(Sx(t))}\" y2=\"{N(top + plotHeight)}\"/>\n");
        foreach (double t in yTicks) svg.Append($"    <line x1=\"{N(left)}\" y1=\"{N(Sy(t))}\" x2=\"{N(left + plotWidth)}\" y2=\"{N(Sy(t))}\"/>\n");
        svg.Append("  </g>\n");

        svg.Append("  <g class=\"axes\" stroke=\"black\" stroke-width=\"1\">\n");
        svg.Append($"    <line x1=\"{N(left)}\" y1=\"{N(top + plotHeight)}\" x2=\"{N(left + plotWidth)}\" y2=\"{N(top + plotHeight)}\"/>\n");
        svg.Append($"    <line x1=\"{N(left)}\" y1=\"{N(top)}\" x2=\"{N(left)}\" y2=\"{N(top + plotHeight)}\"/>\n");
        foreach (double t in xTicks) svg.Append($"    <line x1=\"{N(Sx(t))}\" y1=\"{N(top + plotHeight)}\" x2=\"{N(Sx(t))}\" y2=\"{N(top + plotHeight + 5)}\"/>\n");
        foreach (double t in yTicks) svg.Append($"    <line x1=\"{N(left - 5)}\" y1=\"{N(Sy(t))}\" x2=\"{N(left)}\" y2=\"{N(Sy(t))}\"/>\n");
        svg.Append("  </g>\n");

        svg.Append("  <g class=\"tick-labels\" fill=\"black\">\n");
        foreach (double t in xTicks) svg.Append($"    <text x=\"{N(Sx(t))}\" y=\"{N(top + plotHeight + 18)}\" text-anchor=\"middle\">{Escape(TickLabel(t, xTicks))}</text>\n");
        foreach (double t in yTicks) svg.Append($"    <text x=\"{N(left - 8)}\" y=\"{N(Sy(t) + 4)}\" text-anchor=\"end\">{Escape(TickLabel(t, yTicks))}</text>\n");
        svg.Append("  </g>\n");
        svg.Append($"  <text class=\"x-label\" x=\"{N(left + plotWidth / 2)}\" y=\"{N(Height - 12)}\" text-anchor=\"middle\">{Escape(XLabel)}</text>\n");
        svg.Append($"  <text class=\"y-label\" x=\"16\" y=\"{N(top + plotHeight / 2)}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {N(top + plotHeight / 2)})\">{Escape(YLabel)}</text>\n");

        foreach ((string name, double[] xs, double[] ys, bool markers, string color, string? dash) in _series)
        {
            var points = Finite(xs, ys).Select(p => $"{N(Sx(p.X))},{N(Sy(p.Y))}").ToList();
            svg.Append($"  <g class=\"series\" data-name=\"{Escape(name)}\" clip-path=\"url(#plot-area)\">\n");
            svg.Append($"    <polyline fill=\"none\" stroke=\"{Escape(color)}\" stroke-width=\"2\"{DashAttribute(dash)} points=\"{string.Join(" ", points)}\"/>\n");
            if (markers)
                foreach ((double x, double y) in Finite(xs, ys))
                    svg.Append($"    <circle cx=\"{N(Sx(x))}\" cy=\"{N(Sy(y))}\" r=\"3\" fill=\"{Escape(color)}\"/>\n");
            svg.Append("  </g>\n");
        }

        // Reference lines over the series, as matplotlib draws an axhline added after the curves.
        foreach ((double y, string label, string color) in _horizontalLines)
        {
            svg.Append($"  <line class=\"reference\" x1=\"{N(left)}\" y1=\"{N(Sy(y))}\" x2=\"{N(left + plotWidth)}\" y2=\"{N(Sy(y))}\" stroke=\"{Escape(color)}\" stroke-dasharray=\"4 3\"/>\n");
            svg.Append($"  <text x=\"{N(left + plotWidth - 4)}\" y=\"{N(Sy(y) - 4)}\" text-anchor=\"end\" fill=\"#555\">{Escape(label)}</text>\n");
        }
        foreach ((double x, string label) in _verticalLines)
        {
            svg.Append($"  <line class=\"reference\" x1=\"{N(Sx(x))}\" y1=\"{N(top)}\" x2=\"{N(Sx(x))}\" y2=\"{N(top + plotHeight)}\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>\n");
            svg.Append($"  <text x=\"{N(Sx(x) + 4)}\" y=\"{N(top + 14)}\" fill=\"#555\">{Escape(label)}</text>\n");
        }

        if (_series.Count > 0)
        {
            int longest = _series.Max(s => s.Name.Length);
            double boxWidth = longest * 7 + 40, boxHeight = _series.Count * 18 + 6;
            // The corner whose legend box covers the fewest points: top left, top right, bottom right, bottom left.
            var corners = new (double X, double Y)[]
            {
                (left + 12, top + 8), (left + plotWidth - boxWidth + 6 - 8, top + 8),
                (left + plotWidth - boxWidth + 6 - 8, top + plotHeight - boxHeight - 4), (left + 12, top + plotHeight - boxHeight - 4),
            };
            var screen = _series.SelectMany(s => Finite(s.X, s.Y)).Select(p => (X: Sx(p.X), Y: Sy(p.Y))).ToList();
            (double legendX, double legendY) = corners.MinBy(c => screen.Count(p =>
                p.X >= c.X - 6 && p.X <= c.X - 6 + boxWidth && p.Y >= c.Y - 4 && p.Y <= c.Y - 4 + boxHeight));
            svg.Append($"  <g class=\"legend\">\n    <rect x=\"{N(legendX - 6)}\" y=\"{N(legendY - 4)}\" width=\"{N(boxWidth)}\" height=\"{N(boxHeight)}\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#ccc\"/>\n");
            for (int i = 0; i < _series.Count; i++)
            {
                double y = legendY + 9 + i * 18;
                svg.Append($"    <line x1=\"{N(legendX)}\" y1=\"{N(y)}\" x2=\"{N(legendX + 22)}\" y2=\"{N(y)}\" stroke=\"{Escape(_series[i].Color)}\" stroke-width=\"2\"{DashAttribute(_series[i].Dash)}/>\n");
                svg.Append($"    <text x=\"{N(legendX + 28)}\" y=\"{N(y + 4)}\">{Escape(_series[i].Name)}</text>\n");
            }
            svg.Append("  </g>\n");
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>XML-escapes text content and attribute values.</summary>
    public static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            switch (c)
            {
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '&': sb.Append("&amp;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&apos;"); break;
                default:
                    // Control characters other than tab, newline and return are not allowed in XML 1.0.
                    if (c < ' ' && c != '\t' && c != '\n' && c != '\r') sb.Append('?');
                    else sb.Append(c);
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary>About five "nice" tick values (1, 2, 5 × 10ⁿ) covering [min, max].</summary>
    public static double[] Ticks(double min, double max, int target = 5)
    {
        if (!(max > min)) { min -= 1; max += 1; }
        double rough = (max - min) / target;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double normalized = rough / magnitude;
        double step = (normalized < 1.5 ? 1 : normalized < 3 ? 2 : normalized < 7 ? 5 : 10) * magnitude;
        double first = Math.Floor(min / step) * step, last = Math.Ceiling(max / step) * step;
        var ticks = new List<double>();
        for (int i = 0; first + i * step <= last + step * 1e-9; i++)
        {
            double t = first + i * step;
            ticks.Add(Math.Abs(t) < step * 1e-9 ? 0 : t);
        }
        return ticks.ToArray();
    }

    /// <summary>The ticks of an axis: <see cref="Ticks"/>, and for fixed limits only those within them.</summary>
    private static double[] AxisTicks(double min, double max, bool fixedLimits)
    {
        double[] ticks = Ticks(min, max);
        if (!fixedLimits) return ticks;
        double slack = (max - min) * 1e-9;
        double[] inside = ticks.Where(t => t >= min - slack && t <= max + slack).ToArray();
        return inside.Length > 0 ? inside : [min, max];
    }

    private static string DashAttribute(string? dash) => dash is null ? "" : $" stroke-dasharray=\"{Escape(dash)}\"";

    private static string TickLabel(double value, double[] ticks)
    {
        double step = ticks.Length > 1 ? ticks[1] - ticks[0] : 1;
        double largest = ticks.Max(Math.Abs);
        if (largest >= 1e5 || largest < 1e-3 && largest > 0) return value.ToString("0.##E+0", CultureInfo.InvariantCulture);
        int decimals = Math.Max(0, (int)Math.Ceiling(-Math.Log10(step) - 1e-9));
        return value.ToString("F" + decimals, CultureInfo.InvariantCulture);
    }

    private static (double Min, double Max) Range(IEnumerable<double> values)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (double v in values)
        {
            if (!double.IsFinite(v)) continue;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        if (double.IsInfinity(min)) return (0, 1);
        if (min == max) return (min - 1, max + 1);
        return (min, max);
    }

    private static IEnumerable<(double X, double Y)> Finite(double[] xs, double[] ys)
    {
        for (int i = 0; i < xs.Length; i++)
            if (double.IsFinite(xs[i]) && double.IsFinite(ys[i])) yield return (xs[i], ys[i]);
    }

    private static string N(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
