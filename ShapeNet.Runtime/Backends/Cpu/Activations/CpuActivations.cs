using System.Numerics;
using System.Runtime.CompilerServices;

namespace ShapeNet.Backends.Cpu;

/// <summary>
/// An element-wise activation as one vector function pair: y = f(x) and f'(x), with the op's two constants
/// (<c>UnaryOp</c> says which are used). Every derivative reads the forward input x, as PyTorch's backward formulas do.
/// Written once over <see cref="Vector{T}"/>: the tail of a span goes through the same code (<see cref="CpuActivations"/>),
/// so an element's value does not depend on where it sits.
/// </summary>
internal interface IActivationKernel
{
    static abstract Vector<float> Forward(Vector<float> x, Vector<float> a, Vector<float> b);

    static abstract Vector<float> Derivative(Vector<float> x, Vector<float> a, Vector<float> b);
}

/// <summary>The loops over an <see cref="IActivationKernel"/> (one kernel file per activation: LeakyRelu.cs, Gelu.cs, …).</summary>
[SkipLocalsInit]
internal static unsafe class CpuActivations
{
    /// <summary>x (n) -> y (n): y = f(x). y may be x (in place).</summary>
    public static void Forward<T>(Span<float> y, ReadOnlySpan<float> x, float a, float b) where T : struct, IActivationKernel
    {
        int n = x.Length, width = Vector<float>.Count, i = 0;
        var va = new Vector<float>(a);
        var vb = new Vector<float>(b);
        fixed (float* py = y, px = x)
        {
            for (; i <= n - width; i += width) Vector.Store(T.Forward(Vector.Load(px + i), va, vb), py + i);
            if (i < n) StoreTail(T.Forward(LoadTail(px + i, n - i), va, vb), py + i, n - i);
        }
    }

    /// <summary>dy (n), x (n) -> dx (n): dx (+)= dy·f'(x).</summary>
    public static void Backward<T>(float* dx, float* dy, float* x, int n, float a, float b, bool accumulate) where T : struct, IActivationKernel
    {
        int width = Vector<float>.Count, i = 0;
        var va = new Vector<float>(a);
        var vb = new Vector<float>(b);
        for (; i <= n - width; i += width)
        {
            Vector<float> g = Vector.Load(dy + i) * T.Derivative(Vector.Load(x + i), va, vb);
            Vector.Store(accumulate ? Vector.Load(dx + i) + g : g, dx + i);
        }
        if (i < n)
        {
            int rest = n - i;
            Vector<float> g = LoadTail(dy + i, rest) * T.Derivative(LoadTail(x + i, rest), va, vb);
            StoreTail(accumulate ? LoadTail(dx + i, rest) + g : g, dx + i, rest);
        }
    }

    /// <summary>The last <paramref name="count"/> (&lt; width) values, zeros in the other lanes.</summary>
    private static Vector<float> LoadTail(float* source, int count)
    {
        float* lanes = stackalloc float[Vector<float>.Count];
        new Span<float>(lanes, Vector<float>.Count).Clear();
        new ReadOnlySpan<float>(source, count).CopyTo(new Span<float>(lanes, count));
        return Vector.Load(lanes);
    }

    private static void StoreTail(Vector<float> value, float* destination, int count)
    {
        float* lanes = stackalloc float[Vector<float>.Count];
        Vector.Store(value, lanes);
        new ReadOnlySpan<float>(lanes, count).CopyTo(new Span<float>(destination, count));
    }
}

/// <summary>Vector functions the activations share, accurate to a few float ulps over the whole float range.</summary>
internal static class VectorMath
{
    private static readonly Vector<float> Half = new(0.5f);

    /// <summary>eˣ − 1 without cancellation near 0: a degree-8 Taylor polynomial for |x| &lt; 0.5 (truncation below
    /// 1.4e-8 relative), eˣ − 1 elsewhere (where the result is at least 0.39 in magnitude).</summary>
    public static Vector<float> Expm1(Vector<float> x)
    {
        Vector<float> p = new Vector<float>(1f / 40320f);
        p = p * x + new Vector<float>(1f / 5040f);
        p = p * x + new Vector<float>(1f / 720f);
        p = p * x + new Vector<float>(1f / 120f);
        p = p * x + new Vector<float>(1f / 24f);
        p = p * x + new Vector<float>(1f / 6f);
        p = p * x + Half;
        p = p * x + Vector<float>.One;
        Vector<float> small = p * x;
        return Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(x), Half), small, Vector.Exp(x) - Vector<float>.One);
    }

    /// <summary>tanh x from a = |x|: expm1(2a)/(expm1(2a) + 2) below a = 0.55 (accurate near 0), 1 − 2/(e^(2a) + 1)
    /// above (exactly 1 where tanh rounds to 1, never ∞/∞), with x's sign.</summary>
    public static Vector<float> Tanh(Vector<float> x)
    {
        Vector<float> a = Vector.Abs(x), two = new(2f), bound = new(0.55f);
        Vector<float> e = Expm1(Vector.Min(a, bound) * two);
        Vector<float> small = e / (e + two);
        Vector<float> large = Vector<float>.One - two / (Vector.Exp(a * two) + Vector<float>.One);
        Vector<float> magnitude = Vector.ConditionalSelect(Vector.LessThan(a, bound), small, large);
        return Vector.ConditionalSelect(Vector.LessThan(x, Vector<float>.Zero), -magnitude, magnitude);
    }

    /// <summary>1 / (1 + e^−x); 0 (not NaN) where e^−x overflows.</summary>
    public static Vector<float> Sigmoid(Vector<float> x) => Vector<float>.One / (Vector<float>.One + Vector.Exp(-x));

    /// <summary>
    /// The error function: x·P(x²)/Q(x²) on [−4, 4] (x clamped there; |erf| rounds to 1 in float beyond), the rational
    /// approximation of Eigen's and XLA's float erf. Its maximum error against the exact erf is 6.5e-8 relative
    /// (checked in double over [−6, 6] in steps of 1e-4), about one float ulp; odd in x, so exact at 0 and accurate near it.
    /// </summary>
    public static Vector<float> Erf(Vector<float> x)
    {
        Vector<float> four = new(4f);
        x = Vector.Min(Vector.Max(x, -four), four);
        Vector<float> x2 = x * x;
        Vector<float> p = new Vector<float>(-2.72614225801306e-10f);
        p = p * x2 + new Vector<float>(2.77068142495902e-08f);
        p = p * x2 + new Vector<float>(-2.10102402082508e-06f);
        p = p * x2 + new Vector<float>(-5.69250639462346e-05f);
        p = p * x2 + new Vector<float>(-7.34990630326855e-04f);
        p = p * x2 + new Vector<float>(-2.95459980854025e-03f);
        p = p * x2 + new Vector<float>(-1.60960333262415e-02f);
        Vector<float> q = new Vector<float>(-1.45660718464996e-05f);
        q = q * x2 + new Vector<float>(-2.13374055278905e-04f);
        q = q * x2 + new Vector<float>(-1.68282697438203e-03f);
        q = q * x2 + new Vector<float>(-7.37332916720468e-03f);
        q = q * x2 + new Vector<float>(-1.42647390514189e-02f);
        return x * p / q;
    }

    /// <summary>log(1 + eˣ) = max(x, 0) + log(1 + e^−|x|): no overflow for large x, and log(1 + z) for z = e^−|x| ≤ 1
    /// computed as log(u)·z/(u − 1), u = 1 + z (exact where u rounds to 1), which keeps log1p's accuracy for small z.</summary>
    public static Vector<float> LogOnePlusExp(Vector<float> x)
    {
        Vector<float> z = Vector.Exp(-Vector.Abs(x));
        Vector<float> u = Vector<float>.One + z;
        Vector<float> log1p = Vector.ConditionalSelect(Vector.Equals(u, Vector<float>.One), z, Vector.Log(u) * z / (u - Vector<float>.One));
        return Vector.Max(x, Vector<float>.Zero) + log1p;
    }
}
