using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Networks.Tests.Support;
using Xunit.Abstractions;

namespace ShapeNet.Networks.Tests;

/// <summary>
/// Whole-network gradients: each plan's backward (float32, from a random output gradient, <c>ComputeInputGradients = true</c>)
/// against float64 central finite differences of the eager forward, at sampled coordinates of every parameter and every
/// input. Tolerance: |analytic − FD| ≤ 1e-3 + 1e-2·|FD| (see <see cref="GradientCheck"/> for the step and why).
/// </summary>
public class GradientTests(ITestOutputHelper output)
{
    [Fact]
    public void MnistMlp()
    {
        const int batch = 3;
        var model = new MnistMlp(seed: 6);
        using MnistMlp.Plan plan = model.CreatePlan(8);
        float[][] inputs = [TestData.Normal(60, batch * 784)];
        var check = new GradientCheck
        {
            Plan = plan,
            Eager = x => model.Forward(new Tensor(x[0], batch, 784)).Data,
            Samples = 4,
        };
        output.WriteLine($"max |difference| {check.Run(inputs, batch, seed: 61):G3}; {check.Kinks} coordinates with a kink even at step / 8");
    }

    [Theory]
    [InlineData(7)]
    [InlineData(4)]
    public void AllOpsNet(int batch)
    {
        var model = new AllOpsNet(seed: 7);
        using AllOpsNet.Plan plan = model.CreatePlan(8);
        float[][] inputs = [TestData.Normal(70 + batch, batch * 8)];
        var check = new GradientCheck
        {
            Plan = plan,
            Eager = x => model.Forward(new Tensor(x[0], batch, 8)).Data,
            // The input is scaled by Detach(Mean(Abs(x))): by design the gradient ignores the scale's dependence on x,
            // which finite differences of the forward cannot ignore. The parameters do not reach the scale, so their
            // gradients are the true derivatives. (DifferentiableFunctionTests checks Detach's input gradient exactly.)
            DifferentiableInputs = [false],
        };
        output.WriteLine($"max |difference| {check.Run(inputs, batch, seed: 71):G3}; {check.Kinks} coordinates with a kink even at step / 8");
    }

    [Fact]
    public void BlockNet()
    {
        const int batch = 5;
        var model = new BlockNet(seed: 8);
        using BlockNet.Plan plan = model.CreatePlan(8);
        float[][] inputs = [TestData.Normal(80, batch * 12)];
        var check = new GradientCheck
        {
            Plan = plan,
            Eager = x => model.Forward(new Tensor(x[0], batch, 12)).Data,
        };
        output.WriteLine($"max |difference| {check.Run(inputs, batch, seed: 81):G3}; {check.Kinks} coordinates with a kink even at step / 8");
    }

    [Fact]
    public void RegressionLoss()
    {
        const int batch = 6;
        var model = new RegressionLoss(seed: 9);
        using RegressionLoss.Plan plan = model.CreatePlan(8);
        float[][] inputs = [TestData.Normal(90, batch * 6), TestData.Normal(91, batch * 3)];
        var check = new GradientCheck
        {
            Plan = plan,
            Eager = x => model.Forward(new Tensor(x[0], batch, 6), new Tensor(x[1], batch, 3)).Data,
        };
        output.WriteLine($"max |difference| {check.Run(inputs, batch, seed: 92):G3}; {check.Kinks} coordinates with a kink even at step / 8");
    }

    /// <summary>BatchNorm2d in training mode: the plan's backward goes through the batch statistics, and the eager forward
    /// (Training, the default) normalises each perturbed batch with its own statistics, so finite differences see the same
    /// function. (The eager passes also update the running statistics, which the training output does not read.) The
    /// gradient of conv1.bias is zero up to rounding: a per-channel constant before BatchNorm is removed by the mean.</summary>
    [Fact]
    public void BatchNormCnn()
    {
        const int batch = 5;
        var model = new BatchNormCnn(seed: 17);
        using BatchNormCnn.Plan plan = model.CreatePlan(8);
        float[][] inputs = [TestData.Normal(170, batch * 3 * 8 * 8)];
        var check = new GradientCheck
        {
            Plan = plan,
            Eager = x => model.Forward(new Tensor(x[0], batch, 3, 8, 8)).Data,
        };
        output.WriteLine($"max |difference| {check.Run(inputs, batch, seed: 171):G3}; {check.Kinks} coordinates with a kink even at step / 8");
    }

    [Fact]
    public void NestedBatchNorm()
    {
        const int batch = 3;
        var model = new NestedBatchNorm(seed: 18);
        using NestedBatchNorm.Plan plan = model.CreatePlan(8);
        float[][] inputs = [TestData.Normal(180, batch * 3 * 8 * 8)];
        var check = new GradientCheck
        {
            Plan = plan,
            Eager = x => model.Forward(new Tensor(x[0], batch, 3, 8, 8)).Data,
        };
        output.WriteLine($"max |difference| {check.Run(inputs, batch, seed: 181):G3}; {check.Kinks} coordinates with a kink even at step / 8");
    }

    [Fact]
    public void Nested_blocks_name_parameters_by_their_path()
    {
        string[] names = new BlockNet().Parameters.Select(p => p.Name).ToArray();
        Assert.Equal(
        [
            "stem.fc.weight", "stem.fc.bias", "stem.proj.weight",
            "block1.fc.weight", "block1.fc.bias",
            "squeeze.weight", "squeeze.bias",
            "block2.fc.weight", "block2.fc.bias",
            "head.weight", "head.bias",
        ], names);
        Assert.Equal([4, 4], new BlockNet().Parameters[3].Shape);
    }
}
