using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Networks.Tests.Support;
using ShapeNet.Optim;
using ShapeNet.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace ShapeNet.Networks.Tests;

/// <summary>
/// Multi-output nodes end to end (<see cref="MultiOutputNet"/>: a block returning a tuple built on Chunk, a Split with a
/// discarded part): the plan's forward equals the eager forward (rtol 1e-4, atol 1e-5, as <see cref="GeneratedVsEagerTests"/>),
/// its gradients equal float64 finite differences of the eager forward (<see cref="GradientCheck"/>'s tolerance), and a train
/// step allocates nothing. <see cref="TopKNet"/> returns a tuple (values, indices) from its plan.
/// </summary>
public class MultiOutputTests(ITestOutputHelper output)
{
    private const double Rtol = 1e-4, Atol = 1e-5;

    [Fact]
    public void The_plan_forward_equals_the_eager_forward()
    {
        var model = new MultiOutputNet(seed: 12);
        using MultiOutputNet.Plan plan = model.CreatePlan(16);
        foreach (int batch in new[] { 16, 5 })
        {
            var x = Tensor<Batch, Readings>.FromArray(TestData.Normal(120 + batch, batch * 6), batch);
            Tensor eager = model.Forward(x), generated = plan.Forward(x);
            Assert.Equal(eager.Shape, generated.Shape);
            Numerics.AssertClose(eager.Data, generated.Data, Rtol, Atol, $"MultiOutputNet at batch {batch}", eager.Shape);
        }
    }

    [Fact]
    public void The_block_returns_both_tensors_eagerly()
    {
        var block = new GatedPair(seed: 13);
        var x = Tensor<Batch, Readings>.FromArray(TestData.Normal(130, 4 * 6), 4);
        var (gated, gate) = block.Forward(x);
        Assert.Equal([4, 8], gated.Value.Shape);
        Assert.Equal([4, 8], gate.Value.Shape);
        Assert.All(gate.Value.Data, g => Assert.InRange(g, 0f, 1f));
    }

    [Theory]
    [InlineData(6)]
    [InlineData(3)]
    public void Gradients_equal_finite_differences(int batch)
    {
        var model = new MultiOutputNet(seed: 14);
        using MultiOutputNet.Plan plan = model.CreatePlan(8);
        float[][] inputs = [TestData.Normal(140 + batch, batch * 6)];
        var check = new GradientCheck
        {
            Plan = plan,
            Eager = x => model.Forward(new Tensor(x[0], batch, 6)).Data,
        };
        output.WriteLine($"max |difference| {check.Run(inputs, batch, seed: 141):G3}; {check.Kinks} coordinates with a kink even at step / 8");
    }

    [Fact]
    public void A_plan_returns_the_top_k_values_and_indices_as_the_eager_forward_does()
    {
        var model = new TopKNet(seed: 16);
        using TopKNet.Plan plan = model.CreatePlan(16);
        foreach (int batch in new[] { 16, 5 })
        {
            var x = Tensor<Batch, Readings>.FromArray(TestData.Normal(160 + batch, batch * 6), batch);
            var (values, indices) = model.Forward(x);
            var (planValues, planIndices) = plan.Forward(x);
            Assert.Equal([batch, 3], planValues.Value.Shape);
            Numerics.AssertClose(values.Value.Data, planValues.Value.Data, Rtol, Atol, $"TopKNet values at batch {batch}", values.Value.Shape);
            Assert.Equal(indices.Value.Data, planIndices.Value.Data);
            // Sorted, largest first.
            for (int r = 0; r < batch; r++)
                Assert.True(planValues.Value.Item(r, 0) >= planValues.Value.Item(r, 1) && planValues.Value.Item(r, 1) >= planValues.Value.Item(r, 2));
        }
    }

    [Fact]
    public void Top_k_value_gradients_equal_finite_differences()
    {
        const int batch = 4;
        var model = new TopKNet(seed: 17);
        using TopKNet.Plan plan = model.CreatePlan(8);
        float[][] inputs = [TestData.Normal(170, batch * 6)];
        var check = new GradientCheck
        {
            Plan = plan,
            Eager = x => model.Forward(new Tensor(x[0], batch, 6)).Values.Value.Data,
        };
        output.WriteLine($"max |difference| {check.Run(inputs, batch, seed: 171):G3}; {check.Kinks} coordinates with a kink even at step / 8");
    }
}

/// <summary>A train step of <see cref="MultiOutputNet"/> (Chunk in a tuple-returning block, a Split with a discarded part)
/// allocates nothing once warm, on the calling thread and on the backend's workers.</summary>
[Collection(nameof(AllocationMeasurement))]
public class MultiOutputAllocationTests(ITestOutputHelper output)
{
    [Fact]
    public void Train_steps_allocate_nothing()
    {
        const int batch = 32, steps = 100;
        var model = new MultiOutputNet(seed: 15);
        using MultiOutputNet.Plan plan = model.CreatePlan(batch);
        plan.Configure(Loss.CrossEntropy(), new Sgd(0.05f, momentum: 0.9f));
        float[] x = TestData.Normal(150, batch * 6);
        float[] labels = Enumerable.Range(0, batch).Select(i => (float)(i % 3)).ToArray();
        // Warm up through the probe itself: its first call allocates (1,384 bytes measured when this test runs alone: the probe and
        // the worker counter are loaded and compiled), which is not the train step's doing (stepped one by one, only step 0 allocates).
        AllocationProbe.TrainSteps(plan, x, labels, batch, 3);

        AllocationWindows allocated = AllocationProbe.TrainSteps(plan, x, labels, batch, steps);

        output.WriteLine($"windows of {steps} MultiOutputNet train steps, bytes on the calling thread + on the worker threads: {allocated}");
        allocated.AssertSteady($"MultiOutputNet, {steps} train steps");
    }
}
