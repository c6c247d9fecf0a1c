using ShapeNet;
using static ShapeNet.Ops;

namespace ShapeNet.Networks.Tests.Networks;

[Dim(4)] public partial struct Four;

/// <summary>The book's autograd examples (Dive into Deep Learning, "Automatic Differentiation"), and a loss.</summary>
public static partial class AutogradExamples
{
    /// <summary>y = 2·xᵀx, so dy/dx = 4x.</summary>
    [Differentiable]
    public static Tensor TwiceDot(Tensor<Four> x) => 2 * Dot(x, x);

    /// <summary>y = Σ x, so dy/dx = 1.</summary>
    [Differentiable]
    public static Tensor Total(Tensor<Four> x) => Sum(x);

    /// <summary>y = Σ x², so dy/dx = 2x.</summary>
    [Differentiable]
    public static Tensor SumOfSquares(Tensor<Four> x) => Sum(x * x);

    /// <summary>u = detach(x²) is a constant for the backward pass, so d Σ(u·x)/dx = u.</summary>
    [Differentiable]
    public static Tensor DetachExample(Tensor<Four> x)
    {
        var u = Detach(x * x);
        var z = u * x;
        return Sum(z);
    }

    /// <summary>The mean squared error: d/dx = 2(x − t)/4 and d/dt = −2(x − t)/4.</summary>
    [Differentiable]
    public static Tensor SquaredError(Tensor<Four> x, Tensor<Four> target) => MseLoss(x, target);
}
