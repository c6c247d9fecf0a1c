using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace ShapeNet.Runtime.Tests.Support;

/// <summary>
/// Reads the <c>.sntensors</c> files the PyTorch scripts in tests/golden write (format: tests/golden/README.md).
/// Gzip-compressed files are recognised by their magic bytes, whatever their name.
/// </summary>
public static class GoldenFile
{
    private const int MaxRank = 8;
    private const int MaxNameBytes = 4096;

    /// <summary>tests/golden, found by walking up from the test binaries to the folder holding ShapeNet.sln,
    /// so the tests run from any output directory without copying the data next to the binaries.</summary>
    public static string Directory
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "ShapeNet.sln")))
                    return Path.Combine(dir.FullName, "tests", "golden");
            }
            throw new DirectoryNotFoundException($"No directory above {AppContext.BaseDirectory} contains ShapeNet.sln.");
        }
    }

    /// <summary>The full path of <paramref name="fileName"/> in <see cref="Directory"/>.</summary>
    public static string PathOf(string fileName) => Path.Combine(Directory, fileName);

    /// <summary>All tensors of the file, name → (shape, row-major data).</summary>
    public static IReadOnlyDictionary<string, (int[] Shape, float[] Data)> Load(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var plain = new MemoryStream();
            try
            {
                gzip.CopyTo(plain);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{path}: the gzip stream is corrupt ({e.Message}).", e);
            }
            bytes = plain.ToArray();
        }
        return Parse(bytes, path);
    }

    /// <summary>Parses the uncompressed bytes; <paramref name="source"/> names the file in error messages.</summary>
    public static IReadOnlyDictionary<string, (int[] Shape, float[] Data)> Parse(ReadOnlySpan<byte> bytes, string source)
    {
        var reader = new Reader(bytes, source);
        ReadOnlySpan<byte> magic = reader.Take(4, "the magic");
        if (!magic.SequenceEqual("SNT1"u8))
            throw reader.Error(0, $"bad magic {Convert.ToHexString(magic)} (expected \"SNT1\"); not a .sntensors file");
        int count = reader.Int32("the tensor count");
        if (count < 0) throw reader.Error(4, $"negative tensor count {count}");

        var result = new Dictionary<string, (int[] Shape, float[] Data)>(count);
        for (int t = 0; t < count; t++)
        {
            long start = reader.Offset;
            int nameLength = reader.Int32($"the name length of tensor {t}");
            if (nameLength < 1 || nameLength > MaxNameBytes)
                throw reader.Error(start, $"tensor {t} has name length {nameLength} (allowed 1..{MaxNameBytes})");
            string name;
            try
            {
                name = new UTF8Encoding(false, true).GetString(reader.Take(nameLength, $"the name of tensor {t}"));
            }
            catch (DecoderFallbackException)
            {
                throw reader.Error(start + 4, $"the name of tensor {t} is not valid UTF-8");
            }

            long rankOffset = reader.Offset;
            int rank = reader.Int32($"the rank of '{name}'");
            if (rank < 0 || rank > MaxRank) throw reader.Error(rankOffset, $"'{name}' has rank {rank} (allowed 0..{MaxRank})");
            var shape = new int[rank];
            long numel = 1;
            for (int d = 0; d < rank; d++)
            {
                long dimOffset = reader.Offset;
                shape[d] = reader.Int32($"dimension {d} of '{name}'");
                if (shape[d] < 0) throw reader.Error(dimOffset, $"'{name}' has negative dimension {d} = {shape[d]}");
                numel *= shape[d];
                if (numel > Array.MaxLength) throw reader.Error(dimOffset, $"'{name}' is too large ({numel}+ elements)");
            }

            long dataOffset = reader.Offset;
            if (numel * 4 > reader.Remaining)
                throw reader.Error(dataOffset, $"'{name}' {Tensor.ShapeText(shape)} needs {numel * 4} bytes of data, but only {reader.Remaining} remain");
            var data = new float[numel];
            ReadOnlySpan<byte> raw = reader.Take((int)(numel * 4), $"the data of '{name}'");
            for (int i = 0; i < data.Length; i++)
                data[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(i * 4, 4));

            if (!result.TryAdd(name, (shape, data)))
                throw reader.Error(start, $"duplicate tensor name '{name}'");
        }
        if (reader.Remaining != 0)
            throw reader.Error(reader.Offset, $"{reader.Remaining} unexpected bytes after the last of {count} tensors");
        return result;
    }

    private ref struct Reader(ReadOnlySpan<byte> bytes, string source)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _offset;

        public readonly long Offset => _offset;

        public readonly long Remaining => _bytes.Length - _offset;

        public ReadOnlySpan<byte> Take(int length, string what)
        {
            if (length > Remaining)
                throw Error(_offset, $"file ends while reading {what} ({length} bytes needed, {Remaining} remain)");
            ReadOnlySpan<byte> slice = _bytes.Slice(_offset, length);
            _offset += length;
            return slice;
        }

        public int Int32(string what) => BinaryPrimitives.ReadInt32LittleEndian(Take(4, what));

        public readonly InvalidDataException Error(long offset, string message) =>
            new($"{source}: malformed .sntensors at byte offset {offset}: {message}.");
    }
}
