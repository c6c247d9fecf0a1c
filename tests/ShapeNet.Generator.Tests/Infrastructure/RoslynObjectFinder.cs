using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;

namespace ShapeNet.Generator.Tests.Infrastructure;

/// <summary>
/// Walks an object graph (fields, readable properties, elements of collections; cycle-safe) and reports every
/// value that is a Roslyn object a generator model must not hold: <see cref="ISymbol"/>, <see cref="SyntaxNode"/>,
/// <see cref="SyntaxToken"/>, <see cref="SyntaxTrivia"/>, <see cref="SyntaxTree"/>, <see cref="Location"/>,
/// <see cref="Compilation"/>, <see cref="SemanticModel"/> or <see cref="IOperation"/>.
/// </summary>
public static class RoslynObjectFinder
{
    private const int MaxDepth = 64;

    private static readonly Type[] Forbidden =
    [
        typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxToken), typeof(SyntaxTrivia), typeof(SyntaxTree),
        typeof(Location), typeof(Compilation), typeof(SemanticModel), typeof(IOperation),
    ];

    /// <summary>The paths (<c>root.Layers[0].Syntax</c>) and types of the forbidden values reachable from
    /// <paramref name="root"/>; empty when it is clean.</summary>
    public static IReadOnlyList<string> Find(object? root, string rootName = "root") => Find(root, rootName, Forbidden);

    /// <summary>The paths and types of the values of any of <paramref name="forbidden"/> types reachable from <paramref name="root"/>.</summary>
    public static IReadOnlyList<string> Find(object? root, string rootName, IReadOnlyList<Type> forbidden)
    {
        var found = new List<string>();
        Walk(root, rootName, 0, new HashSet<object>(ReferenceEqualityComparer.Instance), found, forbidden);
        return found;
    }

    /// <summary>Whether <paramref name="type"/> is, or derives from or implements, a forbidden Roslyn type.</summary>
    public static bool IsForbidden(Type type) => Forbidden.Any(f => f.IsAssignableFrom(type));

    private static void Walk(object? value, string path, int depth, HashSet<object> visited, List<string> found, IReadOnlyList<Type> forbidden)
    {
        if (value is null || depth > MaxDepth) return;
        Type type = value.GetType();
        if (forbidden.Any(f => f.IsAssignableFrom(type)))
        {
            found.Add($"{path}: {type.FullName}");
            return;
        }
        if (IsLeaf(type)) return;
        if (!type.IsValueType && !visited.Add(value)) return;

        if (value is IEnumerable sequence)
        {
            int index = 0;
            foreach (object? item in EnumerateSafely(sequence))
                Walk(item, $"{path}[{index++}]", depth + 1, visited, found, forbidden);
            return;
        }

        const BindingFlags Instance = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        for (Type? t = type; t is not null && t != typeof(object) && t != typeof(ValueType); t = t.BaseType)
        {
            foreach (FieldInfo field in t.GetFields(Instance | BindingFlags.DeclaredOnly))
                Walk(field.GetValue(value), $"{path}.{MemberName(field)}", depth + 1, visited, found, forbidden);
        }
        // Fields hold all state; properties are read too, for members computed from something the fields hide
        // (records' EqualityContract and indexers excluded).
        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Instance | BindingFlags.Public))
        {
            if (property.GetIndexParameters().Length > 0 || property.GetMethod is null || property.Name == "EqualityContract") continue;
            if (HasBackingField(type, property)) continue;
            object? propertyValue;
            try { propertyValue = property.GetValue(value); }
            catch (TargetInvocationException) { continue; }
            if (propertyValue is not null && !propertyValue.GetType().IsValueType && visited.Contains(propertyValue)) continue;
            Walk(propertyValue, $"{path}.{property.Name}", depth + 1, visited, found, forbidden);
        }
    }

    /// <summary>Values that cannot contain anything: primitives, strings, enums, reflection objects, delegates.</summary>
    private static bool IsLeaf(Type type) =>
        type.IsPrimitive || type.IsEnum || type.IsPointer || type == typeof(string) || type == typeof(decimal)
        || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(TimeSpan) || type == typeof(Guid)
        || typeof(MemberInfo).IsAssignableFrom(type) || typeof(Delegate).IsAssignableFrom(type);

    private static IEnumerable<object?> EnumerateSafely(IEnumerable sequence)
    {
        IEnumerator enumerator;
        try { enumerator = sequence.GetEnumerator(); }
        catch (Exception e) when (e is InvalidOperationException or NullReferenceException) { yield break; } // a default ImmutableArray
        while (enumerator.MoveNext()) yield return enumerator.Current;
    }

    private static bool HasBackingField(Type type, PropertyInfo property) =>
        type.GetField($"<{property.Name}>k__BackingField", BindingFlags.Instance | BindingFlags.NonPublic) is not null;

    /// <summary>A field's name as written in source: <c>Layers</c> rather than <c>&lt;Layers&gt;k__BackingField</c>.</summary>
    private static string MemberName(FieldInfo field) =>
        field.Name.StartsWith('<') && field.Name.IndexOf('>') is > 1 and var end ? field.Name[1..end] : field.Name;
}
