using ShapeNet.Checkpoints;
using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Networks.Tests.Support;
using ShapeNet.Optim;
using ShapeNet.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace ShapeNet.Networks.Tests;

/// <summary>
/// Checkpoints of BatchNorm networks: the state is the parameters and the buffers (running_mean, running_var,
/// num_batches_tracked), under PyTorch's state-dict names. A trained network round-trips; a state dict PyTorch saved
/// (tests/golden/torch_batchnorm.safetensors, num_batches_tracked as int64) loads and gives PyTorch's eval logits (rtol
/// 1e-4, atol 1e-5); ShapeNet's own file stays byte-identical to the one tests/golden/batchnorm_cnn.py checked PyTorch
/// loads with load_state_dict(strict=True).
/// </summary>
public class BatchNormCheckpointTests(ITestOutputHelper output)
{
    private static Tensor<Batch, Rgb, Side8, Side8> X(float[] x, int batch) => Tensor<Batch, Rgb, Side8, Side8>.FromArray(x, batch);

    [Fact]
    public void A_trained_network_round_trips_its_parameters_and_buffers()
    {
        var model = new NestedBatchNorm(seed: 21);
        using (NestedBatchNorm.Plan plan = model.CreatePlan(8))
        {
            plan.Configure(Loss.CrossEntropy(), new Sgd(0.1f, momentum: 0.9f));
            float[] labels = [0, 1, 2, 3, 0, 1, 2, 3];
            for (int step = 0; step < 4; step++) plan.TrainStep(TestData.Normal(210 + step, 8 * 192), labels, 8);
        }
        using var dir = new TempFolder();
        string path = dir.File("nested.safetensors");
        Checkpoint.Save(path, model);

        var read = SafeTensors.Read(path);
        Assert.Equal(model.Parameters.Select(p => p.Name).Concat(model.Buffers.Select(b => b.Name)), read.Keys);
        Assert.Equal([4f], read["block.bn.num_batches_tracked"].Data);

        var loaded = new NestedBatchNorm(seed: 22);
        CheckpointLoadReport report = Checkpoint.Load(path, loaded);
        Assert.True(report.IsComplete, report.ToString());
        Assert.Equal(13, report.Loaded.Count);
        for (int i = 0; i < model.Buffers.Count; i++) Assert.Equal(model.Buffers[i].Value.Data, loaded.Buffers[i].Value.Data);
        for (int i = 0; i < model.Parameters.Count; i++) Assert.Equal(model.Parameters[i].Value.Data, loaded.Parameters[i].Value.Data);

        model.Eval();
        loaded.Eval();
        var x = X(TestData.Normal(220, 4 * 192), 4);
        Assert.Equal(model.Forward(x).Value.Data, loaded.Forward(x).Value.Data);
    }

    [Fact]
    public void A_state_dict_saved_by_PyTorch_loads_and_gives_its_eval_logits()
    {
        var model = new BatchNormCnn(seed: 23);
        CheckpointLoadReport report = Checkpoint.Load(GoldenFile.PathOf("torch_batchnorm.safetensors"), model);
        Assert.True(report.IsComplete, report.ToString());
        Assert.Equal(9, report.Loaded.Count);
        Assert.Equal([3f], model.Buffers.Single(b => b.Name == "bn1.num_batches_tracked").Value.Data);   // int64 3 in the file

        var golden = PyTorchBatchNormGoldenTests.Golden;
        var (xShape, xData) = golden["x"];
        float[] expected = golden["checkpoint.eval_logits"].Data;

        model.Eval();
        float[] eager = model.Forward(X(xData, xShape[0])).Value.Data;
        using BatchNormCnn.Plan plan = model.CreatePlan(xShape[0]);
        float[] planned = plan.Forward(X(xData, xShape[0])).Value.Data;
        output.WriteLine($"eval logits: eager max |difference| {expected.Zip(eager, (e, a) => Math.Abs((double)e - a)).Max():G3}, " +
                         $"plan {expected.Zip(planned, (e, a) => Math.Abs((double)e - a)).Max():G3} (max |value| {expected.Max(Math.Abs):G3})");
        Numerics.AssertClose(expected, eager, 1e-4, 1e-5, "eager eval logits of the PyTorch checkpoint", golden["checkpoint.eval_logits"].Shape);
        Numerics.AssertClose(expected, planned, 1e-4, 1e-5, "plan eval logits of the PyTorch checkpoint", golden["checkpoint.eval_logits"].Shape);
    }

    [Fact]
    public void Writes_the_batch_norm_file_PyTorch_was_checked_to_load()
    {
        // tests/golden/shapenet_batchnorm.safetensors was written by this test (SHAPENET_REGENERATE_GOLDEN=1) and checked by
        // tests/golden/batchnorm_cnn.py: PyTorch's load_state_dict(strict=True) takes it (num_batches_tracked F32 into int64),
        // every value is the golden one and the eval logits are PyTorch's. Byte equality keeps the writer on what PyTorch accepted.
        var model = PyTorchBatchNormGoldenTests.LoadPyTorchState(new BatchNormCnn(), "");
        foreach (ModuleBuffer b in model.Buffers)
            PyTorchBatchNormGoldenTests.Golden["after." + b.Name].Data.CopyTo(b.Value.Data, 0);   // the state after PyTorch's step
        using var dir = new TempFolder();
        string path = dir.File("shapenet_batchnorm.safetensors");
        Checkpoint.Save(path, model, metadata: new Dictionary<string, string> { ["source"] = "ShapeNet" });
        string golden = GoldenFile.PathOf("shapenet_batchnorm.safetensors");
        if (Environment.GetEnvironmentVariable("SHAPENET_REGENERATE_GOLDEN") == "1") File.Copy(path, golden, overwrite: true);
        Assert.Equal(File.ReadAllBytes(golden), File.ReadAllBytes(path));
    }

    /// <summary>A fresh temporary folder, deleted on dispose.</summary>
    private sealed class TempFolder : IDisposable
    {
        private readonly string _path = Directory.CreateTempSubdirectory("shapenet-bn-").FullName;

        public string File(string name) => Path.Combine(_path, name);

        public void Dispose() => Directory.Delete(_path, recursive: true);
    }
}
