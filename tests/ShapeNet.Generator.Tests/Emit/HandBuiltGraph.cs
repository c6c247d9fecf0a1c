using System.Globalization;
using ShapeNet.Generator.Model;

namespace ShapeNet.Generator.Tests.Emit;

/// <summary>Builds a <see cref="CompiledGraph"/> by hand, as shape inference would produce it.</summary>
internal sealed class HandBuiltGraph
{
    private readonly List<CompiledNode> _nodes = new();
    private readonly List<ParameterInfo> _parameters = new();
    private readonly Dictionary<string, int[]> _layers = new();
    private readonly List<int> _inputs = new();
    private readonly List<string> _inputNames = new();
    private readonly List<string> _inputTypes = new();

    public static Dim BatchDim => Dim.Batch;

    public static Dim D(string name, int size) => new(name, size);

    public static Dim D(int size) => Dim.Of(size);

    public Shape ShapeOf(int node) => _nodes[node].Shape;

    public int Input(string name, string type, params Dim[] dims)
    {
        int id = Add("Input", new int[0], Shape.Of(dims), name, args: new[] { new NamedArg("index", _inputs.Count.ToString(CultureInfo.InvariantCulture)) });
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
        return Add("Linear", new[] { x }, shape, text, path, parameters,
            new NamedArg("in", inFeatures.ToString(CultureInfo.InvariantCulture)), new NamedArg("out", outFeatures.ToString(CultureInfo.InvariantCulture)),
            new NamedArg("bias", bias ? "true" : "false"));
    }

    /// <summary>A Conv2d layer over [N, C, H, W] with a square kernel, as the canonical node (args in, out, kh, kw, sh, sw,
    /// ph, pw, dh, dw, groups, bias; parameters weight [out, in/groups, k, k], bias [out]).</summary>
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
        string I(int v) => v.ToString(CultureInfo.InvariantCulture);
        return Add("Conv2d", new[] { x }, shape, text, path, parameters,
            new NamedArg("in", I(inChannels)), new NamedArg("out", I(outChannels)), new NamedArg("kh", I(kernel)), new NamedArg("kw", I(kernel)),
            new NamedArg("sh", I(stride)), new NamedArg("sw", I(stride)), new NamedArg("ph", I(pad)), new NamedArg("pw", I(pad)),
            new NamedArg("dh", I(dilation)), new NamedArg("dw", I(dilation)), new NamedArg("groups", I(groups)), new NamedArg("bias", bias ? "true" : "false"));
    }

    /// <summary>MaxPool2d or AvgPool2d with a square window (AvgPool2d also gets <c>countIncludePad</c>).</summary>
    public int Pool(string op, int x, int kernel, int stride, int pad, string text, bool countIncludePad = true)
    {
        Shape xs = ShapeOf(x);
        int Out(long size) => (int)((size + 2 * pad - kernel) / stride + 1);
        string I(int v) => v.ToString(CultureInfo.InvariantCulture);
        var args = new List<NamedArg>
        {
            new("kh", I(kernel)), new("kw", I(kernel)), new("sh", I(stride)), new("sw", I(stride)), new("ph", I(pad)), new("pw", I(pad)),
        };
        if (op == "AvgPool2d") args.Add(new NamedArg("countIncludePad", countIncludePad ? "true" : "false"));
        return Add(op, new[] { x }, Shape.Of(xs[0], xs[1], D(Out(xs[2].Size)), D(Out(xs[3].Size))), text, args: args.ToArray());
    }

    /// <summary>An element-wise op: the operand's shape.</summary>
    public int Unary(string op, int x, string text, params NamedArg[] args) => Add(op, new[] { x }, ShapeOf(x), text, args: args);

    public int Op(string op, int[] inputs, Shape shape, string text, params NamedArg[] args) => Add(op, inputs, shape, text, args: args);

    public CompiledGraph Build(int output, string returnType) => new(
        _parameters.ToEquatableArray(), _nodes.ToEquatableArray(), _inputs.ToEquatableArray(),
        _inputNames.ToEquatableArray(), _inputTypes.ToEquatableArray(), output, returnType);

    private int AddParameter(string name, Shape shape, int fanIn)
    {
        _parameters.Add(new ParameterInfo(_parameters.Count, name, shape, "kaiming_uniform(" + fanIn.ToString(CultureInfo.InvariantCulture) + ")", fanIn));
        return _parameters.Count - 1;
    }

    private int Add(string op, int[] inputs, Shape shape, string text, string path = "", int[]? parameters = null, params NamedArg[] args)
    {
        int id = _nodes.Count;
        _nodes.Add(new CompiledNode(id, op, inputs.ToEquatableArray(), args.ToEquatableArray(), shape, text, path,
            (parameters ?? new int[0]).ToEquatableArray(), RequiresGrad: true));
        return id;
    }
}
