using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Networks.Tests.Support;
using ShapeNet.Optim;
using Xunit.Abstractions;

namespace ShapeNet.Networks.Tests;

/// <summary>
/// A compiled train step allocates nothing once warm: 100 MnistMlp steps (batch 64, SGD with momentum, cross-entropy)
/// allocate 0 bytes on the calling thread, and 0 bytes in the whole process (the CPU backend's GEMM workers included).
/// Kept out of parallel execution so the process-wide counter sees only this test; test-runner threads may still
/// allocate at any moment, so the process-wide check takes the cleanest of a few windows.
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
    public void Train_steps_allocate_nothing_on_the_calling_thread()
    {
        var (plan, x, labels) = Setup();
        using (plan)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Steps; i++) plan.TrainStep(x, labels, Batch);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            output.WriteLine($"{Steps} train steps: {allocated} bytes on the calling thread");
            Assert.Equal(0, allocated);
        }
    }

    [Fact]
    public void Train_steps_allocate_nothing_in_the_whole_process()
    {
        var (plan, x, labels) = Setup();
        using (plan)
        {
            long best = long.MaxValue;
            for (int attempt = 0; attempt < 5 && best != 0; attempt++)
            {
                long before = GC.GetTotalAllocatedBytes(precise: true);
                for (int i = 0; i < Steps; i++) plan.TrainStep(x, labels, Batch);
                best = Math.Min(best, GC.GetTotalAllocatedBytes(precise: true) - before);
            }
            output.WriteLine($"{Steps} train steps: {best} bytes in the whole process (best window)");
            Assert.Equal(0, best);
        }
    }
}

/// <summary>Runs its tests alone, after the parallel ones, so process-wide allocation counts see only them.</summary>
[CollectionDefinition(nameof(AllocationMeasurement), DisableParallelization = true)]
public sealed class AllocationMeasurement
{
}
