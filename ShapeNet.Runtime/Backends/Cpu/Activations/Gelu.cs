using System.Numerics;

namespace ShapeNet.Backends.Cpu;

/// <summary>PyTorch's <c>gelu</c> (<c>approximate='none'</c>): y = x·Φ(x), Φ(x) = (1 + erf(x/√2))/2;
/// f' = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π) (<c>GeluBackward</c>).</summary>
internal struct GeluKernel : IActivationKernel
{
    private const float InvSqrt2 = 0.70710678118654752f, InvSqrt2Pi = 0.39894228040143268f;

    public static Vector<float> Forward(Vector<float> x, Vector<float> a, Vector<float> b) => x * Cdf(x);

    public static Vector<float> Derivative(Vector<float> x, Vector<float> a, Vector<float> b)
        => Cdf(x) + x * new Vector<float>(InvSqrt2Pi) * Vector.Exp(new Vector<float>(-0.5f) * x * x);

    private static Vector<float> Cdf(Vector<float> x)
        => new Vector<float>(0.5f) * (Vector<float>.One + VectorMath.Erf(x * new Vector<float>(InvSqrt2)));
}

/// <summary>PyTorch's <c>gelu</c> with <c>approximate='tanh'</c>: y = x·(1 + tanh u)/2, u = √(2/π)·(x + 0.044715·x³);
/// f' = (1 + tanh u)/2 + x/2·(1 − tanh² u)·√(2/π)·(1 + 3·0.044715·x²), as PyTorch's backward writes it.</summary>
internal struct GeluTanhKernel : IActivationKernel
{
    private const float Beta = 0.79788456080286536f, Kappa = 0.044715f;

    public static Vector<float> Forward(Vector<float> x, Vector<float> a, Vector<float> b)
        => new Vector<float>(0.5f) * x * (Vector<float>.One + VectorMath.Tanh(Inner(x)));

    public static Vector<float> Derivative(Vector<float> x, Vector<float> a, Vector<float> b)
    {
        Vector<float> half = new(0.5f);
        Vector<float> t = VectorMath.Tanh(Inner(x));
        Vector<float> innerDerivative = new Vector<float>(Beta) * (Vector<float>.One + new Vector<float>(3f * Kappa) * x * x);
        return half * (Vector<float>.One + t) + half * x * (Vector<float>.One - t * t) * innerDerivative;
    }

    private static Vector<float> Inner(Vector<float> x) => new Vector<float>(Beta) * (x + new Vector<float>(Kappa) * x * x * x);
}
