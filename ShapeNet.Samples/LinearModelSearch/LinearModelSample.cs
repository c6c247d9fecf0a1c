using System.CommandLine;
using ShapeNet.Samples.Common;

namespace ShapeNet.Samples.LinearModelSearch;

/// <summary>
/// Lecture 2: the model y = x·w on x = [1, 2, 3], y = [2, 4, 6] with no training, only an exhaustive search of w over
/// [0, 4] in steps of 0.1, printing the mean squared error of each w. The minimum is at w = 2.0. Runtime tensors only.
/// </summary>
public static class LinearModelSample
{
    public const double ExpectedBestW = 2.0;

    public sealed record Options(string? RunsFolder = null);

    public static Command Command()
    {
        var runs = new Option<string?>("--runs") { Description = "Folder for metrics.csv and the plots (default: runs)." };
        var command = new Command("linear-model", "Lecture 2: y = x·w, MSE for w in [0, 4] step 0.1; the minimum is at w = 2.") { runs };
        command.SetAction(result => Run(new Options(result.GetValue(runs)), Console.Out));
        return command;
    }

    public static int Run(Options options, TextWriter output)
    {
        Tensor x = Tensor.FromArray([1f, 2f, 3f]);
        Tensor y = Tensor.FromArray([2f, 4f, 6f]);
        output.WriteLine("y = x * w on x = [1, 2, 3], y = [2, 4, 6]; MSE = mean((x * w - y)^2) for w = 0.0, 0.1, ..., 4.0");

        var ws = new List<double>();
        var mses = new List<double>();
        for (int i = 0; i <= 40; i++)
        {
            float w = i / 10f; // 0.1·i without the drift of adding 0.1 forty times
            Tensor prediction = x * w;
            float mse = (prediction - y).Pow(2).Mean().Item();
            ws.Add(w);
            mses.Add(mse);
            output.WriteLine($"w = {Report.Number(w, "F1")}  MSE = {Report.Number(mse, "F4")}");
        }

        int best = mses.IndexOf(mses.Min());
        var log = new RunLog("linear-model", options.RunsFolder);
        log.WriteMetrics(["w", "mse"], ws.Select((w, i) => (IReadOnlyList<double>)[w, mses[i]]));
        string plot = log.WritePlot("mse", new SvgPlot("Lecture 2: MSE of y = x·w", "w", "MSE")
            .Add("MSE(w)", ws, mses, markers: true)
            .VerticalLine(ws[best], $"minimum w = {Report.Number(ws[best], "F1")}"));
        output.WriteLine($"metrics: {Path.Combine(log.Folder, "metrics.csv")}; plot: {plot}");

        var report = new Report(output);
        report.Near("argmin MSE w", ws[best], ExpectedBestW, 1e-6, "F1");
        report.Near("MSE at the minimum", mses[best], 0, 1e-6);
        return report.ExitCode;
    }
}
