using System.Globalization;

namespace ShapeNet.Onnx;

/// <summary>
/// An ONNX model (<c>ModelProto</c>, onnx.proto) under construction, written as protobuf without any schema library. The
/// generated <c>ExportOnnx</c> method of a <c>[Network]</c> class describes its compiled graph through this class (inputs,
/// the parameters and buffers as initializers under their PyTorch names, constants, nodes, outputs), and
/// <see cref="ToArray"/> or <see cref="Save"/> writes the file; see docs/onnx.md. Shapes mark the batch axis with
/// <see cref="BatchAxis"/>: a symbolic dimension <c>batch</c>, or the fixed size given to the constructor.
/// </summary>
/// <example>
/// Generated code calls it like this (users call <c>network.ExportOnnx("model.onnx")</c>):
/// <code>
/// var model = new OnnxModelBuilder("Mlp", batch: null, opset: 17);
/// model.Input("x", OnnxModelBuilder.BatchAxis, 784);
/// model.Initializer("fc1.weight", fc1Weight, 512, 784);
/// model.Node("Gemm", "/fc1/Gemm", ["x", "fc1.weight", "fc1.bias"], ["/fc1/Gemm_output_0"], OnnxAttribute.Int("transB", 1));
/// model.Output("/fc1/Gemm_output_0", OnnxModelBuilder.BatchAxis, 512);
/// model.Save("mlp.onnx");
/// </code>
/// </example>
public sealed class OnnxModelBuilder
{
    /// <summary>The size that marks the batch axis in a shape.</summary>
    public const long BatchAxis = -1;

    /// <summary>The name of the symbolic batch dimension (ONNX's <c>dim_param</c>) when the batch is not fixed.</summary>
    public const string BatchDimensionName = "batch";

    /// <summary>The run-time <c>Seq</c> axis in a shape: a symbolic dimension named <see cref="SeqDimensionName"/> (torch.onnx's
    /// <c>dynamic_axes</c>), so one file runs every sequence length.</summary>
    public const long SeqAxis = -2;

    /// <summary>The name of the symbolic sequence dimension (ONNX's <c>dim_param</c>).</summary>
    public const string SeqDimensionName = "seq";

    /// <summary>An axis whose size is a product of run-time sizes (<c>Seq·Batch</c> after a reshape): written with neither a
    /// value nor a name, which ONNX reads as unknown until run time.</summary>
    public const long ProductAxis = -3;

    /// <summary>The opset a generated <c>ExportOnnx</c> uses unless told otherwise (ONNX 1.12, IR version 8).</summary>
    public const int DefaultOpset = 17;

    /// <summary>The oldest opset the op mappings are written for.</summary>
    public const int MinimumOpset = 17;

    /// <summary>The newest opset the op mappings are checked against (ONNX 1.16, IR version 10).</summary>
    public const int MaximumOpset = 21;

    private const int FloatType = 1, Int32Type = 6, Int64Type = 7;

    private readonly string _name;
    private readonly List<NodeProto> _nodes = [];
    private readonly List<TensorProto> _initializers = [];
    private readonly List<(string Name, int Type, long[] Shape)> _inputs = [];
    private readonly List<(string Name, long[] Shape)> _outputs = [];
    private readonly HashSet<string> _initializerNames = new(StringComparer.Ordinal);

    /// <summary>A model of graph <paramref name="name"/> for <paramref name="opset"/> (default domain).</summary>
    /// <param name="name">The graph's name (the network class).</param>
    /// <param name="batch">A fixed batch size, or null for a symbolic batch axis named <c>batch</c> (any size at run time).</param>
    /// <param name="opset">The ONNX opset, <see cref="MinimumOpset"/> to <see cref="MaximumOpset"/>.</param>
    public OnnxModelBuilder(string name, int? batch, int opset)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (batch is <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "A fixed batch size must be positive; pass null for a dynamic batch axis.");
        if (opset < MinimumOpset || opset > MaximumOpset)
            throw new ArgumentOutOfRangeException(nameof(opset), opset, $"ShapeNet exports ONNX opsets {MinimumOpset} to {MaximumOpset}, but {opset} was asked for.");
        _name = name;
        Batch = batch;
        Opset = opset;
    }

    /// <summary>The fixed batch size, or null for a dynamic batch axis.</summary>
    public int? Batch { get; }

    /// <summary>The opset the model imports.</summary>
    public int Opset { get; }

    /// <summary>The IR version that goes with <see cref="Opset"/> (the one of the ONNX release that introduced it), so the oldest
    /// runtime that knows the opset can read the file.</summary>
    public long IrVersion => Opset switch
    {
        <= 18 => 8,
        <= 20 => 9,
        _ => 10,
    };

    /// <summary>A graph input of float32 elements and <paramref name="shape"/> (<see cref="BatchAxis"/> for the batch).</summary>
    public void Input(string name, params long[] shape) => _inputs.Add((name, FloatType, CheckShape(name, shape)));

    /// <summary>A graph input of int32 elements (an <c>IntTensor</c> parameter of the forward: token ids, lengths).</summary>
    public void Int32Input(string name, params long[] shape) => _inputs.Add((name, Int32Type, CheckShape(name, shape)));

    /// <summary>A graph output of float32 elements and <paramref name="shape"/> (<see cref="BatchAxis"/> for the batch).</summary>
    public void Output(string name, params long[] shape) => _outputs.Add((name, CheckShape(name, shape)));

    /// <summary>A learned tensor or buffer as an initializer, under <paramref name="name"/> (its PyTorch state-dict name). The
    /// values are read when the model is written.</summary>
    /// <exception cref="ArgumentException"><paramref name="value"/> does not have the compiled <paramref name="shape"/>.</exception>
    public void Initializer(string name, Tensor value, params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(value);
        int[] actual = value.Shape;
        if (actual.Length != shape.Length || actual.Where((d, i) => d != shape[i]).Any())
            throw new ArgumentException(
                $"The tensor '{name}' is {Tensor.ShapeText(actual)}, but the compiled network expects {ShapeText(shape)}.", nameof(value));
        AddInitializer(new TensorProto(name, FloatType, shape, value.Data, null));
    }

    /// <summary>A float32 constant (an initializer no one trains): a scalar when <paramref name="shape"/> is empty.</summary>
    public void Constant(string name, float[] values, params long[] shape)
    {
        CheckCount(name, values.Length, shape);
        AddInitializer(new TensorProto(name, FloatType, shape, (float[])values.Clone(), null));
    }

    /// <summary>An int64 constant (a shape for <c>Reshape</c>, axes for a reduction).</summary>
    public void Int64Constant(string name, long[] values, params long[] shape)
    {
        CheckCount(name, values.Length, shape);
        AddInitializer(new TensorProto(name, Int64Type, shape, null, (long[])values.Clone()));
    }

    /// <summary>A node of the default domain. An empty input name is an omitted optional input.</summary>
    public void Node(string opType, string name, string[] inputs, string[] outputs, params OnnxAttribute[] attributes)
    {
        ArgumentException.ThrowIfNullOrEmpty(opType);
        _nodes.Add(new NodeProto(opType, name, (string[])inputs.Clone(), (string[])outputs.Clone(), (OnnxAttribute[])attributes.Clone()));
    }

    /// <summary>A reduction (<c>ReduceSum</c>, <c>ReduceMean</c>, …) over <paramref name="axes"/>: ONNX moved its axes from an
    /// attribute to a second input (opset 13 for ReduceSum, 18 for the others), so this writes whichever the opset wants.</summary>
    public void Reduce(string opType, string name, string input, string output, long[] axes, bool keepDims)
    {
        int axesAsInputSince = opType == "ReduceSum" ? 13 : 18;
        OnnxAttribute keep = OnnxAttribute.Int("keepdims", keepDims ? 1 : 0);
        if (Opset >= axesAsInputSince)
        {
            string axesName = name + "/axes";
            Int64Constant(axesName, axes, axes.Length);
            Node(opType, name, [input, axesName], [output], keep);
        }
        else
        {
            Node(opType, name, [input], [output], OnnxAttribute.Ints("axes", axes), keep);
        }
    }

    /// <summary>Writes the model to <paramref name="path"/> (replacing a file there).</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        File.WriteAllBytes(path, ToArray());
    }

    /// <summary>The serialized <c>ModelProto</c>.</summary>
    public byte[] ToArray()
    {
        var model = new ProtobufWriter();
        model.Int64(1, IrVersion);                                   // ir_version
        model.String(2, "ShapeNet");                                 // producer_name
        model.String(3, ProducerVersion);                            // producer_version
        model.Message(7, WriteGraph());                              // graph
        var opset = new ProtobufWriter();
        opset.Int64(2, Opset);                                       // OperatorSetIdProto.version (domain "": the default)
        model.Message(8, opset);                                     // opset_import
        return model.Written.ToArray();
    }

    private static string ProducerVersion =>
        typeof(OnnxModelBuilder).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    private ProtobufWriter WriteGraph()
    {
        var graph = new ProtobufWriter();
        foreach (NodeProto node in _nodes) graph.Message(1, WriteNode(node));                  // node
        graph.String(2, _name);                                                            // name
        foreach (TensorProto initializer in _initializers) graph.Message(5, WriteTensor(initializer)); // initializer
        foreach ((string name, int type, long[] shape) in _inputs) graph.Message(11, WriteValueInfo(name, type, shape)); // input
        foreach ((string name, long[] shape) in _outputs) graph.Message(12, WriteValueInfo(name, FloatType, shape));     // output
        return graph;
    }

    private static ProtobufWriter WriteNode(NodeProto node)
    {
        var w = new ProtobufWriter();
        foreach (string input in node.Inputs) w.String(1, input);    // input
        foreach (string output in node.Outputs) w.String(2, output); // output
        if (node.Name.Length > 0) w.String(3, node.Name);            // name
        w.String(4, node.OpType);                                    // op_type
        foreach (OnnxAttribute attribute in node.Attributes) w.Message(5, WriteAttribute(attribute)); // attribute
        return w;
    }

    private static ProtobufWriter WriteAttribute(OnnxAttribute attribute)
    {
        var w = new ProtobufWriter();
        w.String(1, attribute.Name);                                 // name
        switch (attribute.Kind)
        {
            case OnnxAttributeKind.Float:
                w.Float(2, attribute.FloatValue);                    // f
                break;
            case OnnxAttributeKind.Int:
                w.Int64(3, attribute.IntValue);                      // i
                break;
            case OnnxAttributeKind.String:
                w.String(4, attribute.StringValues[0]);              // s (bytes, UTF-8)
                break;
            case OnnxAttributeKind.Floats:
                foreach (float f in attribute.FloatValues) w.Float(7, f); // floats (not packed in onnx.proto)
                break;
            case OnnxAttributeKind.Ints:
                foreach (long i in attribute.IntValues) w.Int64(8, i);    // ints (not packed in onnx.proto)
                break;
            case OnnxAttributeKind.Strings:
                foreach (string s in attribute.StringValues) w.String(9, s); // strings
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(attribute), attribute.Kind, "Unknown ONNX attribute kind.");
        }
        w.Int64(20, (long)attribute.Kind);                           // type
        return w;
    }

    private static ProtobufWriter WriteTensor(TensorProto t)
    {
        var w = new ProtobufWriter();
        foreach (long d in t.Shape) w.Int64(1, d);                   // dims
        w.Int64(2, t.DataType);                                      // data_type
        w.String(8, t.Name);                                         // name
        if (t.Floats is not null) w.FloatsAsBytes(9, t.Floats);      // raw_data, little-endian
        else w.Int64sAsBytes(9, t.Int64s);
        return w;
    }

    private ProtobufWriter WriteValueInfo(string name, int elementType, long[] shape)
    {
        var dims = new ProtobufWriter();
        foreach (long d in shape)
        {
            var dim = new ProtobufWriter();
            if (d == SeqAxis) dim.String(2, SeqDimensionName);      // dim_param
            else if (d == ProductAxis) { }                          // unknown: neither dim_value nor dim_param
            else if (d != BatchAxis) dim.Int64(1, d);               // dim_value
            else if (Batch is int fixedBatch) dim.Int64(1, fixedBatch);
            else dim.String(2, BatchDimensionName);                 // dim_param
            dims.Message(1, dim);                                    // TensorShapeProto.dim
        }
        var tensor = new ProtobufWriter();
        tensor.Int64(1, elementType);                                // TypeProto.Tensor.elem_type
        tensor.Message(2, dims);                                     // shape (present even for a scalar: rank 0, not unknown)
        var type = new ProtobufWriter();
        type.Message(1, tensor);                                     // TypeProto.tensor_type
        var w = new ProtobufWriter();
        w.String(1, name);                                           // ValueInfoProto.name
        w.Message(2, type);                                          // type
        return w;
    }

    private void AddInitializer(TensorProto initializer)
    {
        if (!_initializerNames.Add(initializer.Name))
            throw new ArgumentException($"Two initializers are named '{initializer.Name}'.", nameof(initializer));
        _initializers.Add(initializer);
    }

    private static long[] CheckShape(string name, long[] shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        foreach (long d in shape)
            if (d < 0 && d != BatchAxis && d != SeqAxis && d != ProductAxis) throw new ArgumentException($"The shape {ShapeText(shape)} of '{name}' has a negative size.", nameof(shape));
        return (long[])shape.Clone();
    }

    private static void CheckCount(string name, int count, long[] shape)
    {
        long expected = 1;
        foreach (long d in shape) expected = checked(expected * d);
        if (expected != count)
            throw new ArgumentException($"The constant '{name}' has {count} values, but its shape {ShapeText(shape)} holds {expected}.", nameof(shape));
    }

    private static string ShapeText(long[] shape) =>
        "[" + string.Join(", ", shape.Select(d => d == BatchAxis ? "batch" : d == SeqAxis ? "seq" : d == ProductAxis ? "?" : d.ToString(CultureInfo.InvariantCulture))) + "]";

    private sealed record NodeProto(string OpType, string Name, string[] Inputs, string[] Outputs, OnnxAttribute[] Attributes);

    private sealed record TensorProto(string Name, int DataType, long[] Shape, float[]? Floats, long[]? Int64s);
}
