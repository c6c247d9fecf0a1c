using System.CommandLine;
using ShapeNet.Optim;
using ShapeNet.Samples.Common;
using ShapeNet.Samples.LinearRegression;

namespace ShapeNet.Samples.Optimizers;

/// <summary>
/// Lecture 5's exercise: the same Linear(1, 1) on x = [1, 2, 3], y = [2, 4, 6] (MSE sum, 1000 epochs, same seed) trained with
/// SGD, Adam, Adagrad and RMSprop side by side, with a table of the final loss, w and b per optimizer. The adaptive
/// methods take steps of about lr whatever the gradient's size, so each gets its own learning rate: Adam 0.1;
/// Adagrad 1 (its steps shrink as 1/√(Σg²): at 0.1 it has reached only w = 1.83 after 1000 epochs); RMSprop 0.01
/// (at 0.1 it keeps oscillating about ±0.05 around the answer, since its step does not shrink).
/// </summary>
public static class OptimizersSample
{
    public const double ExpectedPrediction = 8.0;
    public const double Tolerance = 0.05;

    public sealed record Options(int Epochs = 1000, int Seed = 0, string? RunsFolder = null);

    public static Command Command()
    {
        var epochs = new Option<int>("--epochs") { Description = "Epochs per optimizer.", DefaultValueFactory = _ => 1000 };
        var seed = new Option<int>("--seed") { Description = "Initialisation seed (the same for every optimizer).", DefaultValueFactory = _ => 0 };
        var runs = new Option<string?>("--runs") { Description = "Folder for metrics.csv and the plots (default: runs)." };
        var command = new Command("optimizers", "Lecture 5 exercise: Linear(1, 1) with SGD, Adam, Adagrad and RMSprop side by side.") { epochs, seed, runs };
        command.SetAction(result => Run(new Options(result.GetValue(epochs), result.GetValue(seed), result.GetValue(runs)), Console.Out));
        return command;
    }

    /// <summary>The optimizers compared, with their learning rates.</summary>
    public static IReadOnlyList<(string Name, Func<Optimizer> Create)> Candidates { get; } =
    [
        ("SGD lr 0.01", () => new Sgd(0.01f)),
        ("Adam lr 0.1", () => new Adam(0.1f)),
        ("Adagrad lr 1", () => new Adagrad(1f)),
        ("RMSprop lr 0.01", () => new RmsProp(0.01f)),
    ];

    public static int Run(Options options, TextWriter output)
    {
        output.WriteLine($"Linear(1, 1) on x = [1, 2, 3], y = [2, 4, 6]; MSE (sum), {options.Epochs} epochs, seed {options.Seed} for every optimizer");
        var results = new List<(string Name, double Loss, double W, double B, double Predict, double[] Losses)>();
        foreach ((string name, Func<Optimizer> create) in Candidates)
        {
            (LinearModel model, double[] losses) = LinearRegressionSample.Train(create(), options.Epochs, options.Seed);
            results.Add((name, losses[^1], model.Parameters[0].Value.Data[0], model.Parameters[1].Value.Data[0],
                LinearRegressionSample.Predict(model, 4), losses));
        }

        output.WriteLine();
        output.WriteLine($"{"optimizer",-16} {"final loss",12} {"w",9} {"b",9} {"predict(4)",11}");
        output.WriteLine(new string('-', 61));
        foreach (var r in results)
            output.WriteLine($"{r.Name,-16} {Report.Number(r.Loss, "G4"),12} {Report.Number(r.W),9} {Report.Number(r.B),9} {Report.Number(r.Predict),11}");
        output.WriteLine();

        var log = new RunLog("optimizers", options.RunsFolder);
        var columns = new List<string> { "epoch" };
        columns.AddRange(results.Select(r => "loss_" + r.Name.Split(' ')[0].ToLowerInvariant()));
        log.WriteMetrics(columns, Enumerable.Range(0, options.Epochs).Select(e =>
            (IReadOnlyList<double>)[e + 1, .. results.Select(r => r.Losses[e])]));
        double[] epochs = Enumerable.Range(1, options.Epochs).Select(e => (double)e).ToArray();
        var plot = new SvgPlot("Lecture 5: Linear(1, 1) with four optimizers", "epoch", "log10(loss)");
        foreach (var r in results) plot.Add(r.Name, epochs, r.Losses.Select(l => Math.Log10(Math.Max(l, 1e-12))).ToArray());
        log.WritePlot("loss", plot);

        var report = new Report(output);
        foreach (var r in results) report.Near($"{r.Name}: predict(4)", r.Predict, ExpectedPrediction, Tolerance);
        return report.ExitCode;
    }
}
