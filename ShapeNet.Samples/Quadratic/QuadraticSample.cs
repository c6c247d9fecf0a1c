using System.CommandLine;
using ShapeNet.Samples.Common;

namespace ShapeNet.Samples.Quadratic;

/// <summary>
/// Lecture 4 (exercise): fit y = w1·x² + w2·x + b on x = [1, 2, 3], y = [2, 4, 6] by stochastic gradient descent
/// (one update per sample, lr 0.01) from w1 = w2 = b = 1, with the gradient generated from
/// <see cref="QuadraticModel.Loss"/> instead of derived by hand. The loss falls; three points do not pin down three
/// parameters uniquely, so predict(4) approaches 8 only slowly.
/// </summary>
public static class QuadraticSample
{
    /// <summary>The last epoch's loss must be at most this fraction of the first's.</summary>
    public const double ExpectedLossRatio = 0.1;

    public sealed record Options(int Epochs = 100, float LearningRate = 0.01f, string? RunsFolder = null);

    public static Command Command()
    {
        var epochs = new Option<int>("--epochs") { Description = "Epochs (each visits the three samples).", DefaultValueFactory = _ => 100 };
        var lr = new Option<float>("--lr") { Description = "Learning rate.", DefaultValueFactory = _ => 0.01f };
        var runs = new Option<string?>("--runs") { Description = "Folder for metrics.csv and the plots (default: runs)." };
        var command = new Command("quadratic", "Lecture 4 exercise: y = w1·x² + w2·x + b with a generated gradient.") { epochs, lr, runs };
        command.SetAction(result => Run(new Options(result.GetValue(epochs), result.GetValue(lr), result.GetValue(runs)), Console.Out));
        return command;
    }

    public static int Run(Options options, TextWriter output)
    {
        float[] xs = [1, 2, 3], ys = [2, 4, 6];
        Tensor w1 = Tensor.FromArray([1f]), w2 = Tensor.FromArray([1f]), b = Tensor.FromArray([1f]);
        output.WriteLine($"y = w1*x^2 + w2*x + b, w1 = w2 = b = 1, SGD per sample lr {options.LearningRate}, {options.Epochs} epochs; gradient from the generated QuadraticModel.LossGrad");

        var losses = new List<double>();
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            double epochLoss = 0;
            for (int i = 0; i < xs.Length; i++)
            {
                var x = Tensor.FromArray([xs[i]]);
                var y = Tensor.FromArray([ys[i]]);
                var (loss, _, _, dW1, dW2, dB) = QuadraticModel.LossGrad(x, y, w1, w2, b);
                w1 -= options.LearningRate * dW1;
                w2 -= options.LearningRate * dW2;
                b -= options.LearningRate * dB;
                epochLoss += loss.Item();
            }
            losses.Add(epochLoss / xs.Length);
            if (epoch == 1 || epoch % TrainingProgress.PlainInterval(options.Epochs) == 0 || epoch == options.Epochs)
                output.WriteLine($"epoch {epoch,3}  loss {Report.Number(losses[^1], "F6")}  w1 = {Report.Number(w1.Item())}  w2 = {Report.Number(w2.Item())}  b = {Report.Number(b.Item())}");
        }

        double predict4 = w1.Item() * 16 + w2.Item() * 4 + b.Item();
        var log = new RunLog("quadratic", options.RunsFolder);
        log.WriteMetrics(["epoch", "loss"], losses.Select((l, i) => (IReadOnlyList<double>)[i + 1, l]));
        log.WritePlot("loss", new SvgPlot("Lecture 4: y = w1·x² + w2·x + b", "epoch", "mean loss per sample")
            .Add($"SGD lr {options.LearningRate}", Enumerable.Range(1, losses.Count).Select(e => (double)e).ToList(), losses));
        output.WriteLine($"predict(4) = {Report.Number(predict4)} (the lecture's run ends near 8.5; the data do not determine w1)");

        var report = new Report(output);
        report.AtMost("last / first epoch loss", losses[^1] / losses[0], ExpectedLossRatio);
        return report.ExitCode;
    }
}
