using System.Globalization;
using System.Text;

namespace ShapeNet.Samples.Common;

/// <summary>
/// A grid of small grayscale images, each with caption lines above it, written as one SVG with the images embedded as PNG
/// data (d2l's <c>show_images(imgs, num_rows, num_cols, titles)</c>, as <c>predict_ch3</c> uses it: the true label over
/// the predicted one). Images are scaled up without smoothing; text is XML-escaped.
/// </summary>
public sealed class ImageGrid(string title, int columns, int scale = 3)
{
    private const int CaptionLine = 15, Gap = 12, Margin = 12, TitleHeight = 30;
    private readonly List<(byte[] Png, int Width, int Height, IReadOnlyList<Caption> Captions)> _cells = [];

    /// <summary>A caption line and its colour (an SVG colour; null for black).</summary>
    public readonly record struct Caption(string Text, string? Color = null);

    public string Title { get; } = title;

    public int Columns { get; } = columns >= 1 ? columns : throw new ArgumentOutOfRangeException(nameof(columns), $"A grid needs at least one column, got {columns}.");

    public int Count => _cells.Count;

    /// <summary>Adds an image of values in [0, 1] (0 black), row-major, with its caption lines.</summary>
    public ImageGrid Add(ReadOnlySpan<float> pixels, int width, int height, params IReadOnlyList<Caption> captions)
    {
        _cells.Add((Png.EncodeGray(pixels, width, height), width, height, captions.ToArray()));
        return this;
    }

    public string ToSvg()
    {
        int lines = _cells.Count == 0 ? 0 : _cells.Max(c => c.Captions.Count);
        int cellWidth = _cells.Count == 0 ? 0 : _cells.Max(c => c.Width) * scale, imageHeight = _cells.Count == 0 ? 0 : _cells.Max(c => c.Height) * scale;
        cellWidth = Math.Max(cellWidth, 90);
        int cellHeight = lines * CaptionLine + 4 + imageHeight;
        int rows = (_cells.Count + Columns - 1) / Columns;
        int width = 2 * Margin + Columns * cellWidth + (Columns - 1) * Gap;
        int height = TitleHeight + Margin + rows * cellHeight + Math.Max(0, rows - 1) * Gap;

        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append($"  <title>{SvgPlot.Escape(Title)}</title>\n");
        svg.Append($"  <rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        svg.Append($"  <text x=\"{width / 2}\" y=\"20\" text-anchor=\"middle\" font-size=\"15\">{SvgPlot.Escape(Title)}</text>\n");
        for (int i = 0; i < _cells.Count; i++)
        {
            (byte[] png, int w, int h, IReadOnlyList<Caption> captions) = _cells[i];
            int x = Margin + i % Columns * (cellWidth + Gap), y = TitleHeight + i / Columns * (cellHeight + Gap);
            svg.Append($"  <g class=\"cell\">\n");
            for (int line = 0; line < captions.Count; line++)
            {
                string fill = captions[line].Color is { } color ? $" fill=\"{SvgPlot.Escape(color)}\"" : "";
                svg.Append($"    <text x=\"{x + cellWidth / 2}\" y=\"{y + (line + 1) * CaptionLine - 3}\" text-anchor=\"middle\"{fill}>{SvgPlot.Escape(captions[line].Text)}</text>\n");
            }
            int imageX = x + (cellWidth - w * scale) / 2, imageY = y + lines * CaptionLine + 4;
            svg.Append(string.Create(CultureInfo.InvariantCulture,
                $"    <image x=\"{imageX}\" y=\"{imageY}\" width=\"{w * scale}\" height=\"{h * scale}\" image-rendering=\"optimizeSpeed\" style=\"image-rendering:pixelated\" href=\"data:image/png;base64,{Convert.ToBase64String(png)}\"/>\n"));
            svg.Append("  </g>\n");
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }
}
