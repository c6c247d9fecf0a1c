using ShapeNet;
using static ShapeNet.Ops;

namespace ShapeNet.Samples.Autograd;

/// <summary>Four elements: d2l's <c>x = torch.arange(4.0)</c>.</summary>
[Dim(4)] public partial struct Four;

/// <summary>
/// The examples of d2l 2.5 "Automatic differentiation" as <c>[Differentiable]</c> functions: for each <c>F(x)</c> the
/// generator writes <c>FGrad(x)</c>, which returns the value and d(sum of the output)/dx (PyTorch's
/// <c>y.sum().backward(); x.grad</c>).
/// </summary>
public static partial class AutogradExamples
{
    /// <summary><c>y = 2 * torch.dot(x, x)</c>; the gradient is 4x.</summary>
    [Differentiable]
    public static Tensor TwiceDot(Tensor<Four> x) => 2 * Dot(x, x);

    /// <summary><c>y = x.sum()</c>; the gradient is ones.</summary>
    [Differentiable]
    public static Tensor SumOf(Tensor<Four> x) => Sum(x);

    /// <summary><c>y = x * x; y.sum().backward()</c>; the gradient is 2x.</summary>
    [Differentiable]
    public static Tensor SumOfSquares(Tensor<Four> x) => Sum(x * x);

    /// <summary><c>u = (x * x).detach(); z = u * x; z.sum().backward()</c>; the gradient is u, a constant to the graph.</summary>
    [Differentiable]
    public static Tensor Detached(Tensor<Four> x)
    {
        var u = Detach(x * x);
        var z = u * x;
        return Sum(z);
    }
}
