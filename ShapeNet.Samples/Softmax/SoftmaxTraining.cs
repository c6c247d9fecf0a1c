using System.CommandLine;
using System.Globalization;
using ShapeNet.Data;
using ShapeNet.Samples.Common;

namespace ShapeNet.Samples.Softmax;

/// <summary>
/// What the two softmax-regression samples share, after d2l's <c>train_ch3</c>: loading Fashion-MNIST as
/// <c>load_data_fashion_mnist</c> does, the epoch loop (<c>train_epoch_ch3</c>: summed loss and correct predictions per
/// batch; <c>evaluate_accuracy</c> on the test set after each epoch), the <c>Animator</c>'s curves, <c>predict_ch3</c>'s
/// labelled test images, and the report.
/// </summary>
public static class SoftmaxTraining
{
    /// <summary>
    /// The floor the last epoch's test accuracy must reach with the book's settings on the shipped 20,000/5,000 subset (from
    /// the official training and test sets). With lr 0.1 the test accuracy swings by up to 8 points from one epoch to the
    /// next, so the last epoch's figure is spread: over seeds 0–9 PyTorch 1.13 gave 74.3–82.0 % (median 80.7 %), ShapeNet
    /// 74.3–82.1 % (docs/samples.md), and ShapeNet trains step for step as PyTorch does from the same start and batches
    /// (SoftmaxGoldenTests). The floor sits 2 points under every measured run, so a seed fails only when training is broken;
    /// the 82 % planned for this subset is above the median of PyTorch itself (83.1 % needs the whole 60,000 training images).
    /// </summary>
    public const double ExpectedAccuracy = 0.72;

    /// <summary>Test images <see cref="WritePredictions"/> shows, as rows of <see cref="PredictionColumns"/>.</summary>
    public const int PredictionCount = 18, PredictionColumns = 6;

    /// <summary>The book's settings by default: lr 0.1, batch 256, 10 epochs.</summary>
    public sealed record Options(int Epochs = 10, float LearningRate = 0.1f, int BatchSize = 256, int Seed = 0, string? DataFolder = null,
        int Limit = 0, string? RunsFolder = null);

    /// <summary>One epoch's point of the <c>Animator</c>: mean training loss and accuracy over the epoch's batches, and
    /// the test accuracy after it.</summary>
    public readonly record struct EpochMetrics(double TrainLoss, double TrainAccuracy, double TestAccuracy);

    /// <summary>One minibatch step (<c>train_epoch_ch3</c>'s loop body): trains on <paramref name="batch"/> and returns the sum of
    /// its per-sample losses and its number of correct predictions, both from the forward pass before the update.</summary>
    public delegate (double LossSum, int Correct) TrainBatch(MiniBatch batch);

    /// <summary>The model's scores <c>[n, 10]</c> (probabilities or logits: only the arg-max is read) for images <c>[n, 1, 28, 28]</c>,
    /// n at most the batch size.</summary>
    public delegate Tensor Predict(Tensor images);

    public static Command Command(string name, string description, Func<Options, TextWriter, int> run)
    {
        var epochs = new Option<int>("--epochs") { Description = "Training epochs (the book: 10).", DefaultValueFactory = _ => 10 };
        var lr = new Option<float>("--lr") { Description = "SGD learning rate (the book: 0.1).", DefaultValueFactory = _ => 0.1f };
        var batch = new Option<int>("--batch") { Description = "Mini-batch size (the book: 256).", DefaultValueFactory = _ => 256 };
        var seed = new Option<int>("--seed") { Description = "Seed for the initial weights and the shuffling.", DefaultValueFactory = _ => 0 };
        var data = new Option<string?>("--data") { Description = "Folder with Fashion-MNIST IDX files (default: the shipped data/fashion_mnist)." };
        var limit = new Option<int>("--limit") { Description = "Use only this many training images (0: all); for quick runs.", DefaultValueFactory = _ => 0 };
        var runs = new Option<string?>("--runs") { Description = "Folder for metrics.csv and the pictures (default: runs)." };
        var command = new Command(name, description) { epochs, lr, batch, seed, data, limit, runs };
        command.SetAction(result => run(new Options(result.GetValue(epochs), result.GetValue(lr), result.GetValue(batch), result.GetValue(seed),
            result.GetValue(data), result.GetValue(limit), result.GetValue(runs)), Console.Out));
        return command;
    }

    /// <summary>d2l's <c>load_data_fashion_mnist</c>: images scaled to 0–1 (<c>ToTensor</c>), no normalization; the training
    /// set cut to <see cref="Options.Limit"/> images when given.</summary>
    public static (TensorDataset Train, TensorDataset Test) LoadData(Options options, TextWriter output)
    {
        string folder = options.DataFolder ?? FashionMnist.DefaultFolder;
        TensorDataset train = FashionMnist.Load(folder, MnistSplit.Train), test = FashionMnist.Load(folder, MnistSplit.Test);
        if (options.Limit > 0 && options.Limit < train.Count) train = FirstSamples(train, options.Limit);
        output.WriteLine($"data: {train.Count:N0} training and {test.Count:N0} test images from {folder}");
        output.WriteLine($"minibatch SGD lr {options.LearningRate}, batch {options.BatchSize}, {options.Epochs} epochs, seed {options.Seed}");
        return (train, test);
    }

    /// <summary>d2l's <c>train_ch3</c>: <paramref name="epochs"/> passes of <paramref name="step"/> over <paramref name="train"/>,
    /// each followed by <see cref="EvaluateAccuracy"/> on <paramref name="test"/>.</summary>
    public static List<EpochMetrics> TrainCh3(string sample, DataLoader train, TensorDataset test, int epochs, TrainBatch step, Predict net,
        TextWriter output)
    {
        var history = new List<EpochMetrics>();
        TrainingProgress.Run(output, sample, epochs, progress =>
        {
            for (int epoch = 1; epoch <= epochs; epoch++)
            {
                double lossSum = 0;
                long correct = 0, seen = 0;
                foreach (MiniBatch batch in train)
                {
                    (double loss, int right) = step(batch);
                    lossSum += loss;
                    correct += right;
                    seen += batch.Count;
                }
                history.Add(new EpochMetrics(lossSum / seen, (double)correct / seen, EvaluateAccuracy(net, test, train.BatchSize)));
                progress.Report(epoch, lossSum / seen, epoch * seen);
            }
        });
        return history;
    }

    /// <summary>d2l's <c>evaluate_accuracy(net, data_iter)</c>: the fraction of <paramref name="data"/> whose arg-max score is
    /// the label, in batches of <paramref name="batchSize"/>.</summary>
    public static double EvaluateAccuracy(Predict net, TensorDataset data, int batchSize)
    {
        long correct = 0;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int n = Math.Min(batchSize, data.Count - start);
            correct += CountCorrect(net(Rows(data.Features, start, n)).Data, 10, data.Targets.Data.AsSpan(start, n));
        }
        return (double)correct / data.Count;
    }

    /// <summary>How many rows of <paramref name="scores"/> (row-major <c>[n, classes]</c>, n = the number of labels) have their
    /// largest entry at the label.</summary>
    public static int CountCorrect(ReadOnlySpan<float> scores, int classes, ReadOnlySpan<float> labels)
    {
        int correct = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            ReadOnlySpan<float> row = scores.Slice(i * classes, classes);
            int best = 0;
            for (int c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
            if (best == (int)labels[i]) correct++;
        }
        return correct;
    }

    /// <summary>
    /// Prints the per-epoch figures and the timing, writes <c>metrics.csv</c>, <c>curves.svg</c> (<see cref="CurvesPlot"/>) and
    /// <c>predictions.svg</c> (<see cref="WritePredictions"/>), and reports the test accuracy; returns 0 when it reaches
    /// <see cref="ExpectedAccuracy"/>.
    /// </summary>
    public static int Finish(string sample, string title, IReadOnlyList<EpochMetrics> history, Predict net, TensorDataset test, double seconds,
        Options options, TextWriter output)
    {
        output.WriteLine("epoch  train loss  train acc  test acc");
        for (int i = 0; i < history.Count; i++)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{i + 1,5}  {history[i].TrainLoss,10:F4}  {history[i].TrainAccuracy,9:F4}  {history[i].TestAccuracy,8:F4}"));
        output.WriteLine($"training: {seconds:F1} s, {seconds / Math.Max(1, history.Count):F2} s per epoch (with the test evaluation)");

        var log = new RunLog(sample, options.RunsFolder);
        log.WriteMetrics(["epoch", "train_loss", "train_acc", "test_acc"],
            history.Select((m, i) => (IReadOnlyList<double>)[i + 1, m.TrainLoss, m.TrainAccuracy, m.TestAccuracy]));
        string curves = log.WritePlot("curves", CurvesPlot(title, history));
        string predictions = WritePredictions(log, title, net, test);
        output.WriteLine($"metrics: {Path.Combine(log.Folder, "metrics.csv")}; pictures: {curves}, {predictions}");

        double accuracy = history.Count > 0 ? history[^1].TestAccuracy : EvaluateAccuracy(net, test, options.BatchSize);
        var report = new Report(output);
        report.AtLeast("test accuracy (%)", accuracy * 100, ExpectedAccuracy * 100, "F2");
        output.WriteLine($"test accuracy: {Report.Number(accuracy * 100, "F2")}%");
        return report.ExitCode;
    }

    /// <summary>
    /// The curves as d2l's <c>Animator(xlabel='epoch', xlim=[1, num_epochs], ylim=[0.3, 0.9], legend=['train loss', 'train acc',
    /// 'test acc'])</c> draws them: one point per epoch, formats <c>'-'</c>, <c>'m--'</c>, <c>'g-.'</c> (blue solid, magenta dashed,
    /// green dash-dot).
    /// </summary>
    public static SvgPlot CurvesPlot(string title, IReadOnlyList<EpochMetrics> history)
    {
        double[] epochs = Enumerable.Range(1, history.Count).Select(e => (double)e).ToArray();
        var plot = new SvgPlot(title, "epoch", "") { XLimits = history.Count > 1 ? (1, history.Count) : null, YLimits = (0.3, 0.9) };
        return plot.Add("train loss", epochs, history.Select(m => m.TrainLoss).ToArray(), color: "#1f77b4")
            .Add("train acc", epochs, history.Select(m => m.TrainAccuracy).ToArray(), color: "#bf00bf", dash: "6 3")
            .Add("test acc", epochs, history.Select(m => m.TestAccuracy).ToArray(), color: "#008000", dash: "8 3 2 3");
    }

    /// <summary>d2l's <c>predict_ch3</c>: the first <see cref="PredictionCount"/> test images, each under its true label and the
    /// predicted one (red when wrong), as <c>predictions.svg</c>; returns its path.</summary>
    public static string WritePredictions(RunLog log, string title, Predict net, TensorDataset test)
    {
        int n = Math.Min(PredictionCount, test.Count);
        Tensor images = Rows(test.Features, 0, n);
        float[] predicted = net(images).ArgMax(1).ToArray();
        string[] trues = FashionMnist.TextLabels(test.Targets.Data.AsSpan(0, n)), preds = FashionMnist.TextLabels(predicted);
        var grid = new ImageGrid($"{title}: true label over predicted (red: wrong)", PredictionColumns);
        for (int i = 0; i < n; i++)
            grid.Add(images.Data.AsSpan(i * 784, 784), 28, 28, new ImageGrid.Caption(trues[i]),
                new ImageGrid.Caption(preds[i], trues[i] == preds[i] ? null : "#d62728"));
        return log.WriteImages("predictions", grid);
    }

    /// <summary>Rows <paramref name="start"/> … <paramref name="start"/> + <paramref name="count"/> − 1 of <paramref name="data"/>, copied.</summary>
    public static Tensor Rows(Tensor data, int start, int count)
    {
        int[] shape = data.Shape;
        int rowLength = data.Numel / shape[0];
        shape[0] = count;
        return new Tensor(data.Data.AsSpan(start * rowLength, count * rowLength).ToArray(), shape);
    }

    private static TensorDataset FirstSamples(TensorDataset data, int count) =>
        new(Rows(data.Features, 0, count), Rows(data.Targets, 0, count));
}
