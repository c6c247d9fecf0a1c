using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ShapeNet.Generator.Model;

namespace ShapeNet.Generator.Parsing;

/// <summary>Shared state of one parse: the compilation, the type-parameter substitution in force (a block's
/// class type parameters bound to the dims of its use), diagnostics collected as data.</summary>
internal sealed class ParseContext
{
    public const string DimAttributeName = "ShapeNet.DimAttribute";
    public const string NetworkAttributeName = "ShapeNet.NetworkAttribute";
    public const string ForwardAttributeName = "ShapeNet.ForwardAttribute";
    public const string DifferentiableAttributeName = "ShapeNet.DifferentiableAttribute";
    public const string LayerAttributeName = "ShapeNet.LayerAttribute";
    public const string BatchName = "ShapeNet.Batch";
    public const string TensorName = "ShapeNet.Tensor";
    public const string SeqName = "ShapeNet.Seq";

    public ParseContext(Compilation compilation, CancellationToken cancellationToken, ParseContext? root = null, SourceRef? useLocation = null)
    {
        Compilation = compilation;
        CancellationToken = cancellationToken;
        Root = root ?? this;
        UseLocation = useLocation;
    }

    /// <summary>When this context parses a block for its parent: where the network being generated declares the (outermost)
    /// block member. Errors that depend on the use's type arguments are reported there, to <see cref="Root"/>.</summary>
    public SourceRef? UseLocation { get; }

    /// <summary>Whether the built-in <c>Seq</c> is a run-time dimension here: a network and its blocks (a plan sizes it per step) and a
    /// <c>[Differentiable]</c> function (its method reads it from the input). A context made for anything else reports SN0015.</summary>
    public bool TakesRunTimeSeq { get; init; }

    /// <summary>The context of the network being generated, when this one parses a block inside it.</summary>
    public ParseContext Root { get; }

    public Compilation Compilation { get; }

    public CancellationToken CancellationToken { get; }

    public List<DiagnosticInfo> Diagnostics { get; } = new();

    /// <summary>The locations taken so far, shared by a network and the blocks parsed inside it (held by <see cref="Root"/>).</summary>
    private readonly List<LocationInfo> _locations = new();

    /// <summary>Each location's reference, so one place (a block's node parsed once per use) has one reference and the
    /// diagnostics reported there compare equal.</summary>
    private readonly Dictionary<LocationInfo, int> _refs = new();

    /// <summary>A location-free reference to <paramref name="location"/> (null for none): the location goes into the root's
    /// table, the reference into the model.</summary>
    public SourceRef? At(Location? location)
    {
        if (LocationInfo.From(location) is not { } info) return null;
        if (!Root._refs.TryGetValue(info, out int index))
        {
            index = Root._locations.Count;
            Root._locations.Add(info);
            Root._refs[info] = index;
        }
        return new SourceRef(index);
    }

    public SourceRef? At(SyntaxNode? node) => node is null ? null : At(node.GetLocation());

    /// <summary>The table the references of this parse index.</summary>
    public LocationTable Locations => new(Root._locations.ToEquatableArray());

    public void Report(DiagnosticDescriptor descriptor, SourceRef? location, params object[] args) =>
        Diagnostics.Add(DiagnosticInfo.Create(descriptor, location, args));

    public SemanticModel ModelFor(SyntaxNode node) => Compilation.GetSemanticModel(node.SyntaxTree);

    /// <summary>The dimension a type argument stands for, or null when it is not one (SN0007 reported) or its size is not
    /// positive (SN0001 is reported on the dimension itself).</summary>
    public Dim? ResolveDim(ITypeSymbol type, IReadOnlyDictionary<string, Dim> substitution, SourceRef? location)
    {
        if (type is ITypeParameterSymbol tp)
        {
            if (substitution.TryGetValue(tp.Name, out Dim bound)) return bound;
            return new Dim(tp.Name, Dim.Symbolic);
        }
        if (type.ToDisplayString() == BatchName) return Dim.Batch;
        if (type.ToDisplayString() == SeqName)
        {
            if (Root.TakesRunTimeSeq) return Dim.Seq;
            Report(DiagnosticDescriptors.RunTimeSequence, location, "A [Differentiable] function", string.Empty);
            return null;
        }
        AttributeData? dim = type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == DimAttributeName);
        if (dim is not null && dim.ConstructorArguments.Length == 1 && dim.ConstructorArguments[0].Value is int size)
        {
            // A size that is not positive was reported once on the dimension (SN0001); a tensor using it is not built.
            if (size <= 0) return null;
            return new Dim(type.Name, size);
        }
        Report(DiagnosticDescriptors.NotADimension, location, type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat));
        return null;
    }

    /// <summary>The shape of <c>Tensor&lt;D1, …&gt;</c>; null for the rank-erased <c>Tensor</c> or any other type.</summary>
    public Shape? ResolveTensorShape(ITypeSymbol type, IReadOnlyDictionary<string, Dim> substitution, SourceRef? location, out bool isTensor) =>
        ResolveTensorShape(type, substitution, location, out isTensor, out _);

    /// <summary>The shape of <c>Tensor&lt;D1, …&gt;</c> or <c>IntTensor&lt;D1, …&gt;</c> (<paramref name="isInteger"/>).</summary>
    public Shape? ResolveTensorShape(ITypeSymbol type, IReadOnlyDictionary<string, Dim> substitution, SourceRef? location, out bool isTensor,
        out bool isInteger)
    {
        isTensor = false;
        isInteger = false;
        if (type is not INamedTypeSymbol named || named.ContainingNamespace?.ToDisplayString() != "ShapeNet" || named.Name is not ("Tensor" or "IntTensor"))
            return null;
        isInteger = named.Name == "IntTensor";
        isTensor = true;
        if (named.TypeArguments.Length == 0) return null;
        var dims = new List<Dim>();
        bool ok = true;
        foreach (ITypeSymbol arg in named.TypeArguments)
        {
            Dim? d = ResolveDim(arg, substitution, location);
            if (d is null) ok = false;
            else dims.Add(d.Value);
        }
        return ok ? new Shape(dims.ToEquatableArray()) : null;
    }

    public static string Accessibility(Accessibility accessibility) => accessibility switch
    {
        Microsoft.CodeAnalysis.Accessibility.Public => "public",
        Microsoft.CodeAnalysis.Accessibility.Internal => "internal",
        Microsoft.CodeAnalysis.Accessibility.Protected => "protected",
        Microsoft.CodeAnalysis.Accessibility.ProtectedOrInternal => "protected internal",
        Microsoft.CodeAnalysis.Accessibility.ProtectedAndInternal => "private protected",
        _ => "private",
    };

    public static EquatableArray<string> ContainingTypes(INamedTypeSymbol type)
    {
        var names = new List<string>();
        for (INamedTypeSymbol? t = type.ContainingType; t is not null; t = t.ContainingType)
            names.Insert(0, t.Name);
        return names.ToEquatableArray();
    }

    /// <summary>The dotted namespace of <paramref name="symbol"/> as symbols name it (<c>namespace</c>, not <c>@namespace</c>): hint names
    /// cannot hold '@', and the emitter escapes keywords where it writes the namespace (<see cref="Emit.EmitHelpers.Namespace"/>).</summary>
    public static string NamespaceOf(ISymbol symbol)
    {
        var parts = new List<string>();
        for (INamespaceSymbol? ns = symbol.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
            parts.Insert(0, ns.Name);
        return string.Join(".", parts);
    }

    public static readonly SymbolDisplayFormat FullyQualified = SymbolDisplayFormat.FullyQualifiedFormat
        .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier
            | SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers);

    /// <summary>The source text of a node on one line, for messages (<c>Flatten(h)</c>).</summary>
    public static string TextOf(SyntaxNode node) => System.Text.RegularExpressions.Regex.Replace(node.ToString(), @"\s+", " ").Trim();
}
