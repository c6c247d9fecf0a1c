// Arithmetic on typed handles: each forwards to the rank-erased Tensor's operator and gives a rank-erased result (a
// forward body's intermediates are rank-erased; the generator knows their shapes). A typed handle combines with
// a scalar, or with any tensor on its right through one operator, Tensor<D1..> op Tensor (a typed right operand converts
// implicitly). There is deliberately no Tensor op Tensor<D1..> and no Tensor<D1..> op Tensor<D1..> overload: with them,
// two different typed handles (Tensor<Three, Two> + Tensor<Two>, broadcasting) matched one operator from each operand's
// type and C# reported CS0034 (ambiguous). Now exactly one operator applies: the left operand's; a rank-erased left
// operand uses Tensor's own operator, which is then the better match. ShapeNet.Generator.Tests compiles every pairing (TypedOperatorTests).
namespace ShapeNet;

public readonly partial struct Tensor<D1>
    where D1 : IDim
{
    /// <summary>Element-wise sum with a rank-erased tensor, broadcast by NumPy rules; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator +(Tensor<D1> a, Tensor b) => a.Value + b;
    /// <summary>Element-wise sum of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator +(Tensor<D1> a, float c) => a.Value + c;
    /// <summary>Element-wise sum of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator +(float c, Tensor<D1> a) => c + a.Value;
    /// <summary>Element-wise difference with a rank-erased tensor, broadcast by NumPy rules; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator -(Tensor<D1> a, Tensor b) => a.Value - b;
    /// <summary>Element-wise difference of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator -(Tensor<D1> a, float c) => a.Value - c;
    /// <summary>Element-wise difference of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator -(float c, Tensor<D1> a) => c - a.Value;
    /// <summary>Element-wise product with a rank-erased tensor, broadcast by NumPy rules; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator *(Tensor<D1> a, Tensor b) => a.Value * b;
    /// <summary>Element-wise product of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator *(Tensor<D1> a, float c) => a.Value * c;
    /// <summary>Element-wise product of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator *(float c, Tensor<D1> a) => c * a.Value;
    /// <summary>Element-wise quotient with a rank-erased tensor, broadcast by NumPy rules; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator /(Tensor<D1> a, Tensor b) => a.Value / b;
    /// <summary>Element-wise quotient of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator /(Tensor<D1> a, float c) => a.Value / c;
    /// <summary>Element-wise quotient of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator /(float c, Tensor<D1> a) => c / a.Value;
    /// <summary>Element-wise negation; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator -(Tensor<D1> a) => -a.Value;
}

public readonly partial struct Tensor<D1, D2>
    where D1 : IDim
    where D2 : IDim
{
    /// <summary>Element-wise sum with a rank-erased tensor, broadcast by NumPy rules; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator +(Tensor<D1, D2> a, Tensor b) => a.Value + b;
    /// <summary>Element-wise sum of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator +(Tensor<D1, D2> a, float c) => a.Value + c;
    /// <summary>Element-wise sum of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator +(float c, Tensor<D1, D2> a) => c + a.Value;
    /// <summary>Element-wise difference with a rank-erased tensor, broadcast by NumPy rules; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator -(Tensor<D1, D2> a, Tensor b) => a.Value - b;
    /// <summary>Element-wise difference of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator -(Tensor<D1, D2> a, float c) => a.Value - c;
    /// <summary>Element-wise difference of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator -(float c, Tensor<D1, D2> a) => c - a.Value;
    /// <summary>Element-wise product with a rank-erased tensor, broadcast by NumPy rules; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator *(Tensor<D1, D2> a, Tensor b) => a.Value * b;
    /// <summary>Element-wise product of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator *(Tensor<D1, D2> a, float c) => a.Value * c;
    /// <summary>Element-wise product of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator *(float c, Tensor<D1, D2> a) => c * a.Value;
    /// <summary>Element-wise quotient with a rank-erased tensor, broadcast by NumPy rules; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator /(Tensor<D1, D2> a, Tensor b) => a.Value / b;
    /// <summary>Element-wise quotient of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator /(Tensor<D1, D2> a, float c) => a.Value / c;
    /// <summary>Element-wise quotient of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator /(float c, Tensor<D1, D2> a) => c / a.Value;
    /// <summary>Element-wise negation; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator -(Tensor<D1, D2> a) => -a.Value;
}

public readonly partial struct Tensor<D1, D2, D3>
    where D1 : IDim
    where D2 : IDim
    where D3 : IDim
{
    /// <summary>Element-wise sum with a rank-erased tensor, broadcast by NumPy rules; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator +(Tensor<D1, D2, D3> a, Tensor b) => a.Value + b;
    /// <summary>Element-wise sum of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator +(Tensor<D1, D2, D3> a, float c) => a.Value + c;
    /// <summary>Element-wise sum of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator +(float c, Tensor<D1, D2, D3> a) => c + a.Value;
    /// <summary>Element-wise difference with a rank-erased tensor, broadcast by NumPy rules; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator -(Tensor<D1, D2, D3> a, Tensor b) => a.Value - b;
    /// <summary>Element-wise difference of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator -(Tensor<D1, D2, D3> a, float c) => a.Value - c;
    /// <summary>Element-wise difference of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator -(float c, Tensor<D1, D2, D3> a) => c - a.Value;
    /// <summary>Element-wise product with a rank-erased tensor, broadcast by NumPy rules; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator *(Tensor<D1, D2, D3> a, Tensor b) => a.Value * b;
    /// <summary>Element-wise product of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator *(Tensor<D1, D2, D3> a, float c) => a.Value * c;
    /// <summary>Element-wise product of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator *(float c, Tensor<D1, D2, D3> a) => c * a.Value;
    /// <summary>Element-wise quotient with a rank-erased tensor, broadcast by NumPy rules; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator /(Tensor<D1, D2, D3> a, Tensor b) => a.Value / b;
    /// <summary>Element-wise quotient of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator /(Tensor<D1, D2, D3> a, float c) => a.Value / c;
    /// <summary>Element-wise quotient of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator /(float c, Tensor<D1, D2, D3> a) => c / a.Value;
    /// <summary>Element-wise negation; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator -(Tensor<D1, D2, D3> a) => -a.Value;
}

public readonly partial struct Tensor<D1, D2, D3, D4>
    where D1 : IDim
    where D2 : IDim
    where D3 : IDim
    where D4 : IDim
{
    /// <summary>Element-wise sum with a rank-erased tensor, broadcast by NumPy rules; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator +(Tensor<D1, D2, D3, D4> a, Tensor b) => a.Value + b;
    /// <summary>Element-wise sum of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator +(Tensor<D1, D2, D3, D4> a, float c) => a.Value + c;
    /// <summary>Element-wise sum of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator +(float c, Tensor<D1, D2, D3, D4> a) => c + a.Value;
    /// <summary>Element-wise difference with a rank-erased tensor, broadcast by NumPy rules; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator -(Tensor<D1, D2, D3, D4> a, Tensor b) => a.Value - b;
    /// <summary>Element-wise difference of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator -(Tensor<D1, D2, D3, D4> a, float c) => a.Value - c;
    /// <summary>Element-wise difference of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator -(float c, Tensor<D1, D2, D3, D4> a) => c - a.Value;
    /// <summary>Element-wise product with a rank-erased tensor, broadcast by NumPy rules; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator *(Tensor<D1, D2, D3, D4> a, Tensor b) => a.Value * b;
    /// <summary>Element-wise product of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator *(Tensor<D1, D2, D3, D4> a, float c) => a.Value * c;
    /// <summary>Element-wise product of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator *(float c, Tensor<D1, D2, D3, D4> a) => c * a.Value;
    /// <summary>Element-wise quotient with a rank-erased tensor, broadcast by NumPy rules; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator /(Tensor<D1, D2, D3, D4> a, Tensor b) => a.Value / b;
    /// <summary>Element-wise quotient of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator /(Tensor<D1, D2, D3, D4> a, float c) => a.Value / c;
    /// <summary>Element-wise quotient of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator /(float c, Tensor<D1, D2, D3, D4> a) => c / a.Value;
    /// <summary>Element-wise negation; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator -(Tensor<D1, D2, D3, D4> a) => -a.Value;
}

public readonly partial struct Tensor<D1, D2, D3, D4, D5>
    where D1 : IDim
    where D2 : IDim
    where D3 : IDim
    where D4 : IDim
    where D5 : IDim
{
    /// <summary>Element-wise sum with a rank-erased tensor, broadcast by NumPy rules; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator +(Tensor<D1, D2, D3, D4, D5> a, Tensor b) => a.Value + b;
    /// <summary>Element-wise sum of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator +(Tensor<D1, D2, D3, D4, D5> a, float c) => a.Value + c;
    /// <summary>Element-wise sum of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator +(float c, Tensor<D1, D2, D3, D4, D5> a) => c + a.Value;
    /// <summary>Element-wise difference with a rank-erased tensor, broadcast by NumPy rules; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator -(Tensor<D1, D2, D3, D4, D5> a, Tensor b) => a.Value - b;
    /// <summary>Element-wise difference of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator -(Tensor<D1, D2, D3, D4, D5> a, float c) => a.Value - c;
    /// <summary>Element-wise difference of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator -(float c, Tensor<D1, D2, D3, D4, D5> a) => c - a.Value;
    /// <summary>Element-wise product with a rank-erased tensor, broadcast by NumPy rules; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator *(Tensor<D1, D2, D3, D4, D5> a, Tensor b) => a.Value * b;
    /// <summary>Element-wise product of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator *(Tensor<D1, D2, D3, D4, D5> a, float c) => a.Value * c;
    /// <summary>Element-wise product of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator *(float c, Tensor<D1, D2, D3, D4, D5> a) => c * a.Value;
    /// <summary>Element-wise quotient with a rank-erased tensor, broadcast by NumPy rules; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator /(Tensor<D1, D2, D3, D4, D5> a, Tensor b) => a.Value / b;
    /// <summary>Element-wise quotient of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator /(Tensor<D1, D2, D3, D4, D5> a, float c) => a.Value / c;
    /// <summary>Element-wise quotient of a tensor and a scalar; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator /(float c, Tensor<D1, D2, D3, D4, D5> a) => c / a.Value;
    /// <summary>Element-wise negation; the result is a rank-erased <see cref="Tensor"/>.</summary>
    public static Tensor operator -(Tensor<D1, D2, D3, D4, D5> a) => -a.Value;
}
