using System;
using System.Collections.Generic;
using System.Linq;

namespace ShapeNet.Generator.Ops;

/// <summary>
/// Every op definition of the generator, found by reflection over this assembly (each non-abstract subclass of
/// <see cref="OpDefinition"/> is instantiated once), so adding an op is adding its class and nothing else. Lookups by
/// canonical name (nodes), by DSL call name (the parser) and by layer attribute name.
/// </summary>
internal static class OpRegistry
{
    private static readonly Lazy<Tables> Lazy = new(Build);

    /// <summary>Every definition, ordered by name.</summary>
    public static IReadOnlyList<OpDefinition> All => Lazy.Value.All;

    /// <summary>The definition named <paramref name="name"/>, or null.</summary>
    public static OpDefinition? Find(string name) => Lazy.Value.ByName.TryGetValue(name, out OpDefinition? op) ? op : null;

    public static OpDefinition Get(string name) => Find(name) ?? throw new InvalidOperationException("no op definition named " + name);

    /// <summary>The calls a forward body may write with this method name (overloads), or null.</summary>
    public static IReadOnlyList<DslCall>? Calls(string dslName) => Lazy.Value.CallsByName.TryGetValue(dslName, out List<DslCall>? calls) ? calls : null;

    /// <summary>The layer whose attribute is <c>[{name}(…)]</c>, or null.</summary>
    public static ILayer? Layer(string name) => Find(name) as ILayer;

    private sealed record Tables(IReadOnlyList<OpDefinition> All, Dictionary<string, OpDefinition> ByName, Dictionary<string, List<DslCall>> CallsByName);

    private static Tables Build()
    {
        OpDefinition[] all = typeof(OpDefinition).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(OpDefinition).IsAssignableFrom(t))
            .Select(t => (OpDefinition)Activator.CreateInstance(t)!)
            .OrderBy(op => op.Name, StringComparer.Ordinal)
            .ToArray();
        var byName = new Dictionary<string, OpDefinition>(StringComparer.Ordinal);
        var calls = new Dictionary<string, List<DslCall>>(StringComparer.Ordinal);
        foreach (OpDefinition op in all)
        {
            if (byName.ContainsKey(op.Name)) throw new InvalidOperationException($"two op definitions are named {op.Name}");
            byName[op.Name] = op;
            foreach (DslCall call in op.Calls)
            {
                call.Op = op;
                if (!calls.TryGetValue(call.Name, out List<DslCall>? list)) calls[call.Name] = list = new List<DslCall>();
                list.Add(call);
            }
        }
        return new Tables(all, byName, calls);
    }
}
