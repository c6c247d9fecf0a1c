using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Ops;

namespace ShapeNet.Generator.Inference;

/// <summary>Builds the flat graph: walks a forward body node by node, inlining blocks, computing each shape
/// with the op's rule and reporting the first error on each path (later nodes that depend on a failed one are
/// skipped silently, so one mistake gives one diagnostic).</summary>
internal sealed partial class GraphBuilder
{
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly List<CompiledNode> _nodes = new();
    private readonly List<ParameterInfo> _parameters = new();
    private readonly List<BufferInfo> _buffers = new();
    /// <summary>The first buffer index of each layer with buffers, by its module path (<c>block1.bn</c>).</summary>
    private readonly Dictionary<string, int> _bufferBase = new();
    /// <summary>For a Reshape node made by Flatten: the flattened operand's text and shape, for SN0101's message.</summary>
    private readonly Dictionary<int, (string Text, Shape Shape, int StartDim)> _flattenSources = new();
    private bool _failed;
    /// <summary>The module path of the block being inlined (<see cref="CompiledNode.Scope"/> of the nodes it adds).</summary>
    private string _scopePath = string.Empty;

    public GraphBuilder(List<DiagnosticInfo> diagnostics) => _diagnostics = diagnostics;

    /// <summary>Declares the parameters of <paramref name="layers"/> (weight then bias per Linear, blocks depth-first)
    /// and returns each layer member's first parameter index.</summary>
    public Dictionary<string, int> AddParameters(EquatableArray<LayerModel> layers, string prefix)
    {
        var first = new Dictionary<string, int>();
        foreach (LayerModel layer in layers)
        {
            first[layer.MemberName] = _parameters.Count;
            string name = prefix + layer.ModuleName;
            switch (layer.Kind)
            {
                case "Linear":
                    int inFeatures = ArgInt(layer.Args, "in"), outFeatures = ArgInt(layer.Args, "out");
                    _parameters.Add(new ParameterInfo(_parameters.Count, name + ".weight", Shape.Of(Dim.Of(outFeatures), Dim.Of(inFeatures)), "kaiming_uniform", inFeatures));
                    if (Arg(layer.Args, "bias") == "true")
                        _parameters.Add(new ParameterInfo(_parameters.Count, name + ".bias", Shape.Of(Dim.Of(outFeatures)), "uniform", inFeatures));
                    break;
                case "Conv2d":
                {
                    int inChannels = ArgInt(layer.Args, "in"), outChannels = ArgInt(layer.Args, "out"), groups = ArgInt(layer.Args, "groups");
                    int kh = ArgInt(layer.Args, "kh"), kw = ArgInt(layer.Args, "kw");
                    int fanIn = inChannels / groups * kh * kw;
                    _parameters.Add(new ParameterInfo(_parameters.Count, name + ".weight",
                        Shape.Of(Dim.Of(outChannels), Dim.Of(inChannels / groups), Dim.Of(kh), Dim.Of(kw)), "kaiming_uniform", fanIn));
                    if (Arg(layer.Args, "bias") == "true")
                        _parameters.Add(new ParameterInfo(_parameters.Count, name + ".bias", Shape.Of(Dim.Of(outChannels)), "uniform", fanIn));
                    break;
                }
                case "BatchNorm2d" when Arg(layer.Args, "affine") == "true":
                {
                    // PyTorch's init: weight 1, bias 0 (no random draw).
                    int features = ArgInt(layer.Args, "features");
                    _parameters.Add(new ParameterInfo(_parameters.Count, name + ".weight", Shape.Of(Dim.Of(features)), "ones", 0));
                    _parameters.Add(new ParameterInfo(_parameters.Count, name + ".bias", Shape.Of(Dim.Of(features)), "zeros", 0));
                    break;
                }
                case "Block" when layer.Block is not null:
                    AddParameters(layer.Block.Layers, name + ".");
                    break;
            }
        }
        return first;
    }

    /// <summary>Declares the buffers of <paramref name="layers"/> (running_mean, running_var, num_batches_tracked per
    /// BatchNorm2d, blocks depth-first), the order of the generated <c>AddBuffers</c>.</summary>
    public void AddBuffers(EquatableArray<LayerModel> layers, string prefix)
    {
        foreach (LayerModel layer in layers)
        {
            string name = prefix + layer.ModuleName;
            if (layer.Kind == "BatchNorm2d")
            {
                int features = ArgInt(layer.Args, "features");
                _bufferBase[name] = _buffers.Count;
                _buffers.Add(new BufferInfo(_buffers.Count, name + ".running_mean", Shape.Of(Dim.Of(features)), "zeros"));
                _buffers.Add(new BufferInfo(_buffers.Count, name + ".running_var", Shape.Of(Dim.Of(features)), "ones"));
                _buffers.Add(new BufferInfo(_buffers.Count, name + ".num_batches_tracked", Shape.Scalar, "zeros"));
            }
            else if (layer.Kind == "Block" && layer.Block is not null)
            {
                AddBuffers(layer.Block.Layers, name + ".");
            }
        }
    }

    public CompiledGraph? Build(GraphModel graph, EquatableArray<LayerModel> layers, Dictionary<string, int> parameterBase)
    {
        var inputIds = new List<int>();
        for (int i = 0; i < graph.Inputs.Count; i++)
        {
            GraphInput input = graph.Inputs[i];
            inputIds.Add(Add("Input", new int[0], new[] { new NamedArg("index", i.ToString(CultureInfo.InvariantCulture)) }, input.Shape, input.Name, string.Empty, new int[0], requiresGrad: true));
        }
        var scope = new Scope(graph, layers, parameterBase, string.Empty, new Dictionary<string, Dim>(), Report: true);
        int output = Inline(scope, inputIds);
        if (_failed || output < 0) return null;

        Shape result = _nodes[output].Shape;
        if (graph.DeclaredReturn is { } declared && !declared.SameAs(result))
        {
            Node returned = graph.Nodes[graph.Output];
            Report(true, DiagnosticDescriptors.ReturnShape, returned.Location, graph.MethodName, declared.ToNamedString(), returned.Text, result.ToNamedString());
            return null;
        }
        return new CompiledGraph(_parameters.ToEquatableArray(), _nodes.ToEquatableArray(), inputIds.ToEquatableArray(),
            graph.Inputs.Select(i => i.Name).ToEquatableArray(), graph.Inputs.Select(i => i.TypeText).ToEquatableArray(), output, graph.ReturnTypeText)
        {
            Buffers = _buffers.ToEquatableArray(),
        };
    }

    /// <summary>How a graph is being inlined: its layers, where their parameters start, the module path, the
    /// bindings of its generic dimensions, and whether errors inside it are reported here.</summary>
    private sealed record Scope(GraphModel Graph, EquatableArray<LayerModel> Layers, Dictionary<string, int> ParameterBase, string Path,
        Dictionary<string, Dim> Bindings, bool Report);

    /// <summary>Adds the nodes of <paramref name="scope"/>'s graph with its inputs bound to <paramref name="inputs"/>;
    /// returns the flat id of its output, or −1.</summary>
    private int Inline(Scope scope, IReadOnlyList<int> inputs)
    {
        string outerScopePath = _scopePath;
        _scopePath = scope.Path;
        try
        {
            return InlineNodes(scope, inputs);
        }
        finally
        {
            _scopePath = outerScopePath;
        }
    }

    private int InlineNodes(Scope scope, IReadOnlyList<int> inputs)
    {
        var flat = new int[scope.Graph.Nodes.Count];
        foreach (Node node in scope.Graph.Nodes)
        {
            int[] operands = node.Inputs.Select(i => flat[i]).ToArray();
            if (node.Kind == NodeKind.Input)
            {
                flat[node.Id] = inputs[int.Parse(node.Arg("index")!, CultureInfo.InvariantCulture)];
                continue;
            }
            if (operands.Any(o => o < 0))
            {
                flat[node.Id] = -1;
                continue;
            }
            flat[node.Id] = node.Kind switch
            {
                NodeKind.Layer => Layer(scope, node, operands[0]),
                NodeKind.Block => Block(scope, node, operands),
                _ => Op(scope, node, operands),
            };
            if (flat[node.Id] < 0) _failed = true;
        }
        return flat[scope.Graph.Output];
    }

    private int Layer(Scope scope, Node node, int input)
    {
        LayerModel layer = scope.Layers.First(l => l.MemberName == node.Op);
        if (layer.Kind == "Conv2d") return Conv2d(scope, node, layer, input);
        if (layer.Kind == "BatchNorm2d") return BatchNorm2d(scope, node, layer, input);
        Shape x = _nodes[input].Shape;
        int inFeatures = ArgInt(layer.Args, "in"), outFeatures = ArgInt(layer.Args, "out");
        if (x.Rank == 0)
            return Fail(scope, DiagnosticDescriptors.RankMismatch, node.Location, node.Text, "an input of rank 1 or more [..., " + inFeatures + "]", _nodes[input].Text, x.ToNamedString());
        Dim last = x[x.Rank - 1];
        if (!last.IsStatic || last.Size != inFeatures)
            return Fail(scope, DiagnosticDescriptors.LinearInFeatures, node.Location, layer.MemberName, inFeatures, _nodes[input].Text, DescribeFeatures(input));
        var dims = x.Dims.Take(x.Rank - 1).Concat(new[] { Dim.Of(outFeatures) });
        int first = scope.ParameterBase[layer.MemberName];
        int[] parameters = Arg(layer.Args, "bias") == "true" ? new[] { first, first + 1 } : new[] { first };
        return Add("Linear", new[] { input }, layer.Args.ToArray(), new Shape(dims.ToEquatableArray()), node.Text, scope.Path + layer.ModuleName, parameters, requiresGrad: true);
    }

    /// <summary><c>320 = 20 × 4 × 4 (h is [Batch, 20, 4, 4])</c> for a flattened input, else <c>320 (its shape is [Batch, 320])</c>.</summary>
    private string DescribeFeatures(int input)
    {
        Shape shape = _nodes[input].Shape;
        Dim last = shape[shape.Rank - 1];
        if (_flattenSources.TryGetValue(input, out var source))
        {
            var factors = source.Shape.Dims.Skip(source.StartDim).Select(d => d.ToString()).ToList();
            if (factors.Count > 1)
                return $"{last} = {string.Join(" × ", factors)} ({source.Text} is {source.Shape.ToNamedString()})";
        }
        return $"{last} (its shape is {shape.ToNamedString()})";
    }

    private int Block(Scope scope, Node node, int[] operands)
    {
        LayerModel layer = scope.Layers.First(l => l.MemberName == node.Op);
        NetworkModel block = layer.Block!;
        GraphModel? forward = block.Forward;
        if (forward is null) return -1;
        if (forward.Inputs.Count != operands.Length)
            return Fail(scope, DiagnosticDescriptors.WrongArguments, node.Location, layer.MemberName + ".Forward", node.Text,
                $"it takes {forward.Inputs.Count} tensor(s)");

        var bindings = new Dictionary<string, Dim>();
        for (int i = 0; i < operands.Length; i++)
        {
            Shape expected = forward.Inputs[i].Shape;
            Shape actual = _nodes[operands[i]].Shape;
            if (!Unify(expected, actual, bindings))
                return Fail(scope, DiagnosticDescriptors.BlockInput, node.Location, layer.MemberName, Substitute(expected, bindings).ToNamedString(),
                    forward.Inputs[i].Name, _nodes[operands[i]].Text, actual.ToNamedString());
        }
        var childBase = new Dictionary<string, int>();
        int offset = scope.ParameterBase[layer.MemberName];
        int index = offset;
        foreach (LayerModel child in block.Layers)
        {
            childBase[child.MemberName] = index;
            index += CountParameters(child);
        }
        bool reportInside = scope.Report && !ShapeInference.IsStandalone(block);
        var childScope = new Scope(forward, block.Layers, childBase, scope.Path + layer.ModuleName + ".", bindings, reportInside);
        int output = Inline(childScope, operands);
        if (output < 0) return -1;
        if (forward.DeclaredReturn is { } declared && !Substitute(declared, bindings).SameAs(_nodes[output].Shape))
        {
            Node returned = forward.Nodes[forward.Output];
            return Fail(childScope, DiagnosticDescriptors.ReturnShape, returned.Location, forward.MethodName,
                Substitute(declared, bindings).ToNamedString(), returned.Text, _nodes[output].Shape.ToNamedString());
        }
        return output;
    }

    private static int CountParameters(LayerModel layer) => layer.Kind switch
    {
        "Linear" or "Conv2d" => Arg(layer.Args, "bias") == "true" ? 2 : 1,
        "BatchNorm2d" => Arg(layer.Args, "affine") == "true" ? 2 : 0,
        "Block" when layer.Block is not null => layer.Block.Layers.Sum(CountParameters),
        _ => 0,
    };

    /// <summary>Matches a block's declared input against the shape it is given, binding its generic dims.</summary>
    private static bool Unify(Shape expected, Shape actual, Dictionary<string, Dim> bindings)
    {
        if (expected.Rank != actual.Rank) return false;
        for (int i = 0; i < expected.Rank; i++)
        {
            Dim e = expected[i], a = actual[i];
            if (e.Size == Dim.Symbolic)
            {
                if (bindings.TryGetValue(e.Name, out Dim bound))
                {
                    if (!bound.SameSizeAs(a)) return false;
                }
                else
                {
                    bindings[e.Name] = a;
                }
            }
            else if (!e.SameSizeAs(a))
            {
                return false;
            }
        }
        return true;
    }

    private static Shape Substitute(Shape shape, Dictionary<string, Dim> bindings) =>
        new(shape.Dims.Select(d => d.Size == Dim.Symbolic && bindings.TryGetValue(d.Name, out Dim b) ? b : d).ToEquatableArray());

    // ---- helpers -------------------------------------------------------------------------------

    private int Add(string op, int[] inputs, NamedArg[] args, Shape shape, string text, string path, int[] parameters, bool requiresGrad)
    {
        int id = _nodes.Count;
        _nodes.Add(new CompiledNode(id, op, inputs.ToEquatableArray(), args.ToEquatableArray(), shape, text, path, parameters.ToEquatableArray(), requiresGrad, _scopePath));
        return id;
    }

    /// <summary>An op node whose gradient flows when any operand's does.</summary>
    private int AddOp(string op, int[] inputs, NamedArg[] args, Shape shape, string text) =>
        Add(op, inputs, args, shape, text, string.Empty, new int[0], inputs.Any(i => _nodes[i].RequiresGrad));

    private int Fail(Scope scope, Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, LocationInfo? location, params object[] args)
    {
        _failed = true;
        Report(scope.Report, descriptor, location, args);
        return -1;
    }

    private void Report(bool report, Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, LocationInfo? location, params object[] args)
    {
        if (!report) return;
        DiagnosticInfo diagnostic = DiagnosticInfo.Create(descriptor, location, args);
        if (!_diagnostics.Contains(diagnostic)) _diagnostics.Add(diagnostic);
    }

    private static string? Arg(EquatableArray<NamedArg> args, string name)
    {
        foreach (NamedArg a in args) if (a.Name == name) return a.Value;
        return null;
    }

    private static int ArgInt(EquatableArray<NamedArg> args, string name) => int.Parse(Arg(args, name)!, CultureInfo.InvariantCulture);

    private static NamedArg Named(string name, int value) => new(name, value.ToString(CultureInfo.InvariantCulture));

    private static NamedArg Named(string name, string value) => new(name, value);
}
