using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace ShapeNet.CodeFixes;

/// <summary>
/// One-click fixes for the shape errors whose repair is a single size the generator already inferred. The values come
/// from the diagnostic's properties (<see cref="DiagnosticProperties"/>), written by the generator where it reports:
/// <list type="bullet">
/// <item>SN0101 (Linear in-features), SN0112 (Conv2d in-channels, BatchNorm2d features): "Change Linear(512, 10) to
/// Linear(320, 10)", the layer attribute's size argument set to the size it is given; for a Linear given an [N, C, H, W]
/// tensor whose flattened size is the layer's in-features, "Insert Flatten: Fc(Flatten(h))" instead.</item>
/// <item>SN0111 (a generic block's input): "Change Residual&lt;Hidden&gt; to Residual&lt;Pixels&gt;", the block member's
/// dimension type argument replaced by a dimension type of the size the block is given.</item>
/// <item>SN0107 (the returned shape): "Change the return type to Tensor&lt;Batch, Twenty&gt;".</item>
/// </list>
/// A dimension type of the needed size is the one the shape names, else a <c>[Dim(n)]</c> struct of the compilation (the
/// network's namespace first), else a new <c>[Dim(n)] public partial struct Size{n};</c> declared beside the network.
/// No fix is offered for a layer inside a generic block: a literal size there is right for one use only, and a size written
/// <c>nameof(TIn)</c> is wrong because of the block's use, not its declaration; the usual repair is the user's call.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ShapeErrorCodeFixProvider)), Shared]
public sealed class ShapeErrorCodeFixProvider : CodeFixProvider
{
    private const string LinearInFeatures = "SN0101";
    private const string ReturnShape = "SN0107";
    private const string BlockInput = "SN0111";
    private const string ConvInChannels = "SN0112";
    private const string DimAttributeName = "ShapeNet.DimAttribute";

    private static readonly string[] LayerAttributes = { "ShapeNet.LinearAttribute", "ShapeNet.Conv2dAttribute", "ShapeNet.BatchNorm2dAttribute" };

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(LinearInFeatures, ReturnShape, BlockInput, ConvInChannels);

    /// <summary>None: each fix sets one size from one diagnostic, and one mistake gives one diagnostic.</summary>
    public override FixAllProvider? GetFixAllProvider() => null;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null) return;
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            IReadOnlyList<CodeAction> actions = diagnostic.Id switch
            {
                LinearInFeatures or ConvInChannels => await LayerSizeFixesAsync(context.Document, model, node, diagnostic, context.CancellationToken).ConfigureAwait(false),
                BlockInput => await BlockTypeArgumentFixesAsync(context.Document, model, node, diagnostic, context.CancellationToken).ConfigureAwait(false),
                ReturnShape => ReturnTypeFixes(context.Document, model, node, diagnostic),
                _ => new CodeAction[0],
            };
            foreach (CodeAction action in actions) context.RegisterCodeFix(action, diagnostic);
        }
    }

    // ---- SN0101, SN0112: a layer's size -----------------------------------------------------------

    private static async Task<IReadOnlyList<CodeAction>> LayerSizeFixesAsync(Document document, SemanticModel model, SyntaxNode node, Diagnostic diagnostic,
        CancellationToken cancellation)
    {
        var actions = new List<CodeAction>();
        if (!Property(diagnostic, DiagnosticProperties.Layer, out string layer)
            || !IntProperty(diagnostic, DiagnosticProperties.Argument, out int argumentIndex)) return actions;
        if (NetworkOf(model, node, cancellation) is not { } network || network.IsGenericType) return actions;
        if (await LayerAttributeAsync(document.Project.Solution, network, layer, cancellation).ConfigureAwait(false) is not { } found) return actions;
        (Document attributeDocument, AttributeSyntax attribute) = found;
        if (PositionalArgument(attribute, argumentIndex) is not { } argument) return actions;
        int? declared = (await attributeDocument.GetSemanticModelAsync(cancellation).ConfigureAwait(false))?.GetConstantValue(argument.Expression, cancellation) is
            { HasValue: true, Value: int value } ? value : null;

        // A Linear given [N, C, H, W] whose flattened size is its in-features misses a Flatten, not a different size.
        InvocationExpressionSyntax? call = node.AncestorsAndSelf().OfType<InvocationExpressionSyntax>().FirstOrDefault();
        ExpressionSyntax? operand = call?.ArgumentList.Arguments.Count == 1 ? call.ArgumentList.Arguments[0].Expression : null;
        if (diagnostic.Id == LinearInFeatures && operand is not null && IntProperty(diagnostic, DiagnosticProperties.FlattenedSize, out int flattened))
        {
            string flattenedCall = $"{call!.Expression}(Flatten({operand}))";
            if (declared == flattened)
            {
                actions.Add(CodeAction.Create($"Insert Flatten: {flattenedCall}",
                    ct => Edit(document.Project.Solution, document, new[] { Wrap(operand, "Flatten(", ")") }, ct),
                    equivalenceKey: "ShapeNet.InsertFlatten"));
                return actions;
            }
            string flattenedSize = flattened.ToString(CultureInfo.InvariantCulture);
            actions.Add(CodeAction.Create($"Insert Flatten: {flattenedCall}, and change {Describe(attribute)} to {Describe(attribute, argument, flattenedSize)}",
                ct => EditBoth(document.Project.Solution, document, Wrap(operand, "Flatten(", ")"), attributeDocument, new TextChange(argument.Expression.Span, flattenedSize), ct),
                equivalenceKey: "ShapeNet.InsertFlattenAndChangeSize"));
        }

        if (IntProperty(diagnostic, DiagnosticProperties.Size, out int size) && size > 0)
        {
            string text = size.ToString(CultureInfo.InvariantCulture);
            actions.Insert(0, CodeAction.Create($"Change {Describe(attribute)} to {Describe(attribute, argument, text)}",
                ct => Edit(document.Project.Solution, attributeDocument, new[] { new TextChange(argument.Expression.Span, text) }, ct),
                equivalenceKey: "ShapeNet.ChangeLayerSize"));
        }
        return actions;
    }

    /// <summary>The layer attribute (<c>[Linear(…)]</c>, <c>[Conv2d(…)]</c>, <c>[BatchNorm2d(…)]</c>) on the network's property
    /// <paramref name="layer"/>, in whichever document of a partial class declares it.</summary>
    private static async Task<(Document Document, AttributeSyntax Attribute)?> LayerAttributeAsync(Solution solution, INamedTypeSymbol network, string layer,
        CancellationToken cancellation)
    {
        IPropertySymbol? property = network.GetMembers(layer).OfType<IPropertySymbol>().FirstOrDefault();
        if (property is null) return null;
        foreach (AttributeData data in property.GetAttributes())
        {
            if (data.AttributeClass is null || !LayerAttributes.Contains(data.AttributeClass.ToDisplayString())) continue;
            if (data.ApplicationSyntaxReference is not { } reference) continue;
            Document? document = solution.GetDocument(reference.SyntaxTree);
            if (document is null) continue;
            if (await reference.GetSyntaxAsync(cancellation).ConfigureAwait(false) is AttributeSyntax attribute) return (document, attribute);
        }
        return null;
    }

    private static AttributeArgumentSyntax? PositionalArgument(AttributeSyntax attribute, int index)
    {
        if (attribute.ArgumentList is null) return null;
        var positional = attribute.ArgumentList.Arguments.Where(a => a.NameEquals is null && a.NameColon is null).ToList();
        return index < positional.Count ? positional[index] : null;
    }

    /// <summary><c>Linear(512, 10)</c>, or with <paramref name="argument"/> replaced by <paramref name="replacement"/>.</summary>
    private static string Describe(AttributeSyntax attribute, AttributeArgumentSyntax? argument = null, string? replacement = null)
    {
        string name = attribute.Name.ToString();
        if (name.EndsWith("Attribute", System.StringComparison.Ordinal)) name = name.Substring(0, name.Length - "Attribute".Length);
        IEnumerable<string> arguments = attribute.ArgumentList?.Arguments.Select(a => a == argument ? replacement! : Collapse(a.ToString())) ?? Enumerable.Empty<string>();
        return name + "(" + string.Join(", ", arguments) + ")";
    }

    // ---- SN0111: a generic block's dimension type argument -----------------------------------------

    private static async Task<IReadOnlyList<CodeAction>> BlockTypeArgumentFixesAsync(Document document, SemanticModel model, SyntaxNode node, Diagnostic diagnostic,
        CancellationToken cancellation)
    {
        var actions = new List<CodeAction>();
        if (!Property(diagnostic, DiagnosticProperties.Block, out string block) || !Property(diagnostic, DiagnosticProperties.ExpectedDimension, out string expected)
            || !IntProperty(diagnostic, DiagnosticProperties.Size, out int size)) return actions;
        if (NetworkOf(model, node, cancellation) is not { } network) return actions;
        IPropertySymbol? property = network.GetMembers(block).OfType<IPropertySymbol>().FirstOrDefault();
        if (property?.DeclaringSyntaxReferences.FirstOrDefault() is not { } reference
            || await reference.GetSyntaxAsync(cancellation).ConfigureAwait(false) is not PropertyDeclarationSyntax declaration) return actions;
        Document? blockDocument = document.Project.Solution.GetDocument(reference.SyntaxTree);
        GenericNameSyntax? type = declaration.Type.DescendantNodesAndSelf().OfType<GenericNameSyntax>().FirstOrDefault();
        TypeSyntax? argument = type?.TypeArgumentList.Arguments.FirstOrDefault(a => LastIdentifier(a) == expected);
        if (blockDocument is null || type is null || argument is null) return actions;

        Property(diagnostic, DiagnosticProperties.ActualDimension, out string actualName);
        DimensionChoice dimension = ChooseDimension(model.Compilation, network, size, actualName);
        string replaced = type.ToString().Replace(argument.ToString(), dimension.Name);
        actions.Add(CodeAction.Create($"Change {Collapse(type.ToString())} to {Collapse(replaced)}{dimension.Note}",
            ct => EditWithDimension(document.Project.Solution, blockDocument, new[] { new TextChange(argument.Span, dimension.Name) }, dimension, network, ct),
            equivalenceKey: "ShapeNet.ChangeBlockDimension"));
        return actions;
    }

    // ---- SN0107: the declared return type ------------------------------------------------------------

    private static IReadOnlyList<CodeAction> ReturnTypeFixes(Document document, SemanticModel model, SyntaxNode node, Diagnostic diagnostic)
    {
        var actions = new List<CodeAction>();
        if (!Property(diagnostic, DiagnosticProperties.Shape, out string shape)) return actions;
        MethodDeclarationSyntax? method = node.AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault();
        GenericNameSyntax? declared = method?.ReturnType switch
        {
            GenericNameSyntax g => g,
            QualifiedNameSyntax { Right: GenericNameSyntax g } => g,
            AliasQualifiedNameSyntax { Name: GenericNameSyntax g } => g,
            _ => null,
        };
        if (method is null || declared is null || declared.Identifier.Text != "Tensor") return actions;
        if (model.GetDeclaredSymbol(method) is not { } symbol || symbol.ReturnType is INamedTypeSymbol { TypeArguments: var args } && args.Any(a => a is ITypeParameterSymbol))
            return actions;
        if (symbol.ContainingType is not { } network) return actions;

        var names = new List<string>();
        var added = new List<DimensionChoice>();
        foreach (string axis in shape.Split(';'))
        {
            int equals = axis.IndexOf('=');
            if (equals < 0 && !int.TryParse(axis, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                names.Add(axis);   // Batch (or another dimension sized at run time)
                continue;
            }
            string name = equals < 0 ? string.Empty : axis.Substring(0, equals);
            if (!int.TryParse(equals < 0 ? axis : axis.Substring(equals + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int size)) return actions;
            DimensionChoice choice = added.FirstOrDefault(d => d.Size == size) ?? ChooseDimension(model.Compilation, network, size, name);
            if (choice.IsNew && !added.Contains(choice)) added.Add(choice);
            names.Add(choice.Name);
        }
        string arguments = "<" + string.Join(", ", names) + ">";
        string note = added.Count == 0 ? string.Empty : " (declaring " + string.Join(", ", added.Select(d => d.Name)) + ")";
        actions.Add(CodeAction.Create($"Change the return type to Tensor{arguments}{note}",
            ct => EditWithDimensions(document.Project.Solution, document, new[] { new TextChange(declared.TypeArgumentList.Span, arguments) }, added, network, ct),
            equivalenceKey: "ShapeNet.ChangeReturnType"));
        return actions;
    }

    // ---- dimension types ---------------------------------------------------------------------------

    /// <summary>A dimension type to write: one that exists, or one to declare (<see cref="IsNew"/>).</summary>
    private sealed class DimensionChoice
    {
        public DimensionChoice(string name, int size, bool isNew)
        {
            Name = name;
            Size = size;
            IsNew = isNew;
        }

        public string Name { get; }

        public int Size { get; }

        public bool IsNew { get; }

        public string Note => IsNew ? $" (declaring {Name})" : string.Empty;

        public string Declaration => $"[Dim({Size.ToString(CultureInfo.InvariantCulture)})] public partial struct {Name};";
    }

    /// <summary>The dimension type named <paramref name="preferred"/> when it has <paramref name="size"/>; else a <c>[Dim(size)]</c>
    /// struct of the compilation, the network's namespace first, then by name; else a new <c>Size{n}</c>.</summary>
    private static DimensionChoice ChooseDimension(Compilation compilation, INamedTypeSymbol network, int size, string preferred)
    {
        var candidates = compilation.GetSymbolsWithName(_ => true, SymbolFilter.Type)
            .OfType<INamedTypeSymbol>()
            .Where(t => t.TypeKind == TypeKind.Struct && DimSize(t) == size)
            .OrderBy(t => t.Name == preferred ? 0 : 1)
            .ThenBy(t => SymbolEqualityComparer.Default.Equals(t.ContainingNamespace, network.ContainingNamespace) ? 0 : 1)
            .ThenBy(t => t.Name, System.StringComparer.Ordinal)
            .ToList();
        if (candidates.Count > 0)
        {
            INamedTypeSymbol chosen = candidates[0];
            bool sameNamespace = SymbolEqualityComparer.Default.Equals(chosen.ContainingNamespace, network.ContainingNamespace);
            return new DimensionChoice(sameNamespace ? chosen.Name : "global::" + chosen.ToDisplayString(), size, isNew: false);
        }
        string name = "Size" + size.ToString(CultureInfo.InvariantCulture);
        return new DimensionChoice(name, size, isNew: true);
    }

    private static int? DimSize(INamedTypeSymbol type)
    {
        foreach (AttributeData attribute in type.GetAttributes())
            if (attribute.AttributeClass?.ToDisplayString() == DimAttributeName && attribute.ConstructorArguments.Length == 1
                && attribute.ConstructorArguments[0].Value is int size)
                return size;
        return null;
    }

    // ---- edits -----------------------------------------------------------------------------------

    private static Task<Solution> EditWithDimension(Solution solution, Document document, IReadOnlyList<TextChange> changes, DimensionChoice dimension,
        INamedTypeSymbol network, CancellationToken cancellation) =>
        EditWithDimensions(solution, document, changes, dimension.IsNew ? new[] { dimension } : new DimensionChoice[0], network, cancellation);

    /// <summary>Applies <paramref name="changes"/> to <paramref name="document"/>, declaring each new dimension type after the last
    /// <c>[Dim]</c> struct of that document, or before the network's declaration there.</summary>
    private static async Task<Solution> EditWithDimensions(Solution solution, Document document, IReadOnlyList<TextChange> changes,
        IReadOnlyList<DimensionChoice> added, INamedTypeSymbol network, CancellationToken cancellation)
    {
        var all = new List<TextChange>(changes);
        if (added.Count > 0)
        {
            SyntaxNode root = (await document.GetSyntaxRootAsync(cancellation).ConfigureAwait(false))!;
            SourceText text = await document.GetTextAsync(cancellation).ConfigureAwait(false);
            string newLine = NewLine(text);
            string declarations = string.Join(string.Empty, added.Select(d => d.Declaration + newLine));
            StructDeclarationSyntax? lastDim = root.DescendantNodes().OfType<StructDeclarationSyntax>()
                .LastOrDefault(s => s.AttributeLists.SelectMany(l => l.Attributes).Any(a => LastIdentifier(a.Name) is "Dim" or "DimAttribute"));
            if (lastDim is not null)
            {
                TextLine line = text.Lines.GetLineFromPosition(lastDim.Span.End);
                all.Add(new TextChange(new TextSpan(line.EndIncludingLineBreak, 0), Indent(declarations, Indentation(text, lastDim), newLine)));
            }
            else
            {
                TypeDeclarationSyntax? declaration = root.DescendantNodes().OfType<TypeDeclarationSyntax>()
                    .FirstOrDefault(t => t.Identifier.Text == network.Name);
                if (declaration is null) return solution;
                TextLine line = text.Lines.GetLineFromPosition(declaration.SpanStart);
                all.Add(new TextChange(new TextSpan(line.Start, 0), Indent(declarations, Indentation(text, declaration), newLine) + newLine));
            }
        }
        return await Edit(solution, document, all, cancellation).ConfigureAwait(false);
    }

    private static async Task<Solution> Edit(Solution solution, Document document, IEnumerable<TextChange> changes, CancellationToken cancellation)
    {
        SourceText text = await document.GetTextAsync(cancellation).ConfigureAwait(false);
        return solution.WithDocumentText(document.Id, text.WithChanges(changes.OrderBy(c => c.Span.Start)));
    }

    private static async Task<Solution> EditBoth(Solution solution, Document first, TextChange firstChange, Document second, TextChange secondChange,
        CancellationToken cancellation)
    {
        if (first.Id == second.Id) return await Edit(solution, first, new[] { firstChange, secondChange }, cancellation).ConfigureAwait(false);
        solution = await Edit(solution, first, new[] { firstChange }, cancellation).ConfigureAwait(false);
        return await Edit(solution, solution.GetDocument(second.Id)!, new[] { secondChange }, cancellation).ConfigureAwait(false);
    }

    private static TextChange Wrap(ExpressionSyntax expression, string before, string after) =>
        new(expression.Span, before + expression + after);

    // ---- helpers ---------------------------------------------------------------------------------

    /// <summary>The [Network] class whose body holds <paramref name="node"/>.</summary>
    private static INamedTypeSymbol? NetworkOf(SemanticModel model, SyntaxNode node, CancellationToken cancellation)
    {
        TypeDeclarationSyntax? type = node.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().FirstOrDefault();
        return type is null ? null : model.GetDeclaredSymbol(type, cancellation);
    }

    private static bool Property(Diagnostic diagnostic, string key, out string value)
    {
        value = diagnostic.Properties.TryGetValue(key, out string? v) && v is not null ? v : string.Empty;
        return value.Length > 0;
    }

    private static bool IntProperty(Diagnostic diagnostic, string key, out int value)
    {
        value = 0;
        return Property(diagnostic, key, out string text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static string LastIdentifier(SyntaxNode name) => name switch
    {
        IdentifierNameSyntax i => i.Identifier.Text,
        QualifiedNameSyntax q => q.Right.Identifier.Text,
        AliasQualifiedNameSyntax a => a.Name.Identifier.Text,
        GenericNameSyntax g => g.Identifier.Text,
        _ => name.ToString(),
    };

    private static string Indentation(SourceText text, SyntaxNode node)
    {
        TextLine line = text.Lines.GetLineFromPosition(node.SpanStart);
        int i = line.Start;
        while (i < line.End && (text[i] == ' ' || text[i] == '\t')) i++;
        return text.ToString(TextSpan.FromBounds(line.Start, i));
    }

    private static string Indent(string lines, string indentation, string newLine) =>
        indentation.Length == 0 ? lines : string.Join(newLine, lines.Split(new[] { newLine }, System.StringSplitOptions.None).Select(l => l.Length == 0 ? l : indentation + l));

    /// <summary>The document's line break (<c>\r\n</c> or <c>\n</c>), from its first line.</summary>
    private static string NewLine(SourceText text)
    {
        TextLine first = text.Lines[0];
        return first.EndIncludingLineBreak > first.End ? text.ToString(TextSpan.FromBounds(first.End, first.EndIncludingLineBreak)) : "\n";
    }

    private static string Collapse(string text) => string.Join(" ", text.Split(new[] { ' ', '\t', '\r', '\n' }, System.StringSplitOptions.RemoveEmptyEntries));
}
