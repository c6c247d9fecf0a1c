using System.CommandLine;
using System.Diagnostics;
using ShapeNet.Data;
using ShapeNet.Optim;
using ShapeNet.Samples.Common;

namespace ShapeNet.Samples.Mnist;

/// <summary>What the MNIST classifier samples share: their options, the training loop over the shipped split
/// (SGD with momentum, cross-entropy, shuffled mini-batches), evaluation, metrics, plot and checkpoint.</summary>
public static class MnistClassifier
{
    /// <summary>A sample's settings; the defaults are the calibration (lr 0.05, momentum 0.9, batch 64, 15 epochs).</summary>
    public sealed record Options(int Epochs, float LearningRate, float Momentum, int BatchSize, int Seed, string? DataFolder, int Limit,
        string? RunsFolder = null);

    /// <summary>The sub-command <paramref name="name"/> with the shared options, running <paramref name="run"/>.</summary>
    public static Command Command(string name, string description, Func<Options, TextWriter, int> run, float defaultLearningRate = 0.05f)
    {
        var epochs = new Option<int>("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => 15 };
        var lr = new Option<float>("--lr") { Description = "SGD learning rate (the lectures use 0.01).", DefaultValueFactory = _ => defaultLearningRate };
        var momentum = new Option<float>("--momentum") { Description = "SGD momentum (the lectures use 0.5).", DefaultValueFactory = _ => 0.9f };
        var batch = new Option<int>("--batch") { Description = "Mini-batch size.", DefaultValueFactory = _ => 64 };
        var seed = new Option<int>("--seed") { Description = "Seed for initialisation and shuffling.", DefaultValueFactory = _ => 0 };
        var data = new Option<string?>("--data") { Description = "Folder with MNIST IDX files (default: the shipped data/mnist)." };
        var limit = new Option<int>("--limit") { Description = "Use only this many training samples (0: all); for quick runs.", DefaultValueFactory = _ => 0 };
        var command = new Command(name, description) { epochs, lr, momentum, batch, seed, data, limit };
        command.SetAction(result => run(new Options(result.GetValue(epochs), result.GetValue(lr), result.GetValue(momentum),
            result.GetValue(batch), result.GetValue(seed), result.GetValue(data), result.GetValue(limit)), Console.Out));
        return command;
    }

    /// <summary>Trains <paramref name="model"/> through <paramref name="plan"/> on the shipped MNIST split, then reports and
    /// saves; returns 0 when the test accuracy reaches <paramref name="expectedAccuracy"/>.</summary>
    public static int Train(string sample, string title, string summary, Module model, NetworkPlan plan, double expectedAccuracy,
        Options options, TextWriter output)
    {
        string folder = options.DataFolder ?? Data.Mnist.DefaultFolder;
        TensorDataset train = Data.Mnist.Load(folder, MnistSplit.Train, Data.Mnist.Normalization);
        TensorDataset test = Data.Mnist.Load(folder, MnistSplit.Test, Data.Mnist.Normalization);
        if (options.Limit > 0 && options.Limit < train.Count) train = Subset(train, options.Limit);

        output.WriteLine(summary);
        output.WriteLine($"data: {train.Count:N0} training and {test.Count:N0} test digits from {folder}");
        output.WriteLine($"SGD lr {options.LearningRate} momentum {options.Momentum}, batch {options.BatchSize}, {options.Epochs} epochs, seed {options.Seed}");

        plan.Configure(Loss.CrossEntropy(), new Sgd(options.LearningRate, momentum: options.Momentum));
        var loader = new DataLoader(train, options.BatchSize, shuffle: true, seed: options.Seed);
        loader.EnsureFeatureShape(1, 28, 28);

        var clock = Stopwatch.StartNew();
        long steps = 0;
        var losses = new List<double>();
        TrainingProgress.Run(output, sample, options.Epochs, progress =>
        {
            for (int epoch = 1; epoch <= options.Epochs; epoch++)
            {
                int batches = 0;
                foreach (MiniBatch b in loader)
                {
                    plan.TrainStep(b.Features.Data.AsSpan(0, b.Count * 784), b.Targets.Data.AsSpan(0, b.Count), b.Count);
                    batches++;
                }
                steps += batches;
                // The epoch's mean loss over its samples, summed on the device by each step: the one read of the epoch.
                double epochLoss = FiniteLoss.ReadAverage(plan, steps);
                losses.Add(epochLoss);
                progress.Report(epoch, epochLoss, (long)epoch * train.Count);
            }
        });
        double seconds = clock.Elapsed.TotalSeconds;
        output.WriteLine($"training: {steps:N0} steps in {seconds:F1} s ({steps / seconds:N0} steps/s at batch {options.BatchSize}, " +
            $"{seconds / Math.Max(1, options.Epochs):F2} s per epoch)");

        double accuracy = Evaluate(plan, test, options.BatchSize);
        plan.CopyParametersToHost(); // the checkpoint reads the network's arrays (a no-op on the CPU, which trains them in place)
        var log = new RunLog(sample, options.RunsFolder);
        log.WriteMetrics(["epoch", "loss"], losses.Select((l, i) => (IReadOnlyList<double>)[i + 1, l]));
        log.WritePlot("loss", new SvgPlot(title + " training loss", "epoch", "mean cross-entropy")
            .Add("train loss", Enumerable.Range(1, losses.Count).Select(e => (double)e).ToArray(), losses, markers: true));
        output.WriteLine($"checkpoint: {log.SaveCheckpoint(model)} (load it in PyTorch with safetensors.torch.load_file)");
        output.WriteLine($"expected test accuracy ≥ {expectedAccuracy:P1}, measured {accuracy:P2}");
        output.WriteLine($"test accuracy: {accuracy:P2}");
        return accuracy >= expectedAccuracy ? 0 : 1;
    }

    /// <summary>Fraction of <paramref name="data"/> whose arg-max logit is the label, in inference mode.</summary>
    public static double Evaluate(NetworkPlan plan, TensorDataset data, int batchSize)
    {
        int correct = 0;
        var logits = new float[batchSize * 10];
        float[] images = data.Features.Data, labels = data.Targets.Data;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int n = Math.Min(batchSize, data.Count - start);
            plan.Forward(images.AsSpan(start * 784, n * 784), logits.AsSpan(0, n * 10), n);
            for (int i = 0; i < n; i++)
            {
                int best = 0;
                for (int c = 1; c < 10; c++) if (logits[i * 10 + c] > logits[i * 10 + best]) best = c;
                if (best == (int)labels[start + i]) correct++;
            }
        }
        return (double)correct / data.Count;
    }

    private static TensorDataset Subset(TensorDataset data, int count)
    {
        int[] featureShape = data.Features.Shape, targetShape = data.Targets.Shape;
        featureShape[0] = count;
        targetShape[0] = count;
        int featureSize = data.Features.Numel / data.Count, targetSize = data.Targets.Numel / data.Count;
        return new TensorDataset(new Tensor(data.Features.Data.AsSpan(0, count * featureSize).ToArray(), featureShape),
            new Tensor(data.Targets.Data.AsSpan(0, count * targetSize).ToArray(), targetShape));
    }
}
