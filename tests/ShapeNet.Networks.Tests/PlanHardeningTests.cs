using ShapeNet.Backends;
using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Networks.Tests.Support;
using ShapeNet.Optim;

namespace ShapeNet.Networks.Tests;

/// <summary>Issue 8's plan repros: Loss before any step was 0, a disposed plan kept training, two threads on one plan gave a
/// misleading length error or trained on garbage, and CreatePlan(int.MaxValue) failed with a bare OverflowException.</summary>
public class PlanHardeningTests
{
    private const int Batch = 4;

    private static MnistMlp.Plan Configured(MnistMlp model, Optimizer? optimizer = null)
    {
        MnistMlp.Plan plan = model.CreatePlan(Batch);
        plan.Configure(Loss.CrossEntropy(), optimizer ?? new Sgd(0.01f));
        return plan;
    }

    private static readonly float[] X = TestData.Normal(5, Batch * 784);
    private static readonly float[] Labels = [0, 1, 2, 3];

    [Fact]
    public void Loss_before_any_step_throws_instead_of_returning_zero()
    {
        using MnistMlp.Plan plan = Configured(new MnistMlp(seed: 1));
        var e = Assert.Throws<InvalidOperationException>(() => plan.Loss);
        Assert.Equal("No train step has run yet, so there is no loss: call Configure(loss, optimizer) and TrainStep first.", e.Message);

        plan.TrainStep(X, Labels, Batch);
        Assert.True(plan.Loss > 0);
    }

    [Fact]
    public void A_disposed_plan_throws_ObjectDisposedException_from_every_entry_point()
    {
        MnistMlp.Plan plan = Configured(new MnistMlp(seed: 2));
        plan.TrainStep(X, Labels, Batch);
        plan.Dispose();
        plan.Dispose();   // twice is harmless, as IDisposable requires

        Assert.Throws<ObjectDisposedException>(() => plan.TrainStep(X, Labels, Batch));
        Assert.Throws<ObjectDisposedException>(() => plan.Forward(X, new float[Batch * 10], Batch));
        Assert.Throws<ObjectDisposedException>(() => plan.Loss);
        Assert.Throws<ObjectDisposedException>(() => plan.SetBatch(1));
        Assert.Throws<ObjectDisposedException>(() => plan.Step());
        Assert.Throws<ObjectDisposedException>(() => plan.CopyParametersToHost());
    }

    /// <summary>An optimizer whose step waits until the test lets it go: the training thread is then inside the plan.</summary>
    private sealed class GatedSgd(ManualResetEventSlim inside, ManualResetEventSlim release) : Optimizer(0.01f)
    {
        protected override void PrepareState(int slotCount) { }

        protected override void CreateState(int index, Parameter parameter, long length) { }

        protected override void StepSlot(IBackend backend, int index, DeviceBuffer value, DeviceBuffer grad, long length)
        {
            if (index != 0) return;
            inside.Set();
            release.Wait(TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public void A_second_thread_calling_a_busy_plan_is_told_so()
    {
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        using MnistMlp.Plan plan = Configured(new MnistMlp(seed: 3), new GatedSgd(inside, release));

        Task training = Task.Run(() => plan.TrainStep(X, Labels, Batch));
        Assert.True(inside.Wait(TimeSpan.FromSeconds(30)), "the training thread never reached the optimizer step");
        var e = Assert.Throws<InvalidOperationException>(() => plan.Forward(X, new float[Batch * 10], Batch));
        release.Set();
        training.Wait();

        Assert.Contains("This plan is in use by thread ", e.Message);
        Assert.EndsWith("a plan holds one batch's buffers and cannot run two calls at once. Create one plan per thread (CreatePlan), or serialise the calls.", e.Message);
        plan.TrainStep(X, Labels, Batch);   // free again once the first call returned
    }

    [Fact]
    public void CreatePlan_with_an_impossible_batch_capacity_says_which_capacity_fits()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new MnistMlp(seed: 4).CreatePlan(int.MaxValue));
        Assert.StartsWith("The batch capacity 2,147,483,647 is too large for this network: a buffer of 784 floats per sample would hold more than 2,147,483,591 floats. Use a capacity of at most 2,739,137.", e.Message);
    }

    [Fact]
    public void The_same_seed_and_data_give_the_same_parameters_bit_for_bit()
    {
        var first = new MnistMlp(seed: 5);
        var second = new MnistMlp(seed: 5);
        using (MnistMlp.Plan a = Configured(first, new Adam(0.01f)))
        using (MnistMlp.Plan b = Configured(second, new Adam(0.01f)))
        {
            for (int step = 0; step < 5; step++)
            {
                a.TrainStep(X, Labels, Batch);
                b.TrainStep(X, Labels, Batch);
            }
        }
        foreach ((Parameter p, Parameter q) in first.Parameters.Zip(second.Parameters))
            Assert.True(p.Value.Data.AsSpan().SequenceEqual(q.Value.Data), $"{p.Name} differs");
    }
}
