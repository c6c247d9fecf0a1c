using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Ops;

namespace ShapeNet.Generator.Parsing;

/// <summary>Reads a <c>[Network]</c> class — its layer members, blocks and forward method — into a <see cref="NetworkModel"/>.</summary>
internal static class NetworkParser
{
    private static readonly IReadOnlyDictionary<string, Dim> NoSubstitution = new Dictionary<string, Dim>();

    /// <summary>The pipeline's transform. Only a class's first declaration yields a model (partial classes
    /// match once per declaration); the generator never throws: a failure becomes SN0900.</summary>
    public static Parsed<NetworkModel>? Parse(GeneratorAttributeSyntaxContext context, System.Threading.CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type) return null;
        if (type.DeclaringSyntaxReferences.Length > 1 && type.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) != context.TargetNode)
            return null;
        var parse = new ParseContext(context.SemanticModel.Compilation, cancellationToken) { TakesRunTimeSeq = true };
        if (NotGeneratable(type) is { } reason)
        {
            var diagnostic = DiagnosticInfo.Create(DiagnosticDescriptors.NetworkNotGenerated, parse.At(type.Locations.FirstOrDefault()), type.Name, reason);
            var skipped = new NetworkModel(ParseContext.NamespaceOf(type), type.Name, ParseContext.Accessibility(type.DeclaredAccessibility),
                type.TypeParameters.Select(t => t.Name).ToEquatableArray(), ParseContext.ContainingTypes(type),
                EquatableArray<LayerModel>.Empty, null, EquatableArray.Create(diagnostic));
            return new Parsed<NetworkModel>(skipped.HintName + ".g.cs", skipped, parse.Locations);
        }
        try
        {
            NetworkModel model = Parse(type, NoSubstitution, parse, new List<string>());
            return new Parsed<NetworkModel>(model.HintName + ".g.cs", model, parse.Locations);
        }
        catch (System.OperationCanceledException)
        {
            throw;
        }
        catch (System.Exception e)
        {
            var diagnostic = DiagnosticInfo.Create(DiagnosticDescriptors.InternalError,
                parse.At(type.Locations.FirstOrDefault()), type.Name, e.GetType().Name + ": " + e.Message.TrimEnd('.'));
            var failed = new NetworkModel(ParseContext.NamespaceOf(type), type.Name, ParseContext.Accessibility(type.DeclaredAccessibility),
                type.TypeParameters.Select(t => t.Name).ToEquatableArray(), ParseContext.ContainingTypes(type),
                EquatableArray<LayerModel>.Empty, null, EquatableArray.Create(diagnostic));
            return new Parsed<NetworkModel>(failed.HintName + ".g.cs", failed, parse.Locations);
        }
    }

    /// <summary>Why the generator cannot add members to <paramref name="type"/> (SN0013), or null: a record's generated
    /// members would clash with the record's own, and a class nested in a generic type would need the outer type's parameters
    /// (the generated partial declaration would otherwise name a different, non-generic type).</summary>
    private static string? NotGeneratable(INamedTypeSymbol type)
    {
        if (type.IsRecord)
            return "it is a record; declare it as 'partial class " + type.Name + "'";
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (outer.TypeParameters.Length > 0)
                return $"it is nested in the generic type '{outer.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}'; declare it outside generic types (a network's own type parameters make it a generic block)";
        }
        return null;
    }

    /// <summary>Parses <paramref name="type"/> with its class type parameters bound by <paramref name="substitution"/>
    /// (a block as used by its parent). <paramref name="path"/> holds the enclosing blocks' types, to catch cycles.</summary>
    public static NetworkModel Parse(INamedTypeSymbol type, IReadOnlyDictionary<string, Dim> substitution, ParseContext context, List<string> path)
    {
        string fullName = type.OriginalDefinition.ToDisplayString();
        SourceRef? classLocation = context.At(type.Locations.FirstOrDefault());

        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(context.CancellationToken) is ClassDeclarationSyntax declaration && !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                context.Report(DiagnosticDescriptors.MustBePartial, context.At(declaration.Identifier.GetLocation()), "Network class", type.Name,
                    "its layers, constructors and compiled plan");
        }

        if (type.BaseType is { } baseType && baseType.SpecialType != SpecialType.System_Object && baseType.ToDisplayString() != "ShapeNet.Module")
        {
            SourceRef? baseLocation = type.DeclaringSyntaxReferences
                .Select(r => r.GetSyntax(context.CancellationToken)).OfType<ClassDeclarationSyntax>()
                .Select(c => c.BaseList?.Types.FirstOrDefault()).Where(t => t is not null).Select(t => context.At(t!)).FirstOrDefault() ?? classLocation;
            context.Report(DiagnosticDescriptors.NetworkHasBaseClass, baseLocation, type.Name, baseType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat));
        }

        var layers = new List<LayerModel>();
        path.Add(fullName);
        foreach (IPropertySymbol property in type.GetMembers().OfType<IPropertySymbol>())
        {
            LayerModel? layer = ParseLayer(property, substitution, context, path);
            if (layer is not null) layers.Add(layer);
        }
        path.RemoveAt(path.Count - 1);

        var forwards = type.GetMembers().OfType<IMethodSymbol>()
            .Where(m => m.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == ParseContext.ForwardAttributeName))
            .ToList();
        GraphModel? forward = null;
        if (forwards.Count == 0)
        {
            context.Report(DiagnosticDescriptors.NoForward, classLocation, type.Name);
        }
        else
        {
            if (forwards.Count > 1)
                context.Report(DiagnosticDescriptors.SeveralForwards, context.At(forwards[1].Locations.FirstOrDefault()), type.Name, forwards[0].Name, forwards[1].Name);
            if (forwards[0].DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(context.CancellationToken) is MethodDeclarationSyntax method)
            {
                var byName = layers.ToDictionary(l => l.MemberName);
                forward = new BodyParser(context, forwards[0], type.Name, byName, substitution).Parse(method);
            }
        }

        return new NetworkModel(ParseContext.NamespaceOf(type), type.Name, ParseContext.Accessibility(type.DeclaredAccessibility),
            type.TypeParameters.Select(t => t.Name).ToEquatableArray(), ParseContext.ContainingTypes(type),
            layers.ToEquatableArray(), forward, context.Diagnostics.ToEquatableArray());
    }

    private static LayerModel? ParseLayer(IPropertySymbol property, IReadOnlyDictionary<string, Dim> substitution, ParseContext context, List<string> path)
    {
        AttributeData? attribute = property.GetAttributes().FirstOrDefault(a => DerivesFrom(a.AttributeClass, ParseContext.LayerAttributeName));
        bool typeIsNetwork = property.Type is INamedTypeSymbol t && IsNetwork(t);
        if (attribute is null && !typeIsNetwork) return null;

        string kind = attribute?.AttributeClass?.Name is { } attributeName && attributeName.EndsWith("Attribute")
            ? attributeName.Substring(0, attributeName.Length - "Attribute".Length)
            : LayerModel.BlockKind;
        SourceRef? location = context.At(property.Locations.FirstOrDefault());
        string moduleName = attribute?.NamedArguments.FirstOrDefault(n => n.Key == "Name").Value.Value as string ?? SnakeCase(property.Name);

        PropertyDeclarationSyntax? declaration = property.DeclaringSyntaxReferences.Select(r => r.GetSyntax(context.CancellationToken))
            .OfType<PropertyDeclarationSyntax>().FirstOrDefault();
        string expectedType = kind == LayerModel.BlockKind ? property.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) : kind;
        string? problem = null;
        if (declaration is null || !declaration.Modifiers.Any(SyntaxKind.PartialKeyword)) problem = "not a partial property";
        else if (declaration.AccessorList is null || declaration.AccessorList.Accessors.Count != 1 || !declaration.AccessorList.Accessors[0].IsKind(SyntaxKind.GetAccessorDeclaration)
                 || declaration.AccessorList.Accessors[0].Body is not null || declaration.AccessorList.Accessors[0].ExpressionBody is not null)
            problem = "not a property with only 'get;'";
        else if (kind != LayerModel.BlockKind && property.Type.ToDisplayString() != "ShapeNet." + kind)
            problem = "of type '" + property.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + "'";
        else if (kind == LayerModel.BlockKind && !typeIsNetwork)
            problem = "of type '" + property.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + "', which is not a [Network] class";
        if (problem is not null)
        {
            context.Report(DiagnosticDescriptors.BadLayerMember, location, property.Name, expectedType, problem);
            return null;
        }

        OpArgs args = NoArgs.Value;
        NetworkModel? block = null;
        if (kind == LayerModel.BlockKind)
        {
            var blockType = (INamedTypeSymbol)property.Type;
            string blockName = blockType.OriginalDefinition.ToDisplayString();
            if (path.Contains(blockName))
            {
                // Reported to the network being generated when the cycle leads back to it (A → B → A inside A's
                // parse, A → A directly); a cycle further down is reported when its own network is generated.
                if (path[0] == blockName)
                    context.Root.Report(DiagnosticDescriptors.BlockCycle, location, property.Name, blockType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat),
                        string.Join(" → ", path.Select(p => p.Split('.').Last())));
                return null;
            }
            var childSubstitution = new Dictionary<string, Dim>();
            for (int k = 0; k < blockType.TypeArguments.Length; k++)
            {
                Dim? dim = context.ResolveDim(blockType.TypeArguments[k], substitution, location);
                if (dim is null) return null;
                childSubstitution[blockType.TypeParameters[k].Name] = dim.Value;
            }
            // A block's own declaration errors are reported where the block is declared, not at each use.
            var childContext = new ParseContext(context.Compilation, context.CancellationToken, context.Root, context.UseLocation ?? location);
            block = Parse(blockType.OriginalDefinition, childSubstitution, childContext, path);
        }
        else
        {
            if (OpRegistry.Layer(kind) is not { } definition) return null;
            SourceRef? attributeLocation = context.At(attribute!.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken));
            OpArgs? bound = definition.BindAttribute(new LayerAttributeReader(attribute, property, substitution, context, attributeLocation));
            if (bound is null) return null;
            args = bound;
        }

        return new LayerModel(property.Name, moduleName, kind, args,
            property.Type.ToDisplayString(ParseContext.FullyQualified), DeclaredModifiers(declaration!), block, location);
    }

    /// <summary>The accessibility modifiers exactly as written (<c>""</c> when none): a partial member's
    /// implementation must repeat them, and an implicit <c>private</c> may not be spelled out.</summary>
    private static string DeclaredModifiers(PropertyDeclarationSyntax declaration) =>
        string.Join(" ", declaration.Modifiers.Where(m => m.IsKind(SyntaxKind.PublicKeyword) || m.IsKind(SyntaxKind.PrivateKeyword)
            || m.IsKind(SyntaxKind.ProtectedKeyword) || m.IsKind(SyntaxKind.InternalKeyword)).Select(m => m.Text));

    private static bool IsNetwork(INamedTypeSymbol type) =>
        type.OriginalDefinition.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == ParseContext.NetworkAttributeName);

    private static bool DerivesFrom(INamedTypeSymbol? type, string baseName)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.BaseType)
            if (t.ToDisplayString() == baseName) return true;
        return false;
    }

    /// <summary>PyTorch's module naming from a C# member name: <c>Fc1</c> → <c>fc1</c>, <c>BranchPool</c> → <c>branch_pool</c>,
    /// <c>Branch3x3_1</c> → <c>branch3x3_1</c>.</summary>
    public static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                bool afterLowerOrDigit = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                bool beforeLowerInAcronym = i > 0 && char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                if ((afterLowerOrDigit || beforeLowerInAcronym) && sb.Length > 0 && sb[sb.Length - 1] != '_') sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }
}
