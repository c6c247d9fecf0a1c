using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ShapeNet.Generator.Model;

namespace ShapeNet.Generator.Parsing;

/// <summary>Reads a <c>[Dim(n)] partial struct</c>.</summary>
internal static class DimParser
{
    public static Parsed<DimModel>? Parse(GeneratorAttributeSyntaxContext context, System.Threading.CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type) return null;
        // A partial struct matches once per declaration carrying [Dim]; the first such declaration speaks for all.
        SyntaxNode? first = type.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken))
            .FirstOrDefault(n => n is StructDeclarationSyntax s && s.AttributeLists.Count > 0);
        if (first is not null && first != context.TargetNode) return null;

        var parse = new ParseContext(context.SemanticModel.Compilation, cancellationToken);
        var attributes = type.GetAttributes().Where(a => a.AttributeClass?.ToDisplayString() == ParseContext.DimAttributeName).ToList();
        int size = attributes.Count > 0 && attributes[0].ConstructorArguments.Length == 1 && attributes[0].ConstructorArguments[0].Value is int s0 ? s0 : 0;

        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is StructDeclarationSyntax declaration && !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                parse.Report(DiagnosticDescriptors.MustBePartial, parse.At(declaration.Identifier.GetLocation()), "Dimension struct", type.Name, "its size");
        }
        if (attributes.Count > 1)
        {
            int second = attributes[1].ConstructorArguments.Length == 1 && attributes[1].ConstructorArguments[0].Value is int s1 ? s1 : 0;
            parse.Report(DiagnosticDescriptors.DimDefinedTwice, parse.At(attributes[1].ApplicationSyntaxReference?.GetSyntax(cancellationToken)),
                type.Name, size, second);
        }
        if (size <= 0 && attributes.Count > 0)
        {
            SyntaxNode? attributeSyntax = attributes[0].ApplicationSyntaxReference?.GetSyntax(cancellationToken);
            SyntaxNode? argument = (attributeSyntax as AttributeSyntax)?.ArgumentList?.Arguments.FirstOrDefault();
            parse.Report(DiagnosticDescriptors.DimSizeNotPositive, parse.At(argument ?? attributeSyntax!), type.Name, size);
        }
        var model = new DimModel(ParseContext.NamespaceOf(type), type.Name, ParseContext.Accessibility(type.DeclaredAccessibility),
            ParseContext.ContainingTypes(type), size, parse.Diagnostics.ToEquatableArray());
        return new Parsed<DimModel>(Emit.DimEmitter.HintName(model), model, parse.Locations);
    }
}
