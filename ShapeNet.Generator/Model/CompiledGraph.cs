using System.Linq;
using ShapeNet.Generator.Ops;

namespace ShapeNet.Generator.Model;

// The output of shape inference and the input of gradient rules, planning and emission: a flat graph
// (nested blocks inlined) of nodes that consume and produce values, every value with its shape, every layer
// resolved to its parameters.

/// <summary>A learnable tensor: its PyTorch name (<c>fc1.weight</c>), shape, and how it is created.</summary>
/// <param name="Index">Position in the network's <c>Parameters</c> list (declaration order, blocks depth-first).</param>
/// <param name="Name">PyTorch-style full name (module path + <c>.weight</c>/<c>.bias</c>).</param>
/// <param name="Init">How it is initialised: <c>kaiming_uniform</c>, <c>uniform</c> (±1/√fanIn), <c>ones</c> or <c>zeros</c>.</param>
internal sealed record ParameterInfo(int Index, string Name, Shape Shape, string Init, int FanIn);

/// <summary>A module buffer: state that is not learned (PyTorch's <c>named_buffers</c>, BatchNorm's running statistics).</summary>
/// <param name="Index">Position in the network's <c>Buffers</c> list (declaration order, blocks depth-first).</param>
/// <param name="Name">PyTorch-style full name (<c>bn1.running_mean</c>, <c>block.bn.num_batches_tracked</c>).</param>
/// <param name="Init">Its initial value: <c>zeros</c> or <c>ones</c>.</param>
internal sealed record BufferInfo(int Index, string Name, Shape Shape, string Init);

/// <summary>One tensor of the flat graph: output <paramref name="Output"/> of node <paramref name="Node"/>.</summary>
/// <param name="Id">Index in <see cref="CompiledGraph.Values"/>; a node's operands always have smaller ids than its outputs.</param>
/// <param name="Text">The source text it comes from (the call, or <c>a</c> for a tuple element deconstructed into <c>a</c>).</param>
internal sealed record CompiledValue(int Id, int Node, int Output, Shape Shape, string Text);

/// <summary>One operation of the flat graph.</summary>
/// <param name="Id">Index in <see cref="CompiledGraph.Nodes"/>, in evaluation order.</param>
/// <param name="Op">The definition's name (<c>OpRegistry</c>): <c>Input</c>, <c>Linear</c>, <c>Relu</c>, <c>Add</c>, …</param>
/// <param name="Args">The definition's typed arguments, normalised by inference.</param>
/// <param name="Inputs">Value ids of the operands.</param>
/// <param name="Outputs">Value ids of the results (one unless the op returns a tuple).</param>
/// <param name="Text">The source text of the sub-expression, for comments and messages.</param>
/// <param name="Path">Module path of the layer that made it (<c>fc1</c>, <c>incep1.branch1x1</c>), empty for ops.</param>
/// <param name="Parameters">For layers: indices into <see cref="CompiledGraph.Parameters"/>, in the layer's declaration order.</param>
/// <param name="Scope">Module path of the block whose forward made it (<c>incep1.</c>), empty at the top level.</param>
internal sealed record CompiledNode(int Id, string Op, OpArgs Args, EquatableArray<int> Inputs, EquatableArray<int> Outputs,
    string Text, string Path, EquatableArray<int> Parameters, string Scope = "")
{
    /// <summary>For layers with state (BatchNorm2d): indices into <see cref="CompiledGraph.Buffers"/>, in the layer's
    /// declaration order; empty otherwise.</summary>
    public EquatableArray<int> Buffers { get; init; } = EquatableArray<int>.Empty;

    /// <summary>The single output (ops with one result).</summary>
    public int Output => Outputs[0];
}

/// <summary>A shape-checked network or function, ready for planning and emission.</summary>
/// <param name="Inputs">Value ids of the inputs, in parameter order.</param>
/// <param name="InputNames">The C# parameter names, for generated signatures.</param>
/// <param name="InputTypes">The C# parameter types as written (fully qualified), for generated signatures.</param>
/// <param name="Outputs">Value ids of the returned tensors (the leaves of a returned tuple, in order).</param>
/// <param name="ReturnType">The C# return type (fully qualified) of the forward method.</param>
internal sealed record CompiledGraph(
    EquatableArray<ParameterInfo> Parameters,
    EquatableArray<CompiledNode> Nodes,
    EquatableArray<CompiledValue> Values,
    EquatableArray<int> Inputs,
    EquatableArray<string> InputNames,
    EquatableArray<string> InputTypes,
    EquatableArray<int> Outputs,
    string ReturnType)
{
    /// <summary>The network's buffers, in the order of its <c>Buffers</c> list; empty when it has none.</summary>
    public EquatableArray<BufferInfo> Buffers { get; init; } = EquatableArray<BufferInfo>.Empty;

    /// <summary>The returned tuple's structure (<see cref="OutputTree.Single"/> for one tensor).</summary>
    public OutputTree ReturnStructure { get; init; } = OutputTree.Single;

    /// <summary>The C# type of each returned tensor, in the order of <see cref="Outputs"/>.</summary>
    public EquatableArray<string> OutputTypes { get; init; } = EquatableArray<string>.Empty;

    /// <summary>The loop regions, each a literal loop in the generated code (<see cref="CompiledLoop"/>).</summary>
    public EquatableArray<CompiledLoop> Loops { get; init; } = EquatableArray<CompiledLoop>.Empty;

    /// <summary>The loop whose body or results hold <paramref name="node"/>, or null.</summary>
    public CompiledLoop? LoopOf(int node)
    {
        foreach (CompiledLoop loop in Loops)
            if (node >= loop.FirstNode && node <= loop.EndNode) return loop;
        return null;
    }

    /// <summary>The first (for a single-tensor forward, the only) output: the one a train step's loss reads.</summary>
    public int Output => Outputs[0];

    public CompiledNode Producer(int value) => Nodes[Values[value].Node];

    public Shape ShapeOf(int value) => Values[value].Shape;

    public string TextOf(int value) => Values[value].Text;

    /// <summary>The id of the last node the outputs depend on (the first node of the backward pass).</summary>
    public int LastNode => Outputs.Max(o => Values[o].Node);
}

/// <summary>
/// A loop region of the flat graph: nodes <see cref="FirstNode"/> … <see cref="LastNode"/> run once per step, in a literal
/// <c>for</c> loop, and their backward in a reversed loop; nodes up to <see cref="EndNode"/> are the loop's results
/// (<c>LoopExit</c>, <c>LoopCollect</c>), written inside the loop.
/// </summary>
/// <param name="Index">Position in <see cref="CompiledGraph.Loops"/>.</param>
/// <param name="Count">Steps; −1 for the run-time sequence length (<c>seq</c>).</param>
internal sealed record CompiledLoop(int Index, int FirstNode, int LastNode, int EndNode, int Start, int Count,
    EquatableArray<CompiledCarry> Carried, string Header)
{
    public bool IsSeq => Count < 0;

    public bool InBody(int node) => node >= FirstNode && node <= LastNode;
}

/// <summary>A carried variable's values: <see cref="State"/> at the start of a step, <see cref="Out"/> at its end,
/// <see cref="Exit"/> after the loop (value ids).</summary>
internal sealed record CompiledCarry(string Name, int State, int Out, int Exit);

/// <summary>Everything the emitter needs for one network class.</summary>
internal sealed record NetworkSpec(NetworkModel Network, CompiledGraph? Graph, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>Everything the emitter needs for one differentiable function.</summary>
internal sealed record FunctionSpec(FunctionModel Function, CompiledGraph? Graph, EquatableArray<DiagnosticInfo> Diagnostics);
