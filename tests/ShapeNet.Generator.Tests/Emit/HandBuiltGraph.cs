using ShapeNet.Generator.Model;
using ShapeNet.Generator.Ops;

namespace ShapeNet.Generator.Tests.Emit;

/// <summary>Builds a <see cref="CompiledGraph"/> by hand, as shape inference would produce it: one value per node, so a
/// node's id is also its output's value id.</summary>
internal sealed class HandBuiltGraph
{
    private readonly List<CompiledNode> _nodes = new();
    private readonly List<CompiledValue> _values = new();
    private readonly List<ParameterInfo> _parameters = new();
    private readonly Dictionary<string, int[]> _layers = new();
    private readonly List<int> _inputs = new();
    private readonly List<string> _inputNames = new();
    private readonly List<string> _inputTypes = new();

    public static Dim BatchDim => Dim.Batch;

    public static Dim D(string name, int size) => new(name, size);

    public static Dim D(int size) => Dim.Of(size);

    public Shape ShapeOf(int node) => _values[node].Shape;

    public int Input(string name, string type, params Dim[] dims)
    {
        int id = Add("Input", new InputArgs(_inputs.Count), new int[0], Shape.Of(dims), name);
        _inputs.Add(id);
        _inputNames.Add(name);
        _inputTypes.Add(type);
        return id;
    }

    /// <summary>A Linear layer over the last axis; calling it again with the same path reuses its parameters.</summary>
    public int Linear(int x, string path, int inFeatures, int outFeatures, string text, bool bias = true)
    {
        if (!_layers.TryGetValue(path, out int[]? parameters))
        {
            var list = new List<int> { AddParameter(path + ".weight", Shape.Of(D(outFeatures), D(inFeatures)), inFeatures) };
            if (bias) list.Add(AddParameter(path + ".bias", Shape.Of(D(outFeatures)), inFeatures));
            _layers[path] = parameters = list.ToArray();
        }
        Shape xs = ShapeOf(x);
        Shape shape = new(xs.Dims.Take(xs.Rank - 1).Append(D(outFeatures)).ToEquatableArray());
        return Add("Linear", new LinearArgs(SizeArg.Of(inFeatures), SizeArg.Of(outFeatures), bias), new[] { x }, shape, text, path, parameters);
    }

    /// <summary>A Conv2d layer over [N, C, H, W] with a square kernel, as the canonical node (parameters weight
    /// [out, in/groups, k, k], bias [out]).</summary>
    public int Conv2d(int x, string path, int inChannels, int outChannels, int kernel, string text, int stride = 1, int pad = 0,
        int dilation = 1, int groups = 1, bool bias = true)
    {
        int fanIn = inChannels / groups * kernel * kernel;
        if (!_layers.TryGetValue(path, out int[]? parameters))
        {
            var list = new List<int> { AddParameter(path + ".weight", Shape.Of(D(outChannels), D(inChannels / groups), D(kernel), D(kernel)), fanIn) };
            if (bias) list.Add(AddParameter(path + ".bias", Shape.Of(D(outChannels)), fanIn));
            _layers[path] = parameters = list.ToArray();
        }
        Shape xs = ShapeOf(x);
        int Out(long size) => (int)((size + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1);
        Shape shape = Shape.Of(xs[0], D(outChannels), D(Out(xs[2].Size)), D(Out(xs[3].Size)));
        var args = new Conv2dArgs(SizeArg.Of(inChannels), SizeArg.Of(outChannels), kernel, kernel, stride, stride, pad, pad, dilation, dilation, groups, bias);
        return Add("Conv2d", args, new[] { x }, shape, text, path, parameters);
    }

    /// <summary>MaxPool2d or AvgPool2d with a square window.</summary>
    public int Pool(string op, int x, int kernel, int stride, int pad, string text, bool countIncludePad = true)
    {
        Shape xs = ShapeOf(x);
        int Out(long size) => (int)((size + 2 * pad - kernel) / stride + 1);
        return Add(op, new Pool2dArgs(kernel, stride, pad, countIncludePad), new[] { x }, Shape.Of(xs[0], xs[1], D(Out(xs[2].Size)), D(Out(xs[3].Size))), text);
    }

    /// <summary>An element-wise op: the operand's shape.</summary>
    public int Unary(string op, int x, string text, OpArgs? args = null) => Add(op, args ?? NoArgs.Value, new[] { x }, ShapeOf(x), text);

    /// <summary>An op with the arguments inference would give it (<paramref name="args"/>, or the defaults of a call without
    /// constants: every axis for Sum/Mean, Flatten for Reshape).</summary>
    public int Op(string op, int[] inputs, Shape shape, string text, OpArgs? args = null) =>
        Add(op, args ?? DefaultArgs(op, inputs), inputs, shape, text);

    public CompiledGraph Build(int output, string returnType) => new(
        _parameters.ToEquatableArray(), _nodes.ToEquatableArray(), _values.ToEquatableArray(), _inputs.ToEquatableArray(),
        _inputNames.ToEquatableArray(), _inputTypes.ToEquatableArray(), EquatableArray.Create(output), returnType)
    {
        OutputTypes = EquatableArray.Create(returnType),
    };

    private OpArgs DefaultArgs(string op, int[] inputs) => op switch
    {
        "Sum" or "Mean" => new ReduceArgs(Enumerable.Range(0, ShapeOf(inputs[0]).Rank).ToEquatableArray(), false),
        "Reshape" => new ReshapeArgs(1, EquatableArray<int>.Empty),
        "MatMul" => new MatMulArgs(false),
        "Dot" => new MatMulArgs(true),
        "GlobalAvgPool" => new GlobalAvgPoolArgs(null),
        _ => NoArgs.Value,
    };

    private int AddParameter(string name, Shape shape, int fanIn)
    {
        _parameters.Add(new ParameterInfo(_parameters.Count, name, shape, "kaiming_uniform", fanIn));
        return _parameters.Count - 1;
    }

    private int Add(string op, OpArgs args, int[] inputs, Shape shape, string text, string path = "", int[]? parameters = null)
    {
        int id = _nodes.Count;
        if (op == "Dot") op = "MatMul";
        _values.Add(new CompiledValue(id, id, 0, shape, text));
        _nodes.Add(new CompiledNode(id, op, args, inputs.ToEquatableArray(), EquatableArray.Create(id), text, path, (parameters ?? new int[0]).ToEquatableArray()));
        return id;
    }
}
