using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Networks.Tests.Support;
using ShapeNet.Optim;
using ShapeNet.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace ShapeNet.Networks.Tests;

/// <summary>
/// A compiled train step allocates nothing once warm: 100 MnistMlp steps (batch 64, SGD with momentum, cross-entropy), and
/// 100 steps of BatchNormCnn (Conv2d, BatchNorm2d with its running statistics, pooling), allocate 0 bytes on the calling
/// thread and 0 on the CPU backend's worker threads, each thread's own counter (the process-wide counter would also count
/// the test host's threads), in a window of 100 (<see cref="AllocationWindows"/>).
/// </summary>
[Collection(nameof(AllocationMeasurement))]
public class ZeroAllocationTests(ITestOutputHelper output)
{
    private const int Batch = 64, Steps = 100;

    private static (MnistMlp.Plan Plan, float[] X, float[] Labels) Setup()
    {
        var model = new MnistMlp(seed: 10);
        MnistMlp.Plan plan = model.CreatePlan(Batch);
        plan.Configure(Loss.CrossEntropy(), new Sgd(0.01f, momentum: 0.9f));
        float[] x = TestData.Normal(100, Batch * 784);
        float[] labels = Enumerable.Range(0, Batch).Select(i => (float)(i % 10)).ToArray();
        for (int i = 0; i < 3; i++) plan.TrainStep(x, labels, Batch);
        return (plan, x, labels);
    }

    [Fact]
    public void Train_steps_allocate_nothing_on_the_calling_thread_nor_on_the_backend_workers()
    {
        var (plan, x, labels) = Setup();
        using (plan)
        {
            AllocationWindows allocated = AllocationProbe.TrainSteps(plan, x, labels, Batch, Steps);

            output.WriteLine($"windows of {Steps} train steps, bytes on the calling thread + on the GEMM worker threads: {allocated}");
            allocated.AssertSteady($"MnistMlp, {Steps} train steps");
        }
    }

    [Fact]
    public void Train_steps_with_batch_norm_allocate_nothing()
    {
        var model = new BatchNormCnn(seed: 11);
        using BatchNormCnn.Plan plan = model.CreatePlan(Batch);
        plan.Configure(Loss.CrossEntropy(), new Sgd(0.01f, momentum: 0.9f));
        float[] x = TestData.Normal(110, Batch * 3 * 8 * 8);
        float[] labels = Enumerable.Range(0, Batch).Select(i => (float)(i % 4)).ToArray();
        for (int i = 0; i < 3; i++) plan.TrainStep(x, labels, Batch);

        AllocationWindows allocated = AllocationProbe.TrainSteps(plan, x, labels, Batch, Steps);

        output.WriteLine($"windows of {Steps} BatchNormCnn train steps, bytes on the calling thread + on the worker threads: {allocated}");
        allocated.AssertSteady($"BatchNormCnn, {Steps} train steps");
        Assert.Equal([Steps * allocated.Windows.Count + 3f], model.Buffers.Single(b => b.Name == "bn1.num_batches_tracked").Value.Data);
    }
}

/// <summary>Runs its tests alone, after the parallel ones, so process-wide allocation counts see only them.</summary>
[CollectionDefinition(nameof(AllocationMeasurement), DisableParallelization = true)]
public sealed class AllocationMeasurement
{
}
