using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Ops;

namespace ShapeNet.Generator.Planning;

internal enum BufferRole
{
    /// <summary>An input's value, uploaded before the forward pass.</summary>
    Input,
    /// <summary>The forward value of one op output (kept for the backward pass).</summary>
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

/// <summary>A buffer the plan allocates: <c>StaticElements · batch^DynamicDims · seq^SeqDims</c> floats.</summary>
internal sealed record PlannedBuffer(string Name, BufferRole Role, long StaticElements, int DynamicDims, string Comment)
{
    /// <summary>An int32 buffer (an <c>IntTensor</c> input): allocated with <c>AllocateInt32</c>.</summary>
    public bool Int32 { get; init; }

    /// <summary>How many times the run-time sequence length multiplies the size (0 unless the shape has <c>Seq</c>).</summary>
    public int SeqDims { get; init; }

    public string Length(string batch, string seq = Sizes.Seq) => Sizes.Format(StaticElements, DynamicDims, batch, SeqDims, seq);

    public long BytesAt(long batch) => Sizes.At(StaticElements, DynamicDims, batch) * sizeof(float);
}

/// <summary>A constant array a backend call takes (a shape, reduce flags, a permutation). In a plan it is a readonly
/// field; entries listed in <see cref="DynamicIndices"/> hold the batch and are set at the start of each pass.</summary>
/// <summary>An op descriptor the plan creates once: <c>{Type} {Name} = new {Type}({Arguments})</c>, prepared once for each batch
/// (or row count) in <see cref="Capacities"/>, the sizes its calls pass (at the plan's capacity).</summary>
internal sealed record PlannedDescriptor(string Name, string Type, string Arguments, string Comment, List<SizeExpr> Capacities);

internal sealed record ConstantArray(string Name, string ElementType, IReadOnlyList<string> Values, IReadOnlyList<int> DynamicIndices, string Comment)
{
    /// <summary>Entries that hold the run-time sequence length, set at the start of each pass like the batch entries.</summary>
    public IReadOnlyList<int> SeqIndices { get; init; } = new int[0];

    /// <summary>Entries that hold a product of run-time sizes (a <c>Seq·Batch</c> axis), set at the start of each pass.</summary>
    public IReadOnlyList<(int Index, SizeExpr Size)> ProductIndices { get; init; } = new (int, SizeExpr)[0];

    /// <summary>Whether some entry is set at the start of each pass.</summary>
    public bool IsPerPass => DynamicIndices.Count > 0 || SeqIndices.Count > 0 || ProductIndices.Count > 0;

    /// <summary><c>{ 0, 512 }</c> with <paramref name="batch"/> in the dynamic entries.</summary>
    public string Initializer(string batch) =>
        "{ " + string.Join(", ", Values.Select((v, i) => DynamicIndices.Contains(i) ? batch : v)) + " }";

    /// <summary>The entries with <paramref name="batch"/> and <paramref name="seq"/> in place (a function's arrays, made per call).</summary>
    public string Initializer(string batch, string seq) =>
        "{ " + string.Join(", ", Values.Select((v, i) => DynamicIndices.Contains(i) ? batch : SeqIndices.Contains(i) ? seq
            : ProductIndices.Any(p => p.Index == i) ? ProductIndices.First(p => p.Index == i).Size.Format(batch, seq) : v)) + " }";
}

/// <summary>
/// Decides every buffer of a compiled graph: which nodes are computed (those the outputs depend on), which value buffers
/// alias (Reshape, Detach), which layers fuse with their activation, which values receive a gradient, where each gradient
/// lives, and for every backward write whether it is the first (<c>accumulate: false</c>, so no buffer needs zeroing) or a
/// later one (<c>accumulate: true</c>). Gradient buffers of different values share slots when their lifetimes in the
/// backward pass do not overlap. What each op needs besides its outputs (auxiliary buffers, constant arrays, workspaces)
/// it asks for in its definition's <c>Plan</c>. A pure function of the graph.
/// <para>Only output 0 is seeded with a gradient (a train step's loss reads it); the other outputs of a tuple-returning
/// forward are results for inference and receive none.</para>
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
    private readonly List<MissingRule> _missingRules = new();
    private readonly Dictionary<(int Node, string Role), string> _auxiliary = new();
    private readonly List<WorkspaceRequest> _workspaces = new();
    private readonly List<PlanHandle> _handles = new();
    private readonly Dictionary<string, PlannedDescriptor> _descriptorsByContent = new();
    private readonly List<PlannedDescriptor> _descriptors = new();
    private readonly int[] _group;

    private BufferPlan(CompiledGraph graph)
    {
        Graph = graph;
        int n = graph.Nodes.Count, v = graph.Values.Count;
        Live = new bool[n];
        RequiresGrad = new bool[v];
        ReceivesGradient = new bool[v];
        FusedActivationOf = Enumerable.Repeat(-1, n).ToArray();
        FusedInto = Enumerable.Repeat(-1, n).ToArray();
        ValueName = new string?[v];
        GradientName = new string?[v];
        Consumers = new List<int>[v];
        for (int i = 0; i < v; i++) Consumers[i] = new List<int>();
        _group = Enumerable.Range(0, v).ToArray();
    }

    public CompiledGraph Graph { get; }

    /// <summary>Nodes the outputs depend on; the others are not computed.</summary>
    public bool[] Live { get; }

    /// <summary>Values that depend on a parameter or an input other than through <c>Detach</c>, a loss target or an
    /// integer output.</summary>
    public bool[] RequiresGrad { get; }

    /// <summary>Values a gradient reaches in the backward pass (they require one and feed output 0 through differentiable ops).</summary>
    public bool[] ReceivesGradient { get; }

    /// <summary>For a layer node fused with its only consumer, an activation its kernel applies: that consumer; else −1.</summary>
    public int[] FusedActivationOf { get; }

    /// <summary>For an activation fused into the layer before it: that layer's node; else −1.</summary>
    public int[] FusedInto { get; }

    /// <summary>The value buffer of each value (aliases share one; a fused layer's output has none).</summary>
    public string?[] ValueName { get; }

    /// <summary>The gradient buffer of each value receiving a gradient.</summary>
    public string?[] GradientName { get; }

    /// <summary>Live consumer nodes of each value, one entry per use, in id order.</summary>
    public List<int>[] Consumers { get; }

    /// <summary>Buffers to allocate, in declaration order: inputs, values, input gradients, output gradient, shared slots.</summary>
    public IReadOnlyList<PlannedBuffer> Buffers => _buffers;

    public IReadOnlyList<ConstantArray> Arrays => _arrays;

    /// <summary>Shared workspaces, in the order first requested.</summary>
    public IReadOnlyList<WorkspaceRequest> Workspaces => _workspaces;

    /// <summary>Objects a plan makes once in its constructor for its calls (a recurrent layer's bound parameter tensors).</summary>
    public IReadOnlyList<PlanHandle> Handles => _handles;
    /// <summary>Op descriptors, in the order first printed (each once; equal ones shared).</summary>
    public IReadOnlyList<PlannedDescriptor> Descriptors => _descriptors;

    /// <summary>The name of the descriptor <paramref name="type"/>(<paramref name="arguments"/>), declared on first use:
    /// <c>Conv2dDesc</c> → <c>_conv2dDesc0</c>, <c>_conv2dDesc1</c>, ….</summary>
    public string Descriptor(string type, string arguments, string comment, SizeExpr batch)
    {
        string key = type + "(" + arguments + ")";
        if (!_descriptorsByContent.TryGetValue(key, out PlannedDescriptor? descriptor))
        {
            string prefix = "_" + char.ToLowerInvariant(type[0]) + type.Substring(1);
            int index = _descriptors.Count(d => d.Type == type);
            descriptor = new PlannedDescriptor(prefix + index.ToString(CultureInfo.InvariantCulture), type, arguments, comment, new List<SizeExpr>());
            _descriptorsByContent[key] = descriptor;
            _descriptors.Add(descriptor);
        }
        if (batch != CallArg.NoBatch && !descriptor.Capacities.Contains(batch)) descriptor.Capacities.Add(batch);
        return descriptor.Name;
    }

    /// <summary><c>UnaryOp.Relu</c> (…) when <paramref name="node"/> is a layer whose kernel applies its consumer's activation,
    /// else <c>UnaryOp.Identity</c>.</summary>
    public CallArg FusedActivation(int node) => CallArg.Enum("UnaryOp", FusedActivationOf[node] < 0 ? "Identity"
        : (OpRegistry.Find(Nodes[FusedActivationOf[node]].Op) as IActivation)?.UnaryCode ?? "Identity");

    /// <summary>Whether a live node draws dropout masks (the plan then keeps a seed and a step counter).</summary>
    public bool HasDropout { get; internal set; }

    /// <summary>A node's auxiliary buffer (<c>indices</c> of a MaxPool2d, <c>mask</c> of a Dropout, …), or null.</summary>
    public string? Auxiliary(int node, string role) => _auxiliary.TryGetValue((node, role), out string? name) ? name : null;

    /// <summary>The plan field of workspace <paramref name="name"/>, or null when none was requested.</summary>
    public string? WorkspaceField(string name) => _workspaces.FirstOrDefault(w => w.Field == name)?.Field;

    /// <summary>Internal inconsistencies (an unplannable shape or product); each becomes SN0900.</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>Ops a gradient must flow through that have no rule; each becomes SN0901.</summary>
    public IReadOnlyList<MissingRule> MissingRules => _missingRules;

    public string? OutputGradientName => GradientName[Graph.Output];

    /// <summary>Whether the gradient contribution of <paramref name="node"/> to its operand <paramref name="operand"/>
    /// adds to the buffer (a previous contribution was written) or overwrites it (the first one).</summary>
    public bool Accumulates(int node, int operand) => _accumulate.TryGetValue((node, operand), out bool a) && a;

    /// <summary>Whether a layer node's parameter gradients add (the layer's parameters were written by a later use
    /// of the same layer, processed first in the backward pass) or are overwritten.</summary>
    public bool ParameterAccumulates(int node) => _parameterAccumulate.TryGetValue(node, out bool a) && a;

    public ConstantArray? Array(int node, string role) => _arraysByUse.TryGetValue((node, role), out ConstantArray? array) ? array : null;

    /// <summary>Whether the gradient of <paramref name="value"/> lives in an input's gradient buffer (the input or a Reshape of it).</summary>
    public bool HoldsInputGradient(int value) =>
        GradientName[value] is { } name && _buffers.Any(b => b.Name == name && b.Role == BufferRole.InputGradient);

    /// <summary>Whether any buffer's size depends on the run-time sequence length (the network has a <c>Seq</c> dimension).</summary>
    public bool HasSeq => _buffers.Any(b => b.SeqDims > 0) || Graph.Values.Any(v => v.Shape.HasSeq);

    /// <summary>Plan memory at <paramref name="batch"/>: every allocated buffer (at a sequence length of 1 where it has <c>Seq</c>).</summary>
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

    /// <summary>How gradients flow through <paramref name="node"/>; null for an op the registry does not know.</summary>
    public static Differentiation? DifferentiationOf(CompiledNode node) => OpRegistry.Find(node.Op)?.DifferentiationOf(node.Args);

    // ---- requests from op definitions (PlanContext) --------------------------------------------

    internal void AddAuxiliary(int node, string role, Shape shape, string comment)
    {
        string name = "_" + role + node.ToString(CultureInfo.InvariantCulture);
        _auxiliary[(node, role)] = name;
        AddBuffer(name, BufferRole.Auxiliary, shape, comment);
    }

    internal void AddArray(int node, string role, string elementType, List<string> values, List<int> dynamic, string comment, string prefix,
        List<int>? seq = null, List<(int Index, SizeExpr Size)>? products = null)
    {
        seq ??= new List<int>();
        products ??= new List<(int Index, SizeExpr Size)>();
        string key = elementType + ":" + string.Join(",", values.Select((v, i) => dynamic.Contains(i) ? "B" : seq.Contains(i) ? "S"
            : products.Any(p => p.Index == i) ? "P" + products.First(p => p.Index == i).Size.Format("b", "s") : v));
        if (!_arraysByContent.TryGetValue(key, out ConstantArray? array))
        {
            int index = _arrays.Count(a => a.Name.StartsWith(prefix, System.StringComparison.Ordinal));
            array = new ConstantArray(prefix + index.ToString(CultureInfo.InvariantCulture), elementType, values, dynamic, comment) { SeqIndices = seq, ProductIndices = products };
            _arraysByContent[key] = array;
            _arrays.Add(array);
        }
        _arraysByUse[(node, role)] = array;
    }

    internal void AddHandle(PlanHandle handle)
    {
        if (!_handles.Any(h => h.Field == handle.Field)) _handles.Add(handle);
    }

    internal void AddWorkspace(string field, string comment, string summaryNote, BackendCall length)
    {
        WorkspaceRequest? workspace = _workspaces.FirstOrDefault(w => w.Field == field);
        if (workspace is null) _workspaces.Add(workspace = new WorkspaceRequest(field, comment, summaryNote, new List<BackendCall>()));
        workspace.Lengths.Add(length);
    }

    // ---- the plan --------------------------------------------------------------------------------

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
    }

    private void FindLive()
    {
        foreach (int output in Graph.Outputs) Live[Graph.Values[output].Node] = true;
        for (int id = Graph.LastNode; id >= 0; id--)
        {
            if (!Live[id]) continue;
            foreach (int input in Nodes[id].Inputs) Live[Graph.Values[input].Node] = true;
        }
        foreach (int input in Graph.Inputs) Live[Graph.Values[input].Node] = true;
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
            Differentiation? d = DifferentiationOf(node);
            bool requires;
            if (d is null) requires = node.Parameters.Count > 0 || node.Inputs.Any(i => RequiresGrad[i]);
            else if (d.Kind == GradientKind.Leaf) requires = true;
            else requires = node.Parameters.Count > 0 || d.DifferentiatedOperands(node.Inputs.Count).Any(i => RequiresGrad[node.Inputs[i]]);
            for (int j = 0; j < node.Outputs.Count; j++)
                RequiresGrad[node.Outputs[j]] = requires && (d is null || !d.IsConstantOutput(j));
        }
    }

    private void FindFusions()
    {
        foreach (CompiledNode node in Nodes)
        {
            if (!Live[node.Id] || OpRegistry.Find(node.Op) is not ILayer layer || node.Outputs.Count != 1) continue;
            int value = node.Output;
            if (Graph.Outputs.Contains(value) || Consumers[value].Count != 1) continue;
            CompiledNode consumer = Nodes[Consumers[value][0]];
            // The kernel applies the activation to its output; the backward needs the activation's derivative from y alone.
            if (layer.FusibleActivations.Contains(consumer.Op) && OpRegistry.Find(consumer.Op) is IActivation { DerivativeFromOutput: true })
            {
                FusedActivationOf[node.Id] = consumer.Id;
                FusedInto[consumer.Id] = node.Id;
            }
        }
    }

    private void FindReceivesGradient()
    {
        ReceivesGradient[Graph.Output] = RequiresGrad[Graph.Output];
        for (int id = Graph.LastNode; id >= 0; id--)
        {
            CompiledNode node = Nodes[id];
            if (!Live[id] || !node.Outputs.Any(o => ReceivesGradient[o])) continue;
            Differentiation? d = DifferentiationOf(node);
            if (d is null)
            {
                _missingRules.Add(new MissingRule(node.Text, node.Op));
                continue;
            }
            var differentiated = new HashSet<int>(d.DifferentiatedOperands(node.Inputs.Count));
            for (int operand = 0; operand < node.Inputs.Count; operand++)
            {
                int input = node.Inputs[operand];
                if (!RequiresGrad[input]) continue;
                if (differentiated.Contains(operand)) ReceivesGradient[input] = true;
                else if (d.Kind == GradientKind.Rule && Graph.Producer(input).Op != nameof(Input))
                    _missingRules.Add(new MissingRule(node.Text, $"{node.Op}: its {d.DataOperands} depends on parameters"));
            }
        }
    }

    private void NameValues()
    {
        foreach (CompiledNode node in Nodes)
        {
            if (!Live[node.Id]) continue;
            if (node.Outputs.Any(o => !Sizes.IsPlannable(Graph.ShapeOf(o))))
            {
                _problems.Add($"the shape {string.Join(", ", node.Outputs.Select(o => Graph.ShapeOf(o)))} of {node.Text} has an unbound dimension");
                continue;
            }
            OpDefinition? op = OpRegistry.Find(node.Op);
            Differentiation? d = op?.DifferentiationOf(node.Args);
            if (node.Op == nameof(Input))
            {
                string input = InputName(node.Output);
                string name = "_" + Identifier(input);
                ValueName[node.Output] = name;
                bool integer = node.Args is InputArgs { Integer: true };
                AddBuffer(name, BufferRole.Input, node.Shape(Graph), $"{input}: {node.Shape(Graph)}{(integer ? " (int32)" : string.Empty)}", integer);
            }
            else if (d?.Kind is GradientKind.Alias or GradientKind.Stop)
            {
                ValueName[node.Output] = ValueName[node.Inputs[0]];
            }
            else if (FusedActivationOf[node.Id] < 0)
            {
                foreach (int output in node.Outputs)
                {
                    string name = "_" + ValueBaseName(node, output);
                    ValueName[output] = name;
                    AddBuffer(name, BufferRole.Value, Graph.ShapeOf(output), $"{Graph.TextOf(output)}: {Graph.ShapeOf(output)}");
                }
            }
            op?.PlanNode(node.Args, new PlanContext(this, node));
        }
    }

    private void PlanGradients()
    {
        // Gradient groups: an alias (Reshape) shares its operand's gradient buffer, a fused layer its activation's.
        foreach (CompiledNode node in Nodes)
        {
            if (!Live[node.Id] || !node.Outputs.Any(o => ReceivesGradient[o])) continue;
            if (DifferentiationOf(node)?.Kind == GradientKind.Alias) Union(node.Output, node.Inputs[0]);
            if (FusedActivationOf[node.Id] >= 0) Union(node.Output, Nodes[FusedActivationOf[node.Id]].Output);
        }

        // The backward pass visits nodes in decreasing id; step t = LastNode − id.
        int last = Graph.LastNode;
        int Step(int nodeId) => last - nodeId;
        var written = new HashSet<int>();
        var firstWrite = new Dictionary<int, int>();
        var writtenParameters = new HashSet<int>();
        if (ReceivesGradient[Graph.Output])
        {
            written.Add(Find(Graph.Output));
            firstWrite[Find(Graph.Output)] = -1;
        }
        for (int id = last; id >= 0; id--)
        {
            CompiledNode node = Nodes[id];
            if (!Live[id] || !node.Outputs.Any(o => ReceivesGradient[o])) continue;
            Differentiation? d = DifferentiationOf(node);
            if (d is not { Kind: GradientKind.Rule }) continue;
            if (node.Parameters.Count > 0) _parameterAccumulate[id] = !writtenParameters.Add(node.Parameters[0]);
            foreach (int operand in d.DifferentiatedOperands(node.Inputs.Count))
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
            AddBuffer(name, BufferRole.InputGradient, Graph.ShapeOf(input), $"d({InputName(input)}): {Graph.ShapeOf(input)}");
        }
        if (ReceivesGradient[Graph.Output] && !groupName.ContainsKey(Find(Graph.Output)))
        {
            string name = "_d" + (ValueName[Graph.Output] ?? "__output").Substring(1);
            groupName[Find(Graph.Output)] = name;
            AddBuffer(name, BufferRole.OutputGradient, Graph.ShapeOf(Graph.Output), $"d({Graph.TextOf(Graph.Output)}): {Graph.ShapeOf(Graph.Output)}");
        }

        // Shared slots for the other groups: interval [first write, backward of the group's first node], greedy by start.
        var intervals = firstWrite
            .Where(kv => !groupName.ContainsKey(kv.Key))
            .Select(kv => (Group: kv.Key, Start: kv.Value, End: Step(Graph.Values[kv.Key].Node)))
            .OrderBy(x => x.Start).ThenBy(x => x.Group)
            .ToList();
        var slots = new List<(long Static, int Dynamic, int FreeAfter, List<string> Members, string Name, int Seq)>();
        foreach (var (group, start, end) in intervals)
        {
            Shape shape = Graph.ShapeOf(group);
            long elements = Sizes.StaticCount(shape);
            int dynamic = Sizes.DynamicCount(shape), seq = Sizes.SeqCount(shape);
            int chosen = -1;
            for (int s = 0; s < slots.Count; s++)
            {
                if (slots[s].FreeAfter >= start || slots[s].Dynamic != dynamic || slots[s].Seq != seq) continue;
                if (chosen < 0 || Better(slots[s].Static, slots[chosen].Static, elements)) chosen = s;
            }
            string member = "d(" + Graph.TextOf(group) + ")";
            if (chosen < 0)
            {
                slots.Add((elements, dynamic, end, new List<string> { member }, "_gradient" + slots.Count.ToString(CultureInfo.InvariantCulture), seq));
                chosen = slots.Count - 1;
            }
            else
            {
                var slot = slots[chosen];
                slot.Members.Add(member);
                slots[chosen] = (System.Math.Max(slot.Static, elements), dynamic, end, slot.Members, slot.Name, seq);
            }
            groupName[group] = slots[chosen].Name;
        }
        foreach (var slot in slots)
            _buffers.Add(new PlannedBuffer(slot.Name, BufferRole.Gradient, slot.Static, slot.Dynamic, string.Join(", ", slot.Members)) { SeqDims = slot.Seq });

        for (int value = 0; value < Graph.Values.Count; value++)
        {
            if (ReceivesGradient[value] && groupName.TryGetValue(Find(value), out string? name)) GradientName[value] = name;
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

    private void AddBuffer(string name, BufferRole role, Shape shape, string comment, bool int32 = false) =>
        _buffers.Add(new PlannedBuffer(name, role, Sizes.StaticCount(shape), Sizes.DynamicCount(shape), comment) { Int32 = int32, SeqDims = Sizes.SeqCount(shape) });

    private string InputName(int value)
    {
        for (int i = 0; i < Graph.Inputs.Count; i++)
            if (Graph.Inputs[i] == value) return i < Graph.InputNames.Count ? Graph.InputNames[i] : "input" + i.ToString(CultureInfo.InvariantCulture);
        return "input";
    }

    /// <summary><c>fc1_1</c> for a layer (its path), <c>relu2</c> for an op; the number is the value's id.</summary>
    private static string ValueBaseName(CompiledNode node, int value)
    {
        string stem = node.Path.Length > 0 ? Identifier(node.Path) : char.ToLowerInvariant(node.Op[0]) + node.Op.Substring(1);
        string id = value.ToString(CultureInfo.InvariantCulture);
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

internal static class CompiledNodeExtensions
{
    /// <summary>The shape of the node's single output.</summary>
    public static Shape Shape(this CompiledNode node, CompiledGraph graph) => graph.ShapeOf(node.Output);
}

/// <summary>An op a gradient must flow through without a rule (SN0901): the call as written and the op, with why.</summary>
internal sealed record MissingRule(string Text, string Op);
