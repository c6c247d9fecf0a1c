using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace ShapeNet.Data;

/// <summary>The element types of the IDX format (the third byte of the magic number).</summary>
public enum IdxElementType : byte
{
    /// <summary>0x08, unsigned byte (MNIST's images and labels).</summary>
    UnsignedByte = 0x08,
    /// <summary>0x09, signed byte.</summary>
    SignedByte = 0x09,
    /// <summary>0x0B, big-endian 16-bit integer.</summary>
    Int16 = 0x0B,
    /// <summary>0x0C, big-endian 32-bit integer.</summary>
    Int32 = 0x0C,
    /// <summary>0x0D, big-endian IEEE 754 single.</summary>
    Float32 = 0x0D,
    /// <summary>0x0E, big-endian IEEE 754 double.</summary>
    Float64 = 0x0E,
}

/// <summary>The contents of one IDX file: its element type, dimensions and elements in row-major order.</summary>
public sealed class IdxArray
{
    private readonly int[] _dimensions;

    internal IdxArray(string source, IdxElementType elementType, int[] dimensions, Array values)
    {
        Source = source;
        ElementType = elementType;
        _dimensions = dimensions;
        Values = values;
    }

    /// <summary>The file the array was read from; used in messages.</summary>
    public string Source { get; }

    /// <summary>The element type the file declares.</summary>
    public IdxElementType ElementType { get; }

    /// <summary>A copy of the dimensions, outermost first.</summary>
    public int[] Dimensions => (int[])_dimensions.Clone();

    /// <summary>The dimensions without copying; callers must not modify them.</summary>
    internal ReadOnlySpan<int> DimensionSpan => _dimensions;

    /// <summary>Number of elements.</summary>
    public int Length => Values.Length;

    /// <summary>
    /// The elements in host byte order, as an array of the element type: <c>byte[]</c>, <c>sbyte[]</c>,
    /// <c>short[]</c>, <c>int[]</c>, <c>float[]</c> or <c>double[]</c>.
    /// </summary>
    public Array Values { get; }

    /// <summary>Every element converted to <see cref="float"/> (32-bit integers above 2^24 and doubles round).</summary>
    public float[] ToSingles()
    {
        var result = new float[Values.Length];
        switch (Values)
        {
            case byte[] v: for (int i = 0; i < v.Length; i++) result[i] = v[i]; break;
            case sbyte[] v: for (int i = 0; i < v.Length; i++) result[i] = v[i]; break;
            case short[] v: for (int i = 0; i < v.Length; i++) result[i] = v[i]; break;
            case int[] v: for (int i = 0; i < v.Length; i++) result[i] = v[i]; break;
            case float[] v: v.CopyTo(result, 0); break;
            case double[] v: for (int i = 0; i < v.Length; i++) result[i] = (float)v[i]; break;
        }
        return result;
    }

    /// <summary>A tensor with the file's dimensions holding <see cref="ToSingles"/>.</summary>
    public Tensor ToTensor() => new(ToSingles(), _dimensions);

    /// <summary>The element type, dimensions and source file: <c>ubyte[60000, 28, 28] from train-images-idx3-ubyte.gz</c>.</summary>
    public override string ToString() => $"{Idx.TypeName(ElementType)}{Tensor.ShapeText(_dimensions)} from {Source}";
}

/// <summary>
/// Reads the IDX format of the MNIST distribution (http://yann.lecun.com/exdb/mnist/): a big-endian magic number
/// <c>0x0000TTRR</c> (element type, rank), one big-endian uint32 per dimension, then the elements.
/// Files may be gzip-compressed; that is detected from the content, not the file name.
/// Malformed files raise <see cref="InvalidDataException"/>s that name the file and say what was expected and found.
/// </summary>
public static class Idx
{
    private const byte GzipFirstByte = 0x1F, GzipSecondByte = 0x8B;

    /// <summary>Reads an IDX file of any element type and rank.</summary>
    public static IdxArray Read(string path) => ReadFile(path, expected: null);

    /// <summary>Reads an IDX file that must hold <paramref name="expectedType"/> elements in <paramref name="expectedRank"/> dimensions.</summary>
    public static IdxArray Read(string path, IdxElementType expectedType, int expectedRank)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(expectedRank);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(expectedRank, byte.MaxValue);
        return ReadFile(path, (expectedType, expectedRank));
    }

    /// <summary>The magic number of an IDX file holding <paramref name="type"/> elements in <paramref name="rank"/> dimensions.</summary>
    public static uint MagicNumber(IdxElementType type, int rank) => ((uint)type << 8) | (uint)rank;

    /// <summary>The spec's short name of an element type: <c>ubyte</c>, <c>sbyte</c>, <c>int16</c>, <c>int32</c>, <c>float32</c>, <c>float64</c>.</summary>
    public static string TypeName(IdxElementType type) => type switch
    {
        IdxElementType.UnsignedByte => "ubyte",
        IdxElementType.SignedByte => "sbyte",
        IdxElementType.Int16 => "int16",
        IdxElementType.Int32 => "int32",
        IdxElementType.Float32 => "float32",
        IdxElementType.Float64 => "float64",
        _ => $"unknown type 0x{(byte)type:X2}",
    };

    /// <summary>The size in bytes of one element.</summary>
    public static int ElementSize(IdxElementType type) => type switch
    {
        IdxElementType.UnsignedByte or IdxElementType.SignedByte => 1,
        IdxElementType.Int16 => 2,
        IdxElementType.Int32 or IdxElementType.Float32 => 4,
        IdxElementType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), $"0x{(byte)type:X2} is not an IDX element type."),
    };

    private static IdxArray ReadFile(string path, (IdxElementType Type, int Rank)? expected)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        Span<byte> start = stackalloc byte[2];
        bool compressed = file.ReadAtLeast(start, 2, throwOnEndOfStream: false) == 2
            && start[0] == GzipFirstByte && start[1] == GzipSecondByte;
        file.Position = 0;
        if (!compressed) return ReadStream(file, path, "the file", expected);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        try
        {
            return ReadStream(gzip, path, "the decompressed file", expected);
        }
        catch (InvalidDataException e) when (e.Source != IdxErrorSource)
        {
            // GZipStream's own message ("unsupported compression method") names neither the file nor where it failed.
            throw new InvalidDataException($"{Path.GetFileName(path)}: the gzip data is corrupt near compressed byte {Thousands(file.Position)} " +
                $"of {Thousands(file.Length)}: {e.Message}", e);
        }
    }

    /// <summary>Marks the reader's own <see cref="InvalidDataException"/>s, so only the decompressor's are wrapped.</summary>
    private const string IdxErrorSource = "ShapeNet.Data.Idx";

    private static InvalidDataException Invalid(string message) => new(message) { Source = IdxErrorSource };

    private static IdxArray ReadStream(Stream stream, string path, string whatHasTheBytes, (IdxElementType Type, int Rank)? expected)
    {
        string name = Path.GetFileName(path);
        Span<byte> magicBytes = stackalloc byte[4];
        int magicRead = stream.ReadAtLeast(magicBytes, 4, throwOnEndOfStream: false);
        if (magicRead < 4)
            throw Invalid($"{name}: expected an IDX file of at least a 4-byte magic number, {whatHasTheBytes} has {magicRead} bytes.");
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(magicBytes);
        var type = (IdxElementType)magicBytes[2];
        int rank = magicBytes[3];

        if (expected is { } e && magic != MagicNumber(e.Type, e.Rank))
            throw Invalid($"{name}: expected the magic number {DescribeMagic(MagicNumber(e.Type, e.Rank))}, found {DescribeMagic(magic)}.");
        if (magicBytes[0] != 0 || magicBytes[1] != 0 || !Enum.IsDefined(type))
            throw Invalid($"{name}: expected an IDX magic number 0x0000TTRR with TT one of 08, 09, 0B, 0C, 0D, 0E, found {DescribeMagic(magic)}.");

        int headerBytes = 4 + 4 * rank;
        var dimensionBytes = new byte[4 * rank];
        int dimensionsRead = stream.ReadAtLeast(dimensionBytes, dimensionBytes.Length, throwOnEndOfStream: false);
        if (dimensionsRead < dimensionBytes.Length)
            throw Invalid($"{name}: expected a {headerBytes}-byte header for {rank} dimensions, {whatHasTheBytes} has {4 + dimensionsRead} bytes.");

        var dimensions = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            uint size = BinaryPrimitives.ReadUInt32BigEndian(dimensionBytes.AsSpan(4 * i));
            if (size > int.MaxValue)
                throw Invalid($"{name}: dimension {i} is {Thousands(size)}; sizes above {Thousands(int.MaxValue)} are not supported.");
            dimensions[i] = (int)size;
        }
        // Checked: [65536, 65536, 65536, 65536] wraps a 64-bit product to 0 and would be accepted with no data.
        long count = ElementCount(dimensions);
        if (count > Array.MaxLength)
            throw Invalid($"{name}: {Tensor.ShapeText(dimensions)} has {ElementCountText(dimensions)} elements; one array holds at most {Thousands(Array.MaxLength)}.");

        int elementSize = ElementSize(type);
        long dataBytes = count * elementSize;
        InvalidDataException WrongLength(string has) => Invalid(
            $"{name}: expected {Thousands(headerBytes + dataBytes)} bytes " +
            $"(a {headerBytes}-byte header and {Thousands(dataBytes)} bytes of data for " +
            $"{TypeName(type)} {Tensor.ShapeText(dimensions)}), {whatHasTheBytes} has {has}.");

        Array values;
        if (stream.CanSeek)
        {
            // The declared size is checked against the file's length before anything that large is allocated: a 12-byte
            // file claiming 2·10⁹ items fails here, not after a 1.9 GB allocation.
            long remaining = stream.Length - stream.Position;
            if (remaining != dataBytes) throw WrongLength(Thousands(headerBytes + remaining));
            values = Allocate(type, (int)count);
            Span<byte> target = AsBytes(values);
            int dataRead = stream.ReadAtLeast(target, target.Length, throwOnEndOfStream: false);
            if (dataRead < target.Length) throw WrongLength(Thousands(headerBytes + (long)dataRead));
        }
        else
        {
            // Decompressed data has no length up front: the buffer grows as bytes arrive, so memory stays within twice what
            // the stream really holds, whatever the header declares.
            byte[] bytes = ReadUpTo(stream, dataBytes);
            if (bytes.Length < dataBytes) throw WrongLength(Thousands(headerBytes + (long)bytes.Length));
            if (stream.ReadByte() != -1) throw WrongLength("more");
            values = Allocate(type, (int)count);
            bytes.CopyTo(AsBytes(values));
        }
        ToHostOrder(values);
        return new IdxArray(path, type, dimensions, values);
    }

    /// <summary>At most <paramref name="limit"/> bytes of <paramref name="stream"/>: 1 MiB first, doubling while bytes keep coming.</summary>
    private static byte[] ReadUpTo(Stream stream, long limit)
    {
        byte[] buffer = new byte[(int)Math.Min(limit, 1 << 20)];
        int filled = 0;
        while (true)
        {
            filled += stream.ReadAtLeast(buffer.AsSpan(filled), buffer.Length - filled, throwOnEndOfStream: false);
            if (filled < buffer.Length || buffer.Length == limit) break;
            Array.Resize(ref buffer, (int)Math.Min(limit, (long)buffer.Length * 2));
        }
        if (filled < buffer.Length) Array.Resize(ref buffer, filled);
        return buffer;
    }

    /// <summary>The product of <paramref name="dimensions"/>, saturated at <see cref="long.MaxValue"/> (each is at most 2³¹ − 1).</summary>
    private static long ElementCount(ReadOnlySpan<int> dimensions)
    {
        long count = 1;
        foreach (int d in dimensions) if (d == 0) return 0;
        foreach (int d in dimensions)
        {
            if (count > long.MaxValue / d) return long.MaxValue;
            count *= d;
        }
        return count;
    }

    /// <summary>The exact element count for a message (<c>18,446,744,073,709,551,616</c>).</summary>
    private static string ElementCountText(ReadOnlySpan<int> dimensions)
    {
        System.Numerics.BigInteger count = System.Numerics.BigInteger.One;
        foreach (int d in dimensions) count *= d;
        return count.ToString("N0", CultureInfo.InvariantCulture);
    }

    /// <summary><c>47,040,016</c>, the same on every machine.</summary>
    internal static string Thousands(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary><c>0x00000803 (ubyte, 3 dims)</c>.</summary>
    private static string DescribeMagic(uint magic)
    {
        var type = (IdxElementType)((magic >> 8) & 0xFF);
        bool valid = (magic >> 16) == 0 && Enum.IsDefined(type);
        return valid
            ? $"0x{magic:X8} ({TypeName(type)}, {magic & 0xFF} dims)"
            : $"0x{magic:X8} (not an IDX magic number)";
    }

    private static Array Allocate(IdxElementType type, int count) => type switch
    {
        IdxElementType.UnsignedByte => new byte[count],
        IdxElementType.SignedByte => new sbyte[count],
        IdxElementType.Int16 => new short[count],
        IdxElementType.Int32 => new int[count],
        IdxElementType.Float32 => new float[count],
        _ => new double[count],
    };

    private static Span<byte> AsBytes(Array values) => values switch
    {
        byte[] v => v,
        sbyte[] v => MemoryMarshal.AsBytes(v.AsSpan()),
        short[] v => MemoryMarshal.AsBytes(v.AsSpan()),
        int[] v => MemoryMarshal.AsBytes(v.AsSpan()),
        float[] v => MemoryMarshal.AsBytes(v.AsSpan()),
        double[] v => MemoryMarshal.AsBytes(v.AsSpan()),
        _ => throw new ArgumentException($"{values.GetType()} is not an IDX element array.", nameof(values)),
    };

    /// <summary>IDX stores multi-byte elements big-endian; the bytes were read straight into the host array.</summary>
    private static void ToHostOrder(Array values)
    {
        if (!BitConverter.IsLittleEndian) return;
        switch (values)
        {
            case short[] v: BinaryPrimitives.ReverseEndianness(v, v); break;
            case int[] v: BinaryPrimitives.ReverseEndianness(v, v); break;
            case float[] v: { var bits = MemoryMarshal.Cast<float, int>(v.AsSpan()); BinaryPrimitives.ReverseEndianness(bits, bits); break; }
            case double[] v: { var bits = MemoryMarshal.Cast<double, long>(v.AsSpan()); BinaryPrimitives.ReverseEndianness(bits, bits); break; }
        }
    }
}
