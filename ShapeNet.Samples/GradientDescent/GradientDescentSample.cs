using System.CommandLine;
using ShapeNet.Samples.Common;

namespace ShapeNet.Samples.GradientDescent;

/// <summary>
/// Lecture 3: gradient descent on y = x·w with the hand-derived gradient of the mean squared error,
/// cost(w) = mean((x·w − y)²) and d cost / dw = mean(2·x·(x·w − y)), from w = 1.0 for 100 epochs with learning rates
/// 0.01, 0.1 and 1.0; <c>--stochastic</c> updates w after each sample (lecture 3b).
/// </summary>
/// <remarks>
/// On x = [1, 2, 3], y = [2, 4, 6] the gradient is (28/3)·(w − 2), so one step maps the error w − 2 to
/// (1 − lr·28/3)·(w − 2): lr = 1.0 multiplies it by −8.33 (w = 1 + 28/3 = 10.33 after one epoch, then it diverges);
/// lr = 0.1 by 0.067, so w is within 1e-4 of 2 after 4 epochs and, in float64 as in the lecture's Python, exactly 2.0
/// from epoch 14 on (the table's "converges by epoch 14"); lr = 0.01 by 0.907, so after 100 epochs w = 2 − 0.907¹⁰⁰ ≈ 1.99994.
/// </remarks>
public static class GradientDescentSample
{
    public const double ExpectedPrediction = 8.0;
    public const double ExpectedDivergedW = 1 + 28.0 / 3; // 10.333…
    public const int ConvergedByEpoch = 14;
    public const double ConvergenceTolerance = 1e-4;

    public sealed record Options(int Epochs = 100, bool Stochastic = false, string? RunsFolder = null);

    public static Command Command()
    {
        var epochs = new Option<int>("--epochs") { Description = "Epochs per learning rate.", DefaultValueFactory = _ => 100 };
        var stochastic = new Option<bool>("--stochastic") { Description = "Update w after every sample (lecture 3b, lr 0.01)." };
        var runs = new Option<string?>("--runs") { Description = "Folder for metrics.csv and the plots (default: runs)." };
        var command = new Command("gradient-descent", "Lecture 3: gradient descent on y = x·w with lr 0.01 / 0.1 / 1.0; --stochastic for per-sample updates.")
        {
            epochs, stochastic, runs,
        };
        command.SetAction(result => Run(new Options(result.GetValue(epochs), result.GetValue(stochastic), result.GetValue(runs)), Console.Out));
        return command;
    }

    private static readonly double[] X = [1, 2, 3];
    private static readonly double[] Y = [2, 4, 6];

    // The lecture computes in Python floats (float64), so these do too: the exact epoch at which w becomes 2.0 depends on it.

    /// <summary>mean((x·w − y)²).</summary>
    public static double Cost(double w) => X.Zip(Y, (x, y) => (x * w - y) * (x * w - y)).Average();

    /// <summary>mean(2·x·(x·w − y)), derived by hand.</summary>
    public static double Gradient(double w) => X.Zip(Y, (x, y) => 2 * x * (x * w - y)).Average();

    public static int Run(Options options, TextWriter output) =>
        options.Stochastic ? RunStochastic(options, output) : RunBatch(options, output);

    private static int RunBatch(Options options, TextWriter output)
    {
        output.WriteLine($"gradient descent on cost(w) = mean((x*w - y)^2), grad = mean(2x(x*w - y)), w0 = 1.0, {options.Epochs} epochs");
        var report = new Report(output);
        var log = new RunLog("gradient-descent", options.RunsFolder);
        double[] rates = [0.01, 0.1, 1.0];
        var costs = new double[rates.Length][];
        var weights = new double[rates.Length][];
        for (int r = 0; r < rates.Length; r++)
        {
            double w = 1.0;
            costs[r] = new double[options.Epochs];
            weights[r] = new double[options.Epochs];
            for (int epoch = 0; epoch < options.Epochs; epoch++)
            {
                double cost = Cost(w); // the lecture prints the cost before the update
                w -= rates[r] * Gradient(w);
                costs[r][epoch] = cost;
                weights[r][epoch] = w;
            }
            output.WriteLine($"lr {Report.Number(rates[r], "0.##")}: w after epoch 1 = {Report.Number(weights[r][0])}, " +
                $"after epoch {options.Epochs} = {Report.Number(w, "G6")}, cost = {Report.Number(Cost(w), "G6")}");
        }

        log.WriteMetrics(["epoch", "loss_lr0.01", "w_lr0.01", "loss_lr0.1", "w_lr0.1", "loss_lr1", "w_lr1"],
            Enumerable.Range(0, options.Epochs).Select(e => (IReadOnlyList<double>)
                [e + 1, costs[0][e], weights[0][e], costs[1][e], weights[1][e], costs[2][e], weights[2][e]]));
        double[] epochs = Enumerable.Range(1, options.Epochs).Select(e => (double)e).ToArray();
        log.WritePlot("loss", new SvgPlot("Lecture 3: cost per epoch (lr 1.0 diverges, not drawn)", "epoch", "cost (mean MSE)")
            .Add("lr 0.01", epochs, costs[0]).Add("lr 0.1", epochs, costs[1]));
        output.WriteLine($"metrics and plot in {log.Folder}");

        int converged = Array.FindIndex(weights[1], w => Math.Abs(w - 2) < ConvergenceTolerance) + 1;
        int exact = Array.FindIndex(weights[1], w => w == 2.0) + 1;
        report.Near("lr 1.0: w after one epoch", weights[2][0], ExpectedDivergedW, 1e-3);
        int diverged = Array.FindIndex(weights[2], w => !double.IsFinite(w) || Math.Abs(w - 2) > 1e6) + 1;
        report.Check("lr 1.0: first epoch with |w - 2| > 1e6", diverged >= 1, diverged >= 1 ? diverged.ToString() : "never",
            $"within {options.Epochs} epochs: diverges (the error grows 8.33-fold per epoch)");
        report.Check($"lr 0.1: first epoch with |w - 2| < {ConvergenceTolerance:G}", converged >= 1 && converged <= ConvergedByEpoch,
            converged >= 1 ? converged.ToString() : "never", $"≤ {ConvergedByEpoch}");
        report.Check("lr 0.1: first epoch with w = 2.0 exactly in float64", exact == ConvergedByEpoch,
            exact >= 1 ? exact.ToString() : "never", $"{ConvergedByEpoch}, the lecture's figure");
        report.Near("lr 0.01: predict(4)", 4 * weights[0][^1], ExpectedPrediction, 0.01);
        return report.ExitCode;
    }

    private static int RunStochastic(Options options, TextWriter output)
    {
        const double lr = 0.01;
        output.WriteLine($"stochastic gradient descent: update w after each sample with grad = 2x(x*w - y), lr {lr}, w0 = 1.0, {options.Epochs} epochs");
        double[] xs = X, ys = Y;
        double w = 1.0;
        var losses = new List<double>();
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            double loss = 0;
            for (int i = 0; i < xs.Length; i++)
            {
                double error = xs[i] * w - ys[i];
                loss = error * error; // the lecture prints the loss of the last sample
                w -= lr * 2 * xs[i] * error;
            }
            losses.Add(loss);
            if (epoch % TrainingProgress.PlainInterval(options.Epochs) == 0 || epoch == options.Epochs)
                output.WriteLine($"epoch {epoch,3}  w = {Report.Number(w)}  loss = {Report.Number(loss, "G6")}");
        }
        var log = new RunLog("gradient-descent-stochastic", options.RunsFolder);
        log.WriteMetrics(["epoch", "loss"], losses.Select((l, i) => (IReadOnlyList<double>)[i + 1, l]));
        log.WritePlot("loss", new SvgPlot("Lecture 3b: SGD loss of the last sample", "epoch", "loss")
            .Add("lr 0.01", Enumerable.Range(1, losses.Count).Select(e => (double)e).ToList(), losses));
        var report = new Report(output);
        report.Near("predict(4)", 4 * w, ExpectedPrediction, 0.01);
        return report.ExitCode;
    }
}
