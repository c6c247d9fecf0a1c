using System.Buffers.Binary;
using System.IO.Compression;

namespace ShapeNet.Runtime.Tests.Data;

/// <summary>Writes IDX files byte by byte, independently of the reader under test, in a folder deleted on dispose.</summary>
internal sealed class IdxFiles : IDisposable
{
    public IdxFiles() => Folder = Directory.CreateTempSubdirectory("shapenet-idx-").FullName;

    public string Folder { get; }

    /// <summary>Writes magic <c>0x0000TTRR</c>, the dimensions and <paramref name="data"/> (already big-endian).</summary>
    public string Write(string name, byte elementType, int[] dimensions, byte[] data, bool gzip = false)
    {
        var bytes = new byte[4 + 4 * dimensions.Length + data.Length];
        bytes[2] = elementType;
        bytes[3] = (byte)dimensions.Length;
        for (int i = 0; i < dimensions.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dimensions[i]);
        data.CopyTo(bytes, 4 + 4 * dimensions.Length);
        return WriteBytes(name, bytes, gzip);
    }

    public string WriteBytes(string name, byte[] bytes, bool gzip = false)
    {
        string path = Path.Combine(Folder, name);
        if (!gzip)
        {
            File.WriteAllBytes(path, bytes);
            return path;
        }
        using var file = File.Create(path);
        using var compressor = new GZipStream(file, CompressionLevel.Fastest);
        compressor.Write(bytes);
        return path;
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
