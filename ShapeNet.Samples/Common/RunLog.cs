using System.Globalization;
using System.Text;

namespace ShapeNet.Samples.Common;

/// <summary>
/// The files a run leaves in <c>runs/&lt;sample&gt;/</c>: <c>metrics.csv</c> (one row per epoch or per point, invariant
/// numbers) and an SVG plot per curve. <paramref name="root"/> defaults to <c>runs</c> in the working directory.
/// </summary>
public sealed class RunLog(string sample, string? root = null)
{
    /// <summary>The folder of this sample's files (created on the first write).</summary>
    public string Folder { get; } = Path.Combine(root ?? "runs", sample);

    /// <summary>Writes <c>metrics.csv</c> (or <paramref name="fileName"/>) with a header row; returns its path.</summary>
    public string WriteMetrics(IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<double>> rows, string fileName = "metrics.csv")
    {
        var text = new StringBuilder();
        text.AppendLine(string.Join(",", columns));
        foreach (IReadOnlyList<double> row in rows)
        {
            if (row.Count != columns.Count)
                throw new ArgumentException($"A metrics row has {row.Count} values but there are {columns.Count} columns ({string.Join(", ", columns)}).", nameof(rows));
            text.AppendLine(string.Join(",", row.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        }
        return Write(fileName, text.ToString());
    }

    /// <summary>Writes <paramref name="plot"/> as <c>&lt;curve&gt;.svg</c>; returns its path.</summary>
    public string WritePlot(string curve, SvgPlot plot) => Write(curve + ".svg", plot.ToSvg());

    /// <summary>Writes <paramref name="grid"/> as <c>&lt;name&gt;.svg</c>; returns its path.</summary>
    public string WriteImages(string name, ImageGrid grid) => Write(name + ".svg", grid.ToSvg());

    /// <summary>Saves <paramref name="model"/>'s parameters (PyTorch names, safetensors) as <c>model.safetensors</c>;
    /// returns its path. The save is atomic: an interrupted run leaves the previous checkpoint intact.</summary>
    public string SaveCheckpoint(Module model, ShapeNet.Optim.Optimizer? optimizer = null)
    {
        Directory.CreateDirectory(Folder);
        string path = Path.Combine(Folder, "model.safetensors");
        ShapeNet.Checkpoints.Checkpoint.Save(path, model, optimizer);
        return path;
    }

    private string Write(string fileName, string content)
    {
        Directory.CreateDirectory(Folder);
        string path = Path.Combine(Folder, fileName);
        File.WriteAllText(path, content);
        return path;
    }
}
