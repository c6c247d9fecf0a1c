using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using ShapeNet.Checkpoints;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Checkpoints;

public sealed class TempFolder : IDisposable
{
    public TempFolder() => Path = Directory.CreateTempSubdirectory("shapenet-ckpt-").FullName;

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

public class SafeTensorsTests
{
    private static (string, Tensor)[] SampleTensors() =>
    [
        ("fc1.weight", new Tensor(TestData.Uniform(1, 12), 3, 4)),
        ("fc1.bias", new Tensor(TestData.Uniform(2, 3), 3)),
        ("scalar", new Tensor([float.NaN], [])),
        ("empty", new Tensor([], 0, 5)),
        ("special", new Tensor([float.PositiveInfinity, float.NegativeInfinity, -0f, float.Epsilon, float.MaxValue], 5)),
        ("unicode.é", new Tensor([1f, 2f], 1, 2)),
    ];

    [Fact]
    public void Round_trip_keeps_names_shapes_bit_exact_values_order_and_metadata()
    {
        using var dir = new TempFolder();
        string path = dir.File("a.safetensors");
        var tensors = SampleTensors();
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["epoch"] = "3", ["note"] = "quotes \" and ünïcode" };
        SafeTensors.Write(path, tensors, metadata);

        var read = SafeTensors.Read(path, out var readMetadata);
        Assert.Equal(tensors.Select(t => t.Item1), read.Keys);
        foreach (var (name, value) in tensors)
        {
            Assert.Equal(value.Shape, read[name].Shape);
            Assert.Equal(value.Data.Select(BitConverter.SingleToInt32Bits), read[name].Data.Select(BitConverter.SingleToInt32Bits));
        }
        Assert.Equal(metadata, readMetadata);

        var header = SafeTensors.ReadHeader(path, out var headerMetadata);
        Assert.Equal(tensors.Select(t => (t.Item1, "F32", t.Item2.Shape)).Select(e => $"{e.Item1} {e.Item2} {Tensor.ShapeText(e.Shape)}"),
            header.Select(e => $"{e.Name} {e.DType} {Tensor.ShapeText(e.Shape)}"));
        Assert.Equal(metadata, headerMetadata);

        // The data starts 8-byte aligned (the header is padded with spaces).
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(0UL, (8 + BinaryPrimitives.ReadUInt64LittleEndian(bytes)) % 8);
    }

    [Fact]
    public void An_independent_minimal_parser_reads_the_written_file()
    {
        // What any safetensors reader (PyTorch's included) does, written without the library's code.
        using var dir = new TempFolder();
        string path = dir.File("b.safetensors");
        var tensors = SampleTensors();
        SafeTensors.Write(path, tensors, new Dictionary<string, string> { ["k"] = "v" });

        byte[] bytes = File.ReadAllBytes(path);
        long n = BitConverter.ToInt64(bytes, 0);
        JsonObject header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, (int)n))!.AsObject();
        Assert.Equal("v", (string)header["__metadata__"]!["k"]!);
        Assert.Equal(tensors.Length + 1, header.Count);
        foreach (var (name, value) in tensors)
        {
            JsonNode entry = header[name]!;
            Assert.Equal("F32", (string)entry["dtype"]!);
            Assert.Equal(value.Shape, entry["shape"]!.AsArray().Select(d => (int)d!).ToArray());
            long begin = (long)entry["data_offsets"]![0]!, end = (long)entry["data_offsets"]![1]!;
            Assert.Equal(value.Numel * 4L, end - begin);
            var floats = new float[value.Numel];
            for (int i = 0; i < floats.Length; i++) floats[i] = BitConverter.ToSingle(bytes, (int)(8 + n + begin + 4 * i));
            Assert.Equal(value.Data.Select(BitConverter.SingleToInt32Bits), floats.Select(BitConverter.SingleToInt32Bits));
        }
        Assert.Equal(bytes.Length, 8 + n + tensors.Sum(t => t.Item2.Numel * 4L));
    }

    [Fact]
    public void Reads_the_other_dtypes_PyTorch_writes_converting_to_float32()
    {
        // tests/golden/safetensors_from_torch.py: f64, f16, bf16, i64, i32, and their .float() conversions.
        var read = SafeTensors.Read(GoldenFile.PathOf("torch_dtypes.safetensors"));
        var expected = GoldenFile.Load(GoldenFile.PathOf("torch_dtypes.sntensors"));
        Assert.Equal(["f64", "f16", "bf16", "i64", "i32"], read.Keys);
        foreach (var (name, (shape, data)) in expected)
        {
            Assert.Equal(shape, read[name].Shape);
            Assert.Equal(data.Select(BitConverter.SingleToInt32Bits), read[name].Data.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void Write_rejects_duplicate_reserved_and_empty_names()
    {
        using var dir = new TempFolder();
        string path = dir.File("c.safetensors");
        var t = new Tensor([1f], 1);
        Assert.Contains("duplicate tensor name 'w'", Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, [("w", t), ("w", t)])).Message);
        Assert.Contains("'__metadata__' is reserved", Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, [("__metadata__", t)])).Message);
        Assert.Contains("empty name", Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, [("", t)])).Message);
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    // ---- validation -------------------------------------------------------------------------

    /// <summary>A file with the given header JSON (unpadded) and <paramref name="dataBytes"/> zero bytes of data.</summary>
    private static string Craft(TempFolder dir, string headerJson, int dataBytes, long? headerLength = null)
    {
        string path = dir.File("crafted.safetensors");
        byte[] header = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)(headerLength ?? header.Length));
        header.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static void AssertInvalid(string path, params string[] fragments)
    {
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path));
        Assert.Contains(path, e.Message);
        foreach (string fragment in fragments) Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void Rejects_a_file_too_short_for_the_header_length()
    {
        using var dir = new TempFolder();
        string path = dir.File("short.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);
        AssertInvalid(path, "3 bytes, too short");
    }

    [Fact]
    public void Rejects_a_header_length_beyond_the_file()
    {
        using var dir = new TempFolder();
        AssertInvalid(Craft(dir, "{}", 0, headerLength: 1000), "header length 1000 goes beyond the end of the file (10 bytes)");
        AssertInvalid(Craft(dir, "{}", 0, headerLength: long.MaxValue), "goes beyond the end of the file");
    }

    [Theory]
    [InlineData("{\"w\": {\"dtype\": \"F32\"", "not valid UTF-8 JSON")]
    [InlineData("[1, 2]", "JSON Array, not an object")]
    [InlineData("{\"w\": 5}", "tensor 'w': the entry is a JSON Number")]
    [InlineData("{\"w\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", "tensor 'w' has no string \"dtype\"")]
    [InlineData("{\"w\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}", "tensor 'w' has no \"shape\" array")]
    [InlineData("{\"w\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", "tensor 'w': shape dimension 0 (-1)")]
    [InlineData("{\"w\": {\"dtype\": \"F32\", \"shape\": [1]}}", "tensor 'w' has no \"data_offsets\"")]
    [InlineData("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 0]}}", "tensor 'w' has invalid data_offsets")]
    [InlineData("{\"w\": {\"dtype\": \"U16\", \"shape\": [2], \"data_offsets\": [0, 4]}}", "tensor 'w' has dtype U16; supported are")]
    [InlineData("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, \"__metadata__\": {\"a\": 1}}", "metadata 'a' is a JSON Number")]
    [InlineData("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, \"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", "names 'w' twice")]
    public void Rejects_malformed_headers_naming_the_tensor(string header, string fragment)
    {
        using var dir = new TempFolder();
        AssertInvalid(Craft(dir, header, 8), fragment);
    }

    [Fact]
    public void Rejects_out_of_range_offsets()
    {
        using var dir = new TempFolder();
        AssertInvalid(Craft(dir, "{\"w\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 8),
            "tensor 'w' data_offsets [0, 16] are out of range: the data after the header has 8 bytes");
    }

    [Fact]
    public void Rejects_overlapping_offsets_naming_both_tensors()
    {
        using var dir = new TempFolder();
        AssertInvalid(Craft(dir, "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", 12),
            "tensor 'b' data_offsets [4, 12] overlap tensor 'a' [0, 8]");
    }

    [Fact]
    public void Rejects_gaps_and_uncovered_trailing_bytes()
    {
        using var dir = new TempFolder();
        AssertInvalid(Craft(dir, "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", 8), "tensor 'a' data_offsets [4, 8] leave a gap of 4 bytes");
        AssertInvalid(Craft(dir, "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 8), "the tensors cover 4 of the 8 data bytes", "'a'");
    }

    [Fact]
    public void Rejects_a_shape_that_does_not_match_the_byte_count()
    {
        using var dir = new TempFolder();
        AssertInvalid(Craft(dir, "{\"w\": {\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [0, 16]}}", 16),
            "tensor 'w' F32 [2, 3] needs 24 bytes, but data_offsets [0, 16] hold 16");
        AssertInvalid(Craft(dir, "{\"w\": {\"dtype\": \"BF16\", \"shape\": [3], \"data_offsets\": [0, 8]}}", 8),
            "tensor 'w' BF16 [3] needs 6 bytes");
    }

    [Fact]
    public void Accepts_an_empty_file_with_only_an_empty_header()
    {
        using var dir = new TempFolder();
        Assert.Empty(SafeTensors.Read(Craft(dir, "{}", 0)));
        SafeTensors.Write(dir.File("e.safetensors"), []);
        Assert.Empty(SafeTensors.Read(dir.File("e.safetensors")));
    }

    // ---- atomic writes ------------------------------------------------------------------------

    [Fact]
    public void A_failure_in_mid_write_leaves_the_previous_file_byte_identical_and_no_temp_file()
    {
        using var dir = new TempFolder();
        string path = dir.File("model.safetensors");
        SafeTensors.Write(path, [("w", new Tensor(TestData.Uniform(3, 1000), 1000))], new Dictionary<string, string> { ["v"] = "1" });
        byte[] before = File.ReadAllBytes(path);

        // 200 kB each, larger than the FileStream buffer, so the partial data reaches the temporary file.
        var bigger = Enumerable.Range(0, 4).Select(i => ($"t{i}", new Tensor(TestData.Uniform(10 + i, 50_000), 50_000))).ToArray();
        long total = bigger.Sum(t => t.Item2.Numel * 4L);
        string? tempSeen = null;
        long tempLength = 0;
        SafeTensors.AfterTensorWritten.Value = written =>
        {
            if (written * 2 < total) return;
            // Half the data is in the temporary file next to the target; now the "disk fills up".
            tempSeen = Directory.GetFiles(dir.Path).Single(f => f != path);
            tempLength = new FileInfo(tempSeen).Length;
            throw new IOException("simulated: no space left on device");
        };
        try
        {
            var e = Assert.Throws<IOException>(() => SafeTensors.Write(path, bigger));
            Assert.Contains("simulated", e.Message);
        }
        finally
        {
            SafeTensors.AfterTensorWritten.Value = null;
        }

        Assert.NotNull(tempSeen);
        Assert.True(tempLength > 0, "the hook saw the partial temporary file");
        Assert.Equal(Path.GetDirectoryName(path), Path.GetDirectoryName(tempSeen));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
        Assert.Equal(1000, SafeTensors.Read(path)["w"].Numel);
    }

    private static IEnumerable<(string, Tensor)> ThrowsMidway()
    {
        yield return ("a", new Tensor([1f, 2f], 2));
        throw new InvalidOperationException("simulated: the model was disposed while saving");
    }

    [Fact]
    public void A_tensor_enumeration_that_throws_midway_leaves_the_previous_file_intact()
    {
        using var dir = new TempFolder();
        string path = dir.File("model.safetensors");
        SafeTensors.Write(path, [("w", new Tensor([5f], 1))]);
        byte[] before = File.ReadAllBytes(path);
        Assert.Throws<InvalidOperationException>(() => SafeTensors.Write(path, ThrowsMidway()));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Writing_into_a_missing_folder_names_the_folder()
    {
        using var dir = new TempFolder();
        string missing = Path.Combine(dir.Path, "no", "such");
        var e = Assert.Throws<DirectoryNotFoundException>(() => SafeTensors.Write(Path.Combine(missing, "m.safetensors"), [("w", new Tensor([1f], 1))]));
        Assert.Contains($"the folder {missing} does not exist", e.Message);
    }

    [Fact]
    public void Writing_into_a_read_only_folder_gives_a_clear_error()
    {
        if (OperatingSystem.IsWindows()) return;
        using var dir = new TempFolder();
        string folder = Path.Combine(dir.Path, "ro");
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        try
        {
            // root ignores directory permissions: nothing to test then.
            string probe = Path.Combine(folder, "probe");
            try
            {
                File.WriteAllBytes(probe, []);
                File.Delete(probe);
                return;
            }
            catch (UnauthorizedAccessException)
            {
            }

            string path = Path.Combine(folder, "m.safetensors");
            var e = Assert.Throws<UnauthorizedAccessException>(() => SafeTensors.Write(path, [("w", new Tensor([1f], 1))]));
            Assert.Contains($"Cannot write {path}: no permission to create a file in {folder}", e.Message);
            Assert.Empty(Directory.GetFiles(folder));
        }
        finally
        {
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
