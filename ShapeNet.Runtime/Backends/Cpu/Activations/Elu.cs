using System.Numerics;

namespace ShapeNet.Backends.Cpu;

/// <summary>PyTorch's <c>elu</c> (scale 1, input scale 1): x if x &gt; 0 else α·(eˣ − 1) (α = a, expm1 for accuracy near 0);
/// f' = 1 if x &gt; 0 else α·eˣ (<c>elu_backward</c> from the input, so α at 0).</summary>
internal struct EluKernel : IActivationKernel
{
    public static Vector<float> Forward(Vector<float> x, Vector<float> alpha, Vector<float> b)
        => Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), x, alpha * VectorMath.Expm1(Vector.Min(x, Vector<float>.Zero)));

    public static Vector<float> Derivative(Vector<float> x, Vector<float> alpha, Vector<float> b)
        => Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), Vector<float>.One, alpha * Vector.Exp(Vector.Min(x, Vector<float>.Zero)));
}
