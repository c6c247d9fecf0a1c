using System.CommandLine;
using ShapeNet.Data;
using ShapeNet.Optim;
using ShapeNet.Samples.Common;

namespace ShapeNet.Samples.BreastCancer;

/// <summary>
/// Lecture 7: <see cref="TabularModel"/> on the shipped breast-cancer data (8 standardized features, 455 training and
/// 114 test samples) with BCE (mean) and full-batch SGD lr 0.1. With <c>--loader</c>, lecture 8: the same through a
/// shuffling <see cref="DataLoader"/> of batch 32 (mini-batch SGD), 100 epochs. Either way the test accuracy must clear
/// the majority-class rate (always "benign": 63.16%) by <see cref="MarginOverMajority"/>.
/// </summary>
/// <remarks>
/// The lecture's 100 full-batch epochs are 100 updates: with a sigmoid after every layer the network is still on its
/// initial plateau then (loss 0.660, every sample predicted benign, 63.16%), so the full-batch run defaults to
/// <see cref="FullBatchEpochs"/>, the 1,500 updates that the loader's 100 epochs of 15 batches make, and prints its
/// test accuracy after the lecture's 100 epochs too.
/// </remarks>
public static class TabularSample
{
    /// <summary>How far above the majority-class rate the test accuracy must be ("clearly above the majority class").</summary>
    public const double MarginOverMajority = 0.10;

    /// <summary>The lecture's epoch count (lecture 8's default; lecture 7's 100 full-batch epochs are reported on the way).</summary>
    public const int LectureEpochs = 100;

    /// <summary>The full-batch default: as many updates as 100 loader epochs of ⌈455 / 32⌉ = 15 batches.</summary>
    public const int FullBatchEpochs = 1500;

    public sealed record Options(bool Loader = false, int? Epochs = null, float LearningRate = 0.1f, int BatchSize = 32, int Seed = 0,
        string? RunsFolder = null);

    public static Command Command()
    {
        var loader = new Option<bool>("--loader") { Description = "Lecture 8: mini-batches from a shuffling DataLoader instead of the full batch." };
        var epochs = new Option<int?>("--epochs") { Description = $"Epochs (default {FullBatchEpochs} full batch, {LectureEpochs} with --loader; the lecture uses {LectureEpochs})." };
        var lr = new Option<float>("--lr") { Description = "SGD learning rate.", DefaultValueFactory = _ => 0.1f };
        var batch = new Option<int>("--batch") { Description = "Mini-batch size with --loader.", DefaultValueFactory = _ => 32 };
        var seed = new Option<int>("--seed") { Description = "Seed for initialisation and shuffling.", DefaultValueFactory = _ => 0 };
        var runs = new Option<string?>("--runs") { Description = "Folder for metrics.csv and the plots (default: runs)." };
        var command = new Command("tabular", "Lectures 7/8: 8 → 6 → 4 → 1 sigmoid network with BCE on the breast-cancer data; beats the majority class.")
        {
            loader, epochs, lr, batch, seed, runs,
        };
        command.SetAction(result => Run(new Options(result.GetValue(loader), result.GetValue(epochs), result.GetValue(lr), result.GetValue(batch),
            result.GetValue(seed), result.GetValue(runs)), Console.Out));
        return command;
    }

    public static int Run(Options options, TextWriter output)
    {
        TabularSplit data = Tabular.LoadBreastCancer(features: 8);
        TensorDataset train = data.Train, test = data.Test;
        string name = options.Loader ? "tabular-loader" : "tabular";
        int batchSize = options.Loader ? options.BatchSize : train.Count;
        int epochs = options.Epochs ?? (options.Loader ? LectureEpochs : FullBatchEpochs);
        double? lectureAccuracy = null; // full batch: the test accuracy after the lecture's 100 epochs

        output.WriteLine(TabularModel.Summary);
        output.WriteLine($"data: {train.Count} training and {test.Count} test samples from {Tabular.BreastCancerFolder}, "
            + $"features standardized: {string.Join(", ", data.FeatureNames)}");
        output.WriteLine(options.Loader
            ? $"lecture 8: DataLoader batch {batchSize}, shuffle, prefetch; BCE (mean), mini-batch SGD lr {options.LearningRate}, {epochs} epochs, seed {options.Seed}"
            : $"lecture 7: full batch ({batchSize}); BCE (mean), SGD lr {options.LearningRate}, {epochs} epochs, seed {options.Seed}");

        var model = new TabularModel(options.Seed);
        var losses = new double[epochs];
        using TabularModel.Plan plan = model.CreatePlan(batchSize, SampleDevice.Backend);
        plan.Configure(Loss.Bce(Reduction.Mean), new Sgd(options.LearningRate));
        if (options.Loader)
        {
            var loader = new DataLoader(train, batchSize, shuffle: true, seed: options.Seed);
            loader.EnsureFeatureShape<Measurements>();
            loader.EnsureTargetShape(1);
            long step = 0;
            TrainingProgress.Run(output, name, epochs, progress =>
            {
                for (int epoch = 0; epoch < epochs; epoch++)
                {
                    // The epoch's loss is the mean over its samples of the per-batch mean BCE (the last batch is short), summed on
                    // the device by each step and read once per epoch.
                    foreach (MiniBatch b in loader)
                    {
                        plan.TrainStep(b.Features.Data.AsSpan(0, b.Count * 8), b.Targets.Data.AsSpan(0, b.Count), b.Count);
                        step++;
                    }
                    losses[epoch] = FiniteLoss.ReadAverage(plan, step);
                    progress.Report(epoch + 1, losses[epoch], (long)(epoch + 1) * train.Count);
                }
            });
        }
        else
        {
            float[] features = train.Features.Data, targets = train.Targets.Data;
            TrainingProgress.Run(output, name, epochs, progress =>
            {
                for (int epoch = 0; epoch < epochs; epoch++)
                {
                    plan.TrainStep(features, targets, train.Count);
                    losses[epoch] = FiniteLoss.Read(plan, epoch + 1);
                    progress.Report(epoch + 1, losses[epoch], (long)(epoch + 1) * train.Count);
                    if (epoch + 1 == LectureEpochs && epochs > LectureEpochs) lectureAccuracy = Accuracy(plan, test, batchSize);
                }
            });
        }

        double majority = MajorityRate(test), trainAccuracy = Accuracy(plan, train, batchSize), accuracy = Accuracy(plan, test, batchSize);
        output.WriteLine($"loss: epoch 1 {Report.Number(losses[0])}, epoch {losses.Length} {Report.Number(losses[^1])} "
            + $"(min {Report.Number(losses.Min())}, last / first = {Report.Number(losses[^1] / losses[0])})");
        if (lectureAccuracy is double atLecture)
            output.WriteLine($"test accuracy after the lecture's {LectureEpochs} full-batch epochs (loss {Report.Number(losses[LectureEpochs - 1])}): "
                + $"{Report.Number(atLecture * 100, "F2")}%");
        output.WriteLine($"train accuracy {Report.Number(trainAccuracy * 100, "F2")}%");

        var log = new RunLog(name, options.RunsFolder);
        output.WriteLine($"checkpoint: {log.SaveCheckpoint(model)}");
        log.WriteMetrics(["epoch", "loss"], losses.Select((l, i) => (IReadOnlyList<double>)[i + 1, l]));
        log.WritePlot("loss", new SvgPlot(options.Loader ? "Lecture 8: BCE (mean) per epoch, DataLoader batch " + batchSize : "Lecture 7: BCE (mean) per epoch, full batch",
                "epoch", "loss")
            .Add($"SGD lr {options.LearningRate}", Enumerable.Range(1, losses.Length).Select(e => (double)e).ToArray(), losses));

        var report = new Report(output);
        report.Check("loss falls", losses[^1] < losses[0], Report.Number(losses[^1]), $"< epoch 1's {Report.Number(losses[0])}");
        output.WriteLine($"majority class (benign) on the test split: {Report.Number(majority * 100, "F2")}%");
        report.Check("test accuracy", accuracy >= majority + MarginOverMajority, Percent(accuracy),
            $"≥ {Percent(majority + MarginOverMajority)}: the majority class's {Percent(majority)} + {MarginOverMajority * 100:F0} points");
        output.WriteLine($"test accuracy: {Report.Number(accuracy * 100, "F2")}%");
        return report.ExitCode;
    }

    private static string Percent(double fraction) => Report.Number(fraction * 100, "F2") + "%";

    /// <summary>The fraction of <paramref name="data"/> in its more frequent class (the accuracy of always predicting it).</summary>
    public static double MajorityRate(TensorDataset data)
    {
        int ones = data.Targets.Data.Count(t => t == 1);
        return Math.Max(ones, data.Count - ones) / (double)data.Count;
    }

    /// <summary>The fraction of <paramref name="data"/> whose P(benign) ≥ 0.5 matches the label, in inference mode.</summary>
    public static double Accuracy(TabularModel.Plan plan, TensorDataset data, int batchSize)
    {
        int correct = 0;
        var probabilities = new float[batchSize];
        float[] features = data.Features.Data, labels = data.Targets.Data;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int n = Math.Min(batchSize, data.Count - start);
            plan.Forward(features.AsSpan(start * 8, n * 8), probabilities.AsSpan(0, n), n);
            for (int i = 0; i < n; i++)
                if ((probabilities[i] >= 0.5f ? 1f : 0f) == labels[start + i]) correct++;
        }
        return (double)correct / data.Count;
    }
}
