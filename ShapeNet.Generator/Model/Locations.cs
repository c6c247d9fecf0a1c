using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace ShapeNet.Generator.Model;

/// <summary>A source location as plain data (a <see cref="Location"/> holds a syntax tree and must not
/// enter the model, or the pipeline could not cache).</summary>
internal readonly record struct LocationInfo(string FilePath, int Start, int Length, int StartLine, int StartColumn, int EndLine, int EndColumn)
{
    public static LocationInfo? From(Location? location)
    {
        if (location is null || location.SourceTree is null) return null;
        FileLinePositionSpan span = location.GetLineSpan();
        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan.Start, location.SourceSpan.Length,
            span.StartLinePosition.Line, span.StartLinePosition.Character, span.EndLinePosition.Line, span.EndLinePosition.Character);
    }

    public static LocationInfo? From(SyntaxNode? node) => node is null ? null : From(node.GetLocation());

    public Location ToLocation() => Location.Create(FilePath, new TextSpan(Start, Length),
        new LinePositionSpan(new LinePosition(StartLine, StartColumn), new LinePosition(EndLine, EndColumn)));
}

/// <summary>A diagnostic as data: the descriptor's id, where, and the message arguments; <see cref="Properties"/> carries
/// inferred values to code fixes (keys in <see cref="ShapeNet.DiagnosticProperties"/>).</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public EquatableArray<DiagnosticProperty> Properties { get; init; } = EquatableArray<DiagnosticProperty>.Empty;

    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params object[] arguments) =>
        new(descriptor.Id, location, System.Linq.Enumerable.Select(arguments, a => System.Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty).ToEquatableArray());
}

/// <summary>One entry of a diagnostic's <c>Properties</c>.</summary>
internal readonly record struct DiagnosticProperty(string Key, string Value);
