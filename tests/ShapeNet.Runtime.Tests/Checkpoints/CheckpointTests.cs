using ShapeNet.Checkpoints;
using ShapeNet.Optim;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Checkpoints;

public class CheckpointTests
{
    [Fact]
    public void Save_and_load_round_trip_the_parameters_under_their_names()
    {
        using var dir = new TempFolder();
        string path = dir.File("m.safetensors");
        var source = new SmallMlp(seed: 1);
        Checkpoint.Save(path, source, metadata: new Dictionary<string, string> { ["epoch"] = "7" });

        var read = SafeTensors.Read(path, out var metadata);
        Assert.Equal(["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"], read.Keys);
        Assert.Equal([8, 4], read["fc1.weight"].Shape);
        Assert.Equal("7", metadata["epoch"]);
        Assert.Equal("pt", metadata["format"]);

        var target = new SmallMlp(seed: 2);
        float[] fc1Array = target["fc1.weight"].Value.Data;
        CheckpointLoadReport report = Checkpoint.Load(path, target);
        Assert.True(report.IsComplete, report.ToString());
        Assert.Equal(4, report.Loaded.Count);
        Assert.Same(fc1Array, target["fc1.weight"].Value.Data); // copied in place: a CPU plan sees the new values
        foreach (Parameter p in source.Parameters) Assert.Equal(p.Value.Data, target[p.Name].Value.Data);
    }

    [Fact]
    public void Loads_a_file_written_by_PyTorch_and_reproduces_its_output()
    {
        // tests/golden/safetensors_from_torch.py: the state dict of nn.Sequential(fc1=Linear(4, 8), ReLU, fc2=Linear(8, 3)).
        var model = new SmallMlp(seed: 5);
        CheckpointLoadReport report = Checkpoint.Load(GoldenFile.PathOf("torch_small.safetensors"), model);
        Assert.True(report.IsComplete, report.ToString());

        var io = GoldenFile.Load(GoldenFile.PathOf("torch_small_io.sntensors"));
        Tensor output = model.Forward(new Tensor(io["x"].Data, io["x"].Shape));
        Assert.Equal(io["y"].Shape, output.Shape);
        Numerics.AssertClose(io["y"].Data, output.Data, 0, 1e-5, "output of the PyTorch weights", io["y"].Shape);
    }

    /// <summary>The torch_small weights doubled (exact in float32), the model tests/golden/safetensors_check.py expects.</summary>
    private static SmallMlp DoubledTorchModel()
    {
        var model = new SmallMlp();
        Checkpoint.Load(GoldenFile.PathOf("torch_small.safetensors"), model);
        foreach (Parameter p in model.Parameters)
            for (int i = 0; i < p.Value.Numel; i++) p.Value.Data[i] *= 2f;
        return model;
    }

    [Fact]
    public void Writes_the_file_PyTorch_was_checked_to_load()
    {
        // tests/golden/shapenet_small.safetensors was written by this test (SHAPENET_REGENERATE_GOLDEN=1) and checked by
        // tests/golden/safetensors_check.py: torch's load_state_dict(strict=True) takes it and the values are 2× torch_small's.
        // Byte equality here keeps the writer on what PyTorch accepted, without Python in the test run.
        using var dir = new TempFolder();
        string path = dir.File("shapenet_small.safetensors");
        Checkpoint.Save(path, DoubledTorchModel(), metadata: new Dictionary<string, string> { ["source"] = "ShapeNet" });
        string golden = GoldenFile.PathOf("shapenet_small.safetensors");
        if (Environment.GetEnvironmentVariable("SHAPENET_REGENERATE_GOLDEN") == "1") File.Copy(path, golden, overwrite: true);
        Assert.Equal(File.ReadAllBytes(golden), File.ReadAllBytes(path));
    }

    // ---- mismatch reports ----------------------------------------------------------------------

    private static TestModule FileModel(int seed) =>
        new(seed, ("fc1.weight", [6, 4]), ("fc1.bias", [8]), ("fc2.weight", [3, 8]), ("fc2.bias", [3]), ("fc6.weight", [2, 2]));

    private static TestModule TargetModel(int seed) =>
        new(seed, ("fc1.weight", [8, 4]), ("fc1.bias", [8]), ("fc2.weight", [3, 8]), ("fc2.bias", [3]), ("fc3.bias", [3]));

    [Fact]
    public void Strict_load_lists_every_missing_unexpected_and_mis_shaped_tensor_at_once_and_changes_nothing()
    {
        using var dir = new TempFolder();
        string path = dir.File("m.safetensors");
        Checkpoint.Save(path, FileModel(1));
        var model = TargetModel(2);
        var before = model.Snapshot();

        var e = Assert.Throws<CheckpointMismatchException>(() => Checkpoint.Load(path, model));
        Assert.Contains(path, e.Message);
        Assert.Contains("missing: fc3.bias; unexpected: fc6.weight; shape: fc1.weight is [8, 4] in the model but [6, 4] in the file", e.Message);
        Assert.Equal(["fc3.bias"], e.Report.Missing);
        Assert.Equal(["fc6.weight"], e.Report.Unexpected);
        var mismatch = Assert.Single(e.Report.ShapeMismatches);
        Assert.Equal("fc1.weight", mismatch.Name);
        Assert.Equal([8, 4], mismatch.ModelShape);
        Assert.Equal([6, 4], mismatch.FileShape);
        foreach (var (name, values) in before) Assert.Equal(values, model[name].Value.Data);
    }

    [Fact]
    public void Non_strict_load_loads_what_fits_and_reports_the_rest()
    {
        using var dir = new TempFolder();
        string path = dir.File("m.safetensors");
        var file = FileModel(1);
        Checkpoint.Save(path, file);
        var model = TargetModel(2);
        var before = model.Snapshot();

        CheckpointLoadReport report = Checkpoint.Load(path, model, strict: false);
        Assert.False(report.IsComplete);
        Assert.Equal(["fc1.bias", "fc2.weight", "fc2.bias"], report.Loaded);
        Assert.Equal("missing: fc3.bias; unexpected: fc6.weight; shape: fc1.weight is [8, 4] in the model but [6, 4] in the file", report.ToString());
        foreach (string name in report.Loaded) Assert.Equal(file[name].Value.Data, model[name].Value.Data);
        Assert.Equal(before["fc1.weight"], model["fc1.weight"].Value.Data);
        Assert.Equal(before["fc3.bias"], model["fc3.bias"].Value.Data);
    }

    [Fact]
    public void Load_rejects_a_corrupt_file_with_InvalidDataException()
    {
        using var dir = new TempFolder();
        string path = dir.File("m.safetensors");
        File.WriteAllBytes(path, [0xFF, 0, 0, 0, 0, 0, 0, 0, (byte)'{']);
        Assert.Contains(path, Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, new SmallMlp())).Message);
    }

    [Fact]
    public void A_failing_save_keeps_the_previous_checkpoint()
    {
        using var dir = new TempFolder();
        string path = dir.File("m.safetensors");
        Checkpoint.Save(path, new SmallMlp(1));
        byte[] before = File.ReadAllBytes(path);
        SafeTensors.AfterTensorWritten.Value = written => throw new IOException("simulated crash");
        try
        {
            Assert.Throws<IOException>(() => Checkpoint.Save(path, new SmallMlp(2)));
        }
        finally
        {
            SafeTensors.AfterTensorWritten.Value = null;
        }
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    // ---- optimizer state -------------------------------------------------------------------------

    private static (float[] X, float[] Y) Problem() => (TestData.Uniform(40, 5 * 4), TestData.Uniform(41, 5 * 3));

    private static void Train(SmallMlp model, Optimizer optimizer, int steps)
    {
        var (x, y) = Problem();
        for (int s = 0; s < steps; s++)
        {
            optimizer.ZeroGrad();
            model.AccumulateMseGradient(x, y, batch: 5);
            optimizer.Step();
        }
    }

    public static TheoryData<string> OptimizerConfigs => ["sgd_momentum", "sgd_nesterov", "adam", "adam_amsgrad", "adamw", "adagrad", "rmsprop_centered"];

    private static Optimizer Create(string config, float lr = 0.05f) => config switch
    {
        "sgd_momentum" => new Sgd(lr, momentum: 0.9f, dampening: 0.1f, weightDecay: 0.01f),
        "sgd_nesterov" => new Sgd(lr, momentum: 0.9f, nesterov: true),
        "adam" => new Adam(lr),
        "adam_amsgrad" => new Adam(lr, weightDecay: 0.1f, amsgrad: true),
        "adamw" => new AdamW(lr),
        "adagrad" => new Adagrad(lr, lrDecay: 0.05f, initialAccumulatorValue: 0.2f),
        "rmsprop_centered" => new RmsProp(lr, momentum: 0.9f, centered: true),
        _ => throw new ArgumentException(config),
    };

    [Theory]
    [MemberData(nameof(OptimizerConfigs))]
    public void Resuming_from_a_checkpoint_continues_training_exactly_like_an_uninterrupted_run(string config)
    {
        // Uninterrupted: 6 steps.
        var reference = new SmallMlp(seed: 3);
        using Optimizer referenceOptimizer = Create(config);
        referenceOptimizer.Bind(reference.Parameters);
        Train(reference, referenceOptimizer, 6);

        // Interrupted: 3 steps, save, then a fresh process: new model, new optimizer (other learning rate), load, 3 steps.
        using var dir = new TempFolder();
        string path = dir.File("ckpt.safetensors");
        var first = new SmallMlp(seed: 3);
        using (Optimizer optimizer = Create(config))
        {
            optimizer.Bind(first.Parameters);
            Train(first, optimizer, 3);
            Checkpoint.Save(path, first, optimizer);
        }

        var resumed = new SmallMlp(seed: 9);
        using Optimizer resumedOptimizer = Create(config, lr: 1f);
        resumedOptimizer.Bind(resumed.Parameters);
        CheckpointLoadReport report = Checkpoint.Load(path, resumed, resumedOptimizer);
        Assert.True(report.IsComplete, report.ToString());
        Assert.Equal(3, resumedOptimizer.StepCount);
        Assert.Equal(0.05f, resumedOptimizer.LearningRate);
        Train(resumed, resumedOptimizer, 3);

        Assert.Equal(6, resumedOptimizer.StepCount);
        foreach (Parameter p in reference.Parameters)
            Assert.Equal(p.Value.Data.Select(BitConverter.SingleToInt32Bits), resumed[p.Name].Value.Data.Select(BitConverter.SingleToInt32Bits));
        foreach (var (key, buffer) in referenceOptimizer.State)
        {
            var expected = new float[buffer.Length];
            var actual = new float[buffer.Length];
            referenceOptimizer.Backend!.Download(buffer, expected);
            resumedOptimizer.Backend!.Download(resumedOptimizer.State[key], actual);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void Optimizer_state_is_stored_under_optimizer_prefixed_names_with_step_and_hyper_parameters_in_the_metadata()
    {
        using var dir = new TempFolder();
        string path = dir.File("ckpt.safetensors");
        var model = new SmallMlp();
        using var adam = new Adam(lr: 0.01f, beta1: 0.8f);
        adam.Bind(model.Parameters);
        Train(model, adam, 2);
        Checkpoint.Save(path, model, adam);

        var read = SafeTensors.Read(path, out var metadata);
        Assert.Equal([8, 4], read["optimizer.fc1.weight.exp_avg"].Shape);
        Assert.Equal([3], read["optimizer.fc2.bias.exp_avg_sq"].Shape);
        Assert.Equal(4 + 8, read.Count);
        Assert.Equal("Adam", metadata["optimizer.type"]);
        Assert.Equal("2", metadata["optimizer.step"]);
        Assert.Equal("0.01", metadata["optimizer.lr"]);
        Assert.Equal("0.8", metadata["optimizer.Beta1"]);
        Assert.Equal("false", metadata["optimizer.AmsGrad"]);

        // Without an optimizer the optimizer tensors are ignored: weights-only loading of a training checkpoint.
        Assert.True(Checkpoint.Load(path, new SmallMlp()).IsComplete);
    }

    [Fact]
    public void Loading_optimizer_state_requires_a_bound_optimizer()
    {
        using var dir = new TempFolder();
        string path = dir.File("ckpt.safetensors");
        var model = new SmallMlp();
        Checkpoint.Save(path, model);
        var e = Assert.Throws<InvalidOperationException>(() => Checkpoint.Load(path, model, new Adam()));
        Assert.Contains("bind the Adam first", e.Message);
    }

    [Fact]
    public void Optimizer_class_or_hyper_parameter_mismatches_are_reported()
    {
        using var dir = new TempFolder();
        string path = dir.File("ckpt.safetensors");
        var model = new SmallMlp();
        using var sgd = new Sgd(0.1f, momentum: 0.9f);
        sgd.Bind(model.Parameters);
        Train(model, sgd, 1);
        Checkpoint.Save(path, model, sgd);

        using var adam = new Adam();
        adam.Bind(model.Parameters);
        var e = Assert.Throws<CheckpointMismatchException>(() => Checkpoint.Load(path, model, adam));
        Assert.Contains("the file holds Sgd state, but the optimizer is a Adam", e.Message);

        using var other = new Sgd(0.1f, momentum: 0.5f);
        other.Bind(model.Parameters);
        e = Assert.Throws<CheckpointMismatchException>(() => Checkpoint.Load(path, model, other));
        Assert.Contains("optimizer hyper-parameter Momentum is 0.5 in the optimizer but 0.9 in the file", e.Message);
        Assert.Equal(0, other.StepCount);

        // A weights-only file and an optimizer: its state is listed as missing.
        string weights = dir.File("weights.safetensors");
        Checkpoint.Save(weights, model);
        e = Assert.Throws<CheckpointMismatchException>(() => Checkpoint.Load(weights, model, sgd));
        Assert.Contains("missing: optimizer.fc1.weight.momentum_buffer, optimizer.fc1.bias.momentum_buffer", e.Message);
    }
}
