using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Networks.Tests.Support;

namespace ShapeNet.Networks.Tests;

/// <summary>Eager dropout as PyTorch's <c>F.dropout(x, p, self.training)</c>: in training mode about p of the elements are
/// zeroed and the rest scaled by 1/(1 − p), a new mask per call; after <c>Eval()</c> it is the identity, so the eager forward
/// equals the plan's inference forward.</summary>
public class EagerDropoutTests
{
    [Fact]
    public void Training_mode_drops_about_p_and_scales_the_rest()
    {
        var model = new DropoutNet(seed: 1);
        var x = Tensor.Ones(1000, 16);
        float[] first = model.DropoutOnly(x).Data, second = model.DropoutOnly(x).Data;
        double dropped = first.Count(v => v == 0f) / (double)first.Length;
        Assert.InRange(dropped, 0.23, 0.27);
        Assert.All(first, v => Assert.True(v == 0f || Math.Abs(v - 1f / 0.75f) < 1e-6, $"kept value {v} is not 1/(1 - 0.25)"));
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Eval_mode_is_the_identity_and_matches_the_plan()
    {
        var model = new DropoutNet(seed: 2);
        var x = Tensor<Batch, Sixteen>.FromArray(TestData.Normal(3, 5 * 16), 5);
        model.Eval();
        Assert.Equal(((Tensor)x).Data, model.DropoutOnly(x).Data);
        using DropoutNet.Plan plan = model.CreatePlan(5);
        float[] eager = ((Tensor)model.Forward(x)).Data, planned = ((Tensor)plan.Forward(x)).Data;
        for (int i = 0; i < eager.Length; i++) Assert.True(Math.Abs(eager[i] - planned[i]) <= 1e-5 + 1e-4 * Math.Abs(planned[i]), $"element {i}: eager {eager[i]}, plan {planned[i]}");

        model.Train();
        Assert.NotEqual(eager, ((Tensor)model.Forward(x)).Data);
    }
}
