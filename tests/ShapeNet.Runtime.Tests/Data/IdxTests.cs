using System.Buffers.Binary;
using ShapeNet.Data;

namespace ShapeNet.Runtime.Tests.Data;

public class IdxTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Unsigned_bytes_round_trip_raw_and_gzip(bool gzip)
    {
        using var files = new IdxFiles();
        byte[] pixels = Enumerable.Range(0, 12).Select(i => (byte)(i * 20)).ToArray();
        string path = files.Write("images.idx", 0x08, [3, 2, 2], pixels, gzip);

        IdxArray array = Idx.Read(path, IdxElementType.UnsignedByte, expectedRank: 3);

        Assert.Equal(IdxElementType.UnsignedByte, array.ElementType);
        Assert.Equal([3, 2, 2], array.Dimensions);
        Assert.Equal(pixels, (byte[])array.Values);
        Assert.Equal([3, 2, 2], array.ToTensor().Shape);
        Assert.Equal(220f, array.ToSingles()[11]);
    }

    [Fact]
    public void Multi_byte_types_are_read_big_endian()
    {
        using var files = new IdxFiles();
        var data = new byte[8];
        BinaryPrimitives.WriteInt16BigEndian(data, -2);
        BinaryPrimitives.WriteInt16BigEndian(data.AsSpan(2), 300);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(4), 70_000);
        // Read as int16, the int32 70,000 = 0x0001_1170 is the pair 1, 0x1170 = 4464.
        Assert.Equal(new short[] { -2, 300, 1, 4464 }, (short[])Idx.Read(files.Write("s.idx", 0x0B, [4], data)).Values);
        // Read as int32, the first four bytes FF FE 01 2C are the int16s -2 and 300 side by side.
        Assert.Equal(new[] { (-2 << 16) | 300, 70_000 }, (int[])Idx.Read(files.Write("i.idx", 0x0C, [2], data)).Values);

        var singles = new byte[8];
        BinaryPrimitives.WriteSingleBigEndian(singles, 1.5f);
        BinaryPrimitives.WriteSingleBigEndian(singles.AsSpan(4), -1e-3f);
        Assert.Equal(new[] { 1.5f, -1e-3f }, (float[])Idx.Read(files.Write("f.idx", 0x0D, [2], singles)).Values);
        var doubles = new byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(doubles, -0.1);
        Assert.Equal(new[] { -0.1 }, (double[])Idx.Read(files.Write("d.idx", 0x0E, [1], doubles)).Values);
        Assert.Equal(new sbyte[] { -1, 0 }, (sbyte[])Idx.Read(files.Write("b.idx", 0x09, [2], [0xFF, 0x00])).Values);
    }

    [Fact]
    public void Wrong_magic_names_the_file_and_both_magic_numbers()
    {
        using var files = new IdxFiles();
        string path = files.Write("train-labels-idx1-ubyte", 0x08, [3], [1, 2, 3]);

        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path, IdxElementType.UnsignedByte, expectedRank: 3));

        Assert.Contains("train-labels-idx1-ubyte", e.Message);
        Assert.Contains("expected the magic number 0x00000803 (ubyte, 3 dims)", e.Message);
        Assert.Contains("found 0x00000801 (ubyte, 1 dims)", e.Message);
    }

    [Fact]
    public void A_file_that_is_not_idx_is_rejected()
    {
        using var files = new IdxFiles();
        string path = files.WriteBytes("notes.txt", "hello world"u8.ToArray());

        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));

        Assert.Contains("notes.txt", e.Message);
        Assert.Contains("0x68656C6C (not an IDX magic number)", e.Message);
    }

    [Theory]
    [InlineData(false, "the file has 116")]
    [InlineData(true, "the decompressed file has 116")]
    public void Truncated_data_names_the_file_and_both_sizes(bool gzip, string found)
    {
        using var files = new IdxFiles();
        string path = files.Write("images.gz", 0x08, [5, 28, 28], new byte[100], gzip);

        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));

        Assert.Contains("images.gz", e.Message);
        Assert.Contains("expected 3,936 bytes (a 16-byte header and 3,920 bytes of data for ubyte [5, 28, 28])", e.Message);
        Assert.Contains(found, e.Message);
    }

    [Fact]
    public void Truncated_header_and_extra_data_are_rejected()
    {
        using var files = new IdxFiles();
        string shortHeader = files.WriteBytes("short", [0, 0, 8, 3, 0, 0, 0, 5]);
        string extra = files.Write("extra", 0x08, [2], [1, 2, 3]);

        Assert.Contains("expected a 16-byte header for 3 dimensions, the file has 8 bytes",
            Assert.Throws<InvalidDataException>(() => Idx.Read(shortHeader)).Message);
        Assert.Contains("expected 10 bytes (a 8-byte header and 2 bytes of data for ubyte [2]), the file has 11",
            Assert.Throws<InvalidDataException>(() => Idx.Read(extra)).Message);
    }
}
