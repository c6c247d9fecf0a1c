using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Optim;
using ShapeNet.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace ShapeNet.Networks.Tests;

/// <summary>
/// BatchNorm2d networks against PyTorch (tests/golden/batchnorm_cnn.py): PyTorch's state (parameters and buffers, with the
/// BatchNorm weights and running statistics away from their defaults) copied in by name, one cross-entropy train step with
/// SGD(lr 0) so the weights stay put, then the train-mode logits, the loss, every parameter gradient, the input gradient,
/// the running statistics and batch count after the step, and the eval-mode logits after it; for the plan and for the
/// eager forward. Tolerance: rtol 1e-4 with atol 1e-5 for logits and 1e-6 for the rest (1e-5 × max |grad.x| for grad.x,
/// whose values cross zero).
/// </summary>
public class PyTorchBatchNormGoldenTests(ITestOutputHelper output)
{
    private const double Rtol = 1e-4, Atol = 1e-6, LogitsAtol = 1e-5;

    internal static readonly IReadOnlyDictionary<string, (int[] Shape, float[] Data)> Golden = GoldenFile.Load(GoldenFile.PathOf("batchnorm_cnn.sntensors.gz"));

    /// <summary>Whether a golden entry is one of the network's state-dict entries (not the data or a result).</summary>
    private static bool IsStateEntry(string key, string prefix)
    {
        if (!key.StartsWith(prefix, StringComparison.Ordinal)) return false;
        string rest = key[prefix.Length..];
        if (prefix.Length == 0 && (rest.StartsWith("nested.", StringComparison.Ordinal) || rest.StartsWith("checkpoint.", StringComparison.Ordinal))) return false;
        return rest is not ("x" or "labels" or "logits" or "loss" or "eval_logits")
               && !rest.StartsWith("grad.", StringComparison.Ordinal) && !rest.StartsWith("after.", StringComparison.Ordinal);
    }

    /// <summary>Copies PyTorch's state dict (prefix + name) into every parameter and buffer, checking names and shapes.</summary>
    internal static TNet LoadPyTorchState<TNet>(TNet model, string prefix) where TNet : Module
    {
        foreach (var (name, shape, data) in model.Parameters.Select(p => (p.Name, p.Shape, p.Value.Data))
                     .Concat(model.Buffers.Select(b => (b.Name, b.Shape, b.Value.Data))))
        {
            Assert.True(Golden.TryGetValue(prefix + name, out var tensor), $"PyTorch has no state entry named {name}");
            Assert.Equal(tensor.Shape, shape);
            tensor.Data.CopyTo(data, 0);
        }
        // PyTorch has no entry ShapeNet lacks.
        Assert.Equal(Golden.Keys.Count(k => IsStateEntry(k, prefix)), model.Parameters.Count + model.Buffers.Count);
        return model;
    }

    private static double MaxDiff(float[] expected, float[] actual) => expected.Zip(actual, (e, a) => Math.Abs((double)e - a)).Max();

    private void Compare(string name, float[] actual, double atol, int[]? shape = null)
    {
        var (goldenShape, expected) = Golden[name];
        output.WriteLine($"{name}: max |difference| {MaxDiff(expected, actual):G3} (max |value| {expected.Max(Math.Abs):G3})");
        Numerics.AssertClose(expected, actual, Rtol, atol, name, shape ?? goldenShape);
    }

    private void Train_step_matches_PyTorch<TNet>(TNet model, string prefix, Func<TNet, NetworkPlan> createPlan) where TNet : Module
    {
        LoadPyTorchState(model, prefix);
        var (xShape, x) = Golden["x"];
        float[] labels = Golden["labels"].Data;
        int batch = xShape[0];
        using NetworkPlan plan = createPlan(model);
        plan.Configure(Loss.CrossEntropy(), new Sgd(0f));
        plan.ComputeInputGradients = true;

        plan.TrainStep(x, labels, batch);
        plan.CopyGradientsToHost();
        plan.CopyParametersToHost();

        Compare(prefix + "logits", plan.OutputToArray(), LogitsAtol);
        Compare(prefix + "loss", [plan.Loss], Atol);
        foreach (Parameter p in model.Parameters) Compare(prefix + "grad." + p.Name, p.Grad.Data, Atol);
        Compare(prefix + "grad.x", plan.InputGradient(0), 1e-5 * Golden[prefix + "grad.x"].Data.Max(Math.Abs));
        foreach (ModuleBuffer b in model.Buffers) Compare(prefix + "after." + b.Name, b.Value.Data, Atol);

        plan.SetBatch(batch);
        plan.UploadInput(0, x);
        plan.Forward(training: false);
        Compare(prefix + "eval_logits", plan.OutputToArray(), LogitsAtol);

        // lr 0: the weights are PyTorch's still.
        foreach (Parameter p in model.Parameters) Assert.Equal(Golden[prefix + p.Name].Data, p.Value.Data);
    }

    private void Eager_forward_matches_PyTorch<TNet>(TNet model, string prefix, Func<TNet, Tensor, Tensor> forward) where TNet : Module
    {
        LoadPyTorchState(model, prefix);
        var (xShape, x) = Golden["x"];
        Compare(prefix + "logits", forward(model, new Tensor(x, xShape)).Data, LogitsAtol);   // Training (the default)
        foreach (ModuleBuffer b in model.Buffers) Compare(prefix + "after." + b.Name, b.Value.Data, Atol);
        model.Eval();
        Compare(prefix + "eval_logits", forward(model, new Tensor(x, xShape)).Data, LogitsAtol);
    }

    [Fact]
    public void BatchNormCnn_train_step_matches_PyTorch() =>
        Train_step_matches_PyTorch(new BatchNormCnn(seed: 123), "", m => m.CreatePlan(4));

    [Fact]
    public void NestedBatchNorm_train_step_matches_PyTorch() =>
        Train_step_matches_PyTorch(new NestedBatchNorm(seed: 123), "nested.", m => m.CreatePlan(4));

    [Fact]
    public void BatchNormCnn_eager_forward_matches_PyTorch() =>
        Eager_forward_matches_PyTorch(new BatchNormCnn(seed: 123), "", (m, x) => m.Forward((Tensor<Batch, Rgb, Side8, Side8>)x));

    [Fact]
    public void NestedBatchNorm_eager_forward_matches_PyTorch() =>
        Eager_forward_matches_PyTorch(new NestedBatchNorm(seed: 123), "nested.", (m, x) => m.Forward((Tensor<Batch, Rgb, Side8, Side8>)x));
}
