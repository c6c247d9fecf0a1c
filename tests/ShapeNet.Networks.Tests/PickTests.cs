using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Networks.Tests.Support;
using ShapeNet.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace ShapeNet.Networks.Tests;

/// <summary>
/// Pick in a compiled network: the plan's forward equals the eager one and the one-hot formulation it replaces
/// (Σ over a row of x·one_hot(label) is x[i, label] exactly), its backward matches float64 finite differences
/// (<see cref="GradientCheck"/>; the labels are data and get no gradient), and a bad label stops the plan with a message
/// naming the value, the row and the limit.
/// </summary>
public class PickTests(ITestOutputHelper output)
{
    private const int Batch = 6;

    private static float[] Labels => [4f, 0f, 2f, 2f, 1f, 3f];

    [Fact]
    public void Plan_forward_equals_the_eager_forward_and_the_one_hot_sum()
    {
        var model = new PickNet(seed: 21);
        using PickNet.Plan plan = model.CreatePlan(8);
        float[] x = TestData.Normal(210, Batch * 8);
        Tensor eager = model.Forward(new Tensor(x, Batch, 8), new Tensor(Labels, Batch));
        plan.SetBatch(Batch);
        plan.UploadInput(0, x);
        plan.UploadInput(1, Labels);
        plan.Forward(training: false);
        float[] compiled = plan.OutputToArray();
        Numerics.AssertClose(eager.Data, compiled, 1e-5, 1e-6, "PickNet output", Batch);

        Tensor scores = Ops.LogSoftmax(new Tensor(TestData.Normal(211, Batch * 5), Batch, 5), 1);
        Tensor picked = Ops.Pick(scores, new Tensor(Labels, Batch));
        Tensor masked = Ops.Sum(scores * new Tensor(Labels, Batch).OneHot(5), 1);
        Assert.Equal(masked.ToArray(), picked.ToArray());
    }

    [Fact]
    public void Gradient_matches_finite_differences()
    {
        var model = new PickNet(seed: 22);
        using PickNet.Plan plan = model.CreatePlan(8);
        float[][] inputs = [TestData.Normal(220, Batch * 8), Labels];
        var check = new GradientCheck
        {
            Plan = plan,
            Eager = x => model.Forward(new Tensor(x[0], Batch, 8), new Tensor(x[1], Batch)).Data,
            DifferentiableInputs = [true, false],
        };
        output.WriteLine($"max |difference| {check.Run(inputs, Batch, seed: 221):G3}");
    }

    [Theory]
    [InlineData(5f, "the index in row 3 is 5, but it must be an integer in [0, 5)")]
    [InlineData(-1f, "the index in row 3 is -1, but it must be an integer in [0, 5)")]
    [InlineData(2.5f, "the index in row 3 is 2.5, but it must be an integer in [0, 5)")]
    public void A_label_outside_the_classes_stops_the_plan_naming_value_row_and_limit(float label, string message)
    {
        var model = new PickNet(seed: 23);
        using PickNet.Plan plan = model.CreatePlan(8);
        float[] labels = Labels;
        labels[3] = label;
        plan.SetBatch(Batch);
        plan.UploadInput(0, TestData.Normal(230, Batch * 8));
        plan.UploadInput(1, labels);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => plan.Forward(training: false));
        Assert.Contains(message, e.Message);
        Assert.Contains(message, Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(new Tensor(TestData.Normal(230, Batch * 8), Batch, 8), new Tensor(labels, Batch))).Message);
    }
}
