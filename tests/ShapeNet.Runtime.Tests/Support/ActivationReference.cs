using ShapeNet.Backends;

namespace ShapeNet.Runtime.Tests.Support;

/// <summary>
/// The activations LeakyRelu … Hardtanh in double, written from PyTorch's definitions (not from the kernels): the reference
/// the CPU kernels, the generator's ReferenceBackend and the finite-difference gradient checks use. a and b are the
/// op's constants as the backend takes them (see <see cref="UnaryOp"/>).
/// </summary>
public static class ActivationReference
{
    public static bool Handles(UnaryOp op) => op >= UnaryOp.LeakyRelu;

    public static double Forward(UnaryOp op, double a, double b, double x) => op switch
    {
        UnaryOp.LeakyRelu => x > 0 ? x : a * x,
        UnaryOp.Elu => x > 0 ? x : a * Expm1(x),
        UnaryOp.Gelu => x * 0.5 * (1 + Erf(x / Math.Sqrt(2))),
        UnaryOp.GeluTanh => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))),
        UnaryOp.Silu => x / (1 + Math.Exp(-x)),
        UnaryOp.Softplus => a * x > b ? x : (Math.Max(a * x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(a * x)))) / a,
        UnaryOp.Hardtanh => Math.Min(Math.Max(x, a), b),
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "not an activation of ActivationReference"),
    };

    /// <summary>f'(x) with PyTorch's choices at the kinks: LeakyRelu and Elu take the left slope at 0, Hardtanh 0 at its bounds,
    /// Softplus 1 where β·x &gt; threshold.</summary>
    public static double Derivative(UnaryOp op, double a, double b, double x)
    {
        switch (op)
        {
            case UnaryOp.LeakyRelu: return x > 0 ? 1 : a;
            case UnaryOp.Elu: return x > 0 ? 1 : a * Math.Exp(x);
            case UnaryOp.Gelu: return 0.5 * (1 + Erf(x / Math.Sqrt(2))) + x * Math.Exp(-x * x / 2) / Math.Sqrt(2 * Math.PI);
            case UnaryOp.GeluTanh:
                {
                    double k = Math.Sqrt(2 / Math.PI), t = Math.Tanh(k * (x + 0.044715 * x * x * x));
                    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x);
                }
            case UnaryOp.Silu:
                {
                    double s = 1 / (1 + Math.Exp(-x));
                    return s * (1 + x * (1 - s));
                }
            case UnaryOp.Softplus: return a * x > b ? 1 : 1 / (1 + Math.Exp(-a * x));
            case UnaryOp.Hardtanh: return x > a && x < b ? 1 : 0;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "not an activation of ActivationReference");
        }
    }

    /// <summary>eˣ − 1, by its series near 0 (relative error below 1e-11 everywhere).</summary>
    public static double Expm1(double x) => Math.Abs(x) < 1e-5 ? x + x * x / 2 + x * x * x / 6 : Math.Exp(x) - 1;

    /// <summary>The error function to about 1e-15: its Maclaurin series below 2.5 (terms stay below 500, so little is lost
    /// to cancellation), 1 − erfc(x) from erfc's continued fraction (80 terms, evaluated bottom-up) above.</summary>
    public static double Erf(double x)
    {
        double ax = Math.Abs(x);
        if (ax < 2.5)
        {
            double sum = 0, term = x;
            for (int n = 0; n < 200; n++)
            {
                double t = term / (2 * n + 1);
                sum += t;
                if (Math.Abs(t) < 1e-17 * Math.Abs(sum)) break;
                term *= -x * x / (n + 1);
            }
            return 2 / Math.Sqrt(Math.PI) * sum;
        }
        double k = ax;
        for (int n = 80; n >= 1; n--) k = ax + n / 2.0 / k;
        double r = 1 - Math.Exp(-ax * ax) / (Math.Sqrt(Math.PI) * k);
        return x > 0 ? r : -r;
    }
}
