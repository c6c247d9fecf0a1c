using System.Numerics;

namespace ShapeNet.Backends.Cpu;

/// <summary>PyTorch's <c>softplus</c>: y = x where β·x &gt; threshold (the linear regime, exactly as PyTorch switches),
/// else log(1 + e^(β·x))/β (β = a, threshold = b); f' = 1 there, else σ(β·x) = e^(βx)/(e^(βx) + 1) (<c>softplus_backward</c>).</summary>
internal struct SoftplusKernel : IActivationKernel
{
    public static Vector<float> Forward(Vector<float> x, Vector<float> beta, Vector<float> threshold)
    {
        Vector<float> scaled = x * beta;
        return Vector.ConditionalSelect(Vector.GreaterThan(scaled, threshold), x, VectorMath.LogOnePlusExp(scaled) / beta);
    }

    public static Vector<float> Derivative(Vector<float> x, Vector<float> beta, Vector<float> threshold)
    {
        Vector<float> scaled = x * beta;
        return Vector.ConditionalSelect(Vector.GreaterThan(scaled, threshold), Vector<float>.One, VectorMath.Sigmoid(scaled));
    }
}
