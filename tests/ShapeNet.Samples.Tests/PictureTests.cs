using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Xml.Linq;
using ShapeNet.Samples.Common;
using ShapeNet.Samples.Probability;
using ShapeNet.Samples.Softmax;

namespace ShapeNet.Samples.Tests;

/// <summary>
/// The pictures the samples write: the PNG encoder is decoded chunk by chunk here (signature, IHDR, CRCs, zlib scanlines),
/// the SVGs are parsed and their parts checked. Rendering with librsvg's <c>rsvg-convert</c> is checked too where it is
/// installed (Debian's <c>librsvg2-bin</c>); CI machines with only the .NET SDK get the structural checks alone.
/// </summary>
public sealed class PictureTests : IDisposable
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private readonly SampleRun _run = new();

    public void Dispose() => _run.Dispose();

    [Fact]
    public void Png_encoder_writes_a_valid_grayscale_png()
    {
        var pixels = new byte[5 * 3];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 17);

        byte[] png = Png.EncodeGray(pixels, 5, 3);

        Assert.Equal(pixels, AssertGrayPng(png, 5, 3));
        Assert.Equal(0xCBF43926u, Png.Crc32(Encoding.ASCII.GetBytes("123456789"))); // the CRC-32 check value
        Assert.Equal([0, 128, 255], AssertGrayPng(Png.EncodeGray([0f, 0.5f, 1.5f], 3, 1), 3, 1));
        Assert.StartsWith("3 × 2 pixels need 6 bytes, got 5.", Assert.Throws<ArgumentException>(() => Png.EncodeGray(new byte[5], 3, 2)).Message);
    }

    [Fact]
    public void Image_grid_holds_each_image_under_its_captions_and_escapes_text()
    {
        var grid = new ImageGrid("a <grid> & more", columns: 2);
        float[] image = Enumerable.Range(0, 4 * 4).Select(i => i / 15f).ToArray();
        grid.Add(image, 4, 4, new ImageGrid.Caption("t-shirt"), new ImageGrid.Caption("bag", "#d62728"));
        grid.Add(image, 4, 4, new ImageGrid.Caption("<top>"));
        grid.Add(image, 4, 4);

        XDocument doc = XDocument.Parse(grid.ToSvg());

        Assert.Contains("a <grid> & more", doc.Descendants(Svg + "text").Select(t => t.Value));
        var cells = doc.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "cell").ToList();
        Assert.Equal(3, cells.Count);
        Assert.Equal(["t-shirt", "bag"], cells[0].Elements(Svg + "text").Select(t => t.Value));
        Assert.Equal("#d62728", (string?)cells[0].Elements(Svg + "text").Last().Attribute("fill"));
        Assert.Null(cells[0].Elements(Svg + "text").First().Attribute("fill"));
        Assert.Equal(["<top>"], cells[1].Elements(Svg + "text").Select(t => t.Value));
        var images = cells.Select(c => c.Element(Svg + "image")!).ToList();
        Assert.All(images, i => Assert.Equal("12", (string?)i.Attribute("width"))); // 4 pixels × scale 3
        byte[] decoded = AssertGrayPng(DataUriBytes((string)images[0].Attribute("href")!), 4, 4);
        Assert.Equal(image.Select(v => (byte)Math.Round(v * 255)), decoded);
        // Two columns: the third image starts a second row, below the first.
        Assert.Equal((string?)images[0].Attribute("x"), (string?)images[2].Attribute("x"));
        Assert.True(int.Parse((string)images[2].Attribute("y")!) > int.Parse((string)images[0].Attribute("y")!));
    }

    [Fact]
    public void Plot_styles_series_and_clips_to_fixed_limits()
    {
        var plot = new SvgPlot("limits", "epoch", "") { XLimits = (1, 3), YLimits = (0.3, 0.9) }
            .Add("solid", [1, 2, 3], [1.2, 0.6, 0.5], color: "#1f77b4")
            .Add("dashed", [1, 2, 3], [0.5, 0.6, 0.7], color: "#bf00bf", dash: "6 3")
            .HorizontalLine(0.5, "half", color: "black");
        XDocument doc = XDocument.Parse(plot.ToSvg());

        Assert.Single(doc.Descendants(Svg + "clipPath"));
        var series = doc.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "series").ToList();
        Assert.All(series, g => Assert.Equal("url(#plot-area)", (string?)g.Attribute("clip-path")));
        Assert.Equal("6 3", (string?)series[1].Element(Svg + "polyline")!.Attribute("stroke-dasharray"));
        Assert.Equal("#bf00bf", (string?)series[1].Element(Svg + "polyline")!.Attribute("stroke"));
        var legendLines = doc.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "legend").Elements(Svg + "line").ToList();
        Assert.Equal("6 3", (string?)legendLines[1].Attribute("stroke-dasharray"));
        var ticks = doc.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "tick-labels").Elements().Select(t => t.Value).ToList();
        Assert.Equal(["1.0", "1.5", "2.0", "2.5", "3.0", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9"], ticks);
        XElement reference = doc.Descendants(Svg + "line").Single(l => (string?)l.Attribute("class") == "reference");
        Assert.Equal("black", (string?)reference.Attribute("stroke"));
        // Drawn after the series, so the dashed line stays visible over them (matplotlib's axhline).
        Assert.True(reference.IsAfter(series[^1]));
    }

    [Fact]
    public void The_samples_pictures_render_with_librsvg_where_it_is_installed()
    {
        Assert.Equal(0, _run.Run(o => ProbabilitySample.Run(new(RunsFolder: _run.RunsFolder), o)));
        _run.Run(o => SoftmaxConciseSample.Run(new SoftmaxTraining.Options(Epochs: 1, Limit: 2560, RunsFolder: _run.RunsFolder), o));
        string[] pictures =
        [
            _run.File("probability", "estimates.svg"),
            _run.File(SoftmaxConciseSample.Name, "curves.svg"),
            _run.File(SoftmaxConciseSample.Name, "predictions.svg"),
        ];
        foreach (string svg in pictures) XDocument.Parse(File.ReadAllText(svg));
        SoftmaxSampleTests.AssertPredictions(pictures[2]);

        string? renderer = FindOnPath("rsvg-convert");
        if (renderer is null) return; // structure asserted above; no renderer on this machine
        foreach (string svg in pictures)
        {
            string png = Path.ChangeExtension(svg, ".png");
            var start = new ProcessStartInfo(renderer, [svg, "-o", png]) { RedirectStandardError = true };
            using Process process = Process.Start(start)!;
            string errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0 && errors.Length == 0, $"rsvg-convert {svg}: exit {process.ExitCode}: {errors}");
            byte[] bytes = File.ReadAllBytes(png);
            Assert.True(bytes.AsSpan().StartsWith(Png.Signature), $"{png} is not a PNG");
            (int width, int height) = (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
            XElement root = XDocument.Parse(File.ReadAllText(svg)).Root!;
            Assert.Equal(((int)root.Attribute("width")!, (int)root.Attribute("height")!), (width, height));
        }
    }

    /// <summary>Decodes <paramref name="png"/> as the encoder writes it (8-bit grayscale, one IDAT, filter 0) and checks every
    /// chunk's CRC; returns the pixels.</summary>
    internal static byte[] AssertGrayPng(byte[] png, int width, int height)
    {
        Assert.True(png.AsSpan().StartsWith(Png.Signature), "no PNG signature");
        var chunks = new List<(string Type, byte[] Data)>();
        for (int at = 8; at < png.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            string type = Encoding.ASCII.GetString(png, at + 4, 4);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at + 8 + length));
            Assert.Equal(Png.Crc32(png.AsSpan(at + 4, 4 + length)), crc);
            chunks.Add((type, png.AsSpan(at + 8, length).ToArray()));
            at += 12 + length;
        }
        Assert.Equal(["IHDR", "IDAT", "IEND"], chunks.Select(c => c.Type));
        byte[] header = chunks[0].Data;
        Assert.Equal(width, BinaryPrimitives.ReadInt32BigEndian(header));
        Assert.Equal(height, BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4)));
        Assert.Equal([8, 0, 0, 0, 0], header[8..]);
        using var inflater = new ZLibStream(new MemoryStream(chunks[1].Data), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        inflater.CopyTo(raw);
        byte[] scanlines = raw.ToArray();
        Assert.Equal(height * (width + 1), scanlines.Length);
        var pixels = new byte[width * height];
        for (int row = 0; row < height; row++)
        {
            Assert.Equal(0, scanlines[row * (width + 1)]);
            scanlines.AsSpan(row * (width + 1) + 1, width).CopyTo(pixels.AsSpan(row * width));
        }
        return pixels;
    }

    internal static byte[] DataUriBytes(string uri)
    {
        const string prefix = "data:image/png;base64,";
        Assert.StartsWith(prefix, uri);
        return Convert.FromBase64String(uri[prefix.Length..]);
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);
}
