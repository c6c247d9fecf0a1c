using System.Runtime.CompilerServices;

namespace ShapeNet.Backends.Gpu;

/// <summary>
/// The activations LeakyRelu … Hardtanh on the device (mirror of <c>Cpu/Activations/*.cs</c>): the same formulas in scalar
/// form — the same erf rational approximation, the same expm1 polynomial, the same branch conditions (PyTorch's) — so
/// the parity tests compare like with like. a and b are the op's two constants (<c>UnaryOp</c> says which it reads).
/// Every derivative reads the forward input x.
/// </summary>
internal static class DeviceActivations
{
    private const float InvSqrt2 = 0.70710678118654752f, InvSqrt2Pi = 0.39894228040143268f;
    private const float GeluTanhBeta = 0.79788456080286536f, GeluTanhKappa = 0.044715f;

    public static float Forward(UnaryOp op, float x, float a, float b)
    {
        switch (op)
        {
            case UnaryOp.LeakyRelu: return x > 0f ? x : x * a;
            case UnaryOp.Elu: return x > 0f ? x : a * Expm1(x);
            case UnaryOp.Gelu: return x * GeluCdf(x);
            case UnaryOp.GeluTanh: return 0.5f * x * (1f + Tanh(GeluTanhInner(x)));
            case UnaryOp.Silu: return x * Sigmoid(x);
            case UnaryOp.Softplus:
                {
                    float scaled = x * a;
                    return scaled > b ? x : LogOnePlusExp(scaled) / a;
                }
            default: // Hardtanh
                {
                    float low = x > a ? x : a;
                    return low < b ? low : b;
                }
        }
    }

    public static float Derivative(UnaryOp op, float x, float a, float b)
    {
        switch (op)
        {
            case UnaryOp.LeakyRelu: return x > 0f ? 1f : a;
            case UnaryOp.Elu: return x > 0f ? 1f : a * MathF.Exp(x);
            case UnaryOp.Gelu: return GeluCdf(x) + x * InvSqrt2Pi * MathF.Exp(-0.5f * x * x);
            case UnaryOp.GeluTanh:
                {
                    float t = Tanh(GeluTanhInner(x));
                    return 0.5f * (1f + t) + 0.5f * x * (1f - t * t) * (GeluTanhBeta * (1f + 3f * GeluTanhKappa * x * x));
                }
            case UnaryOp.Silu:
                {
                    float s = Sigmoid(x);
                    return s * (1f + x * (1f - s));
                }
            case UnaryOp.Softplus:
                {
                    float scaled = x * a;
                    return scaled > b ? 1f : Sigmoid(scaled);
                }
            default: // Hardtanh
                return x > a && x < b ? 1f : 0f;
        }
    }

    private static float GeluCdf(float x) => 0.5f * (1f + Erf(x * InvSqrt2));

    private static float GeluTanhInner(float x) => GeluTanhBeta * (x + GeluTanhKappa * x * x * x);

    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    /// <summary>As VectorMath.Expm1: a degree-8 Taylor polynomial below 0.5 in magnitude, eˣ − 1 elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Expm1(float x)
    {
        if (MathF.Abs(x) >= 0.5f) return MathF.Exp(x) - 1f;
        float p = 1f / 40320f;
        p = p * x + 1f / 5040f;
        p = p * x + 1f / 720f;
        p = p * x + 1f / 120f;
        p = p * x + 1f / 24f;
        p = p * x + 1f / 6f;
        p = p * x + 0.5f;
        p = p * x + 1f;
        return p * x;
    }

    /// <summary>As VectorMath.Tanh: from a = |x|, expm1(2a)/(expm1(2a) + 2) below 0.55, 1 − 2/(e^(2a) + 1) above, x's sign.</summary>
    private static float Tanh(float x)
    {
        float a = MathF.Abs(x), magnitude;
        if (a < 0.55f)
        {
            float e = Expm1(2f * a);
            magnitude = e / (e + 2f);
        }
        else
        {
            magnitude = 1f - 2f / (MathF.Exp(2f * a) + 1f);
        }
        return x < 0f ? -magnitude : magnitude;
    }

    /// <summary>As VectorMath.Erf: x·P(x²)/Q(x²) on [−4, 4] (Eigen's and XLA's float erf).</summary>
    private static float Erf(float x)
    {
        x = x > 4f ? 4f : x < -4f ? -4f : x;
        float x2 = x * x;
        float p = -2.72614225801306e-10f;
        p = p * x2 + 2.77068142495902e-08f;
        p = p * x2 + -2.10102402082508e-06f;
        p = p * x2 + -5.69250639462346e-05f;
        p = p * x2 + -7.34990630326855e-04f;
        p = p * x2 + -2.95459980854025e-03f;
        p = p * x2 + -1.60960333262415e-02f;
        float q = -1.45660718464996e-05f;
        q = q * x2 + -2.13374055278905e-04f;
        q = q * x2 + -1.68282697438203e-03f;
        q = q * x2 + -7.37332916720468e-03f;
        q = q * x2 + -1.42647390514189e-02f;
        return x * p / q;
    }

    /// <summary>As VectorMath.LogOnePlusExp: max(x, 0) + log1p(e^−|x|), log1p(z) = log(u)·z/(u − 1), u = 1 + z.</summary>
    private static float LogOnePlusExp(float x)
    {
        float z = MathF.Exp(-MathF.Abs(x));
        float u = 1f + z;
        float log1p = u == 1f ? z : MathF.Log(u) * z / (u - 1f);
        return (x > 0f ? x : 0f) + log1p;
    }
}
