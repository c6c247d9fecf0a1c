using System.Globalization;

namespace ShapeNet.Generator.Ops;

/// <summary>
/// The compile-time arguments of one op or layer. Each definition declares its own record
/// (<c>LeakyReluArgs(double NegativeSlope)</c>); the parser creates it from the call as written and shape inference returns
/// it normalised (axes non-negative, defaults filled). Records compare by value, so the model stays cacheable: they may hold
/// numbers, strings, enums, <see cref="SizeArg"/> and <see cref="Model.EquatableArray{T}"/> only.
/// </summary>
internal abstract record OpArgs;

/// <summary>The arguments of an op that takes none (Relu, Exp, Add, …).</summary>
internal sealed record NoArgs : OpArgs
{
    public static readonly NoArgs Value = new();
}

/// <summary>A layer size as written in its attribute: a literal, or a class type parameter of a generic block that is still
/// unbound in the block's own declaration (<c>nameof(TIn)</c>; the eager constructor then reads <c>TIn.Size</c>, and each use
/// of the block binds it to a literal).</summary>
internal readonly record struct SizeArg(int Value, string Symbol)
{
    public static SizeArg Of(int value) => new(value, string.Empty);

    public static SizeArg Symbolic(string typeParameter) => new(0, typeParameter);

    /// <summary>A literal size (always so where shapes are inferred: uses of a generic block bind it).</summary>
    public bool IsBound => Symbol.Length == 0;

    /// <summary>The size as a C# expression of the eager constructor: <c>784</c> or <c>TIn.Size</c>.</summary>
    public string CSharp => IsBound ? Value.ToString(CultureInfo.InvariantCulture) : Symbol + ".Size";

    public override string ToString() => IsBound ? Value.ToString(CultureInfo.InvariantCulture) : Symbol;
}
