using System.CommandLine;

namespace ShapeNet.Samples.Mnist;

/// <summary>Lecture 9: trains <see cref="MnistMlp"/> on the shipped MNIST split and reports test accuracy.</summary>
public static class MnistMlpSample
{
    /// <summary>The accuracy the sample must reach with its defaults on the shipped 8,000/2,000 split.</summary>
    public const double ExpectedAccuracy = 0.94;

    public static Command Command() =>
        MnistClassifier.Command("mnist-mlp", "Lecture 9: softmax classifier 784-512-256-128-64-10 on MNIST.", Run);

    /// <summary>Runs the sample; returns 0 when the test accuracy reaches <see cref="ExpectedAccuracy"/>.</summary>
    public static int Run(MnistClassifier.Options options, TextWriter output)
    {
        var model = new MnistMlp(options.Seed);
        using MnistMlp.Plan plan = model.CreatePlan(options.BatchSize, SampleDevice.Backend);
        return MnistClassifier.Train("mnist-mlp", "Lecture 9: MNIST MLP", MnistMlp.Summary, model, plan, ExpectedAccuracy, options, output);
    }
}
