using System;
using System.Collections.Generic;
using System.Globalization;
using ShapeNet.Generator.Model;

namespace ShapeNet.Generator.Ops;

/// <summary>How the parser reads one argument of a DSL call.</summary>
internal enum DslKind
{
    /// <summary>A tensor operand.</summary>
    Tensor,
    /// <summary>A list of tensor operands (<c>Concat([a, b], axis)</c>).</summary>
    TensorList,
    Int,
    Double,
    Bool,
    /// <summary>A string constant (<c>approximate: "tanh"</c>).</summary>
    String,
    /// <summary>An int or an int array (<c>new[] {0, 1}</c> or <c>[0, 1]</c>).</summary>
    Axes,
    /// <summary>A <c>params int[]</c> list (the rest of the positional arguments); −1 allowed.</summary>
    IntList,
    /// <summary>A <c>Reduction</c> enum constant.</summary>
    Reduction,
}

/// <summary>One parameter of a DSL call: its C# name, how it is read and its default (null: required). Defaults are the
/// constants a C# caller would get (<c>0.01</c>, <c>true</c>, <c>"none"</c>, <c>LossReduction.Mean</c>).</summary>
internal sealed record DslParameter(string Name, DslKind Kind, object? Default)
{
    public bool IsTensor => Kind is DslKind.Tensor or DslKind.TensorList;

    /// <summary>The parameter as a signature shows it (<c>axis</c>, <c>negativeSlope = 0.01</c>).</summary>
    public string Display => Default is null ? Name : Name + " = " + DisplayValue(Default);

    private static string DisplayValue(object value) => value switch
    {
        bool b => b ? "true" : "false",
        string s => "\"" + s + "\"",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}

/// <summary>
/// A call a forward body may write (<c>LeakyRelu(x, negativeSlope: 0.2)</c>): the method name, its parameters (tensors
/// first), and how the constants become the op's typed arguments. The parser matches the call's arguments against the
/// parameters, reads each constant (a literal, a <c>const</c> or a loop constant) and calls <see cref="Bind"/>; overloads
/// are several calls with one name.
/// </summary>
internal sealed class DslCall
{
    private readonly Func<DslArguments, OpArgs> _bind;

    public DslCall(string name, IReadOnlyList<DslParameter> parameters, Func<DslArguments, OpArgs> bind)
    {
        Name = name;
        Parameters = parameters;
        _bind = bind;
    }

    public string Name { get; }

    public IReadOnlyList<DslParameter> Parameters { get; }

    /// <summary>The op definition that compiles this call (set when the registry is built).</summary>
    public OpDefinition Op { get; internal set; } = null!;

    public OpArgs Bind(DslArguments arguments) => _bind(arguments);

    /// <summary><c>Softmax(x, axis)</c>, for SN0205's "expected …".</summary>
    public string Signature
    {
        get
        {
            var parts = new List<string>();
            int tensors = 0;
            foreach (DslParameter p in Parameters) if (p.Kind == DslKind.Tensor) tensors++;
            char next = 'a';
            foreach (DslParameter p in Parameters)
            {
                if (p.Kind == DslKind.TensorList) parts.Add("[tensors]");
                else if (p.Kind == DslKind.Tensor) parts.Add(tensors == 1 ? "x" : (next++).ToString());
                else parts.Add(p.Display);
            }
            return Name + "(" + string.Join(", ", parts) + ")";
        }
    }
}

/// <summary>Builders for <see cref="DslCall"/> parameters, so a definition reads like the C# signature it mirrors.</summary>
internal static class Dsl
{
    public static DslCall Call(string name, Func<DslArguments, OpArgs> bind, params DslParameter[] parameters) => new(name, parameters, bind);

    /// <summary>A call whose op takes no constants.</summary>
    public static DslCall Call(string name, params DslParameter[] tensors) => new(name, tensors, _ => NoArgs.Value);

    public static DslParameter Tensor(string name) => new(name, DslKind.Tensor, null);

    public static DslParameter Tensors(string name) => new(name, DslKind.TensorList, null);

    public static DslParameter Int(string name, int? fallback = null) => new(name, DslKind.Int, fallback);

    public static DslParameter Double(string name, double? fallback = null) => new(name, DslKind.Double, fallback);

    public static DslParameter Bool(string name, bool? fallback = null) => new(name, DslKind.Bool, fallback);

    public static DslParameter String(string name, string? fallback = null) => new(name, DslKind.String, fallback);

    public static DslParameter Axes(string name) => new(name, DslKind.Axes, null);

    public static DslParameter IntList(string name) => new(name, DslKind.IntList, null);

    public static DslParameter Reduction(string name) => new(name, DslKind.Reduction, LossReduction.Mean);
}

/// <summary>A loss's <c>Reduction</c> (the DSL's <c>ShapeNet.Reduction</c>).</summary>
internal enum LossReduction
{
    Mean = 0,
    Sum = 1,
}

/// <summary>The constants of one matched call, by parameter name, with defaults filled: <c>int</c>, <c>double</c>,
/// <c>bool</c>, <c>string</c>, <c>int[]</c> (Axes, IntList) or <see cref="LossReduction"/>.</summary>
internal sealed class DslArguments
{
    private readonly IReadOnlyDictionary<string, object> _values;
    private readonly IReadOnlyCollection<string> _lists;

    public DslArguments(IReadOnlyDictionary<string, object> values, IReadOnlyCollection<string>? lists = null)
    {
        _values = values;
        _lists = lists ?? System.Array.Empty<string>();
    }

    /// <summary>Whether an <see cref="DslKind.Axes"/> argument was written as a list (<c>[2, 6]</c>) rather than one int (<c>2</c>).</summary>
    public bool IsList(string name)
    {
        foreach (string list in _lists) if (list == name) return true;
        return false;
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public int Int(string name) => (int)_values[name];

    public double Double(string name) => (double)_values[name];

    public bool Bool(string name) => (bool)_values[name];

    public string String(string name) => (string)_values[name];

    public LossReduction Reduction(string name) => (LossReduction)_values[name];

    public EquatableArray<int> Ints(string name) => ((int[])_values[name]).ToEquatableArray();
}
