namespace ShapeNet;

/// <summary>Thrown by a plan with <see cref="NetworkPlan.CheckFinite"/> on: the first op of a forward pass (or the loss) that
/// produced a NaN or an infinity, with the element and its value. The values it was computed from were all finite (they were
/// checked before it).</summary>
public sealed class NonFiniteException : ArithmeticException
{
    /// <summary>Creates the exception for <paramref name="producer"/>'s element <paramref name="index"/> of <paramref name="length"/>.</summary>
    public NonFiniteException(string producer, long index, long length, float value)
        : base($"'{producer}' produced {Describe(value)} at element {index:N0} of {length:N0}: the first non-finite value of this pass; " +
            "everything it was computed from was finite (CheckFinite is on).")
    {
        Producer = producer;
        Index = index;
        Value = value;
    }

    /// <summary>The op as written in the forward method (<c>Fc1(x)</c>), an input's name, <c>the loss</c>, or in the backward pass
    /// the gradient and the op whose backward wrote it (<c>d(h) in the backward of Fc2(h)</c>, <c>d(fc2.weight) in the backward
    /// of Fc2(h)</c>).</summary>
    public string Producer { get; }

    /// <summary>The flat index of the first non-finite element.</summary>
    public long Index { get; }

    /// <summary>The non-finite value: NaN, +∞ or −∞.</summary>
    public float Value { get; }

    private static string Describe(float value) => float.IsNaN(value) ? "NaN" : value > 0 ? "+infinity" : "-infinity";
}
