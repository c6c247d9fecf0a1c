using ShapeNet.Networks.Tests.Support;
using ShapeNet.Optim;
using ShapeNet.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace ShapeNet.Networks.Tests;

/// <summary>
/// The curriculum's CNNs train without allocating once warm: 10 steps (batch 16, SGD with momentum, cross-entropy) of each
/// allocate 0 bytes on the calling thread and 0 on the CPU backend's worker threads (in a window of 10:
/// <see cref="AllocationWindows"/>) — convolutions (im2col, direct and pointwise paths), pooling with indices, the inlined
/// generic blocks, concatenation and residual sums included.
/// </summary>
[Collection(nameof(AllocationMeasurement))]
public class CnnZeroAllocationTests(ITestOutputHelper output)
{
    private const int Batch = 16, Steps = 10;

    public static TheoryData<string> Networks => new() { "basic-cnn", "deep-cnn", "inception-cnn", "resnet-cnn" };

    private static NetworkPlan CreatePlan(string name) => name switch
    {
        "basic-cnn" => new BasicCnn(seed: 1).CreatePlan(Batch),
        "deep-cnn" => new DeepCnn(seed: 1).CreatePlan(Batch),
        "inception-cnn" => new InceptionCnn(seed: 1).CreatePlan(Batch),
        "resnet-cnn" => new ResNetCnn(seed: 1).CreatePlan(Batch),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Train_steps_allocate_nothing(string name)
    {
        using NetworkPlan plan = CreatePlan(name);
        plan.Configure(Loss.CrossEntropy(), new Sgd(0.01f, momentum: 0.9f));
        float[] x = TestData.Normal(7, Batch * 784);
        float[] labels = Enumerable.Range(0, Batch).Select(i => (float)(i % 10)).ToArray();
        for (int i = 0; i < 3; i++) plan.TrainStep(x, labels, Batch);

        AllocationWindows allocated = AllocationProbe.TrainSteps(plan, x, labels, Batch, Steps);

        output.WriteLine($"{name}: windows of {Steps} train steps, bytes on the calling thread + on the worker threads: {allocated}");
        allocated.AssertSteady($"{name}, {Steps} train steps");
        Assert.True(float.IsFinite(plan.Loss), $"{name}: loss {plan.Loss}");
    }
}
