using ShapeNet.Networks.Tests.Networks;

namespace ShapeNet.Networks.Tests;

/// <summary>Data entering a plan through its typed overloads is checked: a wrong shape and a batch over the capacity
/// fail with a message that names both sides.</summary>
public class TypedBoundaryTests
{
    [Fact]
    public void A_wrong_input_shape_throws_ShapeMismatchException_naming_both_shapes()
    {
        using MnistMlp.Plan plan = new MnistMlp().CreatePlan(8);
        var wrong = new Tensor(new float[4 * 780], 4, 780);
        var e = Assert.Throws<ShapeMismatchException>(() => plan.Forward(wrong));
        Assert.Contains("[Batch, Pixels=784]", e.Message);
        Assert.Contains("[4, 780]", e.Message);
    }

    [Fact]
    public void A_wrong_rank_throws_ShapeMismatchException_naming_both_shapes()
    {
        using BlockNet.Plan plan = new BlockNet().CreatePlan(8);
        var wrong = new Tensor(new float[4 * 12], 4, 3, 4);
        var e = Assert.Throws<ShapeMismatchException>(() => plan.Forward(wrong));
        Assert.Contains("[Batch, Sensors=12]", e.Message);
        Assert.Contains("[4, 3, 4]", e.Message);
    }

    [Fact]
    public void A_batch_over_the_capacity_throws_naming_the_batch_and_the_capacity()
    {
        using MnistMlp.Plan plan = new MnistMlp().CreatePlan(8);
        var x = Tensor<Batch, Pixels>.FromArray(new float[9 * 784], 9);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => plan.Forward(x));
        Assert.Contains("batch size 9", e.Message);
        Assert.Contains("1..8", e.Message);
        Assert.Contains("capacity", e.Message);
    }

    [Fact]
    public void Inputs_of_different_batch_sizes_are_rejected()
    {
        using RegressionLoss.Plan plan = new RegressionLoss().CreatePlan(8);
        var x = Tensor<Batch, Inputs>.FromArray(new float[4 * 6], 4);
        var target = Tensor<Batch, Targets>.FromArray(new float[3 * 3], 3);
        var e = Assert.ThrowsAny<ArgumentException>(() => plan.Forward(x, target));
        Assert.Contains("12", e.Message);
        Assert.Contains("9", e.Message);
    }
}
