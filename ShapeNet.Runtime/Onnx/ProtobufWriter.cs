using System.Buffers.Binary;
using System.Text;

namespace ShapeNet.Onnx;

/// <summary>
/// The protocol-buffers wire format, the part ONNX needs: varints, 32-bit floats, length-delimited strings, bytes and
/// nested messages (https://protobuf.dev/programming-guides/encoding/). No reflection and no schema at run time, so the
/// runtime stays trimming- and AOT-safe. A nested message is written into its own writer first, because its length
/// prefix comes before it. The caller writes fields in field-number order (what protobuf's own serializers do), so a
/// file read and written again by the <c>onnx</c> Python package comes back byte for byte.
/// </summary>
internal sealed class ProtobufWriter
{
    private const int Varint = 0, Fixed32 = 5, LengthDelimited = 2;

    private byte[] _buffer = new byte[256];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Length);

    /// <summary>An <c>int64</c>, <c>int32</c> or enum field (a negative value is its 64-bit two's complement: ten bytes).</summary>
    public void Int64(int field, long value)
    {
        Tag(field, Varint);
        RawVarint((ulong)value);
    }

    /// <summary>A <c>float</c> field: four little-endian bytes.</summary>
    public void Float(int field, float value)
    {
        Tag(field, Fixed32);
        Span<byte> span = Reserve(4);
        BinaryPrimitives.WriteSingleLittleEndian(span, value);
        Length += 4;
    }

    /// <summary>A <c>string</c> field in UTF-8.</summary>
    public void String(int field, string value)
    {
        int count = Encoding.UTF8.GetByteCount(value);
        Tag(field, LengthDelimited);
        RawVarint((ulong)count);
        Span<byte> span = Reserve(count);
        Encoding.UTF8.GetBytes(value, span);
        Length += count;
    }

    /// <summary>A <c>bytes</c> field.</summary>
    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, LengthDelimited);
        RawVarint((ulong)value.Length);
        value.CopyTo(Reserve(value.Length));
        Length += value.Length;
    }

    /// <summary>An embedded message (or a group of packed values) written by another writer.</summary>
    public void Message(int field, ProtobufWriter message) => Bytes(field, message.Written);

    /// <summary>A <c>bytes</c> field holding float32 values, little-endian (ONNX's <c>raw_data</c>).</summary>
    public void FloatsAsBytes(int field, ReadOnlySpan<float> values)
    {
        int count = checked(values.Length * 4);
        Tag(field, LengthDelimited);
        RawVarint((ulong)count);
        Span<byte> span = Reserve(count);
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(span.Slice(4 * i), values[i]);
        Length += count;
    }

    /// <summary>A <c>bytes</c> field holding int64 values, little-endian (ONNX's <c>raw_data</c>).</summary>
    public void Int64sAsBytes(int field, ReadOnlySpan<long> values)
    {
        int count = checked(values.Length * 8);
        Tag(field, LengthDelimited);
        RawVarint((ulong)count);
        Span<byte> span = Reserve(count);
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(span.Slice(8 * i), values[i]);
        Length += count;
    }

    private void Tag(int field, int wireType) => RawVarint((ulong)((uint)field << 3 | (uint)wireType));

    private void RawVarint(ulong value)
    {
        Span<byte> span = Reserve(10);
        int n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[n++] = (byte)value;
        Length += n;
    }

    /// <summary>Room for <paramref name="count"/> more bytes; the caller advances <see cref="Length"/>.</summary>
    private Span<byte> Reserve(int count)
    {
        long needed = (long)Length + count;
        if (needed > Array.MaxLength) throw new InvalidOperationException($"An ONNX message would exceed {Array.MaxLength} bytes (protobuf's limit is 2 GiB).");
        if (needed > _buffer.Length)
        {
            long grown = Math.Max(needed, Math.Min((long)_buffer.Length * 2, Array.MaxLength));
            Array.Resize(ref _buffer, (int)grown);
        }
        return _buffer.AsSpan(Length, count);
    }
}
