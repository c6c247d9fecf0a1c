using ShapeNet.Onnx;

namespace ShapeNet.Runtime.Tests.Onnx;

/// <summary>The protobuf encoding the ONNX writer uses, byte for byte against the examples of the protobuf encoding guide
/// (https://protobuf.dev/programming-guides/encoding/) and hand-encoded ONNX messages. A whole model is checked against the
/// onnx package's own serializer by scripts/check-onnx.sh and read by ONNX Runtime in ShapeNet.Onnx.Tests.</summary>
public sealed class ProtobufWriterTests
{
    [Fact]
    public void Varint_field_150_is_the_guides_example()
    {
        var w = new ProtobufWriter();
        w.Int64(1, 150);
        Assert.Equal(new byte[] { 0x08, 0x96, 0x01 }, w.Written.ToArray());
    }

    [Fact]
    public void Negative_int64_is_ten_bytes_of_twos_complement()
    {
        var w = new ProtobufWriter();
        w.Int64(1, -1);
        Assert.Equal(new byte[] { 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 }, w.Written.ToArray());
    }

    [Fact]
    public void String_and_embedded_message_are_the_guides_examples()
    {
        var w = new ProtobufWriter();
        w.String(2, "testing");
        Assert.Equal(new byte[] { 0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67 }, w.Written.ToArray());

        var inner = new ProtobufWriter();
        inner.Int64(1, 150);
        var outer = new ProtobufWriter();
        outer.Message(3, inner);
        Assert.Equal(new byte[] { 0x1a, 0x03, 0x08, 0x96, 0x01 }, outer.Written.ToArray());
    }

    [Fact]
    public void Float_is_fixed32_little_endian_and_raw_data_is_little_endian()
    {
        var w = new ProtobufWriter();
        w.Float(2, 1.5f);
        w.FloatsAsBytes(9, [1f, -2f]);
        w.Int64sAsBytes(9, [-1]);
        Assert.Equal(new byte[]
        {
            0x15, 0x00, 0x00, 0xC0, 0x3F,
            0x4A, 0x08, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0,
            0x4A, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        }, w.Written.ToArray());
    }

    [Fact]
    public void A_long_field_grows_the_buffer_and_gets_a_two_byte_length()
    {
        var w = new ProtobufWriter();
        w.Bytes(1, new byte[300]);
        byte[] written = w.Written.ToArray();
        Assert.Equal(303, written.Length);
        Assert.Equal(new byte[] { 0x0A, 0xAC, 0x02 }, written[..3]);
    }

    [Fact]
    public void A_one_node_model_is_encoded_field_by_field()
    {
        var model = new OnnxModelBuilder("g", batch: null, opset: 17);
        model.Input("x", OnnxModelBuilder.BatchAxis);
        model.Node("Relu", "r", ["x"], ["y"]);
        model.Output("y", 2);
        byte[] bytes = model.ToArray();

        // ValueInfoProto x: name, type { tensor_type { elem_type FLOAT, shape { dim { dim_param "batch" } } } }.
        var dim = new List<byte> { 0x12, 0x05 };
        dim.AddRange("batch"u8.ToArray());
        var shape = new List<byte> { 0x0A, (byte)dim.Count };
        shape.AddRange(dim);
        var tensorType = new List<byte> { 0x08, 0x01, 0x12, (byte)shape.Count };
        tensorType.AddRange(shape);
        var type = new List<byte> { 0x0A, (byte)tensorType.Count };
        type.AddRange(tensorType);
        var inputX = new List<byte> { 0x0A, 0x01, (byte)'x', 0x12, (byte)type.Count };
        inputX.AddRange(type);
        // ValueInfoProto y: the same with shape { dim { dim_value 2 } }.
        byte[] outputY = [0x0A, 0x01, (byte)'y', 0x12, 0x0A, 0x0A, 0x08, 0x08, 0x01, 0x12, 0x04, 0x0A, 0x02, 0x08, 0x02];
        // NodeProto: input "x", output "y", name "r", op_type "Relu".
        byte[] node = [0x0A, 0x01, (byte)'x', 0x12, 0x01, (byte)'y', 0x1A, 0x01, (byte)'r', 0x22, 0x04, (byte)'R', (byte)'e', (byte)'l', (byte)'u'];
        // GraphProto: node, name "g", input, output.
        var graph = new List<byte> { 0x0A, (byte)node.Length };
        graph.AddRange(node);
        graph.AddRange(new byte[] { 0x12, 0x01, (byte)'g' });
        graph.AddRange(new byte[] { 0x5A, (byte)inputX.Count });
        graph.AddRange(inputX);
        graph.AddRange(new byte[] { 0x62, (byte)outputY.Length });
        graph.AddRange(outputY);

        string version = typeof(OnnxModelBuilder).Assembly.GetName().Version!.ToString(3);
        // ModelProto: ir_version 8, producer_name, producer_version, graph, opset_import { version 17 }.
        var expected = new List<byte> { 0x08, 0x08, 0x12, 0x08 };
        expected.AddRange("ShapeNet"u8.ToArray());
        expected.AddRange(new byte[] { 0x1A, (byte)version.Length });
        expected.AddRange(System.Text.Encoding.UTF8.GetBytes(version));
        expected.AddRange(new byte[] { 0x3A, (byte)graph.Count });
        expected.AddRange(graph);
        expected.AddRange(new byte[] { 0x42, 0x02, 0x10, 0x11 });
        Assert.Equal(expected.ToArray(), bytes);
    }
}
