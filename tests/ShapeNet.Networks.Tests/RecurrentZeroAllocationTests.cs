using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Networks.Tests.Support;
using ShapeNet.Optim;
using ShapeNet.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace ShapeNet.Networks.Tests;

/// <summary>The generated bi-GRU classifier trains without allocating once warm: integer ids, lengths and labels uploaded,
/// embedding, the two-layer bidirectional GRU over variable lengths, the Linear head, integer-target cross-entropy, Adam; and so
/// does its run-time <c>Seq</c> version with a different sequence length every step.</summary>
[Collection(nameof(AllocationMeasurement))]
public class RecurrentZeroAllocationTests(ITestOutputHelper output)
{
    [Fact]
    public void BiGru_classifier_train_steps_allocate_nothing()
    {
        const int batch = 6, steps = 10;
        using BiGruNet.Plan plan = new BiGruNet(seed: 1).CreatePlan(batch);
        plan.Configure(Loss.CrossEntropy(), new Adam(1e-3f));
        int[] ids = Enumerable.Range(0, 7 * batch).Select(i => 1 + i * 5 % 31).ToArray();
        int[] lengths = [7, 6, 5, 3, 2, 1];
        int[] labels = [0, 1, 2, 3, 4, 0];
        void Step()
        {
            plan.SetBatch(batch);
            plan.UploadInput(0, ids);
            plan.UploadInput(1, lengths);
            plan.UploadTarget(labels);
            plan.TrainStepOnUploaded();
        }
        for (int i = 0; i < 3; i++) Step();

        AllocationWindows allocated = AllocationWindows.Measure(() =>
        {
            for (int i = 0; i < steps; i++) Step();
        });

        output.WriteLine($"windows of {steps} train steps, bytes on the calling thread + on the workers: {allocated}; loss {plan.Loss}");
        allocated.AssertSteady($"{steps} train steps");
        Assert.True(float.IsFinite(plan.Loss));
    }

    [Fact]
    public void Run_time_Seq_train_steps_at_changing_lengths_allocate_nothing()
    {
        const int batch = 6, steps = 12;
        using SeqBiGruNet.Plan plan = new SeqBiGruNet(seed: 1).CreatePlan(batch, sequenceCapacity: 9);
        plan.Configure(Loss.CrossEntropy(), new Adam(1e-3f));
        int[] ids = Enumerable.Range(0, 9 * batch).Select(i => 1 + i * 5 % 31).ToArray();
        int[] lengths = new int[batch];
        int[] labels = [0, 1, 2, 3, 4, 0];
        void Step(int length)
        {
            plan.SetSequence(length);
            plan.SetBatch(batch);
            for (int b = 0; b < batch; b++) lengths[b] = Math.Max(1, length - b);
            plan.UploadInput(0, ids.AsSpan(0, length * batch));
            plan.UploadInput(1, lengths);
            plan.UploadTarget(labels);
            plan.TrainStepOnUploaded();
        }
        for (int i = 0; i < 3; i++) Step(9 - i);

        AllocationWindows allocated = AllocationWindows.Measure(() =>
        {
            for (int i = 0; i < steps; i++) Step(1 + i * 5 % 9);
        });

        output.WriteLine($"windows of {steps} train steps at lengths 1..9, bytes on the calling thread + on the workers: {allocated}; loss {plan.Loss}");
        allocated.AssertSteady($"{steps} train steps at lengths 1..9");
        Assert.True(float.IsFinite(plan.Loss));
    }
}
