using ShapeNet.Checkpoints;
using ShapeNet.Data;

namespace ShapeNet.Fuzz;

/// <summary>The fuzz targets, shared with the corpus regression test (tests/ShapeNet.Runtime.Tests links this file).</summary>
public static class Targets
{
    public static readonly string[] Names = ["idx", "csv", "gzip", "safetensors"];

    /// <summary>Reads <paramref name="path"/> with the target's reader and touches every value it returned.</summary>
    public static void Read(string target, string path)
    {
        switch (target)
        {
            case "idx":
            case "gzip" when IsGzip(path) && !LooksLikeText(path):
                IdxArray array = Idx.Read(path);
                _ = array.ToSingles().Sum();
                break;
            case "csv":
            case "gzip":
                Table table = Csv.Read(path);
                _ = table.RowCount + table.Columns.Count;
                break;
            case "safetensors":
                foreach (Tensor t in SafeTensors.Read(path).Values) _ = t.Numel;
                break;
            default:
                throw new ArgumentException($"unknown target {target}");
        }
    }

    /// <summary>The rejections the readers document: malformed data (<see cref="InvalidDataException"/>, which
    /// <see cref="System.Text.Json.JsonException"/>-based header errors become) and an empty or unreadable file's
    /// <see cref="EndOfStreamException"/>.</summary>
    public static bool IsExpected(Exception e) => e is InvalidDataException or EndOfStreamException;

    private static bool IsGzip(string path)
    {
        using var file = File.OpenRead(path);
        return file.ReadByte() == 0x1F && file.ReadByte() == 0x8B;
    }

    /// <summary>gzip inputs alternate between the IDX and the CSV reader on the first compressed byte's parity, so one corpus
    /// exercises both decompressing readers.</summary>
    private static bool LooksLikeText(string path)
    {
        using var file = File.OpenRead(path);
        return file.Length > 3 && (file.Seek(3, SeekOrigin.Begin) >= 0) && (file.ReadByte() & 1) == 1;
    }
}
