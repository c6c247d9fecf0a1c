using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Ops;

namespace ShapeNet.Generator.Parsing;

/// <summary>A layer attribute's values for the layer's definition to bind (<see cref="ILayerAttribute"/>), read from Roslyn's
/// <see cref="AttributeData"/>; sizes given as <c>nameof(T)</c> resolve through the block's type-parameter substitution.</summary>
internal sealed class LayerAttributeReader : ILayerAttribute
{
    private readonly AttributeData _attribute;
    private readonly IPropertySymbol _property;
    private readonly IReadOnlyDictionary<string, Dim> _substitution;
    private readonly ParseContext _context;
    private readonly SourceRef? _location;

    public LayerAttributeReader(AttributeData attribute, IPropertySymbol property, IReadOnlyDictionary<string, Dim> substitution, ParseContext context,
        SourceRef? location)
    {
        _attribute = attribute;
        _property = property;
        _substitution = substitution;
        _context = context;
        _location = location;
    }

    public string Member => _property.Name;

    public int PositionalCount => _attribute.ConstructorArguments.Length;

    public int? Int(int index) => index < PositionalCount && _attribute.ConstructorArguments[index].Value is int v ? v : null;

    public int? NamedInt(string name) => Named(name) as int?;

    public double? NamedDouble(string name) => Named(name) is { } value ? System.Convert.ToDouble(value, CultureInfo.InvariantCulture) : null;

    public bool? NamedBool(string name) => Named(name) as bool?;

    public void Report(string problem) => _context.Report(DiagnosticDescriptors.BadLayerArgument, _location, Member, problem);

    /// <summary>A positive <c>int</c>, or a string naming a class type parameter (bound by the substitution where the block is
    /// used; still symbolic in the generic block's own declaration, where the use site checks the bound size).</summary>
    public SizeArg? Size(int index, string what)
    {
        object? value = index < PositionalCount ? _attribute.ConstructorArguments[index].Value : null;
        if (value is string name)
        {
            INamedTypeSymbol owner = _property.ContainingType;
            if (!owner.TypeParameters.Any(t => t.Name == name))
            {
                string generic = owner.TypeParameters.Length == 0
                    ? owner.Name + " has no type parameters"
                    : owner.Name + "'s type parameters are " + string.Join(", ", owner.TypeParameters.Select(t => t.Name));
                Report($"{what} '{name}' must name a dimension type parameter of the class (nameof(T)), but {generic}");
                return null;
            }
            if (!_substitution.TryGetValue(name, out Dim bound) || bound.Size == Dim.Symbolic)
                return SizeArg.Symbolic(_substitution.TryGetValue(name, out Dim renamed) ? renamed.Name : name);
            if (!bound.IsStatic || bound.Size <= 0)
            {
                // Wrong for this use only: reported at the use, to the network being generated (a block's own
                // declaration errors are reported at the block instead).
                _context.Root.Report(DiagnosticDescriptors.BadLayerArgument, _context.UseLocation ?? _location, _property.ContainingType.Name + "." + Member,
                    $"{what} {name} must be a positive static size, but {name} is {bound}");
                return null;
            }
            return SizeArg.Of(bound.Size);
        }
        int size = value is int v ? v : 0;
        if (size <= 0)
        {
            Report(what + " must be positive, but it is " + size);
            return null;
        }
        return SizeArg.Of(size);
    }

    private object? Named(string name) => _attribute.NamedArguments.FirstOrDefault(n => n.Key == name).Value.Value;
}
