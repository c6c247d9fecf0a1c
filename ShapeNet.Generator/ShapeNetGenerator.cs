using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Parsing;

namespace ShapeNet.Generator;

/// <summary>
/// The ShapeNet incremental generator. Three pipelines, each parse → model → infer → emit, with source and
/// diagnostics registered as separate outputs (moving a diagnostic does not regenerate code, and moving a network within
/// its file re-runs only its parse):
/// <c>[Dim]</c> structs get their <c>IDim</c> implementation; <c>[Network]</c> classes their layers, plans and
/// summary; <c>[Differentiable]</c> functions their gradient.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ShapeNetGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // Each pipeline follows System.Text.Json's generator: the parse step returns the model without a single source
        // position (SourceRefs into a LocationTable that travels beside it); a Select strips the table, so inference,
        // planning and emission see only the model and stay cached when a network merely moves within its file; source
        // is registered on the generated file alone; diagnostics (SourceRefs) meet their tables only when reported.
        IncrementalValuesProvider<Parsed<DimModel>> parsedDims = context.SyntaxProvider
            .ForAttributeWithMetadataName(ParseContext.DimAttributeName,
                static (node, _) => node is StructDeclarationSyntax,
                static (ctx, ct) => DimParser.Parse(ctx, ct))
            .Where(static m => m is not null)
            .Select(static (m, _) => m!)
            .WithTrackingName(TrackingNames.ParseDims);
        IncrementalValuesProvider<DimModel> dims = parsedDims
            .Select(static (p, _) => p.Model)
            .WithTrackingName(TrackingNames.DimModels);
        IncrementalValuesProvider<GeneratedFile> dimFiles = dims
            .Select(static (dim, _) => new GeneratedFile(DimEmitter.HintName(dim), DimEmitter.Emit(dim)))
            .WithTrackingName(TrackingNames.EmitDims);
        context.RegisterSourceOutput(dimFiles, static (spc, file) => spc.AddSource(file.HintName, file.Text));
        IncrementalValuesProvider<FileDiagnostics> dimDiagnostics = dims
            .Select(static (dim, _) => new FileDiagnostics(DimEmitter.HintName(dim), dim.Diagnostics))
            .WithTrackingName(TrackingNames.DimDiagnostics);
        RegisterDiagnostics(context, dimDiagnostics, parsedDims.Select(static (p, _) => new FileLocations(p.Key, p.Locations)));

        IncrementalValuesProvider<Parsed<NetworkModel>> parsedNetworks = context.SyntaxProvider
            .ForAttributeWithMetadataName(ParseContext.NetworkAttributeName,
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                static (ctx, ct) => NetworkParser.Parse(ctx, ct))
            .Where(static m => m is not null)
            .Select(static (m, _) => m!)
            .WithTrackingName(TrackingNames.ParseNetworks);
        IncrementalValuesProvider<EmittedSource> networkSources = parsedNetworks
            .Select(static (p, _) => p.Model)
            .WithTrackingName(TrackingNames.NetworkModels)
            .Select(static (m, _) => ShapeInference.Infer(m))
            .WithTrackingName(TrackingNames.InferNetworks)
            .Select(static (spec, _) => GeneratedCode.ForNetwork(spec))
            .WithTrackingName(TrackingNames.EmitNetworks);
        RegisterFiles(context, networkSources, TrackingNames.NetworkFiles);
        IncrementalValuesProvider<FileDiagnostics> networkDiagnostics = networkSources
            .Select(static (s, _) => new FileDiagnostics(s.HintName, s.Diagnostics))
            .WithTrackingName(TrackingNames.NetworkDiagnostics);
        RegisterDiagnostics(context, networkDiagnostics, parsedNetworks.Select(static (p, _) => new FileLocations(p.Key, p.Locations)));

        IncrementalValuesProvider<Parsed<FunctionModel>> parsedFunctions = context.SyntaxProvider
            .ForAttributeWithMetadataName(ParseContext.DifferentiableAttributeName,
                static (node, _) => node is MethodDeclarationSyntax,
                static (ctx, ct) => FunctionParser.Parse(ctx, ct))
            .Where(static m => m is not null)
            .Select(static (m, _) => m!)
            .WithTrackingName(TrackingNames.ParseFunctions);
        IncrementalValuesProvider<EmittedSource> functionSources = parsedFunctions
            .Select(static (p, _) => p.Model)
            .WithTrackingName(TrackingNames.FunctionModels)
            .Select(static (m, _) => ShapeInference.Infer(m))
            .WithTrackingName(TrackingNames.InferFunctions)
            .Select(static (spec, _) => GeneratedCode.ForFunction(spec))
            .WithTrackingName(TrackingNames.EmitFunctions);
        RegisterFiles(context, functionSources, TrackingNames.FunctionFiles);
        IncrementalValuesProvider<FileDiagnostics> functionDiagnostics = functionSources
            .Select(static (s, _) => new FileDiagnostics(s.HintName, s.Diagnostics))
            .WithTrackingName(TrackingNames.FunctionDiagnostics);
        RegisterDiagnostics(context, functionDiagnostics, parsedFunctions.Select(static (p, _) => new FileLocations(p.Key, p.Locations)));
    }

    /// <summary>Registers the source output on the generated file alone (hint name and text): a change of diagnostics only
    /// leaves it cached, so no source is added again.</summary>
    private static void RegisterFiles(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<EmittedSource> sources, string trackingName)
    {
        IncrementalValuesProvider<GeneratedFile> files = sources
            .Select(static (s, _) => new GeneratedFile(s.HintName, s.Text))
            .WithTrackingName(trackingName);
        context.RegisterSourceOutput(files, static (spc, file) =>
        {
            if (file.Text.Length > 0) spc.AddSource(file.HintName, file.Text);
        });
    }

    /// <summary>Reports each file's diagnostics with the locations of the parse that made its model, found by the file's hint
    /// name. Combined with the compilation only to place each diagnostic in its syntax tree (<see cref="InSource"/>).</summary>
    private static void RegisterDiagnostics(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<FileDiagnostics> diagnostics,
        IncrementalValuesProvider<FileLocations> locations)
    {
        IncrementalValueProvider<((ImmutableArray<FileDiagnostics> Diagnostics, ImmutableArray<FileLocations> Locations) Left, Compilation Compilation)> all =
            diagnostics.Where(static d => d.Diagnostics.Count > 0).Collect()
                .Combine(locations.Collect())
                .Combine(context.CompilationProvider);
        context.RegisterSourceOutput(all, static (spc, input) =>
        {
            if (input.Left.Diagnostics.IsEmpty) return;
            var tables = new System.Collections.Generic.Dictionary<string, LocationTable>(System.StringComparer.Ordinal);
            foreach (FileLocations l in input.Left.Locations)
                if (!tables.ContainsKey(l.HintName)) tables[l.HintName] = l.Locations;
            foreach (FileDiagnostics d in input.Left.Diagnostics)
                Report(spc, d.Diagnostics, tables.TryGetValue(d.HintName, out LocationTable? table) ? table : LocationTable.Empty, input.Compilation);
        });
    }

    /// <summary>Reports <paramref name="diagnostics"/>, each placed in the syntax tree of <paramref name="compilation"/> its location
    /// names: an in-source location (not only a file path and span) is what lets an IDE or a test hand the diagnostic to a
    /// code fix (ShapeNet.CodeFixes), and lets <c>#pragma warning</c> apply.</summary>
    private static void Report(SourceProductionContext context, EquatableArray<DiagnosticInfo> diagnostics, LocationTable locations, Compilation compilation)
    {
        if (diagnostics.Count == 0) return;
        foreach (DiagnosticInfo d in diagnostics)
        {
            object[] args = new object[d.Arguments.Count];
            for (int i = 0; i < args.Length; i++) args[i] = d.Arguments[i];
            ImmutableDictionary<string, string?>? properties = null;
            if (d.Properties.Count > 0)
            {
                ImmutableDictionary<string, string?>.Builder builder = ImmutableDictionary.CreateBuilder<string, string?>();
                foreach (DiagnosticProperty p in d.Properties) builder[p.Key] = p.Value;
                properties = builder.ToImmutable();
            }
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.Get(d.Id), InSource(locations[d.Location], compilation), properties, args));
        }
    }

    private static Location? InSource(LocationInfo? location, Compilation compilation)
    {
        if (location is not { } l) return null;
        SyntaxTree? match = null;
        foreach (SyntaxTree tree in compilation.SyntaxTrees)
        {
            if (tree.FilePath != l.FilePath) continue;
            if (match is not null) return l.ToLocation();   // two trees share the path: keep the path and span
            match = tree;
        }
        return match is not null && l.Start + l.Length <= match.Length
            ? Location.Create(match, new Microsoft.CodeAnalysis.Text.TextSpan(l.Start, l.Length))
            : l.ToLocation();
    }
}

/// <summary>A generated file and the diagnostics found while making it.</summary>
internal sealed record EmittedSource(string HintName, string Text, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>What the source output sees: a generated file's hint name and text, nothing else.</summary>
internal sealed record GeneratedFile(string HintName, string Text);

/// <summary>The diagnostics found while generating the file <see cref="HintName"/> (their locations are <see cref="SourceRef"/>s).</summary>
internal sealed record FileDiagnostics(string HintName, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>The location table of the parse whose model generates the file <see cref="HintName"/>.</summary>
internal sealed record FileLocations(string HintName, LocationTable Locations);
