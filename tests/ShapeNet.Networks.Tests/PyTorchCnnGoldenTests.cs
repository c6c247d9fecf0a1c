using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Optim;
using ShapeNet.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace ShapeNet.Networks.Tests;

/// <summary>
/// The lecture-10 CNN against PyTorch (tests/golden/basic_cnn.py): PyTorch's weights copied in by name, one cross-entropy
/// train step with SGD(lr 0) so the weights stay put, then the logits (plan and eager forward), the loss, every parameter
/// gradient and the input gradient. Tolerance: rtol 1e-4, atol 1e-6 (1e-5 for the logits, 1e-5 × max |grad.x| for grad.x,
/// whose values cross zero).
/// </summary>
public class PyTorchCnnGoldenTests(ITestOutputHelper output)
{
    private const double Rtol = 1e-4, Atol = 1e-6;

    private static readonly IReadOnlyDictionary<string, (int[] Shape, float[] Data)> Golden = GoldenFile.Load(GoldenFile.PathOf("basic_cnn.sntensors.gz"));

    private static readonly string[] PyTorchNames = ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc.weight", "fc.bias"];

    private static BasicCnn LoadPyTorchWeights()
    {
        var model = new BasicCnn(seed: 123);
        foreach (Parameter p in model.Parameters)
        {
            Assert.True(Golden.TryGetValue(p.Name, out var tensor), $"PyTorch has no parameter named {p.Name}");
            Assert.Equal(tensor.Shape, p.Shape);
            tensor.Data.CopyTo(p.Value.Data, 0);
        }
        Assert.Equal(PyTorchNames.Order(), model.Parameters.Select(p => p.Name).Order());
        return model;
    }

    private static double MaxDiff(float[] expected, float[] actual) => expected.Zip(actual, (e, a) => Math.Abs((double)e - a)).Max();

    [Fact]
    public void Train_step_matches_PyTorch_logits_loss_and_every_gradient()
    {
        BasicCnn model = LoadPyTorchWeights();
        var (xShape, x) = Golden["x"];
        float[] labels = Golden["labels"].Data;
        int batch = xShape[0];
        using BasicCnn.Plan plan = model.CreatePlan(batch);
        plan.Configure(Loss.CrossEntropy(), new Sgd(0f));
        plan.ComputeInputGradients = true;

        plan.TrainStep(x, labels, batch);
        plan.CopyGradientsToHost();

        float[] logits = plan.OutputToArray();
        output.WriteLine($"logits: max |difference| {MaxDiff(Golden["logits"].Data, logits):G3} (max |value| {Golden["logits"].Data.Max(Math.Abs):G3})");
        Numerics.AssertClose(Golden["logits"].Data, logits, Rtol, 1e-5, "logits", Golden["logits"].Shape);

        float loss = plan.Loss;
        output.WriteLine($"loss: {loss} vs PyTorch {Golden["loss"].Data[0]}, |difference| {Math.Abs(loss - Golden["loss"].Data[0]):G3}");
        Numerics.AssertClose(Golden["loss"].Data, [loss], Rtol, Atol, "loss");

        foreach (Parameter p in model.Parameters)
        {
            var (shape, expected) = Golden["grad." + p.Name];
            output.WriteLine($"grad.{p.Name}: max |difference| {MaxDiff(expected, p.Grad.Data):G3} (max |value| {expected.Max(Math.Abs):G3})");
            Numerics.AssertClose(expected, p.Grad.Data, Rtol, Atol, "grad." + p.Name, shape);
        }

        float[] dx = plan.InputGradient(0);
        output.WriteLine($"grad.x: max |difference| {MaxDiff(Golden["grad.x"].Data, dx):G3} (max |value| {Golden["grad.x"].Data.Max(Math.Abs):G3})");
        Numerics.AssertClose(Golden["grad.x"].Data, dx, Rtol, 1e-5 * Golden["grad.x"].Data.Max(Math.Abs), "grad.x", Golden["grad.x"].Shape);

        // lr 0: the weights are PyTorch's still.
        foreach (Parameter p in model.Parameters)
            Assert.Equal(Golden[p.Name].Data, p.Value.Data);
    }

    [Fact]
    public void Eager_forward_matches_PyTorch_logits()
    {
        BasicCnn model = LoadPyTorchWeights();
        var (xShape, x) = Golden["x"];
        Tensor logits = model.Forward(new Tensor(x, xShape));
        output.WriteLine($"eager logits: max |difference| {MaxDiff(Golden["logits"].Data, logits.Data):G3}");
        Numerics.AssertClose(Golden["logits"].Data, logits.Data, Rtol, 1e-5, "eager logits", logits.Shape);
    }
}
