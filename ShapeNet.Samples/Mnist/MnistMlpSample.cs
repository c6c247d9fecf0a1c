using System.CommandLine;
using System.Diagnostics;
using ShapeNet.Data;
using ShapeNet.Optim;
using ShapeNet.Samples.Common;

namespace ShapeNet.Samples.Mnist;

/// <summary>Lecture 9: trains <see cref="MnistMlp"/> on the shipped MNIST split and reports test accuracy.</summary>
public static class MnistMlpSample
{
    /// <summary>The accuracy the sample must reach with its defaults on the shipped 8,000/2,000 split.</summary>
    public const double ExpectedAccuracy = 0.94;

    public static Command Command()
    {
        var epochs = new Option<int>("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => 15 };
        var lr = new Option<float>("--lr") { Description = "SGD learning rate (the lecture uses 0.01).", DefaultValueFactory = _ => 0.05f };
        var momentum = new Option<float>("--momentum") { Description = "SGD momentum (the lecture uses 0.5).", DefaultValueFactory = _ => 0.9f };
        var batch = new Option<int>("--batch") { Description = "Mini-batch size.", DefaultValueFactory = _ => 64 };
        var seed = new Option<int>("--seed") { Description = "Seed for initialisation and shuffling.", DefaultValueFactory = _ => 0 };
        var data = new Option<string?>("--data") { Description = "Folder with MNIST IDX files (default: the shipped data/mnist)." };
        var limit = new Option<int>("--limit") { Description = "Use only this many training samples (0: all); for quick runs.", DefaultValueFactory = _ => 0 };
        var command = new Command("mnist-mlp", "Lecture 9: softmax classifier 784-512-256-128-64-10 on MNIST.")
        {
            epochs, lr, momentum, batch, seed, data, limit,
        };
        command.SetAction(result => Run(new Options(result.GetValue(epochs), result.GetValue(lr), result.GetValue(momentum),
            result.GetValue(batch), result.GetValue(seed), result.GetValue(data), result.GetValue(limit)), Console.Out));
        return command;
    }

    public sealed record Options(int Epochs, float LearningRate, float Momentum, int BatchSize, int Seed, string? DataFolder, int Limit,
        string? RunsFolder = null);

    /// <summary>Runs the sample; returns 0 when the test accuracy reaches <see cref="ExpectedAccuracy"/>.</summary>
    public static int Run(Options options, TextWriter output)
    {
        string folder = options.DataFolder ?? Data.Mnist.DefaultFolder;
        TensorDataset train = Data.Mnist.Load(folder, MnistSplit.Train, Data.Mnist.Normalization);
        TensorDataset test = Data.Mnist.Load(folder, MnistSplit.Test, Data.Mnist.Normalization);
        if (options.Limit > 0 && options.Limit < train.Count) train = Subset(train, options.Limit);

        output.WriteLine(MnistMlp.Summary);
        output.WriteLine($"data: {train.Count:N0} training and {test.Count:N0} test digits from {folder}");
        output.WriteLine($"SGD lr {options.LearningRate} momentum {options.Momentum}, batch {options.BatchSize}, {options.Epochs} epochs, seed {options.Seed}");

        var model = new MnistMlp(options.Seed);
        using MnistMlp.Plan plan = model.CreatePlan(options.BatchSize);
        plan.Configure(Loss.CrossEntropy(), new Sgd(options.LearningRate, momentum: options.Momentum));
        var loader = new DataLoader(train, options.BatchSize, shuffle: true, seed: options.Seed);
        loader.EnsureFeatureShape(1, 28, 28);

        var clock = Stopwatch.StartNew();
        long steps = 0;
        var losses = new List<double>();
        TrainingProgress.Run(output, "mnist-mlp", options.Epochs, progress =>
        {
            for (int epoch = 1; epoch <= options.Epochs; epoch++)
            {
                double lossSum = 0;
                int batches = 0;
                foreach (MiniBatch b in loader)
                {
                    plan.TrainStep(b.Features.Data.AsSpan(0, b.Count * 784), b.Targets.Data.AsSpan(0, b.Count), b.Count);
                    lossSum += plan.Loss;
                    batches++;
                }
                steps += batches;
                losses.Add(lossSum / batches);
                progress.Report(epoch, lossSum / batches, (long)epoch * train.Count);
            }
        });
        output.WriteLine($"training: {steps:N0} steps in {clock.Elapsed.TotalSeconds:F1} s ({steps / clock.Elapsed.TotalSeconds:N0} steps/s at batch {options.BatchSize})");

        double accuracy = Evaluate(plan, test, options.BatchSize);
        var log = new RunLog("mnist-mlp", options.RunsFolder);
        log.WriteMetrics(["epoch", "loss"], losses.Select((l, i) => (IReadOnlyList<double>)[i + 1, l]));
        log.WritePlot("loss", new SvgPlot("Lecture 9: MNIST MLP training loss", "epoch", "mean cross-entropy")
            .Add("train loss", Enumerable.Range(1, losses.Count).Select(e => (double)e).ToArray(), losses, markers: true));
        output.WriteLine($"checkpoint: {log.SaveCheckpoint(model)} (load it in PyTorch with safetensors.torch.load_file)");
        output.WriteLine($"expected test accuracy ≥ {ExpectedAccuracy:P0}, measured {accuracy:P2}");
        output.WriteLine($"test accuracy: {accuracy:P2}");
        return accuracy >= ExpectedAccuracy ? 0 : 1;
    }

    /// <summary>Fraction of <paramref name="data"/> whose arg-max logit is the label, in inference mode.</summary>
    public static double Evaluate(MnistMlp.Plan plan, TensorDataset data, int batchSize)
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
