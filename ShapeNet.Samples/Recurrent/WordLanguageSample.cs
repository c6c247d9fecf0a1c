using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using ShapeNet.Checkpoints;
using ShapeNet.Data;
using ShapeNet.Optim;
using ShapeNet.Samples.Common;

namespace ShapeNet.Samples.Recurrent;

/// <summary>
/// Lecture 13: which of ten languages a word comes from (<see cref="LanguageClassifier"/> on <c>data/word-language</c>: 2,000
/// training and 500 test words per language), Adam lr 0.001, batch 64, per-example lengths (batches sorted longest first),
/// test accuracy after every epoch, the confusion matrix printed and drawn as an SVG heat map, the model saved as
/// <c>runs/word-language/model.safetensors</c>; <c>word-language predict &lt;word&gt;</c> prints the top three languages from it.
/// </summary>
public static class WordLanguageSample
{
    /// <summary>The issue's bar with the defaults.</summary>
    public const double ExpectedAccuracy = 0.78;
    public const int DefaultEpochs = 5;
    public const int DefaultBatch = 64;
    public const float LearningRate = 1e-3f;

    public sealed record Options(int Epochs = DefaultEpochs, int BatchSize = DefaultBatch, int Seed = 0, string? RunsFolder = null,
        string? DataFolder = null, int TrainLimit = 0);

    public static Command Command()
    {
        var epochs = new Option<int>("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => DefaultEpochs };
        var batch = new Option<int>("--batch") { Description = "Words per batch.", DefaultValueFactory = _ => DefaultBatch };
        var seed = new Option<int>("--seed") { Description = "Initialisation and shuffling seed.", DefaultValueFactory = _ => 0 };
        var runs = new Option<string?>("--runs") { Description = "Folder for the checkpoint, metrics and pictures (default: runs)." };
        var data = new Option<string?>("--data") { Description = "Folder holding train.tsv, test.tsv and alphabet.txt (default: data/word-language)." };
        var limit = new Option<int>("--train-limit") { Description = "Train on the first N shuffled words only (0: all)." };
        var command = new Command("word-language", "Lecture 13: a bidirectional GRU tells which of ten languages a word is from.")
        {
            epochs, batch, seed, runs, data, limit,
        };
        command.SetAction(result => Run(new Options(result.GetValue(epochs), result.GetValue(batch), result.GetValue(seed), result.GetValue(runs),
            result.GetValue(data), result.GetValue(limit)), Console.Out));

        var word = new Argument<string>("word") { Description = "A lower-case word of at most 14 letters." };
        var predictRuns = new Option<string?>("--runs") { Description = "Folder holding word-language/model.safetensors (default: runs)." };
        var predictData = new Option<string?>("--data") { Description = "Folder holding alphabet.txt (default: data/word-language)." };
        var predict = new Command("predict", "The top three languages of a word, from the saved checkpoint.") { word, predictRuns, predictData };
        predict.SetAction(result => Predict(result.GetValue(word)!, result.GetValue(predictRuns), result.GetValue(predictData), Console.Out));
        command.Subcommands.Add(predict);
        return command;
    }

    public static int Run(Options options, TextWriter output)
    {
        WordLanguageData train = WordLanguageData.Load(WordLanguageSplit.Train, options.DataFolder);
        WordLanguageData test = WordLanguageData.Load(WordLanguageSplit.Test, options.DataFolder);
        if (train.VocabularySize != LanguageClassifier.Vocabulary)
        {
            output.WriteLine($"The alphabet has {train.VocabularySize - 1} letters; the network's embedding has {LanguageClassifier.Vocabulary - 1}.");
            return 2;
        }
        output.WriteLine($"word-language: {train.Count} training and {test.Count} test words, {WordLanguageData.Languages.Count} languages, " +
            $"Adam lr {LearningRate}, batch {options.BatchSize}, {options.Epochs} epochs, seed {options.Seed}");
        output.WriteLine(LanguageClassifier.Summary);

        var model = new LanguageClassifier(options.Seed);
        using LanguageClassifier.Plan plan = model.CreatePlan(options.BatchSize);
        var optimizer = new Adam(LearningRate);
        plan.Configure(Loss.CrossEntropy(), optimizer);

        var random = new Random(options.Seed);
        int[] order = Enumerable.Range(0, train.Count).ToArray();
        int used = options.TrainLimit > 0 ? Math.Min(options.TrainLimit, train.Count) : train.Count;
        var indices = new int[options.BatchSize];
        var ids = new int[options.BatchSize * WordLanguageData.MaxLength];
        var lengths = new int[options.BatchSize];
        var labels = new int[options.BatchSize];
        var log = new RunLog("word-language", options.RunsFolder);
        var metrics = new List<IReadOnlyList<double>>();
        double accuracy = 0;
        int[,] confusion = new int[10, 10];
        var total = Stopwatch.StartNew();
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            random.Shuffle(order);
            var watch = Stopwatch.StartNew();
            double lossSum = 0;
            int steps = 0;
            for (int start = 0; start < used; start += options.BatchSize)
            {
                int batch = Math.Min(options.BatchSize, used - start);
                order.AsSpan(start, batch).CopyTo(indices);
                train.FillBatch(indices.AsSpan(0, batch), ids.AsSpan(0, batch * WordLanguageData.MaxLength), lengths.AsSpan(0, batch),
                    labels.AsSpan(0, batch), sortByLength: true);
                plan.SetBatch(batch);
                plan.UploadInput(0, ids.AsSpan(0, batch * WordLanguageData.MaxLength));
                plan.UploadInput(1, lengths.AsSpan(0, batch));
                plan.UploadTarget(labels.AsSpan(0, batch));
                plan.TrainStepOnUploaded();
                lossSum += plan.Loss;
                steps++;
            }
            double seconds = watch.Elapsed.TotalSeconds;
            (accuracy, confusion) = Evaluate(plan, test, options.BatchSize);
            metrics.Add([epoch, lossSum / steps, accuracy, seconds]);
            output.WriteLine($"epoch {epoch,2}  loss {Report.Number(lossSum / steps)}  test accuracy {Report.Number(100 * accuracy, "F2")} %  " +
                $"({Report.Number(seconds, "F1")} s training)");
        }
        output.WriteLine($"total time {Report.Number(total.Elapsed.TotalSeconds, "F1")} s");

        plan.CopyParametersToHost();
        string checkpoint = log.SaveCheckpoint(model);
        log.WriteMetrics(["epoch", "train_loss", "test_accuracy", "seconds"], metrics);
        string heatMap = Path.Combine(log.Folder, "confusion.svg");
        File.WriteAllText(heatMap, ConfusionSvg(confusion));
        output.WriteLine();
        output.WriteLine(ConfusionText(confusion));
        output.WriteLine($"checkpoint {checkpoint}; confusion matrix {heatMap}");

        var report = new Report(output);
        report.AtLeast("test accuracy", accuracy, options.Epochs == DefaultEpochs && used == train.Count ? ExpectedAccuracy : 0.25, "F4");
        return report.ExitCode;
    }

    /// <summary>Accuracy and the confusion matrix (rows: true language, columns: predicted) on <paramref name="data"/>.</summary>
    public static (double Accuracy, int[,] Confusion) Evaluate(LanguageClassifier.Plan plan, WordLanguageData data, int batchSize)
    {
        var confusion = new int[10, 10];
        var indices = new int[batchSize];
        var ids = new int[batchSize * WordLanguageData.MaxLength];
        var lengths = new int[batchSize];
        var labels = new int[batchSize];
        var logits = new float[batchSize * 10];
        int correct = 0;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int batch = Math.Min(batchSize, data.Count - start);
            for (int i = 0; i < batch; i++) indices[i] = start + i;
            data.FillBatch(indices.AsSpan(0, batch), ids.AsSpan(0, batch * WordLanguageData.MaxLength), lengths.AsSpan(0, batch),
                labels.AsSpan(0, batch), sortByLength: true);
            plan.SetBatch(batch);
            plan.UploadInput(0, ids.AsSpan(0, batch * WordLanguageData.MaxLength));
            plan.UploadInput(1, lengths.AsSpan(0, batch));
            plan.Forward(training: false);
            plan.DownloadOutput(logits);
            for (int b = 0; b < batch; b++)
            {
                int predicted = ArgMax(logits.AsSpan(b * 10, 10));
                confusion[labels[b], predicted]++;
                if (predicted == labels[b]) correct++;
            }
        }
        return ((double)correct / data.Count, confusion);
    }

    /// <summary><c>word-language predict &lt;word&gt;</c>: softmax of the saved model's logits, the three most likely languages.</summary>
    public static int Predict(string word, string? runsFolder, string? dataFolder, TextWriter output)
    {
        string path = Path.Combine(runsFolder ?? "runs", "word-language", "model.safetensors");
        if (!File.Exists(path))
        {
            output.WriteLine($"{path} does not exist: train first (word-language).");
            return 2;
        }
        WordLanguageData alphabet = WordLanguageData.Load(WordLanguageSplit.Test, dataFolder);
        string lower = word.ToLowerInvariant();
        if (lower.Length < 1 || lower.Length > WordLanguageData.MaxLength)
        {
            output.WriteLine($"\"{word}\" has {lower.Length} letters; words of 1 to {WordLanguageData.MaxLength} letters are classified.");
            return 2;
        }
        var ids = new int[WordLanguageData.MaxLength];
        try
        {
            alphabet.Encode(lower, ids);
        }
        catch (ArgumentException e)
        {
            output.WriteLine(e.Message);
            return 2;
        }
        var model = new LanguageClassifier();
        CheckpointLoadReport load = Checkpoint.Load(path, model);
        if (!load.IsComplete)
        {
            output.WriteLine($"{path} does not fit the classifier: {load}");
            return 2;
        }
        model.Eval();
        Tensor logits = model.Forward(new IntTensor<WordLetters, Batch>(new IntTensor(ids, WordLanguageData.MaxLength, 1)),
            new IntTensor<Batch>(new IntTensor([lower.Length], 1)));
        float[] p = logits.Softmax(1).Data;
        output.WriteLine($"\"{lower}\":");
        foreach (int language in Enumerable.Range(0, 10).OrderByDescending(i => p[i]).Take(3))
            output.WriteLine($"  {WordLanguageData.Languages[language],-11} {Report.Number(100 * p[language], "F1"),5} %");
        return 0;
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        return best;
    }

    /// <summary>The confusion matrix as a table: rows true, columns predicted (three-letter names), per-language accuracy.</summary>
    public static string ConfusionText(int[,] confusion)
    {
        var sb = new StringBuilder();
        sb.Append("true \\ predicted").Append(' ', 1);
        foreach (string language in WordLanguageData.Languages) sb.Append(language[..3].PadLeft(5));
        sb.AppendLine("  accuracy");
        for (int t = 0; t < 10; t++)
        {
            sb.Append(WordLanguageData.Languages[t].PadRight(17));
            int row = 0;
            for (int p = 0; p < 10; p++)
            {
                sb.Append(confusion[t, p].ToString(CultureInfo.InvariantCulture).PadLeft(5));
                row += confusion[t, p];
            }
            sb.AppendLine("  " + Report.Number(row == 0 ? 0 : 100.0 * confusion[t, t] / row, "F1").PadLeft(6) + " %");
        }
        return sb.ToString();
    }

    /// <summary>A heat map of the row-normalised confusion matrix: white (0) to dark blue (1), each cell labelled with its count.</summary>
    public static string ConfusionSvg(int[,] confusion)
    {
        const int cell = 44, left = 110, top = 70;
        int size = left + 10 * cell + 20;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{size}\" height=\"{top + 10 * cell + 40}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{size / 2}\" y=\"20\" text-anchor=\"middle\" font-size=\"15\">word-language: confusion matrix (rows: true language, columns: predicted)</text>\n");
        for (int i = 0; i < 10; i++)
        {
            string name = SvgPlot.Escape(WordLanguageData.Languages[i]);
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{top + i * cell + cell / 2 + 4}\" text-anchor=\"end\">{name}</text>\n");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + i * cell + cell / 2}\" y=\"{top - 8}\" text-anchor=\"middle\">{name[..3]}</text>\n");
        }
        for (int t = 0; t < 10; t++)
        {
            int row = 0;
            for (int p = 0; p < 10; p++) row += confusion[t, p];
            for (int p = 0; p < 10; p++)
            {
                double share = row == 0 ? 0 : (double)confusion[t, p] / row;
                int shade = (int)Math.Round(255 * (1 - share));
                string fill = $"rgb({shade},{(int)Math.Round(255 - 190 * share)},255)";
                sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left + p * cell}\" y=\"{top + t * cell}\" width=\"{cell}\" height=\"{cell}\" fill=\"{fill}\" stroke=\"#ccc\"/>\n");
                sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + p * cell + cell / 2}\" y=\"{top + t * cell + cell / 2 + 4}\" text-anchor=\"middle\" fill=\"{(share > 0.5 ? "white" : "black")}\">{confusion[t, p]}</text>\n");
            }
        }
        sb.Append("</svg>\n");
        return sb.ToString();
    }
}
