using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace ShapeNet.Checkpoints;

/// <summary>
/// Reads and writes the safetensors format (Hugging Face; what <c>safetensors.torch.save_file</c>/<c>load_file</c>
/// use): an 8-byte little-endian header length N, N bytes of UTF-8 JSON
/// <c>{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ..., "__metadata__": {..}}</c>
/// (offsets relative to the data after the header), then the raw little-endian data. See docs/checkpoints.md.
/// </summary>
public static class SafeTensors
{
    /// <summary>The reserved header key of the string → string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>Headers larger than this are rejected as corrupt (the reference implementation's limit).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Test hook: called after each tensor's data is written to the temporary file with the number of data
    /// bytes written so far; a test throws from it to simulate a failure (disk full, crash) in mid-write.</summary>
    internal static readonly AsyncLocal<Action<long>?> AfterTensorWritten = new();

    /// <summary>
    /// Writes <paramref name="tensors"/> as float32 (<c>F32</c>) in the given order, with optional
    /// <paramref name="metadata"/>. The write is atomic: the file is written to a temporary file in the same
    /// folder, flushed to disk, then moved onto <paramref name="path"/>; on any failure the temporary file is
    /// deleted and a previous file at <paramref name="path"/> is left untouched.
    /// </summary>
    /// <exception cref="ArgumentException">A name is empty, duplicated or <c>__metadata__</c>.</exception>
    /// <exception cref="DirectoryNotFoundException">The folder of <paramref name="path"/> does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder is not writable.</exception>
    public static void Write(string path, IEnumerable<(string Name, Tensor Value)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);

        // Materialise first: the header needs every shape, and a throwing enumeration must fail before any file exists.
        var list = new List<(string Name, Tensor Value)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, value) in tensors)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentException($"Writing {path}: tensor {list.Count} has an empty name.", nameof(tensors));
            if (name == MetadataKey) throw new ArgumentException($"Writing {path}: '{MetadataKey}' is reserved for the metadata and cannot name a tensor.", nameof(tensors));
            if (value is null) throw new ArgumentException($"Writing {path}: tensor '{name}' is null.", nameof(tensors));
            if (!names.Add(name)) throw new ArgumentException($"Writing {path}: duplicate tensor name '{name}'.", nameof(tensors));
            list.Add((name, value));
        }

        byte[] header = BuildHeader(list, metadata);
        WriteAtomically(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            long written = 0;
            byte[]? scratch = null;
            foreach (var (_, value) in list)
            {
                ReadOnlySpan<float> data = value.Data;
                if (BitConverter.IsLittleEndian)
                {
                    stream.Write(MemoryMarshal.AsBytes(data));
                }
                else
                {
                    scratch ??= new byte[4];
                    foreach (float f in data)
                    {
                        BinaryPrimitives.WriteSingleLittleEndian(scratch, f);
                        stream.Write(scratch);
                    }
                }
                written += (long)data.Length * sizeof(float);
                AfterTensorWritten.Value?.Invoke(written);
            }
        });
    }

    /// <summary>Reads every tensor of a safetensors file as float32, in file (data offset) order.</summary>
    public static IReadOnlyDictionary<string, Tensor> Read(string path) => Read(path, out _);

    /// <summary>
    /// Reads every tensor of a safetensors file as float32, in file (data offset) order, and its metadata (empty
    /// when the file has none). <c>F32</c> is read as is; <c>F64</c>, <c>F16</c>, <c>BF16</c>, <c>I64</c> and
    /// <c>I32</c> are converted to float32 (as <c>tensor.float()</c> would); any other dtype is rejected.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is malformed: truncated, header length beyond the file,
    /// JSON that is not a safetensors header, an unsupported dtype, offsets out of range, overlapping or leaving
    /// gaps, or a byte count that does not match the shape. The message names the file and the tensor.</exception>
    public static IReadOnlyDictionary<string, Tensor> Read(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        List<Entry> entries = ReadEntries(handle, path, out long dataStart, out metadata);

        var result = new OrderedDictionary<string, Tensor>(entries.Count, StringComparer.Ordinal);
        foreach (Entry e in entries)
        {
            var data = new float[e.Numel];
            long byteCount = e.End - e.Begin;
            if (e.DType == "F32" && BitConverter.IsLittleEndian)
            {
                ReadExactly(handle, MemoryMarshal.AsBytes(data.AsSpan()), dataStart + e.Begin);
            }
            else
            {
                var raw = new byte[byteCount];
                ReadExactly(handle, raw, dataStart + e.Begin);
                Convert(e.DType, raw, data);
            }
            result.Add(e.Name, new Tensor(data, e.Shape));
        }
        return result;
    }

    /// <summary>Reads only the header: each tensor's dtype, shape and offsets, and the metadata (validated as by
    /// <see cref="Read(string)"/>, without reading the data).</summary>
    public static IReadOnlyList<(string Name, string DType, int[] Shape)> ReadHeader(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return ReadEntries(handle, path, out _, out metadata).Select(e => (e.Name, e.DType, e.Shape)).ToList();
    }

    /// <summary>Reads and validates the length prefix and the JSON header; <paramref name="dataStart"/> is where the
    /// tensor bytes begin.</summary>
    private static List<Entry> ReadEntries(SafeFileHandle handle, string path, out long dataStart, out IReadOnlyDictionary<string, string> metadata)
    {
        long fileLength = RandomAccess.GetLength(handle);
        if (fileLength < 8)
            throw Invalid(path, $"the file has {fileLength} bytes, too short for the 8-byte header length");
        Span<byte> lengthBytes = stackalloc byte[8];
        ReadExactly(handle, lengthBytes, 0);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)(fileLength - 8))
            throw Invalid(path, $"the header length {headerLength} goes beyond the end of the file ({fileLength} bytes)");
        if (headerLength > MaxHeaderBytes)
            throw Invalid(path, $"the header length {headerLength} exceeds the limit of {MaxHeaderBytes} bytes");
        var header = new byte[headerLength];
        ReadExactly(handle, header, 8);
        dataStart = 8 + (long)headerLength;
        return ParseHeader(path, header, fileLength - dataStart, out metadata);
    }

    // ---- header ------------------------------------------------------------------------------

    private sealed record Entry(string Name, string DType, int[] Shape, int Numel, long Begin, long End);

    private static int ElementSize(string dtype) => dtype switch
    {
        "F32" or "I32" => 4,
        "F64" or "I64" => 8,
        "F16" or "BF16" => 2,
        _ => 0,
    };

    private static List<Entry> ParseHeader(string path, byte[] header, long dataLength, out IReadOnlyDictionary<string, string> metadata)
    {
        JsonDocument document;
        try
        {
            string text = new UTF8Encoding(false, true).GetString(header);
            document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (Exception e) when (e is JsonException or DecoderFallbackException)
        {
            throw Invalid(path, $"the header is not valid UTF-8 JSON ({e.Message})", e);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Invalid(path, $"the header is a JSON {root.ValueKind}, not an object");

            var meta = new Dictionary<string, string>(StringComparer.Ordinal);
            var entries = new List<Entry>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty property in root.EnumerateObject())
            {
                string name = property.Name;
                if (!seen.Add(name)) throw Invalid(path, $"the header names '{name}' twice");
                if (name == MetadataKey)
                {
                    if (property.Value.ValueKind != JsonValueKind.Object)
                        throw Invalid(path, $"'{MetadataKey}' is a JSON {property.Value.ValueKind}, not an object of strings");
                    foreach (JsonProperty m in property.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String)
                            throw Invalid(path, $"metadata '{m.Name}' is a JSON {m.Value.ValueKind}, not a string");
                        meta[m.Name] = m.Value.GetString()!;
                    }
                    continue;
                }
                entries.Add(ParseEntry(path, name, property.Value, dataLength));
            }

            // The tensors must tile the data buffer: sorted by offset, each begins where the previous one ends,
            // and the last ends at the end of the file.
            entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            long expectedBegin = 0;
            Entry? previous = null;
            foreach (Entry e in entries)
            {
                if (e.Begin < expectedBegin)
                    throw Invalid(path, $"tensor '{e.Name}' data_offsets [{e.Begin}, {e.End}] overlap tensor '{previous!.Name}' [{previous.Begin}, {previous.End}]");
                if (e.Begin > expectedBegin)
                    throw Invalid(path, $"tensor '{e.Name}' data_offsets [{e.Begin}, {e.End}] leave a gap of {e.Begin - expectedBegin} bytes after " +
                        (previous is null ? "the header" : $"tensor '{previous.Name}' [{previous.Begin}, {previous.End}]"));
                expectedBegin = e.End;
                previous = e;
            }
            if (expectedBegin != dataLength)
                throw Invalid(path, $"the tensors cover {expectedBegin} of the {dataLength} data bytes after the header" +
                    (previous is null ? "" : $" (the last, '{previous.Name}', ends at {previous.End})"));

            metadata = meta;
            return entries;
        }
    }

    private static Entry ParseEntry(string path, string name, JsonElement value, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Invalid(path, $"tensor '{name}': the entry is a JSON {value.ValueKind}, not an object");
        if (!value.TryGetProperty("dtype", out JsonElement dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw Invalid(path, $"tensor '{name}' has no string \"dtype\"");
        string dtype = dtypeElement.GetString()!;
        int elementSize = ElementSize(dtype);
        if (elementSize == 0)
            throw Invalid(path, $"tensor '{name}' has dtype {dtype}; supported are F32, F64, F16, BF16, I64 and I32 (read as float32)");

        if (!value.TryGetProperty("shape", out JsonElement shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw Invalid(path, $"tensor '{name}' has no \"shape\" array");
        var shape = new int[shapeElement.GetArrayLength()];
        long numel = 1;
        int axis = 0;
        foreach (JsonElement d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int size) || size < 0)
                throw Invalid(path, $"tensor '{name}': shape dimension {axis} ({d.GetRawText()}) is not a non-negative 32-bit integer");
            shape[axis++] = size;
            numel *= size;
            if (numel > Array.MaxLength)
                throw Invalid(path, $"tensor '{name}' {Tensor.ShapeText(shape.AsSpan(0, axis))}... has more elements than an array can hold");
        }

        if (!value.TryGetProperty("data_offsets", out JsonElement offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw Invalid(path, $"tensor '{name}' has no \"data_offsets\" array [begin, end]");
        if (!offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw Invalid(path, $"tensor '{name}' has invalid data_offsets {offsets.GetRawText()} (need 0 <= begin <= end)");
        if (end > dataLength)
            throw Invalid(path, $"tensor '{name}' data_offsets [{begin}, {end}] are out of range: the data after the header has {dataLength} bytes");
        long expected = numel * elementSize;
        if (end - begin != expected)
            throw Invalid(path, $"tensor '{name}' {dtype} {Tensor.ShapeText(shape)} needs {expected} bytes, but data_offsets [{begin}, {end}] hold {end - begin}");

        return new Entry(name, dtype, shape, (int)numel, begin, end);
    }

    private static byte[] BuildHeader(List<(string Name, Tensor Value)> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, text) in metadata)
                {
                    ArgumentNullException.ThrowIfNull(text, $"metadata[{key}]");
                    json.WriteString(key, text);
                }
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, value) in tensors)
            {
                json.WriteStartObject(name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int d in value.ShapeSpan) json.WriteNumberValue(d);
                json.WriteEndArray();
                long end = offset + (long)value.Numel * sizeof(float);
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = end;
            }
            json.WriteEndObject();
        }
        // Pad with spaces so the data starts 8-byte aligned (8 + N ≡ 0 mod 8), as the reference writer does.
        int length = (int)buffer.Length;
        int padded = (length + 7) / 8 * 8;
        for (int i = length; i < padded; i++) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    // ---- I/O -----------------------------------------------------------------------------------

    /// <summary>
    /// Writes through <paramref name="write"/> into a temporary file next to <paramref name="path"/>, flushes it to
    /// disk and moves it onto <paramref name="path"/> (replacing it). On any failure the temporary file is deleted
    /// and the exception propagates; a previous file at <paramref name="path"/> is untouched.
    /// </summary>
    internal static void WriteAtomically(string path, Action<FileStream> write)
    {
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException($"'{path}' has no folder.", nameof(path));
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Cannot write {fullPath}: the folder {directory} does not exist.");
        if (Directory.Exists(fullPath))
            throw new IOException($"Cannot write {fullPath}: it is a folder.");

        string temp = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        FileStream stream;
        try
        {
            stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new UnauthorizedAccessException($"Cannot write {fullPath}: no permission to create a file in {directory} ({e.Message}).", e);
        }
        catch (IOException e)
        {
            throw new IOException($"Cannot write {fullPath}: creating the temporary file {temp} failed ({e.Message}).", e);
        }

        try
        {
            using (stream)
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, fullPath, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
                // Best effort: the original exception matters more.
            }
            catch (UnauthorizedAccessException)
            {
            }
            throw;
        }
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> destination, long fileOffset)
    {
        while (!destination.IsEmpty)
        {
            int n = RandomAccess.Read(handle, destination, fileOffset);
            if (n <= 0) throw new EndOfStreamException($"Unexpected end of file at byte {fileOffset}.");
            destination = destination[n..];
            fileOffset += n;
        }
    }

    private static void Convert(string dtype, ReadOnlySpan<byte> raw, Span<float> data)
    {
        switch (dtype)
        {
            case "F32":
                for (int i = 0; i < data.Length; i++) data[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(i * 4));
                break;
            case "F64":
                for (int i = 0; i < data.Length; i++) data[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(raw.Slice(i * 8));
                break;
            case "F16":
                for (int i = 0; i < data.Length; i++) data[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(raw.Slice(i * 2));
                break;
            case "BF16":
                for (int i = 0; i < data.Length; i++)
                    data[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(raw.Slice(i * 2)) << 16);
                break;
            case "I64":
                for (int i = 0; i < data.Length; i++) data[i] = BinaryPrimitives.ReadInt64LittleEndian(raw.Slice(i * 8));
                break;
            case "I32":
                for (int i = 0; i < data.Length; i++) data[i] = BinaryPrimitives.ReadInt32LittleEndian(raw.Slice(i * 4));
                break;
            default:
                throw new InvalidOperationException($"Unhandled dtype {dtype}.");
        }
    }

    private static InvalidDataException Invalid(string path, string message, Exception? inner = null) =>
        new($"{path}: not a valid safetensors file: {message}.", inner);

    internal static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
