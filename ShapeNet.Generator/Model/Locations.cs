using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace ShapeNet.Generator.Model;

/// <summary>A source location as plain data (a <see cref="Location"/> holds a syntax tree and must not enter the pipeline,
/// or it could not cache). Only a parse's <see cref="LocationTable"/> holds these; the model holds <see cref="SourceRef"/>s.</summary>
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

/// <summary>
/// Where something is in source, without saying where: an index into the <see cref="LocationTable"/> of the parse that made
/// the model. The model (and everything inference, planning and emission see) holds only these, so moving a network within
/// its file (blank lines above it) leaves the model equal and every later step cached; the table travels beside the model
/// and is read only when diagnostics are reported. Indices are given in parse order, which an edit that only moves text
/// does not change.
/// </summary>
internal readonly record struct SourceRef(int Index);

/// <summary>The locations a parse's <see cref="SourceRef"/>s index, in the order they were taken.</summary>
internal sealed record LocationTable(EquatableArray<LocationInfo> Locations)
{
    public static readonly LocationTable Empty = new(EquatableArray<LocationInfo>.Empty);

    public LocationInfo? this[SourceRef? at] => at is { } r && r.Index >= 0 && r.Index < Locations.Count ? Locations[r.Index] : null;
}

/// <summary>What a parse step returns: the location-free model and the locations its refs index (its diagnostics
/// included). <see cref="Key"/> pairs the table with the diagnostics of the same model when they are reported.</summary>
internal sealed record Parsed<T>(string Key, T Model, LocationTable Locations) where T : class;

/// <summary>A diagnostic as data: the descriptor's id, where (a <see cref="SourceRef"/>, resolved through the parse's
/// <see cref="LocationTable"/> when reported), and the message arguments; <see cref="Properties"/> carries inferred values
/// to code fixes (keys in <see cref="ShapeNet.DiagnosticProperties"/>).</summary>
internal sealed record DiagnosticInfo(string Id, SourceRef? Location, EquatableArray<string> Arguments)
{
    public EquatableArray<DiagnosticProperty> Properties { get; init; } = EquatableArray<DiagnosticProperty>.Empty;

    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, SourceRef? location, params object[] arguments) =>
        new(descriptor.Id, location, System.Linq.Enumerable.Select(arguments, a => System.Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty).ToEquatableArray());
}

/// <summary>One entry of a diagnostic's <c>Properties</c>.</summary>
internal readonly record struct DiagnosticProperty(string Key, string Value);
