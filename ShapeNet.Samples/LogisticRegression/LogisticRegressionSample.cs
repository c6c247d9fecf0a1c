using System.CommandLine;
using ShapeNet.Optim;
using ShapeNet.Samples.Common;

namespace ShapeNet.Samples.LogisticRegression;

/// <summary>
/// Lecture 6: <see cref="LogisticModel"/> on hours [1, 2, 3] → pass [0, 0, 1] with BCE (sum) and SGD lr 0.01 for 1000
/// epochs; prints P(pass) for 0..10 hours and where it crosses 0.5 (near 2.5 h), and plots the curve.
/// </summary>
public static class LogisticRegressionSample
{
    public const double ExpectedCrossing = 2.5;
    public const double CrossingTolerance = 0.5;

    public sealed record Options(int Epochs = 1000, float LearningRate = 0.01f, int Seed = 0, string? RunsFolder = null);

    public static Command Command()
    {
        var epochs = new Option<int>("--epochs") { Description = "Epochs.", DefaultValueFactory = _ => 1000 };
        var lr = new Option<float>("--lr") { Description = "SGD learning rate.", DefaultValueFactory = _ => 0.01f };
        var seed = new Option<int>("--seed") { Description = "Initialisation seed.", DefaultValueFactory = _ => 0 };
        var runs = new Option<string?>("--runs") { Description = "Folder for metrics.csv and the plots (default: runs)." };
        var command = new Command("logistic-regression", "Lecture 6: sigmoid(Linear(1, 1)) with BCE; P(pass) crosses 0.5 near 2.5 h.") { epochs, lr, seed, runs };
        command.SetAction(result => Run(new Options(result.GetValue(epochs), result.GetValue(lr), result.GetValue(seed), result.GetValue(runs)), Console.Out));
        return command;
    }

    public static int Run(Options options, TextWriter output)
    {
        float[] hours = [1, 2, 3], pass = [0, 0, 1];
        output.WriteLine(LogisticModel.Summary);
        output.WriteLine($"hours [1, 2, 3] -> pass [0, 0, 1]; BCE (sum), SGD lr {options.LearningRate}, {options.Epochs} epochs, seed {options.Seed}");

        var model = new LogisticModel(options.Seed);
        var losses = new double[options.Epochs];
        using (LogisticModel.Plan plan = model.CreatePlan(hours.Length, SampleDevice.Backend))
        {
            plan.Configure(Loss.Bce(Reduction.Sum), new Sgd(options.LearningRate));
            TrainingProgress.Run(output, "logistic-regression", options.Epochs, sink =>
            {
                for (int epoch = 0; epoch < options.Epochs; epoch++)
                {
                    plan.TrainStep(hours, pass, hours.Length);
                    losses[epoch] = FiniteLoss.Read(plan, epoch + 1);
                    sink.Report(epoch + 1, losses[epoch], (long)(epoch + 1) * hours.Length);
                }
            });
            plan.CopyParametersToHost(); // w and b are read from the network (a no-op on the CPU)
        }

        float w = model.Parameters[0].Value.Data[0], b = model.Parameters[1].Value.Data[0];
        output.WriteLine($"w = {Report.Number(w)}, b = {Report.Number(b)}, final loss {Report.Number(losses[^1])}");

        // P(pass) over 0..10 h in steps of 0.05 for the plot (the lecture's np.linspace(0, 10, 200)); the whole-hour values printed.
        const int points = 201;
        var grid = Enumerable.Range(0, points).Select(i => i * 10f / (points - 1)).ToArray();
        float[] probability = model.Forward(Tensor<Batch, One>.FromArray(grid, points)).ToArray();
        for (int hour = 0; hour <= 10; hour++)
            output.WriteLine($"P(pass | {hour,2} h) = {Report.Number(probability[hour * 20])}");
        double crossing = -b / w; // sigmoid(w·x + b) = 0.5 where w·x + b = 0

        var log = new RunLog("logistic-regression", options.RunsFolder);
        output.WriteLine($"checkpoint: {log.SaveCheckpoint(model)}");
        log.WriteMetrics(["epoch", "loss"], losses.Select((l, i) => (IReadOnlyList<double>)[i + 1, l]));
        log.WriteMetrics(["hours", "p_pass"], grid.Select((h, i) => (IReadOnlyList<double>)[h, probability[i]]), "p_pass.csv");
        log.WritePlot("p_pass", new SvgPlot("Lecture 6: P(pass) after x hours", "hours", "probability of pass")
            .Add("P(pass)", grid.Select(h => (double)h).ToArray(), probability.Select(p => (double)p).ToArray())
            .HorizontalLine(0.5, "P = 0.5")
            .VerticalLine(crossing, $"{Report.Number(crossing, "F2")} h"));
        log.WritePlot("loss", new SvgPlot("Lecture 6: BCE (sum) per epoch", "epoch", "loss")
            .Add($"SGD lr {options.LearningRate}", Enumerable.Range(1, losses.Length).Select(e => (double)e).ToArray(), losses));

        var report = new Report(output);
        report.Near("P(pass) = 0.5 at hours", crossing, ExpectedCrossing, CrossingTolerance, "F2");
        report.Check("P(pass) rises with hours", w > 0, $"w = {Report.Number(w)}", "w > 0");
        return report.ExitCode;
    }
}
