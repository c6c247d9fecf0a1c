using System.CommandLine;
using System.Diagnostics;
using ShapeNet.Data;
using ShapeNet.Optim;
using ShapeNet.Samples.Common;

namespace ShapeNet.Samples.Softmax;

/// <summary>
/// *Dive into Deep Learning* §3.7, the concise softmax regression on Fashion-MNIST: the <see cref="SoftmaxRegression"/> network
/// (Flatten, Linear(784, 10)) with its weight drawn from N(0, 0.01²) (<c>nn.init.normal_(m.weight, std=0.01)</c>; the bias
/// keeps PyTorch's default), <c>Loss.CrossEntropy()</c> and <c>Sgd(0.1)</c>, batch 256, 10 epochs, trained by the generated plan.
/// </summary>
public static class SoftmaxConciseSample
{
    public const string Name = "softmax-concise";

    public static Command Command() =>
        SoftmaxTraining.Command(Name, "d2l 3.7: concise softmax regression on Fashion-MNIST ([Network] Flatten + Linear(784, 10), CrossEntropy, SGD).", Run);

    public static int Run(SoftmaxTraining.Options options, TextWriter output)
    {
        (TensorDataset train, TensorDataset test) = SoftmaxTraining.LoadData(options, output);
        SoftmaxRegression model = CreateModel(options.Seed);
        output.WriteLine(SoftmaxRegression.Summary);
        using SoftmaxRegression.Plan plan = model.CreatePlan(options.BatchSize, SampleDevice.Backend);
        plan.Configure(Loss.CrossEntropy(), new Sgd(options.LearningRate));

        var loader = new DataLoader(train, options.BatchSize, shuffle: true, seed: options.Seed);
        loader.EnsureFeatureShape(1, 28, 28);
        var logits = new float[options.BatchSize * 10];
        SoftmaxTraining.Predict net = images => Predict(plan, images);
        var clock = Stopwatch.StartNew();
        long step = 0;
        List<SoftmaxTraining.EpochMetrics> history = SoftmaxTraining.TrainCh3(Name, loader, test, options.Epochs,
            batch => TrainBatch(plan, batch, logits, ++step), net, output);
        double seconds = clock.Elapsed.TotalSeconds;
        plan.CopyParametersToHost(); // the checkpoint reads the network's arrays (a no-op on the CPU)
        var log = new RunLog(Name, options.RunsFolder);
        output.WriteLine($"checkpoint: {log.SaveCheckpoint(model)} (keys 1.weight, 1.bias: the book's nn.Sequential state dict)");
        return SoftmaxTraining.Finish(Name, "d2l 3.7: concise softmax regression", history, net, test, seconds, options, output);
    }

    /// <summary>The network with the book's initialisation: <c>1.weight</c> from N(0, 0.01²) (seeded), <c>1.bias</c> PyTorch's default.</summary>
    public static SoftmaxRegression CreateModel(int seed)
    {
        var model = new SoftmaxRegression(seed);
        Parameter weight = model.Parameters.Single(p => p.Name == "1.weight");
        weight.Value[..] = Tensor.Normal(new TensorRandom(seed), 0, 0.01, weight.Shape);
        return model;
    }

    /// <summary>One step of d2l's <c>train_epoch_ch3</c> with a built-in optimizer: the plan's train step (forward, mean
    /// cross-entropy, backward, SGD update), then the summed loss and the correct predictions of the step's forward pass,
    /// read from its output before the next step. A loss that is not finite stops the run, naming <paramref name="step"/>.</summary>
    public static (double LossSum, int Correct) TrainBatch(NetworkPlan plan, MiniBatch batch, float[] logits, long step)
    {
        int n = batch.Count;
        plan.TrainStep(batch.Features.Data.AsSpan(0, n * 784), batch.Targets.Data.AsSpan(0, n), n);
        plan.DownloadOutput(logits);
        return ((double)FiniteLoss.Read(plan, step) * n, SoftmaxTraining.CountCorrect(logits, 10, batch.Targets.Data.AsSpan(0, n)));
    }

    /// <summary>The plan's inference forward on <paramref name="images"/> (at most its batch capacity): logits <c>[n, 10]</c>.</summary>
    public static Tensor Predict(NetworkPlan plan, Tensor images)
    {
        int n = images.Size(0);
        var logits = new float[n * 10];
        plan.Forward(images.Data, logits, n);
        return new Tensor(logits, n, 10);
    }
}
