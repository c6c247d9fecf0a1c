using System.Collections.Generic;
using System.Linq;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Ops;
using ShapeNet.Generator.Planning;
using static ShapeNet.Generator.Emit.EmitHelpers;

namespace ShapeNet.Generator.Emit;

/// <summary>An attribute of an ONNX node as the generated code creates it (<c>OnnxAttribute.Ints("pads", 0, 0, 0, 0)</c>).</summary>
internal sealed record OnnxAttr(string Code)
{
    public static OnnxAttr Int(string name, long value) => new($"{Attribute}.Int({StringLiteral(name)}, {Sizes.Literal(value)})");

    public static OnnxAttr Float(string name, double value) => new($"{Attribute}.Float({StringLiteral(name)}, {Sizes.Float(value)})");

    public static OnnxAttr Ints(string name, IEnumerable<long> values) =>
        new($"{Attribute}.Ints({StringLiteral(name)}{string.Concat(values.Select(v => ", " + Sizes.Literal(v)))})");

    public static OnnxAttr Ints(string name, params int[] values) => Ints(name, values.Select(v => (long)v));

    public static OnnxAttr String(string name, string value) => new($"{Attribute}.String({StringLiteral(name)}, {StringLiteral(value)})");

    public static OnnxAttr Strings(string name, IEnumerable<string> values) =>
        new($"{Attribute}.Strings({StringLiteral(name)}{string.Concat(values.Select(v => ", " + StringLiteral(v)))})");

    private const string Attribute = "global::ShapeNet.Onnx.OnnxAttribute";
}

/// <summary>
/// What an op definition's <c>Onnx</c> stage writes with: the ONNX names of its operands, outputs, parameters and buffers
/// (the PyTorch state-dict names), constants, and <see cref="Op"/> to add ONNX nodes. Each call becomes one line of the
/// generated <c>ExportOnnx</c> (a call on <c>global::ShapeNet.Onnx.OnnxModelBuilder</c>). An op that cannot be exported
/// calls <see cref="Unsupported"/>: the network's export then throws, naming it, and writes no file.
/// </summary>
internal sealed class OnnxContext : NodeInfo
{
    private readonly OnnxGraphNames _names;
    private readonly List<string> _lines;
    private readonly List<string> _failures;
    private readonly string _prefix;

    public OnnxContext(CompiledGraph graph, CompiledNode node, OnnxGraphNames names, List<string> lines, List<string> failures)
        : base(graph, node)
    {
        _names = names;
        _lines = lines;
        _failures = failures;
        string scope = node.Path.Length > 0 ? node.Path : node.Scope.TrimEnd('.');
        _prefix = scope.Length > 0 ? "/" + scope.Replace('.', '/') : string.Empty;
    }

    /// <summary>The ONNX name of operand <paramref name="i"/>'s value.</summary>
    public string Input(int i) => _names.Value(InputValue(i));

    /// <summary>The ONNX name of output <paramref name="j"/>'s value.</summary>
    public string Output(int j) => _names.Value(OutputValue(j));

    /// <summary>The initializer of the layer's parameter <paramref name="name"/> (<c>fc1.weight</c>).</summary>
    public string Parameter(string name)
    {
        int p = ParameterIndex(name);
        if (p < 0)
        {
            _failures.Add($"{Node.Op} ({Text}) has no parameter {name}");
            return string.Empty;
        }
        _names.UseParameter(p);
        return Graph.Parameters[p].Name;
    }

    /// <summary>The parameter's initializer, or the empty name (an omitted optional ONNX input) when the layer has none.</summary>
    public string OptionalParameter(string name) => HasParameter(name) ? Parameter(name) : string.Empty;

    /// <summary>The initializer of the layer's buffer <paramref name="name"/> (<c>bn1.running_mean</c>).</summary>
    public string ModuleBuffer(string name)
    {
        int b = ModuleBufferIndex(name);
        if (b < 0)
        {
            _failures.Add($"{Node.Op} ({Text}) has no buffer {name}");
            return string.Empty;
        }
        _names.UseBuffer(b);
        return Graph.Buffers[b].Name;
    }

    /// <summary>A fresh name for a value between two ONNX nodes of this op (<c>/fc1/weight_t</c>).</summary>
    public string Temp(string what) => _names.Unique(_prefix + "/" + what);

    /// <summary>A float32 scalar constant.</summary>
    public string Scalar(string what, double value)
    {
        string name = _names.Unique(_prefix + "/" + what);
        _lines.Add($"model.Constant({StringLiteral(name)}, new float[] {{ {Sizes.Float(value)} }});");
        return name;
    }

    /// <summary>A float32 vector of <paramref name="count"/> equal values (the scale of a BatchNorm without affine parameters).</summary>
    public string Filled(string what, int count, double value)
    {
        string name = _names.Unique(_prefix + "/" + what);
        _lines.Add($"model.Constant({StringLiteral(name)}, global::System.Linq.Enumerable.ToArray(global::System.Linq.Enumerable.Repeat({Sizes.Float(value)}, {Sizes.Literal(count)})), {Sizes.Literal(count)});");
        return name;
    }

    /// <summary>A float32 vector constant.</summary>
    public string Floats(string what, params double[] values)
    {
        string name = _names.Unique(_prefix + "/" + what);
        _lines.Add($"model.Constant({StringLiteral(name)}, new float[] {{ {string.Join(", ", values.Select(Sizes.Float))} }}, {Sizes.Literal(values.Length)});");
        return name;
    }

    /// <summary>An int64 vector constant (a shape for <c>Reshape</c>).</summary>
    public string Int64s(string what, IReadOnlyList<long> values)
    {
        string name = _names.Unique(_prefix + "/" + what);
        _lines.Add($"model.Int64Constant({StringLiteral(name)}, new long[] {{ {string.Join(", ", values.Select(Sizes.Literal))} }}, {Sizes.Literal(values.Count)});");
        return name;
    }

    /// <summary>An int64 scalar constant (a <c>Gather</c> index that removes its axis).</summary>
    public string Int64Scalar(string what, long value)
    {
        string name = _names.Unique(_prefix + "/" + what);
        _lines.Add($"model.Int64Constant({StringLiteral(name)}, new long[] {{ {Sizes.Literal(value)} }});");
        return name;
    }

    /// <summary>The sizes of <paramref name="shape"/> with the batch as −1 (a <c>Reshape</c> target: −1 is inferred).</summary>
    public long[] ReshapeTarget(Shape shape) => shape.Dims.Select(d => d.IsStatic ? (long)d.Size : -1L).ToArray();

    /// <summary>A <c>Reshape</c> target for <paramref name="shape"/> from <paramref name="operand"/>: static sizes as they are, a
    /// run-time axis the operand has at the same place as 0 (ONNX copies the input's size), the one other run-time axis as −1.
    /// Null when two run-time axes are left (a <c>Seq·Batch</c> split back into <c>Seq</c> and <c>Batch</c>): see
    /// <see cref="RunTimeShape"/>.</summary>
    public long[]? ReshapeTarget(Shape shape, Shape operand)
    {
        var target = new long[shape.Rank];
        int inferred = 0;
        for (int i = 0; i < shape.Rank; i++)
        {
            Dim d = shape[i];
            if (d.IsStatic) target[i] = d.Size;
            else if (i < operand.Rank && operand[i].SameSizeAs(d)) target[i] = 0;
            else
            {
                target[i] = -1;
                inferred++;
            }
        }
        return inferred <= 1 ? target : null;
    }

    /// <summary>An int64 shape tensor for <paramref name="shape"/> computed in the graph: static sizes as constants, <c>Seq</c> and
    /// <c>Batch</c> read from the first graph input that has them (<c>Shape</c>, <c>Gather</c>), a product multiplied out. Null
    /// (after <see cref="Unsupported"/>) when no input has a run-time axis the shape needs.</summary>
    public string? RunTimeShape(Shape shape)
    {
        var parts = new List<string>();
        for (int i = 0; i < shape.Rank; i++)
        {
            Dim d = shape[i];
            if (d.IsStatic)
            {
                parts.Add(Int64s($"shape_{i}", new[] { (long)d.Size }));
                continue;
            }
            string? size = null;
            for (int k = 0; k < d.SeqFactors + d.BatchFactors; k++)
            {
                string? factor = InputSize(k < d.SeqFactors ? Dim.Seq : Dim.Batch);
                if (factor is null) return null;
                if (size is null) size = factor;
                else
                {
                    string product = Temp($"shape_{i}_product");
                    Op("Mul", new[] { size, factor }, new[] { product });
                    size = product;
                }
            }
            if (d.StaticFactor != 1)
            {
                string product = Temp($"shape_{i}_scaled");
                Op("Mul", new[] { size!, Int64s($"shape_{i}_factor", new[] { d.StaticFactor }) }, new[] { product });
                size = product;
            }
            parts.Add(size!);
        }
        string result = Temp("shape");
        Op("Concat", parts.ToArray(), new[] { result }, OnnxAttr.Int("axis", 0));
        return result;
    }

    /// <summary>The size of run-time axis <paramref name="dim"/> (<c>Seq</c> or <c>Batch</c>) as an int64 [1], read from the first
    /// graph input that has it.</summary>
    private string? InputSize(Dim dim)
    {
        for (int i = 0; i < Graph.Inputs.Count; i++)
        {
            Shape input = Graph.ShapeOf(Graph.Inputs[i]);
            for (int axis = 0; axis < input.Rank; axis++)
            {
                if (!input[axis].SameSizeAs(dim)) continue;
                string shape = Temp($"{_names.Value(Graph.Inputs[i]).TrimStart('/')}_shape");
                Op("Shape", new[] { _names.Value(Graph.Inputs[i]) }, new[] { shape });
                string size = Temp(dim.IsSeq ? "seq" : "batch");
                Op("Gather", new[] { shape, Int64s($"{(dim.IsSeq ? "seq" : "batch")}_axis", new[] { (long)axis }) }, new[] { size }, OnnxAttr.Int("axis", 0));
                return size;
            }
        }
        Unsupported($"no input of the network has the {dim} axis the reshape to {OutputShape(0)} needs");
        return null;
    }

    /// <summary>An ONNX node of the default domain, named after the layer or block (<c>/conv1/Conv</c>, <c>/incep1/Concat</c>);
    /// an empty input is an omitted optional one.</summary>
    public void Op(string opType, string[] inputs, string[] outputs, params OnnxAttr[] attributes)
    {
        string name = _names.UniqueNode(_prefix + "/" + opType);
        string attributeList = string.Concat(attributes.Select(a => ", " + a.Code));
        _lines.Add($"model.Node({StringLiteral(opType)}, {StringLiteral(name)}, {Strings(inputs)}, {Strings(outputs)}{attributeList});");
    }

    /// <summary>One node with the operand and the output of an element-wise op (<c>Relu</c>, <c>Identity</c>).</summary>
    public void Unary(string opType, params OnnxAttr[] attributes) => Op(opType, new[] { Input(0) }, new[] { Output(0) }, attributes);

    /// <summary>A reduction over <paramref name="axes"/>; the builder writes the axes as an attribute or an input, as the opset wants.</summary>
    public void Reduce(string opType, string input, string output, IEnumerable<int> axes, bool keepDims)
    {
        string name = _names.UniqueNode(_prefix + "/" + opType);
        _lines.Add($"model.Reduce({StringLiteral(opType)}, {StringLiteral(name)}, {StringLiteral(input)}, {StringLiteral(output)}, " +
                   $"new long[] {{ {string.Join(", ", axes.Select(a => Sizes.Literal(a)))} }}, keepDims: {(keepDims ? "true" : "false")});");
    }

    /// <summary>The op cannot be written in ONNX (<paramref name="why"/>): the export throws instead of writing a wrong file.</summary>
    public void Unsupported(string why) => _failures.Add($"{Node.Op} ({Text}): {why}");

    private static string Strings(string[] names) => "new string[] { " + string.Join(", ", names.Select(StringLiteral)) + " }";
}

/// <summary>The ONNX names of a graph's values (inputs by their C# names, outputs <c>output</c>, the rest
/// <c>/fc1/Linear_output_0</c>), unique node and constant names, and the parameters and buffers the nodes read.</summary>
internal sealed class OnnxGraphNames
{
    private readonly Dictionary<int, string> _values = new();
    private readonly HashSet<string> _taken = new(System.StringComparer.Ordinal);
    private readonly HashSet<string> _nodeNames = new(System.StringComparer.Ordinal);
    private readonly HashSet<string> _bases = new(System.StringComparer.Ordinal);
    private readonly Dictionary<int, string> _nodeBases = new();
    private readonly SortedSet<int> _parameters = new();
    private readonly SortedSet<int> _buffers = new();
    private readonly CompiledGraph _graph;

    public OnnxGraphNames(CompiledGraph graph) => _graph = graph;

    public IEnumerable<int> UsedParameters => _parameters;

    public IEnumerable<int> UsedBuffers => _buffers;

    /// <summary>Names <paramref name="value"/> (before any node mentions it) and reserves the name.</summary>
    public void Name(int value, string name)
    {
        _values[value] = name;
        _taken.Add(name);
    }

    /// <summary>The value's name, made on first use from its producer's scope and op (<c>/incep1/branch1x1/Conv2d_output_0</c>,
    /// then <c>/Relu_1_output_0</c> for the second Relu at the top level).</summary>
    public string Value(int value)
    {
        if (_values.TryGetValue(value, out string? name)) return name;
        CompiledValue v = _graph.Values[value];
        if (!_nodeBases.TryGetValue(v.Node, out string? nodeBase))
        {
            CompiledNode producer = _graph.Nodes[v.Node];
            string scope = producer.Path.Length > 0 ? producer.Path : producer.Scope.TrimEnd('.');
            string preferred = (scope.Length > 0 ? "/" + scope.Replace('.', '/') : string.Empty) + "/" + producer.Op;
            nodeBase = preferred;
            for (int i = 1; _bases.Contains(nodeBase) || _taken.Contains(nodeBase + "_output_0"); i++)
                nodeBase = preferred + "_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _bases.Add(nodeBase);
            _nodeBases[v.Node] = nodeBase;
        }
        name = Unique(nodeBase + "_output_" + v.Output.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _values[value] = name;
        return name;
    }

    /// <summary><paramref name="preferred"/>, or with <c>_1</c>, <c>_2</c>, … appended when it is taken (as PyTorch's exporter names);
    /// values, initializers and constants share one namespace in ONNX.</summary>
    public string Unique(string preferred) => Unique(preferred, _taken);

    /// <summary>A node name, unique among nodes (<c>/conv1/Conv</c>, <c>/Relu_1</c>).</summary>
    public string UniqueNode(string preferred) => Unique(preferred, _nodeNames);

    private static string Unique(string preferred, HashSet<string> taken)
    {
        string name = preferred;
        for (int i = 1; !taken.Add(name); i++) name = preferred + "_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return name;
    }

    public void UseParameter(int index) => _parameters.Add(index);

    public void UseBuffer(int index) => _buffers.Add(index);
}
