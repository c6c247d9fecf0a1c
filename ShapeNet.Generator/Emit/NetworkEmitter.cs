using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Ops;
using ShapeNet.Generator.Planning;
using static ShapeNet.Generator.Emit.EmitHelpers;

namespace ShapeNet.Generator.Emit;

/// <summary>
/// The source of one <c>[Network]</c> class: layer fields, constructors, the partial layer properties, the parameter
/// list and, for a shape-checked non-generic network, the compile-time summary and the <c>Plan</c> (forward, backward
/// and train step for a batch capacity). A pure function of the spec; it never throws.
/// </summary>
internal static class NetworkEmitter
{
    private const string BatchCapacity = "batchCapacity";

    public static (string Source, EquatableArray<DiagnosticInfo> Diagnostics) Emit(NetworkSpec spec)
    {
        NetworkModel network = spec.Network;
        SourceRef? location = network.Forward?.Location;
        var diagnostics = new List<DiagnosticInfo>();
        try
        {
            var w = new IndentedWriter();
            FileHeader(w);
            List<IndentedWriter.BlockScope> containers = OpenContainers(w, network.Namespace, network.ContainingTypes);
            string typeParameters = network.IsGeneric ? "<" + string.Join(", ", network.TypeParameters) + ">" : string.Empty;
            using (w.Block($"partial class {Id(network.ClassName)}{typeParameters} : global::ShapeNet.Module"))
            {
                WriteSkeleton(w, network, diagnostics, location);
                if (!network.IsGeneric && spec.Graph is not null)
                {
                    BufferPlan plan = BufferPlan.Create(spec.Graph);
                    diagnostics.AddRange(PlanDiagnostics(plan, Array.Empty<string>(), location));
                    if (plan.MissingRules.Count == 0 && plan.Problems.Count == 0)
                    {
                        w.Line();
                        WriteSummary(w, spec, plan);
                        w.Line();
                        WritePlan(w, network, spec.Graph, plan, diagnostics, location);
                        w.Line();
                        OnnxEmitter.Write(w, network.ClassName, spec.Graph);
                    }
                }
            }
            Close(containers);
            return (w.ToString(), diagnostics.ToEquatableArray());
        }
        catch (Exception e)
        {
            diagnostics.Add(InternalError(location, $"emitting {network.ClassName}: {e.GetType().Name}: {e.Message}"));
            return (string.Empty, diagnostics.ToEquatableArray());
        }
    }

    // ---- the class skeleton: layers, constructors, properties, parameters ------------------------

    /// <summary>A layer member with its definition (null for a block).</summary>
    private sealed record Member(LayerModel Layer, ILayer? Definition);

    private static void WriteSkeleton(IndentedWriter w, NetworkModel network, List<DiagnosticInfo> diagnostics, SourceRef? location)
    {
        var members = new List<Member>();
        foreach (LayerModel layer in network.Layers)
        {
            if (layer.IsBlock) members.Add(new Member(layer, null));
            else if (Ops.OpRegistry.Layer(layer.Kind) is { } definition) members.Add(new Member(layer, definition));
            else diagnostics.Add(InternalError(layer.Location ?? location, $"the layer kind {layer.Kind} of {layer.MemberName} has no emitter"));
        }

        foreach (Member m in members)
        {
            if (m.Definition is { } d)
            {
                w.Line($"private readonly {d.EagerClass} {Field(m.Layer)};");
                w.Line($"private {DelegateType(d)}? {Field(m.Layer)}Call;");
            }
            else
            {
                w.Line($"private readonly {m.Layer.TypeText} {Field(m.Layer)};");
            }
        }
        if (members.Count > 0) w.Line();

        w.Line("/// <summary>A new network with parameters initialised as PyTorch does, from <paramref name=\"seed\"/>.</summary>");
        using (w.Block($"public {Id(network.ClassName)}(int seed = 0) : this(new global::ShapeNet.ParameterInit(seed), \"\")"))
        {
        }
        w.Line();
        w.Line("/// <summary>A network whose parameters are drawn from <paramref name=\"init\"/> and named <paramref name=\"prefix\"/> + member path.</summary>");
        using (w.Block($"public {Id(network.ClassName)}(global::ShapeNet.ParameterInit init, string prefix)"))
        {
            foreach (Member m in members)
            {
                if (m.Definition is { } d)
                    w.Line($"{Field(m.Layer)} = new {d.EagerClass}({d.EagerArgumentsOf(m.Layer.Args, "init", "prefix + " + StringLiteral(m.Layer.ModuleName))});");
                else
                    w.Line($"{Field(m.Layer)} = new {m.Layer.TypeText}(init, prefix + {StringLiteral(m.Layer.ModuleName + ".")});");
            }
        }

        foreach (Member m in members)
        {
            w.Line();
            string accessibility = m.Layer.Accessibility.Length > 0 ? m.Layer.Accessibility + " " : string.Empty;
            if (m.Definition is { } d)
                w.Line($"{accessibility}partial {DelegateType(d)} {Id(m.Layer.MemberName)} => {Field(m.Layer)}Call ??= {Field(m.Layer)}.Forward;");
            else
                w.Line($"{accessibility}partial {m.Layer.TypeText} {Id(m.Layer.MemberName)} => {Field(m.Layer)};");
        }

        WriteRankErasedForward(w, network);

        w.Line();
        using (w.Block("protected override void AddParameters(global::System.Collections.Generic.List<global::ShapeNet.Parameter> parameters)"))
        {
            foreach (Member m in members)
            {
                if (m.Definition is { } d)
                    foreach (LayerTensor p in d.ParametersOf(m.Layer.Args)) w.Line($"parameters.Add({Field(m.Layer)}.{p.Property});");
                else
                    w.Line($"parameters.AddRange({Field(m.Layer)}.Parameters);");
            }
        }
        WriteBuffersAndTraining(w, members);
    }

    /// <summary><c>AddBuffers</c> (each layer's buffers, blocks depth-first) when any layer holds buffers, and
    /// <c>SetTrainingOfLayers</c>, which passes <c>Train()</c>/<c>Eval()</c> on to the layers with a training mode and the blocks.</summary>
    private static void WriteBuffersAndTraining(IndentedWriter w, List<Member> members)
    {
        if (members.Any(m => HasBuffers(m.Layer)))
        {
            w.Line();
            using (w.Block("protected override void AddBuffers(global::System.Collections.Generic.List<global::ShapeNet.ModuleBuffer> buffers)"))
            {
                foreach (Member m in members)
                {
                    if (m.Definition is { } d)
                        foreach (LayerTensor b in d.BuffersOf(m.Layer.Args)) w.Line($"buffers.Add({Field(m.Layer)}.{b.Property});");
                    else if (HasBuffers(m.Layer))
                        w.Line($"buffers.AddRange({Field(m.Layer)}.Buffers);");
                }
            }
        }
        if (members.Any(m => m.Definition is null || m.Definition.HasTrainingMode))
        {
            w.Line();
            using (w.Block("protected override void SetTrainingOfLayers(bool training)"))
            {
                foreach (Member m in members)
                    if (m.Definition is null || m.Definition.HasTrainingMode) w.Line($"{Field(m.Layer)}.Training = training;");
            }
        }
    }

    /// <summary>Whether a layer holds buffers, or a block has one somewhere inside.</summary>
    private static bool HasBuffers(LayerModel layer) => layer.IsBlock
        ? layer.Block is not null && layer.Block.Layers.Any(HasBuffers)
        : Ops.OpRegistry.Layer(layer.Kind) is { } d && d.BuffersOf(layer.Args).Count > 0;

    /// <summary>The layer member's delegate type (<c>global::ShapeNet.Linear</c>), named like its attribute.</summary>
    private static string DelegateType(ILayer layer) => "global::ShapeNet." + layer.Name;

    /// <summary>For a forward generic in its dimensions (<c>Forward&lt;TH, TW&gt;(Tensor&lt;Batch, TIn, TH, TW&gt; x)</c>), an overload
    /// on rank-erased tensors, so a parent's eager code can call <c>Incep1.Forward(h)</c> with an untyped <c>h</c> (C# cannot
    /// infer TH and TW from it). It binds them to <c>AnyDim</c>: checked at run time only for rank and the static dims; the
    /// compiled parent checks every use at compile time.</summary>
    private static void WriteRankErasedForward(IndentedWriter w, NetworkModel network)
    {
        if (network.Forward is { ReturnStructure.IsLeaf: false })
        {
            WriteRankErasedTupleForward(w, network);
            return;
        }
        GraphModel? forward = network.Forward;
        if (forward is null || forward.IsStatic || forward.MethodTypeParameters.Count == 0 || forward.Inputs.Count == 0) return;
        string parameters = string.Join(", ", forward.Inputs.Select(i => $"{TensorType} {Id(i.Name)}"));
        string typeArguments = string.Join(", ", forward.MethodTypeParameters.Select(_ => "global::ShapeNet.AnyDim"));
        string arguments = string.Join(", ", forward.Inputs.Select(i => Id(i.Name)));
        w.Line();
        w.Line($"/// <summary><see cref=\"{forward.MethodName}{{{string.Join(", ", forward.MethodTypeParameters)}}}\"/> on rank-erased tensors, its dimensions {string.Join(", ", forward.MethodTypeParameters)} taken from the input at run time.</summary>");
        w.Line($"public {TensorType} {Id(forward.MethodName)}({parameters}) => {Id(forward.MethodName)}<{typeArguments}>({arguments});");
    }

    private static string Field(LayerModel layer) => "__" + Camel(layer.MemberName);

    /// <summary><see cref="WriteRankErasedForward"/> for a forward that returns a (nested) tuple: the same tuple of rank-erased
    /// tensors (<c>(Tensor, (Tensor, Tensor))</c>), converted element-wise from the typed one.</summary>
    private static void WriteRankErasedTupleForward(IndentedWriter w, NetworkModel network)
    {
        GraphModel forward = network.Forward!;
        if (forward.IsStatic || forward.MethodTypeParameters.Count == 0 || forward.Inputs.Count == 0) return;
        string Erased(OutputTree tree) => tree.IsLeaf ? TensorType : "(" + string.Join(", ", tree.Items.Select(Erased)) + ")";
        string parameters = string.Join(", ", forward.Inputs.Select(i => $"{TensorType} {i.Name}"));
        string typeArguments = string.Join(", ", forward.MethodTypeParameters.Select(_ => "global::ShapeNet.AnyDim"));
        string arguments = string.Join(", ", forward.Inputs.Select(i => i.Name));
        w.Line();
        w.Line($"/// <summary><see cref=\"{forward.MethodName}{{{string.Join(", ", forward.MethodTypeParameters)}}}\"/> on rank-erased tensors, its dimensions {string.Join(", ", forward.MethodTypeParameters)} taken from the input at run time.</summary>");
        w.Line($"public {Erased(forward.ReturnStructure)} {forward.MethodName}({parameters}) => {forward.MethodName}<{typeArguments}>({arguments});");
    }

    // ---- summary -----------------------------------------------------------------------------

    private static void WriteSummary(IndentedWriter w, NetworkSpec spec, BufferPlan plan)
    {
        string[] lines = SummaryBuilder.Build(spec.Network.ClassName, spec.Graph!, plan).Split('\n');
        w.Line("/// <summary>The layers, output shapes, parameter counts, FLOPs and plan memory, computed at compile time.</summary>");
        w.Line("public const string Summary =");
        w.Indent();
        int last = lines.Length - 1;
        while (last > 0 && lines[last].Length == 0) last--;
        for (int i = 0; i <= last; i++) w.Line(StringLiteral(lines[i] + "\n") + (i == last ? ";" : " +"));
        w.Outdent();
    }

    // ---- the plan ------------------------------------------------------------------------------

    private static void WritePlan(IndentedWriter w, NetworkModel network, CompiledGraph graph, BufferPlan plan,
        List<DiagnosticInfo> diagnostics, SourceRef? location)
    {
        string className = Id(network.ClassName);
        bool seq = plan.HasSeq;
        if (seq)
        {
            w.Line($"/// <summary>A plan of this network for at most <paramref name=\"batchCapacity\"/> samples of at most <paramref name=\"sequenceCapacity\"/> steps (the run-time Seq dimension) per step on <paramref name=\"backend\"/> (the CPU by default); every buffer is sized for both capacities, and any smaller batch or sequence length runs on them.</summary>");
            w.Line($"public Plan CreatePlan(int batchCapacity, int sequenceCapacity, {BackendType}? backend = null) => new Plan(this, batchCapacity, sequenceCapacity, backend ?? {CpuBackend});");
        }
        else
        {
            w.Line($"/// <summary>A plan of this network for at most <paramref name=\"batchCapacity\"/> samples per step on <paramref name=\"backend\"/> (the CPU by default).</summary>");
            w.Line($"public Plan CreatePlan(int batchCapacity, {BackendType}? backend = null) => new Plan(this, batchCapacity, backend ?? {CpuBackend});");
        }
        w.Line();
        w.Line($"/// <summary>{className} compiled for a batch capacity: every buffer allocated once, one backend call per op.</summary>");
        using (w.Block("public sealed class Plan : global::ShapeNet.NetworkPlan"))
        {
            var forward = new IndentedWriter();
            var backward = new IndentedWriter();
            var forwardCode = new GraphCodeWriter(plan, forward, "Backend", "batch", variables: new PassVariables("training", "DropoutSeed", "dropoutStep"),
                finiteSwitch: "CheckFinite");
            var backwardCode = new GraphCodeWriter(plan, backward, "Backend", "batch", inputGradientSwitch: "ComputeInputGradients",
                finiteSwitch: "CheckFinite");
            forwardCode.WriteForward();
            backwardCode.WriteBackward();
            diagnostics.AddRange(forwardCode.Failures.Concat(backwardCode.Failures).Distinct(StringComparer.Ordinal).Select(f => InternalError(location, f)));

            // Workspace lengths are printed before the fields, so every descriptor they name is declared.
            var workspacePrinter = new CallPrinter(plan, new IndentedWriter(), "backend", BatchCapacity, null, null, new List<string>(), Sizes.SeqCapacity);
            var workspaceLengths = plan.Workspaces.Select(workspace =>
                workspace.Lengths.Aggregate("1L", (length, call) => $"global::System.Math.Max({length}, {workspacePrinter.Call(call)})")).ToList();
            WriteFields(w, graph, plan);
            w.Line();
            WriteConstructor(w, className, graph, plan, workspaceLengths);
            w.Line();
            WriteLengths(w, graph);
            w.Line();
            bool hasDynamicArrays = plan.Arrays.Any(a => a.IsPerPass);
            using (w.Block("protected override void ForwardCore(int batch, bool training)"))
            {
                if (seq) w.Line($"int {Sizes.Seq} = Sequence;");
                if (hasDynamicArrays) w.Line("SetBatchInShapes(batch);");
                if (plan.HasDropout) w.Line("uint dropoutStep = training ? _dropoutStep++ : 0u;");
                WriteBody(w, forward);
            }
            w.Line();
            using (w.Block("protected override void BackwardCore(int batch)"))
            {
                if (seq) w.Line($"int {Sizes.Seq} = Sequence;");
                if (hasDynamicArrays) w.Line("SetBatchInShapes(batch);");
                WriteBody(w, backward);
            }
            if (hasDynamicArrays)
            {
                w.Line();
                using (w.Block("private void SetBatchInShapes(int batch)"))
                {
                    foreach (ConstantArray array in plan.Arrays)
                    {
                        foreach (int index in array.DynamicIndices)
                            w.Line($"{array.Name}[{index}] = batch; // {array.Comment}");
                        foreach (int index in array.SeqIndices)
                            w.Line($"{array.Name}[{index}] = Sequence; // {array.Comment}");
                        foreach ((int index, SizeExpr size) in array.ProductIndices)
                            w.Line($"{array.Name}[{index}] = {size.Format("batch", "Sequence")}; // {array.Comment}");
                    }
                }
            }
            WriteTypedOverloads(w, graph, plan);
        }
    }

    private static void WriteBody(IndentedWriter w, IndentedWriter body)
    {
        foreach (string line in body.ToString().Split('\n'))
            if (line.Length > 0) w.Line(line);
    }

    private static void WriteFields(IndentedWriter w, CompiledGraph graph, BufferPlan plan)
    {
        foreach (ParameterInfo p in graph.Parameters)
        {
            w.Line($"private readonly {BufferType} {BufferPlan.ParameterValueName(p)}; // {p.Name}: {p.Shape}");
            w.Line($"private readonly {BufferType} {BufferPlan.ParameterGradientName(p)}; // d({p.Name}): {p.Shape}");
        }
        foreach (BufferInfo b in graph.Buffers)
            w.Line($"private readonly {BufferType} {BufferPlan.ModuleBufferName(b)}; // {b.Name}: {b.Shape}");
        foreach (PlannedBuffer buffer in plan.Buffers)
            w.Line($"private readonly {BufferType} {buffer.Name}; // {buffer.Comment}");
        foreach (ConstantArray array in plan.Arrays)
            w.Line($"private readonly {array.ElementType}[] {array.Name} = {array.Initializer("0")}; // {array.Comment}");
        foreach (WorkspaceRequest workspace in plan.Workspaces)
            w.Line($"private readonly {BufferType} {workspace.Field}; // {workspace.Comment}");
        foreach (PlannedDescriptor descriptor in plan.Descriptors)
            w.Line($"private readonly global::ShapeNet.Backends.{descriptor.Type} {descriptor.Name} = new({descriptor.Arguments}); // {descriptor.Comment}");
        foreach (PlanHandle handle in plan.Handles)
            w.Line($"private readonly {handle.Type} {handle.Field}; // {handle.Comment}");
        if (plan.HasDropout)
        {
            w.Line("private uint _dropoutStep;");
            w.Line();
            w.Line("/// <summary>The seed of the dropout masks; each training forward pass draws new masks (a step counter), each Dropout its own.</summary>");
            w.Line("public ulong DropoutSeed { get; set; } = 0x5EED0D20u;");
        }
    }

    /// <summary>The descriptor types <c>IBackend.Prepare</c> takes (a recurrent stack is bound instead: <c>Recurrent_Bind</c>).</summary>
    private static readonly string[] PreparedDescriptors = { "Conv2dDesc", "Pool2dDesc", "BatchNormDesc", "LinearDesc" };

    private static void WriteConstructor(IndentedWriter w, string className, CompiledGraph graph, BufferPlan plan, List<string> workspaceLengths)
    {
        bool seq = plan.HasSeq;
        using (w.Block(seq
            ? $"internal Plan({className} network, int batchCapacity, int {Sizes.SeqCapacity}, {BackendType} backend) : base(network, batchCapacity, {Sizes.SeqCapacity}, backend, inputCount: {graph.Inputs.Count})"
            : $"internal Plan({className} network, int batchCapacity, {BackendType} backend) : base(network, batchCapacity, backend, inputCount: {graph.Inputs.Count})"))
        {
            foreach (ParameterInfo p in graph.Parameters)
            {
                string index = p.Index.ToString(CultureInfo.InvariantCulture);
                w.Line($"{BufferPlan.ParameterValueName(p)} = ParameterValue({index});");
                w.Line($"{BufferPlan.ParameterGradientName(p)} = ParameterGradient({index});");
            }
            foreach (BufferInfo b in graph.Buffers)
                w.Line($"{BufferPlan.ModuleBufferName(b)} = BufferValue({b.Index.ToString(CultureInfo.InvariantCulture)});");
            // The batch capacity is checked against the largest buffer first, so the int products below cannot wrap.
            foreach (var degree in plan.Buffers.Where(b => b.DynamicDims > 0 && b.SeqDims == 0).GroupBy(b => b.DynamicDims).OrderBy(g => g.Key))
                w.Line($"RequireBatchCapacity({BatchCapacity}, perSample: {Sizes.Literal(degree.Max(b => b.StaticElements))}, batchDims: {degree.Key.ToString(CultureInfo.InvariantCulture)});");
            // With the run-time Seq the sequence capacity multiplies in too (the capacities' product must fit an array).
            foreach (var degree in plan.Buffers.Where(b => b.SeqDims > 0).GroupBy(b => (b.DynamicDims, b.SeqDims)).OrderBy(g => g.Key.DynamicDims).ThenBy(g => g.Key.SeqDims))
                w.Line($"RequireCapacity({BatchCapacity}, {Sizes.SeqCapacity}, perStep: {Sizes.Literal(degree.Max(b => b.StaticElements))}, " +
                       $"batchDims: {degree.Key.DynamicDims.ToString(CultureInfo.InvariantCulture)}, seqDims: {degree.Key.SeqDims.ToString(CultureInfo.InvariantCulture)});");
            foreach (PlannedBuffer buffer in plan.Buffers)
                w.Line($"{buffer.Name} = {(buffer.Int32 ? "AllocateInt32" : "Allocate")}({buffer.Length(BatchCapacity, Sizes.SeqCapacity)});");
            // Each op descriptor is prepared once (a device backend creates its own descriptors and picks its algorithms), before
            // the workspaces are sized: a workspace's length is the backend's (it may depend on the core count or the algorithm),
            // the largest of every request at the capacity.
            foreach (PlannedDescriptor descriptor in plan.Descriptors.Where(d => PreparedDescriptors.Contains(d.Type)))
                foreach (SizeExpr capacity in descriptor.Capacities)
                    w.Line($"backend.Prepare(in {descriptor.Name}, {capacity.Format(BatchCapacity, Sizes.SeqCapacity)});");
            for (int i = 0; i < plan.Workspaces.Count; i++) w.Line($"{plan.Workspaces[i].Field} = Allocate({workspaceLengths[i]});");
            foreach (PlanHandle handle in plan.Handles)
                w.Line($"{handle.Field} = {handle.Initializer};");
            for (int i = 0; i < graph.Inputs.Count; i++)
            {
                int input = graph.Inputs[i];
                w.Line($"BindInput({i}, {plan.ValueName[input]}, {plan.GradientName[input] ?? "null"});");
            }
            string outputGradient = plan.OutputGradientName ?? $"Allocate({Sizes.Count(graph.ShapeOf(graph.Output), BatchCapacity, Sizes.SeqCapacity)})";
            w.Line($"BindOutput({plan.ValueName[graph.Output]}, {outputGradient});");
        }
    }

    private static void WriteLengths(IndentedWriter w, CompiledGraph graph)
    {
        w.Line("protected override long InputLengthFor(int index, int batch) => index switch");
        w.Line("{");
        w.Indent();
        for (int i = 0; i < graph.Inputs.Count; i++)
        {
            Shape shape = graph.ShapeOf(graph.Inputs[i]);
            w.Line($"{i} => {Sizes.Count(shape, "batch", "Sequence")}, // {graph.InputNames[i]}: {shape}");
        }
        w.Line("_ => throw new global::System.ArgumentOutOfRangeException(nameof(index), index, \"The network has " +
               graph.Inputs.Count.ToString(CultureInfo.InvariantCulture) + " inputs.\"),");
        w.Outdent();
        w.Line("};");
        w.Line();
        Shape output = graph.ShapeOf(graph.Output);
        w.Line($"protected override long OutputLengthFor(int batch) => {Sizes.Count(output, "batch", "Sequence")}; // {output}");
        w.Line();
        string columns = output.Rank > 0 && output[output.Rank - 1].IsStatic ? Sizes.Literal(output[output.Rank - 1].Size) : "1";
        w.Line($"protected override int OutputColumns => {columns};");
    }

    private static bool IsIntegerInput(CompiledGraph graph, int i) => graph.Producer(graph.Inputs[i]).Args is InputArgs { Integer: true };

    /// <summary>Forward and train-step overloads with the network's own parameter types.</summary>
    private static void WriteTypedOverloads(IndentedWriter w, CompiledGraph graph, BufferPlan plan)
    {
        var parameters = graph.InputTypes.Zip(graph.InputNames, (type, name) => $"{type} {Id(name)}").ToList();
        string signature = string.Join(", ", parameters);
        Shape output = graph.ShapeOf(graph.Output);
        // The overloads' own parameters and locals, renamed when an input has the same name (an input called 'target').
        string batch = FreshName("batch", graph.InputNames);
        string outputName = FreshName("output", graph.InputNames);
        string target = FreshName("target", graph.InputNames);
        (int Input, int Axis)? batchSource = BatchSource(graph);
        string batchExpression = batchSource is { } s
            ? $"{Untyped(Id(graph.InputNames[s.Input]), graph.InputTypes[s.Input])}.Size({s.Axis})"
            : "1";
        // The run-time sequence length, read from the first input with Seq (its other Seq inputs are checked by the upload's length).
        (int Input, int Axis)? seqSource = SeqSource(graph);
        string seq = FreshName(Sizes.Seq, graph.InputNames);

        void Upload()
        {
            if (seqSource is { } q)
            {
                w.Line($"int {seq} = {Untyped(Id(graph.InputNames[q.Input]), graph.InputTypes[q.Input])}.Size({q.Axis});");
                w.Line($"SetSequence({seq});");
            }
            w.Line($"int {batch} = {batchExpression};");
            w.Line($"SetBatch({batch});");
            for (int i = 0; i < graph.Inputs.Count; i++)
                w.Line($"UploadInput({i}, {Untyped(Id(graph.InputNames[i]), graph.InputTypes[i])}.Data);");
        }

        // A forward that returns a tuple: output 0 through the base plan's output (the one a train step's loss reads), the
        // others downloaded from their value buffers; the result has the declared tuple's structure.
        var outputNames = new List<string> { outputName };
        for (int j = 1; j < graph.Outputs.Count; j++) outputNames.Add(FreshName(outputName + j.ToString(CultureInfo.InvariantCulture), graph.InputNames));
        string Result(OutputTree tree) => tree.IsLeaf
            ? Typed($"new {TensorType}({outputNames[tree.Index]}{(ShapeArguments(graph.ShapeOf(graph.Outputs[tree.Index]), batch, seq) is { Length: > 0 } s ? ", " + s : string.Empty)})",
                tree.Index < graph.OutputTypes.Count ? graph.OutputTypes[tree.Index] : graph.ReturnType)
            : "(" + string.Join(", ", tree.Items.Select(Result)) + ")";

        w.Line();
        w.Line($"/// <summary>Inference on one batch (allocates the result).</summary>");
        using (w.Block($"public {graph.ReturnType} Forward({signature})"))
        {
            Upload();
            w.Line("Forward(training: false);");
            w.Line($"var {outputName} = new float[OutputLengthFor({batch})];");
            w.Line($"DownloadOutput({outputName});");
            for (int j = 1; j < graph.Outputs.Count; j++)
            {
                w.Line($"var {outputNames[j]} = new float[{Sizes.Count(graph.ShapeOf(graph.Outputs[j]), batch, seq)}];");
                w.Line($"Backend.Download({plan.ValueName[graph.Outputs[j]]}, {outputNames[j]});");
            }
            w.Line($"return {Result(graph.ReturnStructure)};");
        }
        w.Line();
        string spanParameters = string.Join(", ", outputNames.Select(n => $"global::System.Span<float> {n}"));
        string described = graph.Outputs.Count == 1 ? $"<paramref name=\"{outputName}\"/> ({output})"
            : string.Join(", ", outputNames.Select((n, j) => $"<paramref name=\"{n}\"/> ({graph.ShapeOf(graph.Outputs[j])})"));
        w.Line($"/// <summary>Inference on one batch into {described}; allocates nothing.</summary>");
        using (w.Block($"public void Forward({signature}, {spanParameters})"))
        {
            Upload();
            w.Line("Forward(training: false);");
            w.Line($"DownloadOutput({outputName});");
            for (int j = 1; j < graph.Outputs.Count; j++)
            {
                string length = Sizes.Count(graph.ShapeOf(graph.Outputs[j]), batch, seq);
                w.Line($"if ({outputNames[j]}.Length < {length}) throw new global::System.ArgumentException($\"The output needs {{{length}}} floats for a batch of {{{batch}}}, but the destination holds {{{outputNames[j]}.Length}}.\", nameof({outputNames[j]}));");
                w.Line($"Backend.Download({plan.ValueName[graph.Outputs[j]]}, {outputNames[j]}.Slice(0, {length}));");
            }
        }
        w.Line();
        w.Line("/// <summary>One training step (forward, loss, backward, optimizer update); allocates nothing. <see cref=\"global::ShapeNet.NetworkPlan.Loss\"/> reads the loss.</summary>");
        using (w.Block($"public void TrainStep({signature}, {TensorType} {target})"))
        {
            Upload();
            w.Line($"UploadTarget({target}.Data);");
            w.Line("TrainStepOnUploaded();");
        }
        bool hasIntegerInput = Enumerable.Range(0, graph.Inputs.Count).Any(i => IsIntegerInput(graph, i));
        if (hasIntegerInput)
        {
            w.Line();
            w.Line("/// <summary>One training step with integer class indices as the target (cross-entropy, NLL); allocates nothing.</summary>");
            using (w.Block($"public void TrainStep({signature}, global::ShapeNet.IntTensor {target})"))
            {
                Upload();
                w.Line($"UploadTarget({target}.Data);");
                w.Line("TrainStepOnUploaded();");
            }
        }
        if (graph.Inputs.Count > 1)
        {
            string spans = string.Join(", ", graph.InputNames.Select((n, i) => $"global::System.ReadOnlySpan<{(IsIntegerInput(graph, i) ? "int" : "float")}> {Id(n)}"));
            w.Line();
            if (seqSource is null)
                w.Line($"/// <summary>One training step from flat row-major spans of <paramref name=\"{batch}\"/> samples.</summary>");
            else
                w.Line($"/// <summary>One training step from flat row-major spans of <paramref name=\"{batch}\"/> samples of <paramref name=\"{seq}\"/> steps.</summary>");
            using (w.Block($"public void TrainStep({spans}, global::System.ReadOnlySpan<float> {target}, int {batch}{(seqSource is null ? string.Empty : ", int " + seq)})"))
            {
                if (seqSource is not null) w.Line($"SetSequence({seq});");
                w.Line($"SetBatch({batch});");
                for (int i = 0; i < graph.Inputs.Count; i++) w.Line($"UploadInput({i}, {Id(graph.InputNames[i])});");
                w.Line($"UploadTarget({target});");
                w.Line("TrainStepOnUploaded();");
            }
        }
    }
}
