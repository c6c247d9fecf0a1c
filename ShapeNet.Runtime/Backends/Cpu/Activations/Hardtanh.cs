using System.Numerics;

namespace ShapeNet.Backends.Cpu;

/// <summary>PyTorch's <c>hardtanh</c>: y = min(max(x, lo), hi) (lo = a, hi = b); f' = 1 strictly inside (lo, hi), 0 elsewhere
/// including at lo and hi (<c>hardtanh_backward</c>).</summary>
internal struct HardtanhKernel : IActivationKernel
{
    public static Vector<float> Forward(Vector<float> x, Vector<float> lo, Vector<float> hi) => Vector.Min(Vector.Max(x, lo), hi);

    public static Vector<float> Derivative(Vector<float> x, Vector<float> lo, Vector<float> hi)
        => Vector.ConditionalSelect(Vector.GreaterThan(x, lo) & Vector.LessThan(x, hi), Vector<float>.One, Vector<float>.Zero);
}
