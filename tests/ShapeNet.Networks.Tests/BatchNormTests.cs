using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Networks.Tests.Support;
using ShapeNet.Optim;
using ShapeNet.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace ShapeNet.Networks.Tests;

/// <summary>
/// BatchNorm2d in generated networks (Networks/BatchNormCnn.cs): the plan against the eager forward in training mode (the
/// outputs and the running statistics each pass updates, at a full and a partial batch) and in inference mode (the running
/// statistics, left unchanged); names and order of parameters and buffers; Train()/Eval() reaching a block's layer;
/// optimizers binding parameters only; a device-style backend whose buffers come back through CopyParametersToHost.
/// Tolerance: rtol 1e-4, atol 1e-5 (the same float32 kernels, summed in another order in places).
/// </summary>
public class BatchNormTests(ITestOutputHelper output)
{
    private const double Rtol = 1e-4, Atol = 1e-5;
    private const int Capacity = 8;

    private static float[] Input(int seed, int batch) => TestData.Normal(seed, batch * 3 * 8 * 8, std: 2);

    private static Tensor<Batch, Rgb, Side8, Side8> Typed(float[] x, int batch) => Tensor<Batch, Rgb, Side8, Side8>.FromArray(x, batch);

    private static float[] RunPlan(NetworkPlan plan, float[] x, int batch, bool training)
    {
        plan.SetBatch(batch);
        plan.UploadInput(0, x);
        plan.Forward(training);
        return plan.OutputToArray();
    }

    private double AssertBuffersClose(Module eager, Module generated, string when)
    {
        double worst = 0;
        for (int i = 0; i < eager.Buffers.Count; i++)
        {
            ModuleBuffer e = eager.Buffers[i], g = generated.Buffers[i];
            Assert.Equal(e.Name, g.Name);
            worst = Math.Max(worst, e.Value.Data.Zip(g.Value.Data, (a, b) => Math.Abs((double)a - b)).Max());
            Numerics.AssertClose(e.Value.Data, g.Value.Data, Rtol, Atol, $"{g.Name} {when}", e.Shape);
        }
        return worst;
    }

    private void Generated_matches_eager_in_training_and_inference<TNet>(Func<TNet> create, Func<TNet, Tensor, Tensor> eagerForward,
        Func<TNet, NetworkPlan> createPlan) where TNet : Module
    {
        TNet eager = create(), generated = create();
        using NetworkPlan plan = createPlan(generated);
        int pass = 0;
        foreach (int batch in new[] { Capacity, 5, Capacity })
        {
            float[] x = Input(20 + pass, batch);
            Tensor expected = eagerForward(eager, new Tensor(x, batch, 3, 8, 8));   // Training (the default): batch statistics
            float[] actual = RunPlan(plan, x, batch, training: true);
            Numerics.AssertClose(expected.Data, actual, Rtol, Atol, $"training output at batch {batch}", expected.Shape);
            double worst = AssertBuffersClose(eager, generated, $"after training pass {++pass}");
            output.WriteLine($"{typeof(TNet).Name} training pass {pass} (batch {batch}): output max |difference| " +
                             $"{expected.Data.Zip(actual, (a, b) => Math.Abs((double)a - b)).Max():G3}, buffers {worst:G3}");
        }
        foreach (ModuleBuffer b in generated.Buffers.Where(b => b.Name.EndsWith(".num_batches_tracked", StringComparison.Ordinal)))
            Assert.Equal([3f], b.Value.Data);

        eager.Eval();
        float[][] before = generated.Buffers.Select(b => (float[])b.Value.Data.Clone()).ToArray();
        foreach (int batch in new[] { Capacity, 1 })
        {
            float[] x = Input(40 + batch, batch);
            Tensor expected = eagerForward(eager, new Tensor(x, batch, 3, 8, 8));   // Eval: running statistics
            float[] actual = RunPlan(plan, x, batch, training: false);
            Numerics.AssertClose(expected.Data, actual, Rtol, Atol, $"inference output at batch {batch}", expected.Shape);
        }
        for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], generated.Buffers[i].Value.Data);
        AssertBuffersClose(eager, generated, "after inference");
    }

    [Fact]
    public void BatchNormCnn_generated_matches_eager_in_training_and_inference() =>
        Generated_matches_eager_in_training_and_inference(() => new BatchNormCnn(seed: 11), (m, x) => m.Forward((Tensor<Batch, Rgb, Side8, Side8>)x),
            m => m.CreatePlan(Capacity));

    [Fact]
    public void NestedBatchNorm_generated_matches_eager_in_training_and_inference() =>
        Generated_matches_eager_in_training_and_inference(() => new NestedBatchNorm(seed: 12), (m, x) => m.Forward((Tensor<Batch, Rgb, Side8, Side8>)x),
            m => m.CreatePlan(Capacity));

    [Fact]
    public void The_typed_forward_of_a_plan_is_inference()
    {
        var model = new BatchNormCnn(seed: 13);
        using BatchNormCnn.Plan plan = model.CreatePlan(Capacity);
        float[] x = Input(50, 4);
        float[] before = (float[])model.Buffers[0].Value.Data.Clone();
        Tensor logits = plan.Forward(Typed(x, 4));
        Assert.Equal(before, model.Buffers[0].Value.Data);
        model.Eval();
        Numerics.AssertClose(model.Forward(Typed(x, 4)).Value.Data, logits.Data, Rtol, Atol, "typed plan forward vs eager eval", 4, 4);
    }

    [Fact]
    public void Parameters_and_buffers_are_listed_depth_first_under_pytorch_names()
    {
        var model = new NestedBatchNorm();
        Assert.Equal(["conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "block.conv.weight", "fc.weight", "fc.bias"],
            model.Parameters.Select(p => p.Name));
        Assert.Equal(["bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked",
                      "block.bn.running_mean", "block.bn.running_var", "block.bn.num_batches_tracked"],
            model.Buffers.Select(b => b.Name));
        Parameter weight = model.Parameters.Single(p => p.Name == "bn1.weight");
        Assert.Equal([6], weight.Shape);
        Assert.All(weight.Value.Data, v => Assert.Equal(1f, v));
        Assert.All(model.Parameters.Single(p => p.Name == "bn1.bias").Value.Data, v => Assert.Equal(0f, v));
        Assert.All(model.Buffers.Single(b => b.Name == "block.bn.running_var").Value.Data, v => Assert.Equal(1f, v));
        Assert.Empty(model.Buffers.Single(b => b.Name == "block.bn.num_batches_tracked").Shape);
        Assert.Empty(new BlockNet().Buffers);
    }

    [Fact]
    public void Train_and_eval_reach_the_batch_norm_of_a_block()
    {
        var model = new NestedBatchNorm(seed: 14);
        Tensor<Batch, Rgb, Side8, Side8> x = Typed(Input(60, 4), 4);
        float[][] Snapshot() => model.Buffers.Select(b => (float[])b.Value.Data.Clone()).ToArray();

        model.Eval();
        Assert.False(model.Training);
        float[][] before = Snapshot();
        model.Forward(x);
        float[][] afterEval = Snapshot();
        for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], afterEval[i]);   // no layer updated its statistics

        model.Train();
        model.Forward(x);
        for (int i = 0; i < before.Length; i++)
            Assert.NotEqual(before[i], model.Buffers[i].Value.Data);                      // every layer did, the block's too
        Assert.Equal([1f], model.Buffers.Single(b => b.Name == "block.bn.num_batches_tracked").Value.Data);
    }

    [Fact]
    public void Optimizers_see_parameters_only()
    {
        var model = new NestedBatchNorm(seed: 15);
        using NestedBatchNorm.Plan plan = model.CreatePlan(Capacity);
        var sgd = new Sgd(0.1f, momentum: 0.9f);
        plan.Configure(Loss.CrossEntropy(), sgd);
        Assert.Equal(model.Parameters.Select(p => p.Name), sgd.Slots.Select(s => s.Parameter.Name));
        Assert.DoesNotContain(sgd.State.Keys, k => model.Buffers.Any(b => k.StartsWith(b.Name, StringComparison.Ordinal)));

        float[] labels = [0, 1, 2, 3];
        plan.TrainStep(Input(70, 4), labels, 4);
        Assert.Equal([1f], model.Buffers.Single(b => b.Name == "bn1.num_batches_tracked").Value.Data);
    }

    [Fact]
    public void On_a_device_backend_the_running_statistics_come_back_with_CopyParametersToHost()
    {
        var onDevice = new BatchNormCnn(seed: 16);
        var onCpu = new BatchNormCnn(seed: 16);
        using BatchNormCnn.Plan devicePlan = onDevice.CreatePlan(Capacity, new CopyingBackend());
        using BatchNormCnn.Plan cpuPlan = onCpu.CreatePlan(Capacity);
        devicePlan.Configure(Loss.CrossEntropy(), new Sgd(0.05f));
        cpuPlan.Configure(Loss.CrossEntropy(), new Sgd(0.05f));
        float[] labels = [0, 1, 2, 3, 3, 2, 1, 0];
        for (int step = 0; step < 3; step++)
        {
            float[] x = Input(80 + step, Capacity);
            devicePlan.TrainStep(x, labels, Capacity);
            cpuPlan.TrainStep(x, labels, Capacity);
        }

        // The host copies are still the initial state until copied back.
        Assert.Equal([0f], onDevice.Buffers.Single(b => b.Name == "bn1.num_batches_tracked").Value.Data);
        Assert.All(onDevice.Buffers.Single(b => b.Name == "bn1.running_var").Value.Data, v => Assert.Equal(1f, v));
        devicePlan.CopyParametersToHost();
        Assert.Equal([3f], onDevice.Buffers.Single(b => b.Name == "bn1.num_batches_tracked").Value.Data);
        for (int i = 0; i < onCpu.Buffers.Count; i++)
            Assert.Equal(onCpu.Buffers[i].Value.Data, onDevice.Buffers[i].Value.Data);       // the same kernels: bit for bit
        for (int i = 0; i < onCpu.Parameters.Count; i++)
            Assert.Equal(onCpu.Parameters[i].Value.Data, onDevice.Parameters[i].Value.Data);
    }
}
