using ShapeNet.Optim;
using ShapeNet.Runtime.Tests.Support;
using ShapeNet.Samples.Cnn;
using Xunit.Abstractions;

namespace ShapeNet.Networks.Tests;

/// <summary>
/// The curriculum's CNNs — lecture 10's <see cref="BasicCnn"/> (tests/golden/basic_cnn.py) and lecture 11's
/// <see cref="InceptionCnn"/> and <see cref="ResNetCnn"/> (tests/golden/lecture11_cnns.py) — against PyTorch: PyTorch's weights
/// copied in by state-dict name (so the names must match PyTorch's module paths, <c>incep1.branch3x3_1.weight</c>), one
/// cross-entropy train step with SGD(lr 0) so the weights stay put, then the logits (plan and eager forward), the loss, every
/// parameter gradient and the input gradient. Tolerance: rtol 1e-4, atol 1e-6 (1e-5 for the logits, 1e-5 × max |grad.x| for
/// grad.x, whose values cross zero).
/// </summary>
public class PyTorchCnnGoldenTests(ITestOutputHelper output)
{
    private const double Rtol = 1e-4, Atol = 1e-6;

    public static TheoryData<string> Networks => new() { "basic_cnn", "inception_cnn", "resnet_cnn" };

    private static readonly Dictionary<string, IReadOnlyDictionary<string, (int[] Shape, float[] Data)>> Goldens = new();

    private static IReadOnlyDictionary<string, (int[] Shape, float[] Data)> Golden(string name)
    {
        lock (Goldens)
        {
            if (!Goldens.TryGetValue(name, out var golden))
                Goldens[name] = golden = GoldenFile.Load(GoldenFile.PathOf(name + ".sntensors.gz"));
            return golden;
        }
    }

    /// <summary>The network with a seed unlike PyTorch's, its plan at <paramref name="batch"/>, and its eager forward.</summary>
    private static (Module Model, NetworkPlan Plan, Func<Tensor, Tensor> Eager) Create(string name, int batch)
    {
        switch (name)
        {
            case "basic_cnn":
            {
                var model = new BasicCnn(seed: 123);
                return (model, model.CreatePlan(batch), x => model.Forward(x));
            }
            case "inception_cnn":
            {
                var model = new InceptionCnn(seed: 123);
                return (model, model.CreatePlan(batch), x => model.Forward(x));
            }
            case "resnet_cnn":
            {
                var model = new ResNetCnn(seed: 123);
                return (model, model.CreatePlan(batch), x => model.Forward(x));
            }
            default:
                throw new ArgumentException(name);
        }
    }

    /// <summary>Copies PyTorch's weights in by name; every ShapeNet parameter must exist in PyTorch's state dict with its shape,
    /// and the two name sets must be equal.</summary>
    private static void LoadPyTorchWeights(Module model, IReadOnlyDictionary<string, (int[] Shape, float[] Data)> golden)
    {
        foreach (Parameter p in model.Parameters)
        {
            Assert.True(golden.TryGetValue(p.Name, out var tensor), $"PyTorch has no parameter named {p.Name}");
            Assert.True(tensor.Shape.SequenceEqual(p.Shape), $"{p.Name}: PyTorch's shape {Tensor.ShapeText(tensor.Shape)}, ShapeNet's {Tensor.ShapeText(p.Shape)}");
            tensor.Data.CopyTo(p.Value.Data, 0);
        }
        string[] pytorchNames = golden.Keys.Where(k => !k.StartsWith("grad.", StringComparison.Ordinal) && k is not ("x" or "labels" or "logits" or "loss")).Order().ToArray();
        Assert.Equal(pytorchNames, model.Parameters.Select(p => p.Name).Order());
    }

    private static double MaxDiff(float[] expected, float[] actual) => expected.Zip(actual, (e, a) => Math.Abs((double)e - a)).Max();

    [Theory]
    [MemberData(nameof(Networks))]
    public void Train_step_matches_PyTorch_logits_loss_and_every_gradient(string name)
    {
        var golden = Golden(name);
        var (xShape, x) = golden["x"];
        float[] labels = golden["labels"].Data;
        int batch = xShape[0];
        var (model, plan, _) = Create(name, batch);
        using NetworkPlan disposePlan = plan;
        LoadPyTorchWeights(model, golden);
        plan.Configure(Loss.CrossEntropy(), new Sgd(0f));
        plan.ComputeInputGradients = true;

        plan.TrainStep(x, labels, batch);
        plan.CopyGradientsToHost();

        float[] logits = plan.OutputToArray();
        output.WriteLine($"{name} logits: max |difference| {MaxDiff(golden["logits"].Data, logits):G3} (max |value| {golden["logits"].Data.Max(Math.Abs):G3})");
        Numerics.AssertClose(golden["logits"].Data, logits, Rtol, 1e-5, "logits", golden["logits"].Shape);

        float loss = plan.Loss;
        output.WriteLine($"loss: {loss} vs PyTorch {golden["loss"].Data[0]}, |difference| {Math.Abs(loss - golden["loss"].Data[0]):G3}");
        Numerics.AssertClose(golden["loss"].Data, [loss], Rtol, Atol, "loss");

        double worst = 0;
        string worstName = string.Empty;
        foreach (Parameter p in model.Parameters)
        {
            var (shape, expected) = golden["grad." + p.Name];
            double diff = MaxDiff(expected, p.Grad.Data);
            if (diff >= worst) (worst, worstName) = (diff, p.Name);
            output.WriteLine($"grad.{p.Name}: max |difference| {diff:G3} (max |value| {expected.Max(Math.Abs):G3})");
            Numerics.AssertClose(expected, p.Grad.Data, Rtol, Atol, "grad." + p.Name, shape);
        }
        output.WriteLine($"worst parameter gradient: {worstName}, {worst:G3}");

        float[] dx = plan.InputGradient(0);
        output.WriteLine($"grad.x: max |difference| {MaxDiff(golden["grad.x"].Data, dx):G3} (max |value| {golden["grad.x"].Data.Max(Math.Abs):G3})");
        Numerics.AssertClose(golden["grad.x"].Data, dx, Rtol, 1e-5 * golden["grad.x"].Data.Max(Math.Abs), "grad.x", golden["grad.x"].Shape);

        // lr 0: the weights are PyTorch's still.
        foreach (Parameter p in model.Parameters)
            Assert.Equal(golden[p.Name].Data, p.Value.Data);
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Eager_forward_matches_PyTorch_logits(string name)
    {
        var golden = Golden(name);
        var (xShape, x) = golden["x"];
        var (model, plan, eager) = Create(name, 1);
        plan.Dispose();
        LoadPyTorchWeights(model, golden);
        Tensor logits = eager(new Tensor(x, xShape));
        output.WriteLine($"{name} eager logits: max |difference| {MaxDiff(golden["logits"].Data, logits.Data):G3}");
        Numerics.AssertClose(golden["logits"].Data, logits.Data, Rtol, 1e-5, "eager logits", logits.Shape);
    }
}
