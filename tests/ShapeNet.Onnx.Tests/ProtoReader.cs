namespace ShapeNet.Onnx.Tests;

/// <summary>A protobuf wire-format reader for the tests: a message as its fields in order (number, wire type, varint or
/// bytes), written independently of the runtime's writer so the two check each other.</summary>
internal static class ProtoReader
{
    internal sealed record Field(int Number, int WireType, ulong Varint, byte[] Bytes)
    {
        public string Text => System.Text.Encoding.UTF8.GetString(Bytes);

        public IReadOnlyList<Field> Message => Read(Bytes);

        public float Float => BitConverter.ToSingle(Bytes);
    }

    public static IReadOnlyList<Field> Read(byte[] data)
    {
        var fields = new List<Field>();
        int pos = 0;
        while (pos < data.Length)
        {
            ulong key = Varint(data, ref pos);
            int number = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0:
                    fields.Add(new Field(number, wire, Varint(data, ref pos), []));
                    break;
                case 2:
                    int length = checked((int)Varint(data, ref pos));
                    fields.Add(new Field(number, wire, 0, data[pos..(pos + length)]));
                    pos += length;
                    break;
                case 5:
                    fields.Add(new Field(number, wire, 0, data[pos..(pos + 4)]));
                    pos += 4;
                    break;
                case 1:
                    fields.Add(new Field(number, wire, 0, data[pos..(pos + 8)]));
                    pos += 8;
                    break;
                default:
                    throw new InvalidDataException($"wire type {wire} of field {number} at byte {pos}");
            }
        }
        if (pos != data.Length) throw new InvalidDataException("the last field runs past the end");
        return fields;
    }

    public static IEnumerable<Field> All(this IReadOnlyList<Field> message, int number) => message.Where(f => f.Number == number);

    public static Field One(this IReadOnlyList<Field> message, int number) => message.Single(f => f.Number == number);

    private static ulong Varint(byte[] data, ref int pos)
    {
        ulong value = 0;
        for (int shift = 0; ; shift += 7)
        {
            if (shift > 63) throw new InvalidDataException("a varint longer than ten bytes");
            byte b = data[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
    }
}
