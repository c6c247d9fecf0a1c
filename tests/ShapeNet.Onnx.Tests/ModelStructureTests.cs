using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Onnx.Tests.Networks;
using ShapeNet.Samples.Cnn;
using static ShapeNet.Onnx.Tests.ProtoReader;

namespace ShapeNet.Onnx.Tests;

/// <summary>What the exported file holds, read back with the tests' own protobuf reader: PyTorch's initializer names, the
/// opset and IR version, the inference-mode graph; and a forward ONNX cannot hold fails by name, writing no file.</summary>
public sealed class ModelStructureTests
{
    [Fact]
    public void Initializers_are_the_pytorch_state_dict_names_and_values()
    {
        var network = new NestedBatchNorm(3);
        IReadOnlyList<Field> model = Read(network.ToOnnx());
        IReadOnlyList<Field> graph = model.One(7).Message;
        var initializers = graph.All(5).Select(f => f.Message).ToDictionary(t => t.One(8).Text);

        // Every parameter and the running statistics; num_batches_tracked is not read in inference.
        string[] expected =
        [
            "conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "block.conv.weight", "fc.weight", "fc.bias",
            "bn1.running_mean", "bn1.running_var", "block.bn.running_mean", "block.bn.running_var",
        ];
        Assert.Equal(expected.Order(), initializers.Keys.Where(k => !k.StartsWith('/')).Order());
        foreach (Parameter p in network.Parameters)
        {
            IReadOnlyList<Field> tensor = initializers[p.Name];
            Assert.Equal(p.Shape.Select(d => (ulong)d), tensor.All(1).Select(f => f.Varint));
            Assert.Equal(1UL, tensor.One(2).Varint); // FLOAT
            float[] raw = new float[p.Value.Numel];
            Buffer.BlockCopy(tensor.One(9).Bytes, 0, raw, 0, raw.Length * 4);
            Assert.Equal(p.Value.Data, raw);
        }
    }

    [Fact]
    public void Model_header_names_the_producer_opset_and_ir_version()
    {
        IReadOnlyList<Field> model = Read(new BasicCnn(1).ToOnnx(opset: 19));
        Assert.Equal(9UL, model.One(1).Varint);            // ir_version of opset 19
        Assert.Equal("ShapeNet", model.One(2).Text);
        Assert.Equal(19UL, model.One(8).Message.One(2).Varint);
        Assert.Equal("BasicCnn", model.One(7).Message.One(2).Text);
    }

    [Fact]
    public void Inference_graph_has_batch_normalization_and_no_dropout()
    {
        string[] ops = NodeOps(new BatchNormCnn(1).ToOnnx());
        Assert.Equal(["Conv", "BatchNormalization", "Relu", "MaxPool", "Flatten", "Gemm"], ops);
        Assert.Equal(["Gemm", "Relu", "Identity", "Gemm"], NodeOps(new DropoutNet(1).ToOnnx()));
    }

    [Fact]
    public void Inputs_keep_their_names_and_shapes()
    {
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(new TwoInputNet(1).ToOnnx());
        Assert.Equal(["x", "shift"], session.InputNames);
        Assert.Equal([-1, 3], session.InputMetadata["x"].Dimensions);
        Assert.Equal([3], session.InputMetadata["shift"].Dimensions);
    }

    [Fact]
    public void A_loss_in_the_forward_is_refused_by_name()
    {
        var network = new LossInsideNet(1);
        string path = Path.Combine(Path.GetTempPath(), $"shapenet-onnx-{Guid.NewGuid():N}.onnx");
        var e = Assert.Throws<NotSupportedException>(() => network.ExportOnnx(path));
        Assert.Equal("LossInsideNet cannot be exported to ONNX: MseLoss (MseLoss(Fc(x), target)): MseLoss is a training loss; export the network " +
                     "without it (the train step adds the loss at run time, see docs/onnx.md)", e.Message);
        Assert.False(File.Exists(path));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(22)]
    public void An_opset_outside_the_mapped_range_is_refused(int opset)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new BasicCnn(1).ToOnnx(opset: opset));
        Assert.Contains($"ShapeNet exports ONNX opsets 17 to 21, but {opset} was asked for.", e.Message);
    }

    private static string[] NodeOps(byte[] model) =>
        Read(model).One(7).Message.All(1).Select(n => n.Message.One(4).Text).ToArray();
}
