using System.Numerics;

namespace ShapeNet.Backends.Cpu;

/// <summary>PyTorch's <c>leaky_relu</c>: x if x &gt; 0 else slope·x (slope = a); f' = 1 if x &gt; 0 else slope (so slope at 0).</summary>
internal struct LeakyReluKernel : IActivationKernel
{
    public static Vector<float> Forward(Vector<float> x, Vector<float> slope, Vector<float> b)
        => Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), x, x * slope);

    public static Vector<float> Derivative(Vector<float> x, Vector<float> slope, Vector<float> b)
        => Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), Vector<float>.One, slope);
}
