using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace ShapeNet.Samples.Common;

/// <summary>
/// A minimal PNG writer for 8-bit grayscale images (PNG specification, ISO/IEC 15948): the signature, an IHDR chunk
/// (colour type 0, bit depth 8, no interlace), one IDAT chunk holding the zlib-compressed scanlines (each led by filter
/// byte 0) and IEND; every chunk ends with its CRC-32. Enough for the samples' image grids without an imaging library.
/// </summary>
public static class Png
{
    /// <summary>The eight bytes every PNG file starts with.</summary>
    public static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>Encodes <paramref name="pixels"/> (row-major, 0 black … 255 white) as a grayscale PNG.</summary>
    public static byte[] EncodeGray(ReadOnlySpan<byte> pixels, int width, int height)
    {
        if (width < 1 || height < 1) throw new ArgumentOutOfRangeException(nameof(width), $"A PNG needs a positive size, got {width} × {height}.");
        if (pixels.Length != checked(width * height))
            throw new ArgumentException($"{width} × {height} pixels need {width * height} bytes, got {pixels.Length}.", nameof(pixels));

        var scanlines = new byte[checked(height * (width + 1))];
        for (int row = 0; row < height; row++) pixels.Slice(row * width, width).CopyTo(scanlines.AsSpan(row * (width + 1) + 1));
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) zlib.Write(scanlines);

        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth; colour type 0 (grayscale), compression 0, filter 0, interlace 0 follow as zeros

        using var png = new MemoryStream();
        png.Write(Signature);
        WriteChunk(png, "IHDR", header);
        WriteChunk(png, "IDAT", compressed.ToArray());
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>Encodes values in [0, 1] (clamped; NaN as 0) as a grayscale PNG, 1 white.</summary>
    public static byte[] EncodeGray(ReadOnlySpan<float> values, int width, int height)
    {
        var bytes = new byte[values.Length];
        for (int i = 0; i < bytes.Length; i++)
            bytes[i] = float.IsNaN(values[i]) ? (byte)0 : (byte)Math.Round(Math.Clamp(values[i], 0f, 1f) * 255f);
        return EncodeGray(bytes, width, height);
    }

    /// <summary>The CRC-32 (ISO 3309, polynomial 0xEDB88320) PNG stores after each chunk's type and data.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc ^ 0xFFFFFFFFu;
    }

    private static void WriteChunk(Stream stream, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        stream.Write(word);
        byte[] typeAndData = [.. Encoding.ASCII.GetBytes(type), .. data];
        stream.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typeAndData));
        stream.Write(word);
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
