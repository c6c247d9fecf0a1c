using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Networks.Tests.Support;
using ShapeNet.Optim;
using ShapeNet.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace ShapeNet.Networks.Tests;

/// <summary>
/// Hand-written loops compiled to loop regions (docs/dsl.md "Loops"): a literal loop over the steps in the generated forward and
/// a reversed one in the backward. Gradients through time against float64 finite differences of the eager forward
/// (<see cref="GradientCheck"/>'s tolerance) for a constant bound, a [Dim] bound and the run-time Seq at several lengths; the
/// plan's forward against the eager one (rtol 1e-4, atol 1e-5); a hand-written RNN cell loop against PyTorch
/// (tests/golden/loop_rnncell.py: output, loss and every gradient within rtol 1e-4, atol 1e-6); no allocation per step.
/// </summary>
public class LoopRegionTests(ITestOutputHelper output)
{
    private const int Batch = 2;

    private static Tensor<RnnSteps, Batch, RnnFeatures> Steps(int seed, int batch) =>
        new(new Tensor(TestData.Uniform(seed, 4 * batch * 3), 4, batch, 3));

    private static Tensor<Batch, RnnHidden> State(int seed, int batch) =>
        new(new Tensor(TestData.Uniform(seed, batch * 4, -0.5, 0.5), batch, 4));

    private GradientCheck Check(NetworkPlan plan, Func<float[][], float[]> eager, int? sequence = null) =>
        new() { Plan = plan, Eager = eager, Samples = 6, Sequence = sequence };

    [Fact]
    public void A_constant_bound_body_with_a_cell_Linear_activations_a_running_sum_and_Concat_passes_gradient_checks()
    {
        var model = new LoopRegionNet(seed: 3);
        using LoopRegionNet.Plan plan = model.CreatePlan(3);
        float[][] inputs = [TestData.Uniform(1, 4 * Batch * 3), TestData.Uniform(2, Batch * 4, -0.5, 0.5)];
        GradientCheck check = Check(plan, x => model.Forward(new Tensor(x[0], 4, Batch, 3), new Tensor(x[1], Batch, 4)).Data);
        output.WriteLine($"max |difference| {check.Run(inputs, Batch, seed: 31):G3}");
        Assert.Equal(2 + 4 * 2 + 4, (int)(plan.OutputLength / Batch));
    }

    [Fact]
    public void A_dimension_bound_from_step_one_passes_gradient_checks_and_leaves_step_zero_without_gradient()
    {
        var model = new LinearLoopNet(seed: 4);
        using LinearLoopNet.Plan plan = model.CreatePlan(2);
        float[][] inputs = [TestData.Uniform(3, 4 * Batch * 3), TestData.Uniform(4, Batch * 4, -0.5, 0.5)];
        GradientCheck check = Check(plan, x => model.Forward(new Tensor(x[0], 4, Batch, 3), new Tensor(x[1], Batch, 4)).Data);
        output.WriteLine($"max |difference| {check.Run(inputs, Batch, seed: 41):G3}; {check.Kinks} kinks");
        // t runs 1 and 2 (RnnLoopSteps = 3): x[0] and x[3] get no gradient.
        float[] dx = plan.InputGradient(0);
        Assert.All(dx[..(Batch * 3)], g => Assert.Equal(0f, g));
        Assert.All(dx[(3 * Batch * 3)..], g => Assert.Equal(0f, g));
        Assert.Contains(dx[(Batch * 3)..(3 * Batch * 3)], g => g != 0f);
    }

    [Fact]
    public void An_lstm_cell_with_h_and_c_carried_beside_a_running_sum_passes_gradient_checks()
    {
        var model = new LstmLoopRegionNet(seed: 5);
        using LstmLoopRegionNet.Plan plan = model.CreatePlan(2);
        float[][] inputs = [TestData.Uniform(5, 4 * Batch * 3), TestData.Uniform(6, Batch * 4, -0.5, 0.5), TestData.Uniform(7, Batch * 4, -0.5, 0.5)];
        GradientCheck check = Check(plan, x => model.Forward(new Tensor(x[0], 4, Batch, 3), new Tensor(x[1], Batch, 4), new Tensor(x[2], Batch, 4)).Data);
        output.WriteLine($"max |difference| {check.Run(inputs, Batch, seed: 51):G3}");
    }

    [Fact]
    public void A_loop_to_the_run_time_length_passes_gradient_checks_and_equals_eager_at_several_lengths()
    {
        var model = new SeqLoopRegionNet(seed: 6);
        using SeqLoopRegionNet.Plan plan = model.CreatePlan(batchCapacity: 3, sequenceCapacity: 6);
        foreach (int steps in new[] { 6, 1, 3 })
        {
            var x = new Tensor<Seq, Batch, RnnFeatures>(new Tensor(TestData.Uniform(60 + steps, steps * Batch * 3), steps, Batch, 3));
            Tensor<Batch, RnnHidden> h0 = State(70 + steps, Batch);
            Numerics.AssertClose(model.Forward(x, h0).Value.Data, plan.Forward(x, h0).Value.Data, 1e-4, 1e-5, $"SeqLoopRegionNet at length {steps}", Batch, 2);

            float[][] inputs = [TestData.Uniform(80 + steps, steps * Batch * 3), TestData.Uniform(90 + steps, Batch * 4, -0.5, 0.5)];
            GradientCheck check = Check(plan, i => model.Forward(new Tensor(i[0], steps, Batch, 3), new Tensor(i[1], Batch, 4)).Data, sequence: steps);
            output.WriteLine($"length {steps}: max |difference| {check.Run(inputs, Batch, seed: 100 + steps):G3}");
        }
    }

    [Fact]
    public void Generated_forward_equals_eager_at_two_batch_sizes()
    {
        var region = new LoopRegionNet(seed: 7);
        var linear = new LinearLoopNet(seed: 8);
        var lstm = new LstmLoopRegionNet(seed: 9);
        using LoopRegionNet.Plan regionPlan = region.CreatePlan(3);
        using LinearLoopNet.Plan linearPlan = linear.CreatePlan(3);
        using LstmLoopRegionNet.Plan lstmPlan = lstm.CreatePlan(3);
        foreach (int batch in new[] { 3, 1 })
        {
            var x = Steps(10 + batch, batch);
            var h0 = State(20 + batch, batch);
            var c0 = State(30 + batch, batch);
            Numerics.AssertClose(region.Forward(x, h0).Data, regionPlan.Forward(x, h0).Data, 1e-4, 1e-5, $"LoopRegionNet at batch {batch}", batch, 14);
            Numerics.AssertClose(linear.Forward(x, h0).Data, linearPlan.Forward(x, h0).Data, 1e-4, 1e-5, $"LinearLoopNet at batch {batch}", batch, 2);
            Numerics.AssertClose(lstm.Forward(x, h0, c0).Data, lstmPlan.Forward(x, h0, c0).Data, 1e-4, 1e-5, $"LstmLoopRegionNet at batch {batch}", batch, 4);
        }
    }

    [Fact]
    public void The_body_is_one_set_of_nodes_not_one_per_step()
    {
        // The summary lists each body node once (the loop's nodes are not unrolled), with FLOPs for every step.
        Assert.Single(LoopRegionNet.Summary.Split('\n'), l => l.StartsWith("mix ", StringComparison.Ordinal));
        Assert.Single(LoopRegionNet.Summary.Split('\n'), l => l.StartsWith("cell ", StringComparison.Ordinal));
        Assert.Equal(2, LoopRegionNet.Summary.Split('\n').Count(l => l.StartsWith("head ", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_training_step_through_a_loop_allocates_nothing()
    {
        var model = new LoopRegionNet(seed: 11);
        using LoopRegionNet.Plan plan = model.CreatePlan(2);
        plan.SetBatch(Batch);
        plan.UploadInput(0, TestData.Uniform(12, 4 * Batch * 3));
        plan.UploadInput(1, TestData.Uniform(13, Batch * 4));
        float[] upstream = TestData.Uniform(14, (int)plan.OutputLength);
        for (int i = 0; i < 3; i++)
        {
            plan.Forward(training: true);
            plan.Backward(upstream);
        }
        AllocationWindows allocated = AllocationWindows.Measure(() =>
        {
            for (int i = 0; i < 10; i++)
            {
                plan.Forward(training: true);
                plan.Backward(upstream);
            }
        }, workers: false);
        output.WriteLine($"windows of 10 forward + backward passes, bytes on the calling thread (+ 0, not measured: parallel tests share the workers): {allocated}");
        allocated.AssertSteady("10 forward + backward passes");
    }

    [Fact]
    public void A_hand_written_rnn_cell_loop_matches_PyTorch()
    {
        IReadOnlyDictionary<string, (int[] Shape, float[] Data)> golden = GoldenFile.Load(GoldenFile.PathOf("loop_rnncell.sntensors"));
        float[] G(string name) => golden[name].Data;
        var model = new GoldenRnnCellLoopNet(seed: 1);
        foreach (Parameter p in model.Parameters)
        {
            Assert.True(golden.TryGetValue(p.Name, out var tensor), $"PyTorch has no parameter named {p.Name}");
            Assert.Equal(tensor.Shape, p.Shape);
            tensor.Data.CopyTo(p.Value.Data, 0);
        }
        const int batch = 2;
        using GoldenRnnCellLoopNet.Plan plan = model.CreatePlan(batchCapacity: 3);
        plan.Configure(Loss.Mse(), new Sgd(0f));
        plan.ComputeInputGradients = true;
        var x = new Tensor<GoldenLoopSteps, Batch, RnnFeatures>(new Tensor(G("x"), 5, batch, 3));
        var h0 = new Tensor<Batch, RnnHidden>(new Tensor(G("h0"), batch, 4));
        plan.TrainStep(x, h0, new Tensor(G("target"), batch, 15));

        Numerics.AssertClose(G("output"), plan.OutputToArray(), 1e-4, 1e-6, "output", batch, 15);
        Numerics.AssertClose(G("loss"), [plan.Loss], 1e-4, 1e-6, "loss");
        double worst = 0;
        foreach (Parameter p in model.Parameters)
        {
            float[] expected = G("grad." + p.Name);
            Numerics.AssertClose(expected, p.Grad.Data, 1e-4, 1e-6, "grad." + p.Name, p.Shape);
            worst = Math.Max(worst, expected.Zip(p.Grad.Data, (e, a) => Math.Abs((double)e - a)).Max());
        }
        Numerics.AssertClose(G("grad.x"), plan.InputGradient(0), 1e-4, 1e-6, "grad.x", 5, batch, 3);
        Numerics.AssertClose(G("grad.h0"), plan.InputGradient(1), 1e-4, 1e-6, "grad.h0", batch, 4);
        output.WriteLine($"loss {plan.Loss} vs PyTorch {G("loss")[0]}; largest parameter gradient difference {worst:G3}");
        // And the eager body gives PyTorch's output too.
        Numerics.AssertClose(G("output"), model.Forward(x, h0).Data, 1e-4, 1e-6, "eager output", batch, 15);
    }
}
