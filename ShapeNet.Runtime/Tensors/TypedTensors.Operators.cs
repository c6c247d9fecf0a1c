// Arithmetic on typed handles: each forwards to the rank-erased Tensor's operator and gives a rank-erased
// result (a forward body's intermediates are rank-erased; the generator knows their shapes). Mixing two
// different typed handles in one operator is ambiguous in C#: convert one with (Tensor) first.
namespace ShapeNet;

public readonly partial struct Tensor<D1>
    where D1 : IDim
{
    public static Tensor operator +(Tensor<D1> a, Tensor<D1> b) => a.Value + b.Value;
    public static Tensor operator +(Tensor<D1> a, Tensor b) => a.Value + b;
    public static Tensor operator +(Tensor a, Tensor<D1> b) => a + b.Value;
    public static Tensor operator +(Tensor<D1> a, float c) => a.Value + c;
    public static Tensor operator +(float c, Tensor<D1> a) => c + a.Value;
    public static Tensor operator -(Tensor<D1> a, Tensor<D1> b) => a.Value - b.Value;
    public static Tensor operator -(Tensor<D1> a, Tensor b) => a.Value - b;
    public static Tensor operator -(Tensor a, Tensor<D1> b) => a - b.Value;
    public static Tensor operator -(Tensor<D1> a, float c) => a.Value - c;
    public static Tensor operator -(float c, Tensor<D1> a) => c - a.Value;
    public static Tensor operator *(Tensor<D1> a, Tensor<D1> b) => a.Value * b.Value;
    public static Tensor operator *(Tensor<D1> a, Tensor b) => a.Value * b;
    public static Tensor operator *(Tensor a, Tensor<D1> b) => a * b.Value;
    public static Tensor operator *(Tensor<D1> a, float c) => a.Value * c;
    public static Tensor operator *(float c, Tensor<D1> a) => c * a.Value;
    public static Tensor operator /(Tensor<D1> a, Tensor<D1> b) => a.Value / b.Value;
    public static Tensor operator /(Tensor<D1> a, Tensor b) => a.Value / b;
    public static Tensor operator /(Tensor a, Tensor<D1> b) => a / b.Value;
    public static Tensor operator /(Tensor<D1> a, float c) => a.Value / c;
    public static Tensor operator /(float c, Tensor<D1> a) => c / a.Value;
    public static Tensor operator -(Tensor<D1> a) => -a.Value;
}

public readonly partial struct Tensor<D1, D2>
    where D1 : IDim
    where D2 : IDim
{
    public static Tensor operator +(Tensor<D1, D2> a, Tensor<D1, D2> b) => a.Value + b.Value;
    public static Tensor operator +(Tensor<D1, D2> a, Tensor b) => a.Value + b;
    public static Tensor operator +(Tensor a, Tensor<D1, D2> b) => a + b.Value;
    public static Tensor operator +(Tensor<D1, D2> a, float c) => a.Value + c;
    public static Tensor operator +(float c, Tensor<D1, D2> a) => c + a.Value;
    public static Tensor operator -(Tensor<D1, D2> a, Tensor<D1, D2> b) => a.Value - b.Value;
    public static Tensor operator -(Tensor<D1, D2> a, Tensor b) => a.Value - b;
    public static Tensor operator -(Tensor a, Tensor<D1, D2> b) => a - b.Value;
    public static Tensor operator -(Tensor<D1, D2> a, float c) => a.Value - c;
    public static Tensor operator -(float c, Tensor<D1, D2> a) => c - a.Value;
    public static Tensor operator *(Tensor<D1, D2> a, Tensor<D1, D2> b) => a.Value * b.Value;
    public static Tensor operator *(Tensor<D1, D2> a, Tensor b) => a.Value * b;
    public static Tensor operator *(Tensor a, Tensor<D1, D2> b) => a * b.Value;
    public static Tensor operator *(Tensor<D1, D2> a, float c) => a.Value * c;
    public static Tensor operator *(float c, Tensor<D1, D2> a) => c * a.Value;
    public static Tensor operator /(Tensor<D1, D2> a, Tensor<D1, D2> b) => a.Value / b.Value;
    public static Tensor operator /(Tensor<D1, D2> a, Tensor b) => a.Value / b;
    public static Tensor operator /(Tensor a, Tensor<D1, D2> b) => a / b.Value;
    public static Tensor operator /(Tensor<D1, D2> a, float c) => a.Value / c;
    public static Tensor operator /(float c, Tensor<D1, D2> a) => c / a.Value;
    public static Tensor operator -(Tensor<D1, D2> a) => -a.Value;
}

public readonly partial struct Tensor<D1, D2, D3>
    where D1 : IDim
    where D2 : IDim
    where D3 : IDim
{
    public static Tensor operator +(Tensor<D1, D2, D3> a, Tensor<D1, D2, D3> b) => a.Value + b.Value;
    public static Tensor operator +(Tensor<D1, D2, D3> a, Tensor b) => a.Value + b;
    public static Tensor operator +(Tensor a, Tensor<D1, D2, D3> b) => a + b.Value;
    public static Tensor operator +(Tensor<D1, D2, D3> a, float c) => a.Value + c;
    public static Tensor operator +(float c, Tensor<D1, D2, D3> a) => c + a.Value;
    public static Tensor operator -(Tensor<D1, D2, D3> a, Tensor<D1, D2, D3> b) => a.Value - b.Value;
    public static Tensor operator -(Tensor<D1, D2, D3> a, Tensor b) => a.Value - b;
    public static Tensor operator -(Tensor a, Tensor<D1, D2, D3> b) => a - b.Value;
    public static Tensor operator -(Tensor<D1, D2, D3> a, float c) => a.Value - c;
    public static Tensor operator -(float c, Tensor<D1, D2, D3> a) => c - a.Value;
    public static Tensor operator *(Tensor<D1, D2, D3> a, Tensor<D1, D2, D3> b) => a.Value * b.Value;
    public static Tensor operator *(Tensor<D1, D2, D3> a, Tensor b) => a.Value * b;
    public static Tensor operator *(Tensor a, Tensor<D1, D2, D3> b) => a * b.Value;
    public static Tensor operator *(Tensor<D1, D2, D3> a, float c) => a.Value * c;
    public static Tensor operator *(float c, Tensor<D1, D2, D3> a) => c * a.Value;
    public static Tensor operator /(Tensor<D1, D2, D3> a, Tensor<D1, D2, D3> b) => a.Value / b.Value;
    public static Tensor operator /(Tensor<D1, D2, D3> a, Tensor b) => a.Value / b;
    public static Tensor operator /(Tensor a, Tensor<D1, D2, D3> b) => a / b.Value;
    public static Tensor operator /(Tensor<D1, D2, D3> a, float c) => a.Value / c;
    public static Tensor operator /(float c, Tensor<D1, D2, D3> a) => c / a.Value;
    public static Tensor operator -(Tensor<D1, D2, D3> a) => -a.Value;
}

public readonly partial struct Tensor<D1, D2, D3, D4>
    where D1 : IDim
    where D2 : IDim
    where D3 : IDim
    where D4 : IDim
{
    public static Tensor operator +(Tensor<D1, D2, D3, D4> a, Tensor<D1, D2, D3, D4> b) => a.Value + b.Value;
    public static Tensor operator +(Tensor<D1, D2, D3, D4> a, Tensor b) => a.Value + b;
    public static Tensor operator +(Tensor a, Tensor<D1, D2, D3, D4> b) => a + b.Value;
    public static Tensor operator +(Tensor<D1, D2, D3, D4> a, float c) => a.Value + c;
    public static Tensor operator +(float c, Tensor<D1, D2, D3, D4> a) => c + a.Value;
    public static Tensor operator -(Tensor<D1, D2, D3, D4> a, Tensor<D1, D2, D3, D4> b) => a.Value - b.Value;
    public static Tensor operator -(Tensor<D1, D2, D3, D4> a, Tensor b) => a.Value - b;
    public static Tensor operator -(Tensor a, Tensor<D1, D2, D3, D4> b) => a - b.Value;
    public static Tensor operator -(Tensor<D1, D2, D3, D4> a, float c) => a.Value - c;
    public static Tensor operator -(float c, Tensor<D1, D2, D3, D4> a) => c - a.Value;
    public static Tensor operator *(Tensor<D1, D2, D3, D4> a, Tensor<D1, D2, D3, D4> b) => a.Value * b.Value;
    public static Tensor operator *(Tensor<D1, D2, D3, D4> a, Tensor b) => a.Value * b;
    public static Tensor operator *(Tensor a, Tensor<D1, D2, D3, D4> b) => a * b.Value;
    public static Tensor operator *(Tensor<D1, D2, D3, D4> a, float c) => a.Value * c;
    public static Tensor operator *(float c, Tensor<D1, D2, D3, D4> a) => c * a.Value;
    public static Tensor operator /(Tensor<D1, D2, D3, D4> a, Tensor<D1, D2, D3, D4> b) => a.Value / b.Value;
    public static Tensor operator /(Tensor<D1, D2, D3, D4> a, Tensor b) => a.Value / b;
    public static Tensor operator /(Tensor a, Tensor<D1, D2, D3, D4> b) => a / b.Value;
    public static Tensor operator /(Tensor<D1, D2, D3, D4> a, float c) => a.Value / c;
    public static Tensor operator /(float c, Tensor<D1, D2, D3, D4> a) => c / a.Value;
    public static Tensor operator -(Tensor<D1, D2, D3, D4> a) => -a.Value;
}

public readonly partial struct Tensor<D1, D2, D3, D4, D5>
    where D1 : IDim
    where D2 : IDim
    where D3 : IDim
    where D4 : IDim
    where D5 : IDim
{
    public static Tensor operator +(Tensor<D1, D2, D3, D4, D5> a, Tensor<D1, D2, D3, D4, D5> b) => a.Value + b.Value;
    public static Tensor operator +(Tensor<D1, D2, D3, D4, D5> a, Tensor b) => a.Value + b;
    public static Tensor operator +(Tensor a, Tensor<D1, D2, D3, D4, D5> b) => a + b.Value;
    public static Tensor operator +(Tensor<D1, D2, D3, D4, D5> a, float c) => a.Value + c;
    public static Tensor operator +(float c, Tensor<D1, D2, D3, D4, D5> a) => c + a.Value;
    public static Tensor operator -(Tensor<D1, D2, D3, D4, D5> a, Tensor<D1, D2, D3, D4, D5> b) => a.Value - b.Value;
    public static Tensor operator -(Tensor<D1, D2, D3, D4, D5> a, Tensor b) => a.Value - b;
    public static Tensor operator -(Tensor a, Tensor<D1, D2, D3, D4, D5> b) => a - b.Value;
    public static Tensor operator -(Tensor<D1, D2, D3, D4, D5> a, float c) => a.Value - c;
    public static Tensor operator -(float c, Tensor<D1, D2, D3, D4, D5> a) => c - a.Value;
    public static Tensor operator *(Tensor<D1, D2, D3, D4, D5> a, Tensor<D1, D2, D3, D4, D5> b) => a.Value * b.Value;
    public static Tensor operator *(Tensor<D1, D2, D3, D4, D5> a, Tensor b) => a.Value * b;
    public static Tensor operator *(Tensor a, Tensor<D1, D2, D3, D4, D5> b) => a * b.Value;
    public static Tensor operator *(Tensor<D1, D2, D3, D4, D5> a, float c) => a.Value * c;
    public static Tensor operator *(float c, Tensor<D1, D2, D3, D4, D5> a) => c * a.Value;
    public static Tensor operator /(Tensor<D1, D2, D3, D4, D5> a, Tensor<D1, D2, D3, D4, D5> b) => a.Value / b.Value;
    public static Tensor operator /(Tensor<D1, D2, D3, D4, D5> a, Tensor b) => a.Value / b;
    public static Tensor operator /(Tensor a, Tensor<D1, D2, D3, D4, D5> b) => a / b.Value;
    public static Tensor operator /(Tensor<D1, D2, D3, D4, D5> a, float c) => a.Value / c;
    public static Tensor operator /(float c, Tensor<D1, D2, D3, D4, D5> a) => c / a.Value;
    public static Tensor operator -(Tensor<D1, D2, D3, D4, D5> a) => -a.Value;
}
