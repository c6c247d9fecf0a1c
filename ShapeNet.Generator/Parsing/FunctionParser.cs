using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ShapeNet.Generator.Model;

namespace ShapeNet.Generator.Parsing;

/// <summary>Reads a <c>[Differentiable] static</c> method into a <see cref="FunctionModel"/>.</summary>
internal static class FunctionParser
{
    public static Parsed<FunctionModel>? Parse(GeneratorAttributeSyntaxContext context, System.Threading.CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not IMethodSymbol method || context.TargetNode is not MethodDeclarationSyntax declaration) return null;
        INamedTypeSymbol owner = method.ContainingType;
        // The run-time Seq is read from the input that has it, as the batch is (the generated method's local seq).
        var parse = new ParseContext(context.SemanticModel.Compilation, cancellationToken) { TakesRunTimeSeq = true };
        GraphModel? graph = null;
        try
        {
            bool ownerPartial = owner.DeclaringSyntaxReferences.All(r => r.GetSyntax(cancellationToken) is TypeDeclarationSyntax t && t.Modifiers.Any(SyntaxKind.PartialKeyword));
            if (!method.IsStatic || !ownerPartial || method.IsGenericMethod)
                parse.Report(DiagnosticDescriptors.BadDifferentiable, parse.At(declaration.Identifier.GetLocation()), method.Name);
            else
            {
                graph = new BodyParser(parse, method, owner.Name, new Dictionary<string, LayerModel>(), new Dictionary<string, Dim>()).Parse(declaration);
                if (graph is not null && !graph.ReturnStructure.IsLeaf)
                {
                    // The gradient of a function is of one scalar-like result; a tuple is for networks.
                    parse.Report(DiagnosticDescriptors.TupleStructure, graph.Location, method.Name, graph.ReturnStructure.Describe(),
                        "a [Differentiable] function returns one tensor");
                    graph = null;
                }
            }
        }
        catch (System.OperationCanceledException)
        {
            throw;
        }
        catch (System.Exception e)
        {
            parse.Report(DiagnosticDescriptors.InternalError, parse.At(declaration.Identifier.GetLocation()), method.Name, e.GetType().Name + ": " + e.Message.TrimEnd('.'));
            graph = null;
        }
        var model = new FunctionModel(ParseContext.NamespaceOf(owner), owner.Name, ParseContext.Accessibility(owner.DeclaredAccessibility), owner.IsStatic,
            ParseContext.ContainingTypes(owner), ParseContext.Accessibility(method.DeclaredAccessibility), graph, parse.Diagnostics.ToEquatableArray());
        return new Parsed<FunctionModel>(model.HintName, model, parse.Locations);
    }
}
