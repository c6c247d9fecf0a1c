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
    public static NetworkModel? Parse(GeneratorAttributeSyntaxContext context, System.Threading.CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type) return null;
        if (type.DeclaringSyntaxReferences.Length > 1 && type.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) != context.TargetNode)
            return null;
        var parse = new ParseContext(context.SemanticModel.Compilation, cancellationToken);
        try
        {
            return Parse(type, NoSubstitution, parse, new List<string>());
        }
        catch (System.OperationCanceledException)
        {
            throw;
        }
        catch (System.Exception e)
        {
            var diagnostic = DiagnosticInfo.Create(DiagnosticDescriptors.InternalError,
                LocationInfo.From(type.Locations.FirstOrDefault()), type.Name, e.GetType().Name + ": " + e.Message.TrimEnd('.'));
            return new NetworkModel(ParseContext.NamespaceOf(type), type.Name, ParseContext.Accessibility(type.DeclaredAccessibility),
                type.TypeParameters.Select(t => t.Name).ToEquatableArray(), ParseContext.ContainingTypes(type),
                EquatableArray<LayerModel>.Empty, null, EquatableArray.Create(diagnostic));
        }
    }

    /// <summary>Parses <paramref name="type"/> with its class type parameters bound by <paramref name="substitution"/>
    /// (a block as used by its parent). <paramref name="path"/> holds the enclosing blocks' types, to catch cycles.</summary>
    public static NetworkModel Parse(INamedTypeSymbol type, IReadOnlyDictionary<string, Dim> substitution, ParseContext context, List<string> path)
    {
        string fullName = type.OriginalDefinition.ToDisplayString();
        LocationInfo? classLocation = LocationInfo.From(type.Locations.FirstOrDefault());

        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(context.CancellationToken) is ClassDeclarationSyntax declaration && !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                context.Report(DiagnosticDescriptors.MustBePartial, LocationInfo.From(declaration.Identifier.GetLocation()), "Network class", type.Name,
                    "its layers, constructors and compiled plan");
        }

        if (type.BaseType is { } baseType && baseType.SpecialType != SpecialType.System_Object && baseType.ToDisplayString() != "ShapeNet.Module")
        {
            LocationInfo? baseLocation = type.DeclaringSyntaxReferences
                .Select(r => r.GetSyntax(context.CancellationToken)).OfType<ClassDeclarationSyntax>()
                .Select(c => c.BaseList?.Types.FirstOrDefault()).Where(t => t is not null).Select(t => LocationInfo.From(t!)).FirstOrDefault() ?? classLocation;
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
                context.Report(DiagnosticDescriptors.SeveralForwards, LocationInfo.From(forwards[1].Locations.FirstOrDefault()), type.Name, forwards[0].Name, forwards[1].Name);
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
            : "Block";
        LocationInfo? location = LocationInfo.From(property.Locations.FirstOrDefault());
        string moduleName = attribute?.NamedArguments.FirstOrDefault(n => n.Key == "Name").Value.Value as string ?? SnakeCase(property.Name);

        PropertyDeclarationSyntax? declaration = property.DeclaringSyntaxReferences.Select(r => r.GetSyntax(context.CancellationToken))
            .OfType<PropertyDeclarationSyntax>().FirstOrDefault();
        string expectedType = kind == "Block" ? property.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) : kind;
        string? problem = null;
        if (declaration is null || !declaration.Modifiers.Any(SyntaxKind.PartialKeyword)) problem = "not a partial property";
        else if (declaration.AccessorList is null || declaration.AccessorList.Accessors.Count != 1 || !declaration.AccessorList.Accessors[0].IsKind(SyntaxKind.GetAccessorDeclaration)
                 || declaration.AccessorList.Accessors[0].Body is not null || declaration.AccessorList.Accessors[0].ExpressionBody is not null)
            problem = "not a property with only 'get;'";
        else if (kind != "Block" && property.Type.ToDisplayString() != "ShapeNet." + kind)
            problem = "of type '" + property.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + "'";
        else if (kind == "Block" && !typeIsNetwork)
            problem = "of type '" + property.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + "', which is not a [Network] class";
        if (problem is not null)
        {
            context.Report(DiagnosticDescriptors.BadLayerMember, location, property.Name, expectedType, problem);
            return null;
        }

        var args = new List<NamedArg>();
        NetworkModel? block = null;
        if (kind == "Linear")
        {
            bool bias = attribute!.NamedArguments.FirstOrDefault(n => n.Key == "Bias").Value.Value as bool? ?? true;
            LocationInfo? attributeLocation = LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken));
            LayerSize? inFeatures = Size(attribute, 0, "in-features", property, substitution, context, attributeLocation);
            LayerSize? outFeatures = Size(attribute, 1, "out-features", property, substitution, context, attributeLocation);
            if (inFeatures is null || outFeatures is null) return null;
            args.Add(new NamedArg("in", inFeatures.Value.Text));
            args.Add(new NamedArg("out", outFeatures.Value.Text));
            args.Add(new NamedArg("bias", bias ? "true" : "false"));
        }
        else if (kind == "Conv2d")
        {
            List<NamedArg>? conv = Conv2dArgs(property, attribute!, substitution, context);
            if (conv is null) return null;
            args.AddRange(conv);
        }
        else if (kind == "BatchNorm2d")
        {
            List<NamedArg>? batchNorm = BatchNorm2dArgs(property, attribute!, substitution, context);
            if (batchNorm is null) return null;
            args.AddRange(batchNorm);
        }
        else if (kind == "Block")
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
        else if (!OpCatalog.LayerKinds.Contains(kind))
        {
            return null;
        }

        return new LayerModel(property.Name, moduleName, kind, args.ToEquatableArray(),
            property.Type.ToDisplayString(ParseContext.FullyQualified), DeclaredModifiers(declaration!), block, location);
    }

    /// <summary>Reads <c>[Conv2d(in, out, kernel?, Kernel = .., Stride = .., ...)]</c> into the canonical args
    /// <c>in out kh kw sh sw ph pw dh dw groups bias</c> (the height/width properties override the square ones);
    /// null after reporting SN0009 for each invalid value.</summary>
    private static List<NamedArg>? Conv2dArgs(IPropertySymbol property, AttributeData attribute, IReadOnlyDictionary<string, Dim> substitution, ParseContext context)
    {
        string member = property.Name;
        int? Named(string name) => attribute.NamedArguments.FirstOrDefault(n => n.Key == name).Value.Value as int?;
        int Ctor(int index) => attribute.ConstructorArguments.Length > index && attribute.ConstructorArguments[index].Value is int v ? v : 0;

        LocationInfo? location = LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken));
        LayerSize? inSize = Size(attribute, 0, "in-channels", property, substitution, context, location);
        LayerSize? outSize = Size(attribute, 1, "out-channels", property, substitution, context, location);
        if (inSize is null || outSize is null) return null;
        // A size still symbolic (the generic block's own declaration) is checked where the block is used.
        int inChannels = inSize.Value.Value ?? 1, outChannels = outSize.Value.Value ?? 1;
        // A named Kernel is assigned after the constructor ran, so it wins over the positional one, as at run time.
        int kernel = Named("Kernel") ?? (attribute.ConstructorArguments.Length > 2 ? Ctor(2) : 0);
        int kh = Named("KernelHeight") ?? kernel, kw = Named("KernelWidth") ?? kernel;
        int stride = Named("Stride") ?? 1, padding = Named("Padding") ?? 0, dilation = Named("Dilation") ?? 1;
        int sh = Named("StrideHeight") ?? stride, sw = Named("StrideWidth") ?? stride;
        int ph = Named("PaddingHeight") ?? padding, pw = Named("PaddingWidth") ?? padding;
        int dh = Named("DilationHeight") ?? dilation, dw = Named("DilationWidth") ?? dilation;
        int groups = Named("Groups") ?? 1;
        bool bias = attribute.NamedArguments.FirstOrDefault(n => n.Key == "Bias").Value.Value as bool? ?? true;

        bool ok = true;
        void Positive(string what, int value)
        {
            if (value > 0) return;
            ok = false;
            context.Report(DiagnosticDescriptors.BadLayerArgument, location, member, what + " must be positive, but it is " + value);
        }
        void NotNegative(string what, int value)
        {
            if (value >= 0) return;
            ok = false;
            context.Report(DiagnosticDescriptors.BadLayerArgument, location, member, what + " must not be negative, but it is " + value);
        }
        if (kh == kw) Positive("the kernel size (Kernel)", kh);
        else
        {
            Positive("the kernel height", kh);
            Positive("the kernel width", kw);
        }
        if (sh == sw) Positive("the stride", sh);
        else
        {
            Positive("the stride height", sh);
            Positive("the stride width", sw);
        }
        if (ph == pw) NotNegative("the padding", ph);
        else
        {
            NotNegative("the padding height", ph);
            NotNegative("the padding width", pw);
        }
        if (dh == dw) Positive("the dilation", dh);
        else
        {
            Positive("the dilation height", dh);
            Positive("the dilation width", dw);
        }
        Positive("groups", groups);
        if (ok && groups > 1 && (inSize.Value.Value is null || outSize.Value.Value is null))
        {
            ok = false;
            context.Report(DiagnosticDescriptors.BadLayerArgument, location, member,
                $"groups must divide both channel counts, but they are a type parameter's size ({inSize.Value.Text}, {outSize.Value.Text}); use groups = 1 or literal channel counts");
        }
        if (ok && (inChannels % groups != 0 || outChannels % groups != 0))
        {
            ok = false;
            context.Report(DiagnosticDescriptors.BadLayerArgument, location, member,
                $"groups must divide both in-channels and out-channels, but {groups} does not divide " +
                (inChannels % groups != 0 && outChannels % groups != 0 ? $"{inChannels} and {outChannels}" : inChannels % groups != 0 ? inChannels.ToString(System.Globalization.CultureInfo.InvariantCulture) : outChannels.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        if (!ok) return null;

        static NamedArg Int(string name, int value) => new(name, value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new List<NamedArg>
        {
            new("in", inSize.Value.Text), new("out", outSize.Value.Text), Int("kh", kh), Int("kw", kw), Int("sh", sh), Int("sw", sw),
            Int("ph", ph), Int("pw", pw), Int("dh", dh), Int("dw", dw), Int("groups", groups), new("bias", bias ? "true" : "false"),
        };
    }

    /// <summary>A layer size as written: a literal, or a type parameter's name (<c>nameof(TIn)</c>). <see cref="Value"/> is
    /// the size, or null while the type parameter is unbound (the generic block's own declaration: the emitter then
    /// writes <c>TIn.Size</c>, and the use site checks the bound size). <see cref="Text"/> is the model's argument text.</summary>
    private readonly record struct LayerSize(int? Value, string Text);

    /// <summary>Constructor argument <paramref name="index"/> of a layer attribute: a positive <c>int</c>, or a string naming a
    /// class type parameter (bound by <paramref name="substitution"/> where the block is used). Reports SN0009 and returns
    /// null when it is neither.</summary>
    private static LayerSize? Size(AttributeData attribute, int index, string what, IPropertySymbol property,
        IReadOnlyDictionary<string, Dim> substitution, ParseContext context, LocationInfo? location)
    {
        object? value = attribute.ConstructorArguments.Length > index ? attribute.ConstructorArguments[index].Value : null;
        if (value is string name)
        {
            INamedTypeSymbol owner = property.ContainingType;
            if (!owner.TypeParameters.Any(t => t.Name == name))
            {
                string generic = owner.TypeParameters.Length == 0
                    ? owner.Name + " has no type parameters"
                    : owner.Name + "'s type parameters are " + string.Join(", ", owner.TypeParameters.Select(t => t.Name));
                context.Report(DiagnosticDescriptors.BadLayerArgument, location, property.Name,
                    $"{what} '{name}' must name a dimension type parameter of the class (nameof(T)), but {generic}");
                return null;
            }
            if (!substitution.TryGetValue(name, out Dim bound) || bound.Size == Dim.Symbolic)
                return new LayerSize(null, substitution.TryGetValue(name, out Dim renamed) ? renamed.Name : name);
            if (!bound.IsStatic || bound.Size <= 0)
            {
                // Wrong for this use only: reported at the use, to the network being generated (a block's own
                // declaration errors are reported at the block instead).
                context.Root.Report(DiagnosticDescriptors.BadLayerArgument, context.UseLocation ?? location, property.ContainingType.Name + "." + property.Name,
                    $"{what} {name} must be a positive static size, but {name} is {bound}");
                return null;
            }
            return new LayerSize(bound.Size, bound.Size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        int size = value is int v ? v : 0;
        if (size <= 0)
        {
            context.Report(DiagnosticDescriptors.BadLayerArgument, location, property.Name, what + " must be positive, but it is " + size);
            return null;
        }
        return new LayerSize(size, size.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Reads <c>[BatchNorm2d(numFeatures, Eps = .., Momentum = .., Affine = ..)]</c> into the canonical args
    /// <c>features eps momentum affine</c> (PyTorch's defaults 1e-5, 0.1, true); null after reporting SN0009 for each
    /// invalid value: features ≤ 0, eps ≤ 0, momentum outside [0, 1].</summary>
    private static List<NamedArg>? BatchNorm2dArgs(IPropertySymbol property, AttributeData attribute, IReadOnlyDictionary<string, Dim> substitution, ParseContext context)
    {
        string member = property.Name;
        double? Real(string name)
        {
            object? value = attribute.NamedArguments.FirstOrDefault(n => n.Key == name).Value.Value;
            return value is null ? null : System.Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
        }
        double eps = Real("Eps") ?? 1e-5, momentum = Real("Momentum") ?? 0.1;
        bool affine = attribute.NamedArguments.FirstOrDefault(n => n.Key == "Affine").Value.Value as bool? ?? true;

        LocationInfo? location = LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken));
        static string Text(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        bool ok = true;
        void Bad(string problem)
        {
            ok = false;
            context.Report(DiagnosticDescriptors.BadLayerArgument, location, member, problem);
        }
        LayerSize? features = Size(attribute, 0, "the number of features (channels)", property, substitution, context, location);
        if (features is null) ok = false;
        if (!(eps > 0)) Bad("Eps must be positive, but it is " + Text(eps));
        if (!(momentum >= 0 && momentum <= 1)) Bad("Momentum must be in [0, 1], but it is " + Text(momentum));
        if (!ok) return null;
        return new List<NamedArg>
        {
            new("features", features!.Value.Text), new("eps", Text(eps)),
            new("momentum", Text(momentum)), new("affine", affine ? "true" : "false"),
        };
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
