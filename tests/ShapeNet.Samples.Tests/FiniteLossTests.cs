using ShapeNet.Optim;
using ShapeNet.Samples.Common;
using ShapeNet.Samples.LinearRegression;

namespace ShapeNet.Samples.Tests;

/// <summary>Issue 8: a sample whose loss became NaN or infinite kept training silently; now it stops and names the step.</summary>
public class FiniteLossTests
{
    [Fact]
    public void A_diverging_sample_stops_at_the_first_step_whose_loss_is_not_finite()
    {
        var e = Assert.Throws<NonFiniteLossException>(() => LinearRegressionSample.Train(new Sgd(1e4f), epochs: 100, seed: 0));
        Assert.InRange(e.Step, 2, 100);
        Assert.StartsWith($"Training stopped at step {e.Step:N0}: the loss is ", e.Message);
        Assert.EndsWith("Lower the learning rate or normalise the inputs; set plan.CheckFinite = true to name the op that first produced a non-finite value.", e.Message);
    }

    [Fact]
    public void A_converging_sample_is_not_stopped()
    {
        (_, double[] losses) = LinearRegressionSample.Train(new Sgd(0.01f), epochs: 20, seed: 0);
        Assert.All(losses, l => Assert.True(double.IsFinite(l)));
    }
}
