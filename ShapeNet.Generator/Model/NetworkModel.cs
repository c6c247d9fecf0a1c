using ShapeNet.Generator.Ops;

namespace ShapeNet.Generator.Model;

// The generator's model. Every type here must be immutable and have structural equality (records,
// EquatableArray, strings, numbers): the incremental pipeline compares them to decide what to re-run.
// No ISymbol, SyntaxNode, Location or Compilation may appear here (a test walks the model to check), and no source
// position either: locations are SourceRefs into the parse's LocationTable, so a network moved within its file has an
// equal model and inference, planning and emission stay cached.

internal enum NodeKind
{
    /// <summary>A parameter of the forward method; <see cref="Node.Op"/> is its name, <see cref="InputArgs"/> its position.</summary>
    Input,
    /// <summary>A built-in op (<see cref="Node.Op"/> is its definition's name in <c>OpRegistry</c>, <see cref="Node.Args"/> its typed arguments).</summary>
    Op,
    /// <summary>A call of a layer member (<see cref="Node.Op"/> is the member name).</summary>
    Layer,
    /// <summary>A call of a nested network's forward (<see cref="Node.Op"/> is the member name).</summary>
    Block,
}

/// <summary>The position of a forward method's parameter.</summary>
/// <param name="Integer">Whether it is an <c>IntTensor</c> (token ids, lengths, labels): an int32 buffer with no gradient.</param>
internal sealed record InputArgs(int Index, bool Integer = false) : OpArgs;

/// <summary>One value of a parsed forward body: output <see cref="Output"/> of node <see cref="Node"/> (0 unless the node
/// returns a tuple).</summary>
internal readonly record struct ValueRef(int Node, int Output)
{
    public static ValueRef Of(int node) => new(node, 0);
}

/// <summary>One operation of a parsed forward body, in evaluation order (SSA: each node makes values).</summary>
/// <param name="Deconstruction">How the result is used: null for one tensor, or the tuple pattern it is deconstructed into
/// (<c>var (a, b) = Chunk(x, 2, 1)</c>).</param>
internal sealed record Node(int Id, NodeKind Kind, string Op, EquatableArray<ValueRef> Inputs, OpArgs Args,
    string Text, SourceRef? Location, TuplePattern? Deconstruction = null);

/// <summary>A typed input of a forward or differentiable method.</summary>
/// <param name="Integer">Whether it is an <c>IntTensor&lt;…&gt;</c>.</param>
internal sealed record GraphInput(string Name, Shape Shape, string TypeText, SourceRef? Location, bool Integer = false);

/// <summary>The parsed body of a <c>[Forward]</c> or <c>[Differentiable]</c> method.</summary>
/// <param name="Outputs">The returned values: one, or the leaves of a returned tuple (<c>return (a, (b, c));</c>) in order.</param>
/// <param name="ReturnStructure">The returned tuple's structure (<see cref="OutputTree.Single"/> for one tensor).</param>
/// <param name="DeclaredReturns">The declared shape of each returned tensor (null where the type is the rank-erased
/// <c>Tensor</c>), in the order of <paramref name="Outputs"/>.</param>
internal sealed record GraphModel(
    string MethodName,
    bool IsStatic,
    EquatableArray<string> MethodTypeParameters,
    EquatableArray<GraphInput> Inputs,
    EquatableArray<DeclaredReturn> DeclaredReturns,
    string ReturnTypeText,
    EquatableArray<Node> Nodes,
    EquatableArray<ValueRef> Outputs,
    OutputTree ReturnStructure,
    SourceRef? Location)
{
    /// <summary>The loops compiled as loop regions (<see cref="LoopModel"/>), in source order.</summary>
    public EquatableArray<LoopModel> Loops { get; init; } = EquatableArray<LoopModel>.Empty;
}

/// <summary>
/// A <c>for</c> loop compiled as a loop region: nodes <see cref="FirstNode"/> … <see cref="LastNode"/> are its body, parsed once
/// with the counter symbolic (<c>x[t]</c> is a <c>StepSelect</c> node), and run once per step by a literal loop in the generated
/// code; nodes <see cref="LastNode"/> + 1 … <see cref="EndNode"/> are its results (<c>LoopExit</c>, <c>LoopCollect</c>).
/// </summary>
/// <param name="Start">The counter's first value.</param>
/// <param name="Count">The number of steps; −1 for the length of <see cref="Sequence"/>'s first axis (<c>t &lt; x.Size(0)</c>),
/// which inference resolves (a static size, or the run-time <c>Seq</c>).</param>
/// <param name="Carried">The variables carried from one step to the next.</param>
/// <param name="Header">The loop's header as written, for comments and messages.</param>
/// <param name="Bound">The bound as written (<c>x.Size(0)</c>), and <see cref="BoundLocation"/> where, for messages.</param>
internal sealed record LoopModel(int FirstNode, int LastNode, int EndNode, int Start, int Count, ValueRef? Sequence,
    EquatableArray<LoopCarry> Carried, string Header, SourceRef? Location, string Bound = "", SourceRef? BoundLocation = null);

/// <summary>A variable carried through a loop region: <see cref="StateNode"/> (a <c>LoopState</c>) is its value at the start of
/// a step, <see cref="Out"/> its value at the end (the next step's state), <see cref="ExitNode"/> (a <c>LoopExit</c>) its value
/// after the loop.</summary>
internal sealed record LoopCarry(string Name, int StateNode, ValueRef Out, int ExitNode);

/// <summary>One tensor of a forward method's declared return type: its shape (null for the rank-erased <c>Tensor</c>) and
/// its C# type (fully qualified).</summary>
internal sealed record DeclaredReturn(Shape? Shape, string TypeText);

/// <summary>A layer member: <c>[Linear(784, 512)] partial Linear Fc1 { get; }</c> or a block.</summary>
/// <param name="Kind">The layer's definition name (<c>Linear</c>, <c>Conv2d</c>, <c>BatchNorm2d</c>) or <c>Block</c>.</param>
/// <param name="Args">The layer's typed arguments (<see cref="NoArgs"/> for a block).</param>
internal sealed record LayerModel(
    string MemberName,
    string ModuleName,
    string Kind,
    OpArgs Args,
    string TypeText,
    string Accessibility,
    NetworkModel? Block,
    SourceRef? Location)
{
    public const string BlockKind = "Block";

    public bool IsBlock => Kind == BlockKind;
}

/// <summary>A <c>[Network]</c> class as parsed, with class type arguments already substituted for blocks.</summary>
internal sealed record NetworkModel(
    string Namespace,
    string ClassName,
    string Accessibility,
    EquatableArray<string> TypeParameters,
    EquatableArray<string> ContainingTypes,
    EquatableArray<LayerModel> Layers,
    GraphModel? Forward,
    EquatableArray<DiagnosticInfo> Diagnostics)
{
    /// <summary>Hint name for the generated file.</summary>
    public string HintName => (Namespace.Length > 0 ? Namespace + "." : string.Empty) + string.Join(".", ContainingTypes) +
        (ContainingTypes.Count > 0 ? "." : string.Empty) + ClassName + (TypeParameters.Count > 0 ? "`" + TypeParameters.Count : string.Empty);

    public bool IsGeneric => TypeParameters.Count > 0;
}

/// <summary>A <c>[Differentiable]</c> static function as parsed.</summary>
internal sealed record FunctionModel(
    string Namespace,
    string ContainingClass,
    string ContainingAccessibility,
    bool ContainingIsStatic,
    EquatableArray<string> ContainingTypes,
    string Accessibility,
    GraphModel? Graph,
    EquatableArray<DiagnosticInfo> Diagnostics)
{
    /// <summary>Hint name for the generated file (<c>Demo.Autograd.SumOf.Grad.g.cs</c>).</summary>
    public string HintName => (Namespace.Length > 0 ? Namespace + "." : string.Empty) + string.Join(".", ContainingTypes) +
        (ContainingTypes.Count > 0 ? "." : string.Empty) + ContainingClass + "." + (Graph?.MethodName ?? "Function") + ".Grad.g.cs";
}

/// <summary>A <c>[Dim(n)]</c> struct.</summary>
internal sealed record DimModel(
    string Namespace,
    string Name,
    string Accessibility,
    EquatableArray<string> ContainingTypes,
    int Size,
    EquatableArray<DiagnosticInfo> Diagnostics);
