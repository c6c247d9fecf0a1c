using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Networks.Tests;

/// <summary>
/// The book's autograd examples as <c>[Differentiable]</c> functions: the generated <c>…Grad</c> returns the value and the
/// gradient of the sum of the output. For x = [0, 1, 2, 3] every value is a small integer, so the comparison is exact;
/// the golden file (tests/golden/autograd.py, PyTorch) is compared with rtol 1e-6, atol 0.
/// </summary>
public class DifferentiableFunctionTests
{
    private static readonly IReadOnlyDictionary<string, (int[] Shape, float[] Data)> Golden = GoldenFile.Load(GoldenFile.PathOf("autograd.sntensors"));

    private static Tensor<Four> X => Tensor<Four>.FromArray([0f, 1f, 2f, 3f]);

    [Fact]
    public void Twice_dot_has_gradient_4x()
    {
        var (value, dx) = AutogradExamples.TwiceDotGrad(X);
        Assert.Equal(28f, value.Item());
        Assert.Equal([0f, 4f, 8f, 12f], dx.ToArray());
        Assert.Equal(AutogradExamples.TwiceDot(X).Item(), value.Item());
        Numerics.AssertClose(Golden["dot.y"].Data, [value.Item()], 1e-6, 0, "dot.y");
        Numerics.AssertClose(Golden["dot.grad"].Data, dx.Data, 1e-6, 0, "dot.grad", 4);
    }

    [Fact]
    public void Sum_has_gradient_1()
    {
        var (value, dx) = AutogradExamples.TotalGrad(X);
        Assert.Equal(6f, value.Item());
        Assert.Equal([1f, 1f, 1f, 1f], dx.ToArray());
        Numerics.AssertClose(Golden["sum.grad"].Data, dx.Data, 1e-6, 0, "sum.grad", 4);
    }

    [Fact]
    public void Sum_of_squares_has_gradient_2x()
    {
        var (value, dx) = AutogradExamples.SumOfSquaresGrad(X);
        Assert.Equal(14f, value.Item());
        Assert.Equal([0f, 2f, 4f, 6f], dx.ToArray());
        Numerics.AssertClose(Golden["sum_sq.grad"].Data, dx.Data, 1e-6, 0, "sum_sq.grad", 4);
    }

    [Fact]
    public void Detach_makes_u_a_constant_so_the_gradient_is_u()
    {
        var (value, dx) = AutogradExamples.DetachExampleGrad(X);
        float[] u = [0f, 1f, 4f, 9f];
        Assert.Equal(u, dx.ToArray());
        Assert.Equal(0f + 1 + 8 + 27, value.Item());
        Numerics.AssertClose(Golden["detach.u"].Data, u, 1e-6, 0, "detach.u", 4);
        Numerics.AssertClose(Golden["detach.grad"].Data, dx.Data, 1e-6, 0, "detach.grad", 4);
        Assert.Equal(Golden["detach.z"].Data.Sum(), value.Item());
    }

    [Fact]
    public void Squared_error_has_gradient_2_times_the_difference_over_n()
    {
        var target = Tensor<Four>.FromArray([1f, 1f, 1f, 1f]);
        var (value, dx, dTarget) = AutogradExamples.SquaredErrorGrad(X, target);
        Assert.Equal((1f + 0 + 1 + 4) / 4, value.Item());
        Assert.Equal([-0.5f, 0f, 0.5f, 1f], dx.ToArray());
        Assert.Equal([0.5f, 0f, -0.5f, -1f], dTarget.ToArray()); // as PyTorch's mse_loss with a target that requires grad
        Assert.Equal(AutogradExamples.SquaredError(X, target).Item(), value.Item());
    }
}
