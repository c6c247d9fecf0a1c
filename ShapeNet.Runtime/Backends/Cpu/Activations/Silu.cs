using System.Numerics;

namespace ShapeNet.Backends.Cpu;

/// <summary>PyTorch's <c>silu</c> (swish): y = x·σ(x); f' = σ(x)·(1 + x·(1 − σ(x))) (<c>silu_backward</c>).</summary>
internal struct SiluKernel : IActivationKernel
{
    public static Vector<float> Forward(Vector<float> x, Vector<float> a, Vector<float> b) => x * VectorMath.Sigmoid(x);

    public static Vector<float> Derivative(Vector<float> x, Vector<float> a, Vector<float> b)
    {
        Vector<float> s = VectorMath.Sigmoid(x);
        return s * (Vector<float>.One + x * (Vector<float>.One - s));
    }
}
