using System.Globalization;

namespace ShapeNet.Generator.Model;

// The generator's model. Every type here must be immutable and have structural equality (records,
// EquatableArray, strings, numbers): the incremental pipeline compares them to decide what to re-run.
// No ISymbol, SyntaxNode, Location or Compilation may appear here (a test walks the model to check).

/// <summary>A named compile-time argument of an op or layer, its value in invariant text
/// (<c>"1"</c>, <c>"0.5"</c>, <c>"true"</c>, <c>"Mean"</c>, axes as <c>"0,1"</c>).</summary>
internal readonly record struct NamedArg(string Name, string Value)
{
    public int AsInt() => int.Parse(Value, CultureInfo.InvariantCulture);

    public double AsDouble() => double.Parse(Value, CultureInfo.InvariantCulture);

    public bool AsBool() => Value == "true";

    public int[] AsInts() => Value.Length == 0 ? new int[0] : System.Array.ConvertAll(Value.Split(','), s => int.Parse(s, CultureInfo.InvariantCulture));
}

internal enum NodeKind
{
    /// <summary>A parameter of the forward method; <see cref="Node.Op"/> is its name, the arg "index" its position.</summary>
    Input,
    /// <summary>A built-in op (<see cref="Node.Op"/> is its canonical name from <c>OpCatalog</c>).</summary>
    Op,
    /// <summary>A call of a layer member (<see cref="Node.Op"/> is the member name).</summary>
    Layer,
    /// <summary>A call of a nested network's forward (<see cref="Node.Op"/> is the member name).</summary>
    Block,
}

/// <summary>One operation of a parsed forward body, in evaluation order (SSA: each node is a value).</summary>
internal sealed record Node(int Id, NodeKind Kind, string Op, EquatableArray<int> Inputs, EquatableArray<NamedArg> Args,
    string Text, LocationInfo? Location)
{
    public string? Arg(string name)
    {
        foreach (NamedArg a in Args) if (a.Name == name) return a.Value;
        return null;
    }
}

/// <summary>A typed input of a forward or differentiable method.</summary>
internal sealed record GraphInput(string Name, Shape Shape, string TypeText, LocationInfo? Location);

/// <summary>The parsed body of a <c>[Forward]</c> or <c>[Differentiable]</c> method.</summary>
internal sealed record GraphModel(
    string MethodName,
    bool IsStatic,
    EquatableArray<string> MethodTypeParameters,
    EquatableArray<GraphInput> Inputs,
    Shape? DeclaredReturn,
    string ReturnTypeText,
    EquatableArray<Node> Nodes,
    int Output,
    LocationInfo? Location);

/// <summary>A layer member: <c>[Linear(784, 512)] partial Linear Fc1 { get; }</c> or a block.</summary>
internal sealed record LayerModel(
    string MemberName,
    string ModuleName,
    string Kind,
    EquatableArray<NamedArg> Args,
    string TypeText,
    string Accessibility,
    NetworkModel? Block,
    LocationInfo? Location);

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
    EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>A <c>[Dim(n)]</c> struct.</summary>
internal sealed record DimModel(
    string Namespace,
    string Name,
    string Accessibility,
    EquatableArray<string> ContainingTypes,
    int Size,
    EquatableArray<DiagnosticInfo> Diagnostics);
