using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Networks.Tests.Support;
using ShapeNet.Optim;
using Xunit.Abstractions;

namespace ShapeNet.Networks.Tests;

/// <summary>
/// A compiled train step allocates nothing once warm: 100 MnistMlp steps (batch 64, SGD with momentum, cross-entropy)
/// allocate 0 bytes on the calling thread, and nothing in the whole process beyond what the idle test host allocates
/// (the CPU backend's GEMM worker threads included). Kept out of parallel execution so the process-wide counter sees
/// only this test and the host.
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
    public void Train_steps_allocate_nothing_on_the_calling_thread_nor_in_the_whole_process()
    {
        var (plan, x, labels) = Setup();
        using (plan)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            long thread = GC.GetAllocatedBytesForCurrentThread();
            long process = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < Steps; i++) plan.TrainStep(x, labels, Batch);
            long processDuring = GC.GetTotalAllocatedBytes(precise: true) - process;
            long threadDuring = GC.GetAllocatedBytesForCurrentThread() - thread;
            TimeSpan elapsed = clock.Elapsed;

            // The process-wide counter also sees the test host, which allocates on a thread of its own even when nothing
            // runs (168 bytes every ~100 ms here, measured with idle windows). So the steps are compared with an idle
            // window of the same length: a step that allocated even one object (24 bytes or more) on a GEMM worker would
            // make the difference at least 100 × 24 bytes, while the host's periodic allocations differ by a tick or two.
            process = GC.GetTotalAllocatedBytes(precise: true);
            Thread.Sleep(elapsed);
            long processIdle = GC.GetTotalAllocatedBytes(precise: true) - process;

            output.WriteLine($"{Steps} train steps in {elapsed.TotalSeconds:F2} s: {threadDuring} bytes on the calling thread, " +
                $"{processDuring} bytes in the whole process; idle for as long: {processIdle} bytes (the test host)");
            Assert.Equal(0, threadDuring);
            Assert.True(processDuring - processIdle < Steps * 8,
                $"{Steps} steps allocated {processDuring} bytes process-wide, {processDuring - processIdle} more than an idle window of the same length");
        }
    }
}

/// <summary>Runs its tests alone, after the parallel ones, so process-wide allocation counts see only them.</summary>
[CollectionDefinition(nameof(AllocationMeasurement), DisableParallelization = true)]
public sealed class AllocationMeasurement
{
}
