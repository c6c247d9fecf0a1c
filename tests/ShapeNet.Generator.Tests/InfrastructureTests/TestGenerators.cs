using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ShapeNet.Generator.Tests.InfrastructureTests;

/// <summary>A plain-data model of a <c>[Network]</c> class, as a well-behaved generator keeps it.</summary>
internal sealed record AnsweredClass(string Namespace, string Name);

/// <summary>A model that wrongly keeps the syntax node.</summary>
internal sealed record LeakyClass(string Name, SyntaxNode Declaration);

/// <summary>Adds <c>public int Answer => 42;</c> to every <c>[Network]</c> partial class: a stand-in generator with a
/// plain-data model, for testing the harness independently of the ShapeNet pipeline.</summary>
internal sealed class AnswerGenerator : IIncrementalGenerator
{
    public const string ClassesStep = "AnsweredClasses";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<AnsweredClass> classes = context.SyntaxProvider
            .ForAttributeWithMetadataName("ShapeNet.NetworkAttribute",
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, _) => new AnsweredClass(ctx.TargetSymbol.ContainingNamespace.ToDisplayString(), ctx.TargetSymbol.Name))
            .WithTrackingName(ClassesStep);
        context.RegisterSourceOutput(classes, static (output, c) => output.AddSource(c.Name + ".g.cs",
            $"namespace {c.Namespace}\n{{\n    partial class {c.Name}\n    {{\n        public int Answer => 42;\n    }}\n}}\n"));
    }
}

/// <summary>Like <see cref="AnswerGenerator"/> but its model holds the class's syntax node.</summary>
internal sealed class LeakyGenerator : IIncrementalGenerator
{
    public const string ClassesStep = "LeakyClasses";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<LeakyClass> classes = context.SyntaxProvider
            .ForAttributeWithMetadataName("ShapeNet.NetworkAttribute",
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, _) => new LeakyClass(ctx.TargetSymbol.Name, ctx.TargetNode))
            .WithTrackingName(ClassesStep);
        context.RegisterSourceOutput(classes, static (_, _) => { });
    }
}
