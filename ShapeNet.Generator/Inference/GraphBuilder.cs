using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Ops;

namespace ShapeNet.Generator.Inference;

/// <summary>Builds the flat graph: walks a forward body node by node, inlining blocks, computing each node's shapes with
/// its definition's shape rule and reporting the first error on each path (later nodes that depend on a failed one are
/// skipped silently, so one mistake gives one diagnostic).</summary>
internal sealed class GraphBuilder
{
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly List<CompiledNode> _nodes = new();
    private readonly List<CompiledValue> _values = new();
    private readonly List<ParameterInfo> _parameters = new();
    private readonly List<BufferInfo> _buffers = new();
    private readonly List<CompiledLoop> _loops = new();
    /// <summary>Whether a loop region's body is being inlined (a block called in it may not hold a loop region of its own).</summary>
    private bool _inLoop;
    /// <summary>The first buffer index of each layer with buffers, by its module path (<c>block1.bn</c>).</summary>
    private readonly Dictionary<string, int> _bufferBase = new();
    private bool _failed;
    /// <summary>The module path of the block being inlined (<see cref="CompiledNode.Scope"/> of the nodes it adds).</summary>
    private string _scopePath = string.Empty;

    public GraphBuilder(List<DiagnosticInfo> diagnostics) => _diagnostics = diagnostics;

    /// <summary>Declares the parameters of <paramref name="layers"/> (each layer's in its declaration order, blocks
    /// depth-first) and returns each layer member's first parameter index.</summary>
    public Dictionary<string, int> AddParameters(EquatableArray<LayerModel> layers, string prefix)
    {
        var first = new Dictionary<string, int>();
        foreach (LayerModel layer in layers)
        {
            first[layer.MemberName] = _parameters.Count;
            string name = prefix + layer.ModuleName;
            if (layer.IsBlock)
            {
                if (layer.Block is not null) AddParameters(layer.Block.Layers, name + ".");
                continue;
            }
            foreach (LayerTensor p in Definition(layer).ParametersOf(layer.Args))
            {
                Shape shape = Bound(p, layer);
                if (!WithinTensorLimit(shape, $"{prefix}{layer.MemberName}'s {p.Name}", layer.Location, report: true)) _failed = true;
                _parameters.Add(new ParameterInfo(_parameters.Count, name + "." + p.Name, shape, p.Init, p.FanIn));
            }
        }
        return first;
    }

    /// <summary>Declares the buffers of <paramref name="layers"/> (blocks depth-first), the order of the generated
    /// <c>AddBuffers</c>.</summary>
    public void AddBuffers(EquatableArray<LayerModel> layers, string prefix)
    {
        foreach (LayerModel layer in layers)
        {
            string name = prefix + layer.ModuleName;
            if (layer.IsBlock)
            {
                if (layer.Block is not null) AddBuffers(layer.Block.Layers, name + ".");
                continue;
            }
            IReadOnlyList<LayerTensor> buffers = Definition(layer).BuffersOf(layer.Args);
            if (buffers.Count == 0) continue;
            _bufferBase[name] = _buffers.Count;
            foreach (LayerTensor b in buffers)
                _buffers.Add(new BufferInfo(_buffers.Count, name + "." + b.Name, Bound(b, layer), b.Init));
        }
    }

    public CompiledGraph? Build(GraphModel graph, EquatableArray<LayerModel> layers, Dictionary<string, int> parameterBase)
    {
        var inputIds = new List<int>();
        for (int i = 0; i < graph.Inputs.Count; i++)
        {
            GraphInput input = graph.Inputs[i];
            if (!WithinTensorLimit(input.Shape, $"Input '{input.Name}'", input.Location, report: true)) return null;
            inputIds.Add(AddNode(nameof(Ops.Input), new InputArgs(i, input.Integer), new int[0], new[] { input.Shape }, new[] { input.Name }, input.Name, string.Empty,
                new int[0], new int[0])[0]);
        }
        var scope = new Scope(graph, layers, parameterBase, string.Empty, new Dictionary<string, Dim>(), Report: true);
        int[]? outputs = Inline(scope, inputIds);
        if (_failed || outputs is null) return null;

        for (int i = 0; i < outputs.Length && i < graph.DeclaredReturns.Count; i++)
        {
            Shape result = _values[outputs[i]].Shape;
            if (graph.DeclaredReturns[i].Shape is { } declared && !declared.SameAs(result))
            {
                Node returned = graph.Nodes[graph.Outputs[i].Node];
                Report(true, DiagnosticDescriptors.ReturnShape, returned.Location, ReturnTypeFix(result), graph.MethodName, declared.ToNamedString(),
                    returned.Text, result.ToNamedString());
                return null;
            }
        }
        return new CompiledGraph(_parameters.ToEquatableArray(), _nodes.ToEquatableArray(), _values.ToEquatableArray(), inputIds.ToEquatableArray(),
            graph.Inputs.Select(i => i.Name).ToEquatableArray(), graph.Inputs.Select(i => i.TypeText).ToEquatableArray(), outputs.ToEquatableArray(), graph.ReturnTypeText)
        {
            Buffers = _buffers.ToEquatableArray(),
            Loops = _loops.ToEquatableArray(),
            ReturnStructure = graph.ReturnStructure,
            OutputTypes = graph.DeclaredReturns.Select(r => r.TypeText).ToEquatableArray(),
        };
    }

    /// <summary>How a graph is being inlined: its layers, where their parameters start, the module path, the
    /// bindings of its generic dimensions, and whether errors inside it are reported here.</summary>
    private sealed record Scope(GraphModel Graph, EquatableArray<LayerModel> Layers, Dictionary<string, int> ParameterBase, string Path,
        Dictionary<string, Dim> Bindings, bool Report);

    /// <summary>Adds the nodes of <paramref name="scope"/>'s graph with its inputs bound to <paramref name="inputs"/>;
    /// returns the flat value ids of its outputs, or null.</summary>
    private int[]? Inline(Scope scope, IReadOnlyList<int> inputs)
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

    private int[]? InlineNodes(Scope scope, IReadOnlyList<int> inputs)
    {
        var flat = new int[]?[scope.Graph.Nodes.Count];
        int Resolve(ValueRef r) => flat[r.Node] is { } outputs && r.Output < outputs.Length ? outputs[r.Output] : -1;
        // Each loop region of this graph: its index among the flat graph's loops, its step count, its first flat node.
        var loops = new (int Index, int Count, int First, int Last)[scope.Graph.Loops.Count];
        foreach (Node node in scope.Graph.Nodes)
        {
            if (node.Kind == NodeKind.Input)
            {
                flat[node.Id] = new[] { inputs[((InputArgs)node.Args).Index] };
                continue;
            }
            for (int l = 0; l < scope.Graph.Loops.Count; l++)
            {
                LoopModel model = scope.Graph.Loops[l];
                if (model.FirstNode != node.Id) continue;
                if (_inLoop)
                {
                    Fail(scope, DiagnosticDescriptors.LoopNotCompiled, model.Location, model.Header,
                        "it runs inside another compiled loop (a block called in a loop body holds it); write the inner loop's steps out");
                    return null;
                }
                int count = model.Count;
                if (count < 0)
                {
                    int sequence = model.Sequence is { } s ? Resolve(s) : -1;
                    if (sequence < 0) return null;
                    Shape shape = _values[sequence].Shape;
                    if (shape.Rank == 0 || !(shape[0].IsStatic || shape[0].IsSeq))
                    {
                        string tensor = model.Bound.EndsWith(".Size(0)", System.StringComparison.Ordinal) ? model.Bound.Substring(0, model.Bound.Length - 8) : model.Bound;
                        Fail(scope, DiagnosticDescriptors.LoopBound, model.BoundLocation ?? model.Location, model.Header, model.Bound,
                            $"'{tensor}' is {shape.ToNamedString()}, whose first axis is the batch; loop to the length of a sequence whose first axis is a dimension or the run-time Seq");
                        return null;
                    }
                    count = shape[0].IsStatic ? shape[0].Size : -1;
                }
                loops[l] = (_loops.Count, count, _nodes.Count, -1);
                _loops.Add(null!);   // filled in when its last result is added
                _inLoop = true;
            }
            int[] operands = node.Inputs.Select(Resolve).ToArray();
            if (operands.Any(o => o < 0)) continue;
            Node inlined = node.Args is LoopArgs loopArgs && loopArgs.Loop < loops.Length
                ? node with { Args = loopArgs with { Loop = loops[loopArgs.Loop].Index, Count = loops[loopArgs.Loop].Count } }
                : node;
            int[]? outputs = node.Kind switch
            {
                NodeKind.Layer => Layer(scope, node, operands),
                NodeKind.Block => Block(scope, node, operands),
                _ => Op(scope, inlined, operands),
            };
            flat[node.Id] = outputs;
            if (outputs is null) _failed = true;
            for (int l = 0; l < scope.Graph.Loops.Count; l++)
            {
                LoopModel model = scope.Graph.Loops[l];
                if (model.LastNode == node.Id)
                {
                    _inLoop = false;
                    loops[l].Last = _nodes.Count - 1;
                    if (!CarriedKeepShapes(scope, model, Resolve)) return null;
                }
                if (model.EndNode != node.Id || _failed) continue;
                var carried = model.Carried.Select(c => new CompiledCarry(c.Name, Resolve(ValueRef.Of(c.StateNode)), Resolve(c.Out), Resolve(ValueRef.Of(c.ExitNode))));
                _loops[loops[l].Index] = new CompiledLoop(loops[l].Index, loops[l].First, loops[l].Last, _nodes.Count - 1, model.Start, loops[l].Count,
                    carried.ToEquatableArray(), model.Header);
            }
        }
        int[] result = scope.Graph.Outputs.Select(Resolve).ToArray();
        return result.Any(r => r < 0) ? null : result;
    }

    /// <summary>SN0125 when a step changes the shape of a variable the loop carries to the next step.</summary>
    private bool CarriedKeepShapes(Scope scope, LoopModel loop, System.Func<ValueRef, int> resolve)
    {
        foreach (LoopCarry carry in loop.Carried)
        {
            int state = resolve(ValueRef.Of(carry.StateNode)), next = resolve(carry.Out);
            if (state < 0 || next < 0) continue;
            if (loop.Carried.FirstOrDefault(c => resolve(ValueRef.Of(c.StateNode)) == next) is { } previous)
            {
                // previous = h; h = Cell(x[t], h);: both states are set at the start of a step, so one would read the other overwritten.
                Fail(scope, DiagnosticDescriptors.LoopNotCompiled, loop.Location, loop.Header,
                    $"'{carry.Name}' ends a step as the value '{previous.Name}' had at the start of that step; a carried local must be computed in the step (keep the previous value with {carry.Name} = {previous.Name} * 1f)");
                return false;
            }
            if (_values[state].Shape.SameAs(_values[next].Shape)) continue;
            Fail(scope, DiagnosticDescriptors.LoopCarriedShape, loop.Location, loop.Header, carry.Name, _values[state].Shape.ToNamedString(),
                _values[next].Shape.ToNamedString());
            return false;
        }
        return true;
    }

    private int[]? Op(Scope scope, Node node, int[] operands)
    {
        OpDefinition? op = OpRegistry.Find(node.Op);
        if (op is null)
        {
            Fail(scope, DiagnosticDescriptors.InternalError, node.Location, node.Text, "no shape rule for op " + node.Op);
            return null;
        }
        if (!OperandKindsFit(scope, node, op, node.Args, node.Op, operands)) return null;
        OpResult result = op.InferNode(node.Args, Context(scope, node, string.Empty, operands));
        return Add(scope, node, op.Name, result, operands, string.Empty, new int[0], new int[0]);
    }

    private int[]? Layer(Scope scope, Node node, int[] operands)
    {
        LayerModel layer = scope.Layers.First(l => l.MemberName == node.Op);
        ILayer definition = Definition(layer);
        OpArgs args = node.Args is LayerCallArgs call ? definition.BindCall(layer.Args, call) : layer.Args;
        if (!OperandKindsFit(scope, node, (OpDefinition)definition, args, layer.MemberName, operands)) return null;
        OpResult result = ((OpDefinition)definition).InferNode(args, Context(scope, node, layer.MemberName, operands));
        if (result.IsFailure) return Add(scope, node, definition.Name, result, operands, string.Empty, new int[0], new int[0]);
        string path = scope.Path + layer.ModuleName;
        int first = scope.ParameterBase[layer.MemberName];
        int[] parameters = Enumerable.Range(first, definition.ParametersOf(result.Args).Count).ToArray();
        int bufferCount = definition.BuffersOf(result.Args).Count;
        int[] buffers = bufferCount == 0 ? new int[0] : Enumerable.Range(_bufferBase[path], bufferCount).ToArray();
        return Add(scope, node, definition.Name, result, operands, path, parameters, buffers);
    }

    /// <summary>Integer tensors (ids, lengths) only where the definition takes them, floats everywhere else (SN0122, SN0123).</summary>
    private bool OperandKindsFit(Scope scope, Node node, OpDefinition definition, OpArgs args, string what, int[] operands)
    {
        for (int i = 0; i < operands.Length; i++)
        {
            bool integer = IsInteger(operands[i]);
            if (definition.IntegerOperand(args, i) == integer) continue;
            CompiledValue value = _values[operands[i]];
            if (integer)
                Fail(scope, DiagnosticDescriptors.FloatOperandExpected, node.Location, what, value.Text, value.Shape.ToNamedString());
            else
                Fail(scope, DiagnosticDescriptors.IntegerOperandExpected, node.Location, what, definition.IntegerOperandName(args, i),
                    value.Text, value.Shape.ToNamedString());
            return false;
        }
        return true;
    }

    /// <summary>Whether a value holds integers: an <c>IntTensor</c> input (every op's output is float).</summary>
    private bool IsInteger(int value) => _nodes[_values[value].Node].Args is InputArgs { Integer: true };

    private ShapeContext Context(Scope scope, Node node, string member, int[] operands) =>
        new(node.Text, member, operands, v => _values[v], v => _nodes[_values[v].Node],
            (descriptor, properties, arguments) => Fail(scope, descriptor, node.Location, properties, arguments));

    /// <summary>Adds the node a shape rule accepted, after checking its result's structure against how the body uses it.</summary>
    private int[]? Add(Scope scope, Node node, string op, OpResult result, int[] operands, string path, int[] parameters, int[] buffers)
    {
        if (result.IsFailure) return null;
        if (!UsedAsWritten(scope, node, result.Structure)) return null;
        if (!TakesSeq(scope, node, op, result, operands)) return null;
        foreach (Shape shape in result.Shapes)
        {
            if (WithinTensorLimit(shape, "'" + node.Text + "'", node.Location, scope.Report)) continue;
            _failed = true;
            return null;
        }
        var texts = new string[result.Shapes.Count];
        string[] names = node.Deconstruction?.Leaves().ToArray() ?? new string[0];
        for (int j = 0; j < texts.Length; j++)
            texts[j] = result.Shapes.Count == 1 ? node.Text : j < names.Length && names[j] != "_" ? names[j] : $"{node.Text}[{j}]";
        return AddNode(op, result.Args, operands, result.Shapes, texts, node.Text, path, parameters, buffers);
    }

    /// <summary>The run-time <c>Seq</c> only reaches ops whose calls can size it per pass (<see cref="OpDefinition.TakesRunTimeSeq"/>);
    /// any other is SN0015 naming the call and its shapes.</summary>
    private bool TakesSeq(Scope scope, Node node, string op, OpResult result, int[] operands)
    {
        Shape[] inputs = operands.Select(o => _values[o].Shape).ToArray();
        if (!inputs.Any(s => s.HasSeq) && !result.Shapes.Any(s => s.HasSeq)) return true;
        if (OpRegistry.Find(op) is { } definition && definition.TakesRunTimeSeq(result.Args, inputs, result.Shapes)) return true;
        string shapes = string.Join(", ", inputs.Select(s => s.ToNamedString())) + " -> " + string.Join(", ", result.Shapes.Select(s => s.ToNamedString()));
        Fail(scope, DiagnosticDescriptors.RunTimeSequence, node.Location, $"'{node.Text}' ({op})", $" ({shapes})");
        return false;
    }

    /// <summary>A single result must be used as one tensor; a tuple must be deconstructed with its structure.</summary>
    private bool UsedAsWritten(Scope scope, Node node, OutputTree structure)
    {
        if (node.Deconstruction is null)
        {
            if (structure.IsLeaf) return true;
            string suggestion = "var " + Suggestion(structure) + " = " + node.Text + ";";
            Fail(scope, DiagnosticDescriptors.TupleStructure, node.Location, node.Text, structure.Describe(), $"it is used as one tensor; deconstruct it: {suggestion}");
            return false;
        }
        if (node.Deconstruction.Matches(structure)) return true;
        Fail(scope, DiagnosticDescriptors.TupleStructure, node.Location, node.Text, structure.Describe(), $"it is deconstructed as {node.Deconstruction.Describe()}");
        return false;
    }

    private static string Suggestion(OutputTree structure)
    {
        int next = 0;
        string Name(OutputTree t) => t.IsLeaf ? ((char)('a' + next++)).ToString() : "(" + string.Join(", ", t.Items.Select(Name)) + ")";
        return Name(structure);
    }

    private int[]? Block(Scope scope, Node node, int[] operands)
    {
        LayerModel layer = scope.Layers.First(l => l.MemberName == node.Op);
        NetworkModel block = layer.Block!;
        GraphModel? forward = block.Forward;
        if (forward is null) return null;
        if (forward.Inputs.Count != operands.Length)
        {
            Fail(scope, DiagnosticDescriptors.WrongArguments, node.Location, layer.MemberName + ".Forward", node.Text, $"it takes {forward.Inputs.Count} tensor(s)");
            return null;
        }

        var bindings = new Dictionary<string, Dim>();
        for (int i = 0; i < operands.Length; i++)
        {
            Shape expected = forward.Inputs[i].Shape;
            Shape actual = _values[operands[i]].Shape;
            if (!Unify(expected, actual, bindings))
            {
                Fail(scope, DiagnosticDescriptors.BlockInput, node.Location, BlockTypeArgumentFix(layer.MemberName, Substitute(expected, bindings), actual),
                    layer.MemberName, Substitute(expected, bindings).ToNamedString(), forward.Inputs[i].Name, _values[operands[i]].Text, actual.ToNamedString());
                return null;
            }
        }
        if (!UsedAsWritten(scope, node, forward.ReturnStructure)) return null;
        var childBase = new Dictionary<string, int>();
        int index = scope.ParameterBase[layer.MemberName];
        foreach (LayerModel child in block.Layers)
        {
            childBase[child.MemberName] = index;
            index += CountParameters(child);
        }
        bool reportInside = scope.Report && !ShapeInference.IsStandalone(block);
        var childScope = new Scope(forward, block.Layers, childBase, scope.Path + layer.ModuleName + ".", bindings, reportInside);
        int[]? outputs = Inline(childScope, operands);
        if (outputs is null) return null;

        for (int i = 0; i < outputs.Length && i < forward.DeclaredReturns.Count; i++)
        {
            if (forward.DeclaredReturns[i].Shape is not { } declared || Substitute(declared, bindings).SameAs(_values[outputs[i]].Shape)) continue;
            Node returned = forward.Nodes[forward.Outputs[i].Node];
            Fail(childScope, DiagnosticDescriptors.ReturnShape, returned.Location, ReturnTypeFix(_values[outputs[i]].Shape), forward.MethodName,
                Substitute(declared, bindings).ToNamedString(), returned.Text, _values[outputs[i]].Shape.ToNamedString());
            return null;
        }
        return outputs;
    }

    private static int CountParameters(LayerModel layer) =>
        layer.IsBlock ? layer.Block?.Layers.Sum(CountParameters) ?? 0 : Definition(layer).ParametersOf(layer.Args).Count;

    private static ILayer Definition(LayerModel layer) =>
        OpRegistry.Layer(layer.Kind) ?? throw new System.InvalidOperationException($"the layer kind {layer.Kind} of {layer.MemberName} has no definition");

    private static Shape Bound(LayerTensor tensor, LayerModel layer) =>
        tensor.Shape ?? throw new System.InvalidOperationException($"{layer.MemberName}.{tensor.Name} has an unbound size");

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

    /// <summary>The most elements one tensor may hold per sample: a float array's limit (<c>Array.MaxLength</c>). Every shape
    /// the graph holds is checked against it, so every size the planner and emitter multiply later fits.</summary>
    public const long MaxTensorElements = 0x7FFFFFC7;

    /// <summary>Whether <paramref name="shape"/>'s static dims multiply to at most <see cref="MaxTensorElements"/>; SN0116 otherwise
    /// (the product is exact: it is computed in saturating steps and shown from a big integer).</summary>
    private bool WithinTensorLimit(Shape shape, string what, SourceRef? location, bool report)
    {
        long product = 1;
        foreach (Dim d in shape.Dims)
        {
            if (!d.IsStatic) continue;
            product *= d.Size;   // both factors are at most 2³¹, so the product fits a long before the check below
            if (product <= MaxTensorElements) continue;
            System.Numerics.BigInteger exact = shape.Dims.Where(x => x.IsStatic).Aggregate(System.Numerics.BigInteger.One, (a, x) => a * x.Size);
            Report(report, DiagnosticDescriptors.TensorTooLarge, location, System.Array.Empty<DiagnosticProperty>(), what, shape.ToNamedString(),
                exact.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
                MaxTensorElements.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
            return false;
        }
        return true;
    }

    private int[] AddNode(string op, OpArgs args, int[] inputs, IReadOnlyList<Shape> shapes, IReadOnlyList<string> texts, string text, string path,
        int[] parameters, int[] buffers)
    {
        int id = _nodes.Count;
        var outputs = new int[shapes.Count];
        for (int j = 0; j < shapes.Count; j++)
        {
            outputs[j] = _values.Count;
            _values.Add(new CompiledValue(_values.Count, id, j, shapes[j], texts[j]));
        }
        _nodes.Add(new CompiledNode(id, op, args, inputs.ToEquatableArray(), outputs.ToEquatableArray(), text, path, parameters.ToEquatableArray(), _scopePath)
        {
            Buffers = buffers.ToEquatableArray(),
        });
        return outputs;
    }

    private void Fail(Scope scope, DiagnosticDescriptor descriptor, SourceRef? location, params object[] args) =>
        Fail(scope, descriptor, location, System.Array.Empty<DiagnosticProperty>(), args);

    private void Fail(Scope scope, DiagnosticDescriptor descriptor, SourceRef? location, IReadOnlyList<DiagnosticProperty> properties, params object[] args)
    {
        _failed = true;
        Report(scope.Report, descriptor, location, properties, args);
    }

    private void Report(bool report, DiagnosticDescriptor descriptor, SourceRef? location, IReadOnlyList<DiagnosticProperty> properties, params object[] args)
    {
        if (!report) return;
        DiagnosticInfo diagnostic = DiagnosticInfo.Create(descriptor, location, args) with { Properties = properties.ToEquatableArray() };
        if (!_diagnostics.Contains(diagnostic)) _diagnostics.Add(diagnostic);
    }

    // ---- what a code fix needs (Diagnostic.Properties) ----------------------------------------

    /// <summary>SN0111: at the first axis where the block's declared input, with its dimension arguments substituted, names a
    /// dimension type whose size the given tensor does not have, that type (<c>Twenty</c>), the size given and the given
    /// axis's dimension type if it has one; a fix replaces the block member's type argument. Nothing for a rank mismatch.</summary>
    private static IReadOnlyList<DiagnosticProperty> BlockTypeArgumentFix(string block, Shape expected, Shape actual)
    {
        if (expected.Rank != actual.Rank) return System.Array.Empty<DiagnosticProperty>();
        for (int axis = 0; axis < expected.Rank; axis++)
        {
            Dim e = expected[axis], a = actual[axis];
            if (e.SameSizeAs(a) || e.Size == Dim.Symbolic) continue;
            if (!e.IsStatic || e.Name.Length == 0 || !a.IsStatic) return System.Array.Empty<DiagnosticProperty>();
            var properties = new List<DiagnosticProperty>
            {
                new(DiagnosticProperties.Block, block),
                new(DiagnosticProperties.ExpectedDimension, e.Name),
                new(DiagnosticProperties.Size, a.Size.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            };
            if (a.Name.Length > 0) properties.Add(new(DiagnosticProperties.ActualDimension, a.Name));
            return properties;
        }
        return System.Array.Empty<DiagnosticProperty>();
    }

    /// <summary>SN0107: the returned shape, for a fix that declares it (<see cref="DiagnosticProperties.Shape"/>); nothing when
    /// an axis is still a generic block's type parameter.</summary>
    private static IReadOnlyList<DiagnosticProperty> ReturnTypeFix(Shape returned)
    {
        var axes = new List<string>();
        foreach (Dim d in returned.Dims)
        {
            if (d.Size == Dim.Symbolic) return System.Array.Empty<DiagnosticProperty>();
            axes.Add(d.IsDynamic ? d.ToString() : d.Name.Length > 0 ? d.Name + "=" + d.Size.ToString(System.Globalization.CultureInfo.InvariantCulture)
                : d.Size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return new[] { new DiagnosticProperty(DiagnosticProperties.Shape, string.Join(";", axes)) };
    }
}
