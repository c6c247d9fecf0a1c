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
/// diagnostics registered as separate outputs (moving a diagnostic does not regenerate code):
/// <c>[Dim]</c> structs get their <c>IDim</c> implementation; <c>[Network]</c> classes their layers, plans and
/// summary; <c>[Differentiable]</c> functions their gradient.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ShapeNetGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<DimModel> dims = context.SyntaxProvider
            .ForAttributeWithMetadataName(ParseContext.DimAttributeName,
                static (node, _) => node is StructDeclarationSyntax,
                static (ctx, ct) => DimParser.Parse(ctx, ct))
            .Where(static m => m is not null)
            .Select(static (m, _) => m!)
            .WithTrackingName(TrackingNames.ParseDims);
        context.RegisterSourceOutput(dims, static (spc, dim) => spc.AddSource(DimEmitter.HintName(dim), DimEmitter.Emit(dim)));
        context.RegisterSourceOutput(dims.Select(static (dim, _) => dim.Diagnostics).Combine(context.CompilationProvider),
            static (spc, d) => Report(spc, d.Left, d.Right));

        IncrementalValuesProvider<NetworkSpec> networks = context.SyntaxProvider
            .ForAttributeWithMetadataName(ParseContext.NetworkAttributeName,
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                static (ctx, ct) => NetworkParser.Parse(ctx, ct))
            .Where(static m => m is not null)
            .Select(static (m, _) => m!)
            .WithTrackingName(TrackingNames.ParseNetworks)
            .Select(static (m, _) => ShapeInference.Infer(m))
            .WithTrackingName(TrackingNames.InferNetworks);
        IncrementalValuesProvider<EmittedSource> networkSources = networks
            .Select(static (spec, _) => GeneratedCode.ForNetwork(spec))
            .WithTrackingName(TrackingNames.EmitNetworks);
        context.RegisterSourceOutput(networkSources, static (spc, source) =>
        {
            if (source.Text.Length > 0) spc.AddSource(source.HintName, source.Text);
        });
        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> networkDiagnostics = networkSources
            .Select(static (s, _) => s.Diagnostics)
            .WithTrackingName(TrackingNames.NetworkDiagnostics);
        // Combined with the compilation only to place each diagnostic in its syntax tree (below): the models stay plain data.
        context.RegisterSourceOutput(networkDiagnostics.Combine(context.CompilationProvider), static (spc, d) => Report(spc, d.Left, d.Right));

        IncrementalValuesProvider<FunctionSpec> functions = context.SyntaxProvider
            .ForAttributeWithMetadataName(ParseContext.DifferentiableAttributeName,
                static (node, _) => node is MethodDeclarationSyntax,
                static (ctx, ct) => FunctionParser.Parse(ctx, ct))
            .Where(static m => m is not null)
            .Select(static (m, _) => m!)
            .WithTrackingName(TrackingNames.ParseFunctions)
            .Select(static (m, _) => ShapeInference.Infer(m))
            .WithTrackingName(TrackingNames.InferFunctions);
        IncrementalValuesProvider<EmittedSource> functionSources = functions
            .Select(static (spec, _) => GeneratedCode.ForFunction(spec))
            .WithTrackingName(TrackingNames.EmitFunctions);
        context.RegisterSourceOutput(functionSources, static (spc, source) =>
        {
            if (source.Text.Length > 0) spc.AddSource(source.HintName, source.Text);
        });
        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> functionDiagnostics = functionSources
            .Select(static (s, _) => s.Diagnostics)
            .WithTrackingName(TrackingNames.FunctionDiagnostics);
        context.RegisterSourceOutput(functionDiagnostics.Combine(context.CompilationProvider), static (spc, d) => Report(spc, d.Left, d.Right));
    }

    /// <summary>Reports <paramref name="diagnostics"/>, each placed in the syntax tree of <paramref name="compilation"/> its location
    /// names: an in-source location (not only a file path and span) is what lets an IDE or a test hand the diagnostic to a
    /// code fix (ShapeNet.CodeFixes), and lets <c>#pragma warning</c> apply.</summary>
    private static void Report(SourceProductionContext context, EquatableArray<DiagnosticInfo> diagnostics, Compilation compilation)
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
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.Get(d.Id), InSource(d.Location, compilation), properties, args));
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
