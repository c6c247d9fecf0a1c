namespace ShapeNet.Generator.Model;

// The output of shape inference and the input of gradient rules, planning and emission: a flat graph
// (nested blocks inlined), every value with its shape, every layer resolved to its parameters.

/// <summary>A learnable tensor: its PyTorch name (<c>fc1.weight</c>), shape, and how it is created.</summary>
/// <param name="Index">Position in the network's <c>Parameters</c> list (declaration order, blocks depth-first).</param>
/// <param name="Name">PyTorch-style full name (module path + <c>.weight</c>/<c>.bias</c>).</param>
/// <param name="Init">How it is initialised: <c>kaiming_uniform(fanIn)</c> or <c>uniform(fanIn)</c> (±1/√fanIn).</param>
internal sealed record ParameterInfo(int Index, string Name, Shape Shape, string Init, int FanIn);

/// <summary>A module buffer: state that is not learned (PyTorch's <c>named_buffers</c>, BatchNorm's running statistics).</summary>
/// <param name="Index">Position in the network's <c>Buffers</c> list (declaration order, blocks depth-first).</param>
/// <param name="Name">PyTorch-style full name (<c>bn1.running_mean</c>, <c>block.bn.num_batches_tracked</c>).</param>
/// <param name="Init">Its initial value: <c>zeros</c> or <c>ones</c>.</param>
internal sealed record BufferInfo(int Index, string Name, Shape Shape, string Init);

/// <summary>One value of the flat graph.</summary>
/// <param name="Id">Index in <see cref="CompiledGraph.Nodes"/>; inputs always have smaller ids.</param>
/// <param name="Op">Canonical op name (<c>OpCatalog</c>): <c>Input</c>, <c>Linear</c>, <c>Relu</c>, <c>Add</c>, …</param>
/// <param name="Inputs">Ids of the operand nodes.</param>
/// <param name="Args">Compile-time arguments, normalised by inference (axes non-negative, defaults filled).</param>
/// <param name="Shape">The inferred output shape.</param>
/// <param name="Text">The source text of the sub-expression, for comments and messages.</param>
/// <param name="Path">Module path of the layer that made it (<c>fc1</c>, <c>incep1.branch1x1</c>), empty for ops.</param>
/// <param name="Parameters">For layers: indices into <see cref="CompiledGraph.Parameters"/> (weight, then bias).</param>
/// <param name="Scope">Module path of the block whose forward made it (<c>incep1.</c>), empty at the top level.</param>
/// <param name="RequiresGrad">Whether a gradient flows to this value (it depends on a parameter or an input
/// that needs a gradient, and not only through <c>Detach</c>).</param>
internal sealed record CompiledNode(int Id, string Op, EquatableArray<int> Inputs, EquatableArray<NamedArg> Args, Shape Shape,
    string Text, string Path, EquatableArray<int> Parameters, bool RequiresGrad, string Scope = "")
{
    /// <summary>For layers with state (BatchNorm2d): indices into <see cref="CompiledGraph.Buffers"/> (running_mean,
    /// running_var, num_batches_tracked); empty otherwise.</summary>
    public EquatableArray<int> Buffers { get; init; } = EquatableArray<int>.Empty;

    public string? Arg(string name)
    {
        foreach (NamedArg a in Args) if (a.Name == name) return a.Value;
        return null;
    }
}

/// <summary>A shape-checked network or function, ready for gradient rules, planning and emission.</summary>
/// <param name="Inputs">Node ids of the inputs, in parameter order.</param>
/// <param name="InputNames">The C# parameter names, for generated signatures.</param>
/// <param name="InputTypes">The C# parameter types as written (fully qualified), for generated signatures.</param>
/// <param name="ReturnType">The C# return type (fully qualified) of the forward method.</param>
internal sealed record CompiledGraph(
    EquatableArray<ParameterInfo> Parameters,
    EquatableArray<CompiledNode> Nodes,
    EquatableArray<int> Inputs,
    EquatableArray<string> InputNames,
    EquatableArray<string> InputTypes,
    int Output,
    string ReturnType)
{
    /// <summary>The network's buffers, in the order of its <c>Buffers</c> list; empty when it has none.</summary>
    public EquatableArray<BufferInfo> Buffers { get; init; } = EquatableArray<BufferInfo>.Empty;
}

/// <summary>Everything the emitter needs for one network class.</summary>
internal sealed record NetworkSpec(NetworkModel Network, CompiledGraph? Graph, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>Everything the emitter needs for one differentiable function.</summary>
internal sealed record FunctionSpec(FunctionModel Function, CompiledGraph? Graph, EquatableArray<DiagnosticInfo> Diagnostics);
