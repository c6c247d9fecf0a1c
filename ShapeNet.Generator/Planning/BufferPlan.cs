using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using ShapeNet.Generator.Gradients;
using ShapeNet.Generator.Model;

namespace ShapeNet.Generator.Planning;

internal enum BufferRole
{
    /// <summary>An input's value, uploaded before the forward pass.</summary>
    Input,
    /// <summary>The forward value of one op (kept for the backward pass).</summary>
    Value,
    /// <summary>The gradient w.r.t. an input (read by the caller after the backward pass).</summary>
    InputGradient,
    /// <summary>The gradient w.r.t. the output, written by the loss (or the caller) before the backward pass.</summary>
    OutputGradient,
    /// <summary>A gradient slot shared by op gradients whose lifetimes in the backward pass do not overlap.</summary>
    Gradient,
    /// <summary>Per-node data the backward pass reads: max-pooling indices, a dropout mask.</summary>
    Auxiliary,
}

/// <summary>A buffer the plan allocates: <c>StaticElements · batch^DynamicDims</c> floats.</summary>
internal sealed record PlannedBuffer(string Name, BufferRole Role, long StaticElements, int DynamicDims, string Comment)
{
    public string Length(string batch) => Sizes.Format(StaticElements, DynamicDims, batch);

    public long BytesAt(long batch) => Sizes.At(StaticElements, DynamicDims, batch) * sizeof(float);
}

/// <summary>A constant array a backend call takes (a shape, reduce flags, a permutation). In a plan it is a readonly
/// field; entries listed in <see cref="DynamicIndices"/> hold the batch and are set at the start of each pass.</summary>
internal sealed record ConstantArray(string Name, string ElementType, IReadOnlyList<string> Values, IReadOnlyList<int> DynamicIndices, string Comment)
{
    /// <summary><c>{ 0, 512 }</c> with <paramref name="batch"/> in the dynamic entries.</summary>
    public string Initializer(string batch) =>
        "{ " + string.Join(", ", Values.Select((v, i) => DynamicIndices.Contains(i) ? batch : v)) + " }";
}

/// <summary>
/// Decides every buffer of a compiled graph: which nodes are computed (those the output depends on), which value
/// buffers alias (Reshape, Detach), which Linear layers fuse with their activation, which nodes receive a gradient,
/// where each gradient lives, and for every backward write whether it is the first (<c>accumulate: false</c>, so no
/// buffer needs zeroing) or a later one (<c>accumulate: true</c>). Gradient buffers of different ops share slots when
/// their lifetimes in the backward pass do not overlap. A pure function of the graph.
/// </summary>
internal sealed class BufferPlan
{
    private readonly Dictionary<(int Node, int Operand), bool> _accumulate = new();
    private readonly Dictionary<int, bool> _parameterAccumulate = new();
    private readonly Dictionary<(int Node, string Role), ConstantArray> _arraysByUse = new();
    private readonly Dictionary<string, ConstantArray> _arraysByContent = new();
    private readonly List<ConstantArray> _arrays = new();
    private readonly List<PlannedBuffer> _buffers = new();
    private readonly List<string> _problems = new();
    private readonly List<string> _missingRules = new();
    private readonly Dictionary<(int Node, string Role), string> _auxiliary = new();
    private readonly List<int> _convolutions = new();
    private readonly int[] _group;

    private BufferPlan(CompiledGraph graph)
    {
        Graph = graph;
        int n = graph.Nodes.Count;
        Live = new bool[n];
        RequiresGrad = new bool[n];
        ReceivesGradient = new bool[n];
        FusedActivationOf = Enumerable.Repeat(-1, n).ToArray();
        FusedLinearOf = Enumerable.Repeat(-1, n).ToArray();
        ValueName = new string?[n];
        GradientName = new string?[n];
        Consumers = new List<int>[n];
        for (int i = 0; i < n; i++) Consumers[i] = new List<int>();
        _group = Enumerable.Range(0, n).ToArray();
    }

    public CompiledGraph Graph { get; }

    /// <summary>Nodes the output depends on; the others are not computed.</summary>
    public bool[] Live { get; }

    /// <summary>Depends on a parameter or an input other than through <c>Detach</c> or a loss target.</summary>
    public bool[] RequiresGrad { get; }

    /// <summary>A gradient reaches it in the backward pass (it requires one and feeds the output through differentiable ops).</summary>
    public bool[] ReceivesGradient { get; }

    /// <summary>For a Linear node fused with its only consumer (Relu, Sigmoid or Tanh), or a Conv2d fused with its only
    /// consumer Relu: that consumer; else −1.</summary>
    public int[] FusedActivationOf { get; }

    /// <summary>For an activation fused into the Linear or Conv2d before it: that node; else −1.</summary>
    public int[] FusedLinearOf { get; }

    /// <summary>The value buffer of each node (aliases share one; a fused Linear has none).</summary>
    public string?[] ValueName { get; }

    /// <summary>The gradient buffer of each node receiving a gradient.</summary>
    public string?[] GradientName { get; }

    /// <summary>Live consumers of each node, one entry per use, in id order.</summary>
    public List<int>[] Consumers { get; }

    /// <summary>Buffers to allocate, in declaration order: inputs, values, input gradients, output gradient, shared slots.</summary>
    public IReadOnlyList<PlannedBuffer> Buffers => _buffers;

    public IReadOnlyList<ConstantArray> Arrays => _arrays;

    /// <summary>Live Conv2d nodes; they share one workspace of the largest <c>IBackend.Conv2d_WorkspaceLength</c>
    /// (computed at run time: it depends on the core count).</summary>
    public IReadOnlyList<int> Convolutions => _convolutions;

    /// <summary>The name of the shared convolution workspace.</summary>
    public const string WorkspaceName = "_convWorkspace";

    /// <summary>Whether any live node is a Dropout (the plan then keeps a seed and a step counter).</summary>
    public bool HasDropout => Graph.Nodes.Any(n => Live[n.Id] && n.Op == "Dropout");

    /// <summary>A node's auxiliary buffer: <c>indices</c> of a MaxPool2d, <c>mask</c> of a Dropout, <c>saveMean</c> and
    /// <c>saveInvStd</c> of a BatchNorm2d.</summary>
    public string? Auxiliary(int node, string role) => _auxiliary.TryGetValue((node, role), out string? name) ? name : null;

    /// <summary>Internal inconsistencies (an unplannable shape or product); each becomes SN0900.</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>Ops a gradient must flow through that have no rule; each becomes SN0901.</summary>
    public IReadOnlyList<string> MissingRules => _missingRules;

    public string? OutputGradientName => GradientName[Graph.Output];

    /// <summary>Whether the gradient contribution of <paramref name="node"/> to its operand <paramref name="operand"/>
    /// adds to the buffer (a previous contribution was written) or overwrites it (the first one).</summary>
    public bool Accumulates(int node, int operand) => _accumulate.TryGetValue((node, operand), out bool a) && a;

    /// <summary>Whether a Linear node's parameter gradients add (the layer's parameters were written by a later use
    /// of the same layer, processed first in the backward pass) or are overwritten.</summary>
    public bool ParameterAccumulates(int node) => _parameterAccumulate.TryGetValue(node, out bool a) && a;

    public ConstantArray Array(int node, string role) => _arraysByUse[(node, role)];

    /// <summary>Whether the gradient of <paramref name="node"/> lives in an input's gradient buffer (the input or a Reshape of it).</summary>
    public bool HoldsInputGradient(int node) =>
        GradientName[node] is { } name && _buffers.Any(b => b.Name == name && b.Role == BufferRole.InputGradient);

    /// <summary>Plan memory at <paramref name="batch"/>: every allocated buffer.</summary>
    public long BytesAt(long batch) => _buffers.Sum(b => b.BytesAt(batch));

    /// <summary>Bytes that scale with the batch, per sample.</summary>
    public long BytesPerSample => _buffers.Where(b => b.DynamicDims == 1).Sum(b => b.StaticElements * sizeof(float));

    public static BufferPlan Create(CompiledGraph graph)
    {
        var plan = new BufferPlan(graph);
        plan.Build();
        return plan;
    }

    public static string ParameterValueName(ParameterInfo p) => "_" + Identifier(p.Name);

    public static string ParameterGradientName(ParameterInfo p) => "_d" + Identifier(p.Name);

    /// <summary>The plan field of a module buffer: <c>bn1.running_mean</c> → <c>_bn1_running_mean</c>.</summary>
    public static string ModuleBufferName(BufferInfo b) => "_" + Identifier(b.Name);

    /// <summary><c>incep1.branch_pool.weight</c> → <c>incep1_branch_pool_weight</c>.</summary>
    public static string Identifier(string text)
    {
        var sb = new StringBuilder();
        foreach (char c in text) sb.Append(char.IsLetterOrDigit(c) || c == '_' ? c : '_');
        if (sb.Length == 0 || char.IsDigit(sb[0])) sb.Insert(0, 'v');
        return sb.ToString();
    }

    private IReadOnlyList<CompiledNode> Nodes => Graph.Nodes;

    private void Build()
    {
        FindLive();
        FindConsumers();
        FindRequiresGrad();
        FindFusions();
        FindReceivesGradient();
        NameValues();
        PlanGradients();
        PlanArrays();
    }

    private void FindLive()
    {
        Live[Graph.Output] = true;
        for (int id = Graph.Output; id >= 0; id--)
        {
            if (!Live[id]) continue;
            foreach (int input in Nodes[id].Inputs) Live[input] = true;
        }
        foreach (int input in Graph.Inputs) Live[input] = true;
    }

    private void FindConsumers()
    {
        foreach (CompiledNode node in Nodes)
        {
            if (!Live[node.Id]) continue;
            foreach (int input in node.Inputs) Consumers[input].Add(node.Id);
        }
    }

    private void FindRequiresGrad()
    {
        foreach (CompiledNode node in Nodes)
        {
            if (!Live[node.Id]) continue;
            GradientRule? rule = GradientRules.Find(node.Op);
            bool fromOperands = rule is not null && rule.DifferentiableOperands(node).Any(i => RequiresGrad[node.Inputs[i]]);
            RequiresGrad[node.Id] = node.Op == "Input" || node.Parameters.Count > 0 || fromOperands ||
                                    (rule is null && node.Inputs.Any(i => RequiresGrad[i]));
        }
    }

    private void FindFusions()
    {
        foreach (CompiledNode node in Nodes)
        {
            if (!Live[node.Id] || node.Op is not ("Linear" or "Conv2d") || node.Id == Graph.Output || Consumers[node.Id].Count != 1) continue;
            CompiledNode consumer = Nodes[Consumers[node.Id][0]];
            // Conv2d_Forward applies Identity or Relu only; Linear_Forward also Sigmoid and Tanh.
            if (node.Op == "Conv2d" ? consumer.Op == "Relu" : consumer.Op is "Relu" or "Sigmoid" or "Tanh")
            {
                FusedActivationOf[node.Id] = consumer.Id;
                FusedLinearOf[consumer.Id] = node.Id;
            }
        }
    }

    private void FindReceivesGradient()
    {
        ReceivesGradient[Graph.Output] = RequiresGrad[Graph.Output];
        for (int id = Graph.Output; id >= 0; id--)
        {
            if (!Live[id] || !ReceivesGradient[id]) continue;
            CompiledNode node = Nodes[id];
            GradientRule? rule = GradientRules.Find(node.Op);
            if (rule is null)
            {
                _missingRules.Add(node.Op + " (" + node.Text + ")");
                continue;
            }
            foreach (int operand in rule.DifferentiableOperands(node))
            {
                int input = node.Inputs[operand];
                if (RequiresGrad[input]) ReceivesGradient[input] = true;
            }
            if (rule.HasNonDifferentiableTarget)
            {
                int target = node.Inputs[1];
                if (RequiresGrad[target] && Nodes[target].Op != "Input")
                    _missingRules.Add("the target of " + node.Op + " (" + node.Text + "), which depends on parameters");
            }
        }
    }

    private void NameValues()
    {
        foreach (CompiledNode node in Nodes)
        {
            if (!Live[node.Id]) continue;
            if (!Sizes.IsPlannable(node.Shape))
            {
                _problems.Add($"the shape {node.Shape} of {node.Text} has an unbound dimension");
                continue;
            }
            GradientRule? rule = GradientRules.Find(node.Op);
            if (node.Op == "Input")
            {
                string name = "_" + Identifier(InputName(node.Id));
                ValueName[node.Id] = name;
                AddBuffer(name, BufferRole.Input, node.Shape, $"{InputName(node.Id)}: {node.Shape}");
            }
            else if (rule is { Kind: GradientKind.Alias or GradientKind.StopGradient })
            {
                ValueName[node.Id] = ValueName[node.Inputs[0]];
            }
            else if (FusedActivationOf[node.Id] < 0)
            {
                string name = "_" + ValueBaseName(node);
                ValueName[node.Id] = name;
                AddBuffer(name, BufferRole.Value, node.Shape, $"{node.Text}: {node.Shape}");
            }
            if (node.Op == "Conv2d") _convolutions.Add(node.Id);
            // Same length as the output: the argmax of each window, the keep mask of each element.
            string? auxiliary = node.Op switch { "MaxPool2d" => "indices", "Dropout" => "mask", _ => null };
            if (auxiliary is not null)
            {
                string name = "_" + auxiliary + node.Id.ToString(CultureInfo.InvariantCulture);
                _auxiliary[(node.Id, auxiliary)] = name;
                AddBuffer(name, BufferRole.Auxiliary, node.Shape, $"{auxiliary} of {node.Text}: {node.Shape}");
            }
            if (node.Op == "BatchNorm2d" && node.Shape.Rank == 4)
            {
                // One value per channel: the mean and 1/√(var + eps) the forward normalised with, for the backward.
                Shape channels = Shape.Of(node.Shape[1]);
                foreach (string role in new[] { "saveMean", "saveInvStd" })
                {
                    string name = "_" + role + node.Id.ToString(CultureInfo.InvariantCulture);
                    _auxiliary[(node.Id, role)] = name;
                    AddBuffer(name, BufferRole.Auxiliary, channels, $"{role} of {node.Text}: {channels}");
                }
            }
        }
    }

    private void PlanGradients()
    {
        // Gradient groups: a Reshape shares its input's gradient buffer, a fused Linear its activation's.
        foreach (CompiledNode node in Nodes)
        {
            if (!ReceivesGradient[node.Id]) continue;
            if (GradientRules.Find(node.Op)?.Kind == GradientKind.Alias) Union(node.Id, node.Inputs[0]);
            if (FusedActivationOf[node.Id] >= 0) Union(node.Id, FusedActivationOf[node.Id]);
        }

        // The backward pass visits nodes in decreasing id; step t = Output − id.
        int Step(int id) => Graph.Output - id;
        var written = new HashSet<int>();
        var firstWrite = new Dictionary<int, int>();
        var writtenParameters = new HashSet<int>();
        if (ReceivesGradient[Graph.Output])
        {
            written.Add(Find(Graph.Output));
            firstWrite[Find(Graph.Output)] = -1;
        }
        for (int id = Graph.Output; id >= 0; id--)
        {
            if (!ReceivesGradient[id]) continue;
            CompiledNode node = Nodes[id];
            GradientRule? rule = GradientRules.Find(node.Op);
            if (rule is not { Kind: GradientKind.Rule }) continue;
            if (node.Parameters.Count > 0)
            {
                _parameterAccumulate[id] = !writtenParameters.Add(node.Parameters[0]);
            }
            foreach (int operand in rule.DifferentiableOperands(node))
            {
                int input = node.Inputs[operand];
                if (!ReceivesGradient[input]) continue;
                int group = Find(input);
                _accumulate[(id, operand)] = !written.Add(group);
                if (!firstWrite.ContainsKey(group)) firstWrite[group] = Step(id);
            }
        }

        // Dedicated buffers: input gradients (read by the caller) and the output gradient (written before the pass).
        var groupName = new Dictionary<int, string>();
        foreach (int input in Graph.Inputs)
        {
            if (!ReceivesGradient[input] && !RequiresGrad[input]) continue;
            int group = Find(input);
            if (groupName.ContainsKey(group)) continue;
            string name = "_d" + Identifier(InputName(input));
            groupName[group] = name;
            AddBuffer(name, BufferRole.InputGradient, Nodes[input].Shape, $"d({InputName(input)}): {Nodes[input].Shape}");
        }
        if (ReceivesGradient[Graph.Output] && !groupName.ContainsKey(Find(Graph.Output)))
        {
            CompiledNode output = Nodes[Graph.Output];
            string name = "_d" + (ValueName[Graph.Output] ?? "_output").Substring(1);
            groupName[Find(Graph.Output)] = name;
            AddBuffer(name, BufferRole.OutputGradient, output.Shape, $"d({output.Text}): {output.Shape}");
        }

        // Shared slots for the other groups: interval [first write, backward of the group's first node], greedy by start.
        var intervals = firstWrite
            .Where(kv => !groupName.ContainsKey(kv.Key))
            .Select(kv => (Group: kv.Key, Start: kv.Value, End: Step(kv.Key)))
            .OrderBy(x => x.Start).ThenBy(x => x.Group)
            .ToList();
        var slots = new List<(long Static, int Dynamic, int FreeAfter, List<string> Members, string Name)>();
        foreach (var (group, start, end) in intervals)
        {
            Shape shape = Nodes[group].Shape;
            long elements = Sizes.StaticCount(shape);
            int dynamic = Sizes.DynamicCount(shape);
            int chosen = -1;
            for (int s = 0; s < slots.Count; s++)
            {
                if (slots[s].FreeAfter >= start || slots[s].Dynamic != dynamic) continue;
                if (chosen < 0 || Better(slots[s].Static, slots[chosen].Static, elements)) chosen = s;
            }
            string member = "d(" + Nodes[group].Text + ")";
            if (chosen < 0)
            {
                slots.Add((elements, dynamic, end, new List<string> { member }, "_gradient" + slots.Count.ToString(CultureInfo.InvariantCulture)));
                chosen = slots.Count - 1;
            }
            else
            {
                var slot = slots[chosen];
                slot.Members.Add(member);
                slots[chosen] = (System.Math.Max(slot.Static, elements), dynamic, end, slot.Members, slot.Name);
            }
            groupName[group] = slots[chosen].Name;
        }
        foreach (var slot in slots)
            _buffers.Add(new PlannedBuffer(slot.Name, BufferRole.Gradient, slot.Static, slot.Dynamic, string.Join(", ", slot.Members)));

        for (int id = 0; id < Nodes.Count; id++)
        {
            if (ReceivesGradient[id] && groupName.TryGetValue(Find(id), out string? name)) GradientName[id] = name;
        }
        foreach (int input in Graph.Inputs)
        {
            if (GradientName[input] is null && groupName.TryGetValue(Find(input), out string? name)) GradientName[input] = name;
        }
    }

    /// <summary>Prefers a slot already large enough (the smallest such), else the largest.</summary>
    private static bool Better(long candidate, long current, long needed)
    {
        bool candidateFits = candidate >= needed, currentFits = current >= needed;
        if (candidateFits != currentFits) return candidateFits;
        return candidateFits ? candidate < current : candidate > current;
    }

    private void PlanArrays()
    {
        foreach (CompiledNode node in Nodes)
        {
            if (!Live[node.Id] || !Sizes.IsPlannable(node.Shape)) continue;
            if (Ops.OpCatalog.BinaryOps.Contains(node.Op))
            {
                int rank = node.Shape.Rank;
                AddShapeArray(node.Id, "a", Nodes[node.Inputs[0]].Shape, rank);
                AddShapeArray(node.Id, "b", Nodes[node.Inputs[1]].Shape, rank);
                AddShapeArray(node.Id, "z", node.Shape, rank);
            }
            else if (node.Op is "Sum" or "Mean")
            {
                Shape x = Nodes[node.Inputs[0]].Shape;
                AddShapeArray(node.Id, "x", x, x.Rank);
                int[] axes = ReducedAxes(node, x.Rank);
                AddArray(node.Id, "axes", "bool", Enumerable.Range(0, x.Rank).Select(i => axes.Contains(i) ? "true" : "false").ToList(),
                    new List<int>(), "reduce axes " + (axes.Length == 0 ? "none" : string.Join(", ", axes)), "_reduceAxes");
            }
            else if (node.Op == "Permute")
            {
                Shape x = Nodes[node.Inputs[0]].Shape;
                int[] perm = Permutation(node, x.Rank);
                int[] inverse = new int[perm.Length];
                for (int i = 0; i < perm.Length; i++) inverse[perm[i]] = i;
                AddShapeArray(node.Id, "x", x, x.Rank);
                AddShapeArray(node.Id, "y", node.Shape, node.Shape.Rank);
                AddArray(node.Id, "perm", "int", perm.Select(p => Sizes.Literal(p)).ToList(), new List<int>(), "permutation", "_permutation");
                AddArray(node.Id, "inverse", "int", inverse.Select(p => Sizes.Literal(p)).ToList(), new List<int>(), "inverse permutation", "_permutation");
            }
        }
    }

    /// <summary>The reduced axes of a Sum/Mean (arg <c>axes</c>; absent or empty means all).</summary>
    public static int[] ReducedAxes(CompiledNode node, int rank)
    {
        string? text = node.Arg("axes") ?? node.Arg("axis");
        int[] axes = string.IsNullOrEmpty(text) ? Enumerable.Range(0, rank).ToArray() : new NamedArg("axes", text!).AsInts();
        return axes.Select(a => a < 0 ? a + rank : a).ToArray();
    }

    /// <summary>The permutation of a Permute (arg <c>perm</c>; absent means the last two axes swapped).</summary>
    public static int[] Permutation(CompiledNode node, int rank)
    {
        string? text = node.Arg("perm");
        if (!string.IsNullOrEmpty(text)) return new NamedArg("perm", text!).AsInts();
        int[] perm = Enumerable.Range(0, rank).ToArray();
        if (rank >= 2) (perm[rank - 2], perm[rank - 1]) = (perm[rank - 1], perm[rank - 2]);
        return perm;
    }

    private void AddShapeArray(int node, string role, Shape shape, int rank)
    {
        int pad = rank - shape.Rank;
        var values = new List<string>();
        var dynamic = new List<int>();
        for (int i = 0; i < pad; i++) values.Add("1");
        foreach (Dim d in shape.Dims)
        {
            if (d.IsDynamic) dynamic.Add(values.Count);
            values.Add(d.IsDynamic ? "0" : Sizes.Literal(d.Size));
        }
        string comment = "[" + string.Join(", ", values.Select((v, i) => dynamic.Contains(i) ? "Batch" : v)) + "]";
        AddArray(node, role, "int", values, dynamic, comment, "_shape");
    }

    private void AddArray(int node, string role, string elementType, List<string> values, List<int> dynamic, string comment, string prefix)
    {
        string key = elementType + ":" + string.Join(",", values.Select((v, i) => dynamic.Contains(i) ? "B" : v));
        if (!_arraysByContent.TryGetValue(key, out ConstantArray? array))
        {
            int index = _arrays.Count(a => a.Name.StartsWith(prefix, System.StringComparison.Ordinal));
            array = new ConstantArray(prefix + index.ToString(CultureInfo.InvariantCulture), elementType, values, dynamic, comment);
            _arraysByContent[key] = array;
            _arrays.Add(array);
        }
        _arraysByUse[(node, role)] = array;
    }

    private void AddBuffer(string name, BufferRole role, Shape shape, string comment) =>
        _buffers.Add(new PlannedBuffer(name, role, Sizes.StaticCount(shape), Sizes.DynamicCount(shape), comment));

    private string InputName(int nodeId)
    {
        for (int i = 0; i < Graph.Inputs.Count; i++)
            if (Graph.Inputs[i] == nodeId) return i < Graph.InputNames.Count ? Graph.InputNames[i] : "input" + i.ToString(CultureInfo.InvariantCulture);
        return "input";
    }

    /// <summary><c>fc1_1</c> for a layer (its path), <c>relu2</c> for an op.</summary>
    private static string ValueBaseName(CompiledNode node)
    {
        string stem = node.Path.Length > 0 ? Identifier(node.Path) : char.ToLowerInvariant(node.Op[0]) + node.Op.Substring(1);
        string id = node.Id.ToString(CultureInfo.InvariantCulture);
        return char.IsDigit(stem[stem.Length - 1]) ? stem + "_" + id : stem + id;
    }

    private int Find(int id)
    {
        while (_group[id] != id) id = _group[id] = _group[_group[id]];
        return id;
    }

    /// <summary>Joins two groups; the root is the smaller id (the member whose backward runs last).</summary>
    private void Union(int a, int b)
    {
        int ra = Find(a), rb = Find(b);
        if (ra == rb) return;
        if (ra < rb) _group[rb] = ra;
        else _group[ra] = rb;
    }
}
