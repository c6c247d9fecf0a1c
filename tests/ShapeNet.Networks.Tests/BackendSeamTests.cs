using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Networks.Tests.Support;
using ShapeNet.Optim;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Networks.Tests;

/// <summary>
/// What a plan does through the backend seam a device backend implements: every descriptor prepared once when the plan is
/// built (at the capacity), host memory shared or not as the backend says, and uploads through the backend's staging buffer.
/// <see cref="CopyingBackend"/> stands in for a device: it records what it is asked to prepare and stages uploads in a host
/// array of its own, filled with NaN before each upload, so a value that skipped the staging buffer would show.
/// </summary>
public class BackendSeamTests
{
    private const int Capacity = 8;

    private static float[] Input(int seed, int batch) => TestData.Normal(seed, batch * 3 * 8 * 8, std: 2);

    [Fact]
    public void A_plan_prepares_each_descriptor_once_at_its_capacity_when_it_is_built()
    {
        var backend = new CopyingBackend();
        using BatchNormCnn.Plan plan = new BatchNormCnn(seed: 20).CreatePlan(Capacity, backend);

        // Conv2d(3, 6, k3, p1) on 8×8, BatchNorm2d(6) on 8×8 planes, MaxPool2d(2) on 6×8×8, Linear(96 → 4): each once,
        // prepared before the first step with the batch capacity (the rows of the Linear are the batch).
        Assert.Equal(
        [
            (new Conv2dDesc(3, 8, 8, 6, 3, 3, padH: 1, padW: 1), Capacity),
            (new BatchNormDesc(6, 64), Capacity),
            (new Pool2dDesc(6, 8, 8, 2, 2, 2, 2), Capacity),
            (new LinearDesc(96, 4), Capacity),
        ], backend.Prepared);

        plan.Configure(Loss.CrossEntropy(), new Sgd(0.05f));
        plan.TrainStep(Input(1, Capacity), [0, 1, 2, 3, 3, 2, 1, 0], Capacity);
        Assert.Equal(4, backend.Prepared.Count); // a step prepares nothing
    }

    [Fact]
    public void Uploads_go_through_the_backends_staging_buffer_and_train_as_the_cpu_does()
    {
        var backend = new CopyingBackend();
        var onDevice = new BatchNormCnn(seed: 21);
        var onCpu = new BatchNormCnn(seed: 21);
        using BatchNormCnn.Plan devicePlan = onDevice.CreatePlan(Capacity, backend);
        using BatchNormCnn.Plan cpuPlan = onCpu.CreatePlan(Capacity);
        Assert.False(backend.SharesHostMemory);
        Assert.True(CpuBackend.Instance.SharesHostMemory);
        devicePlan.Configure(Loss.CrossEntropy(), new Sgd(0.05f, momentum: 0.9f));
        cpuPlan.Configure(Loss.CrossEntropy(), new Sgd(0.05f, momentum: 0.9f));

        float[] labels = [0, 1, 2, 3, 3, 2, 1, 0];
        for (int step = 0; step < 3; step++)
        {
            int batch = step == 2 ? 5 : Capacity; // a partial last batch too
            float[] x = Input(30 + step, batch);
            devicePlan.TrainStep(x, labels.AsSpan(0, batch), batch);
            cpuPlan.TrainStep(x, labels.AsSpan(0, batch), batch);
            Assert.Equal(cpuPlan.Loss, devicePlan.Loss);
        }
        Assert.Equal(3 * 2, backend.StagedUploads); // an input and a target per step

        devicePlan.CopyParametersToHost();
        for (int i = 0; i < onCpu.Parameters.Count; i++)
            Assert.Equal(onCpu.Parameters[i].Value.Data, onDevice.Parameters[i].Value.Data); // the same kernels: bit for bit
    }

    [Fact]
    public void The_loss_is_summed_on_the_device_and_read_as_a_batch_weighted_mean_only_when_asked()
    {
        var backend = new CopyingBackend();
        using BatchNormCnn.Plan plan = new BatchNormCnn(seed: 22).CreatePlan(Capacity, backend);
        plan.Configure(Loss.CrossEntropy(), new Sgd(0.05f));
        float[] labels = [0, 1, 2, 3, 3, 2, 1, 0];
        int[] batches = [8, 8, 5];
        double weighted = 0;
        for (int step = 0; step < batches.Length; step++)
        {
            plan.TrainStep(Input(40 + step, batches[step]), labels.AsSpan(0, batches[step]), batches[step]);
            weighted += (double)plan.Loss * batches[step];
        }
        Assert.Equal(21, plan.LossSamples);
        double expected = weighted / 21;
        float average = plan.ReadAverageLoss(reset: false);
        Assert.True(Math.Abs(average - expected) <= 1e-6 * Math.Abs(expected), $"average {average} vs the batch-weighted mean {expected}");
        Assert.Equal(average, plan.ReadAverageLoss()); // reading without a reset left the sum alone; this read resets it

        Assert.Equal(0, plan.LossSamples);
        var error = Assert.Throws<InvalidOperationException>(() => plan.ReadAverageLoss());
        Assert.Contains("No train step ran since the average loss was last read and reset", error.Message);
        plan.TrainStep(Input(50, 4), labels.AsSpan(0, 4), 4);
        Assert.Equal(plan.Loss, plan.ReadAverageLoss(), 6); // a new sum: just this step
    }
}
