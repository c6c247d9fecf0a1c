using System.CommandLine;
using ShapeNet.Distributions;
using ShapeNet.Samples.Common;

namespace ShapeNet.Samples.Probability;

/// <summary>
/// *Dive into Deep Learning* §2.6 (Probability): rolling a fair die with <c>Multinomial(n, fair_probs).sample()</c> once, ten
/// times and a thousand times, then 500 groups of ten rolls whose running relative frequencies converge to 1/6: the
/// book's figure of six estimate curves and the dashed line at 1/6.
/// </summary>
public static class ProbabilitySample
{
    /// <summary>The 0.999 quantile of chi-square with 5 degrees of freedom: the bound on the 5,000 rolls' counts.</summary>
    public const double ChiSquareBound = 20.52;

    /// <summary>The bound on |estimate − 1/6| after all groups: six standard deviations of a face's frequency in
    /// <paramref name="rolls"/> rolls, √(1/6 · 5/6 / rolls) (0.0316 for the book's 5,000).</summary>
    public static double EstimateTolerance(int rolls) => 6 * Math.Sqrt(1 / 6.0 * 5 / 6.0 / rolls);

    public sealed record Options(int Groups = 500, int GroupSize = 10, int Seed = 0, string? RunsFolder = null);

    public static Command Command()
    {
        var groups = new Option<int>("--groups") { Description = "Groups of rolls (the book: 500).", DefaultValueFactory = _ => 500 };
        var size = new Option<int>("--group-size") { Description = "Rolls per group (the book: 10).", DefaultValueFactory = _ => 10 };
        var seed = new Option<int>("--seed") { Description = "Seed of the generator every roll is drawn from.", DefaultValueFactory = _ => 0 };
        var runs = new Option<string?>("--runs") { Description = "Folder for metrics.csv and the plot (default: runs)." };
        var command = new Command("probability", "d2l 2.6: rolling a die with Multinomial; relative frequencies converge to 1/6.") { groups, size, seed, runs };
        command.SetAction(result => Run(new Options(result.GetValue(groups), result.GetValue(size), result.GetValue(seed), result.GetValue(runs)), Console.Out));
        return command;
    }

    public static int Run(Options options, TextWriter output)
    {
        if (options.Groups < 1 || options.GroupSize < 1)
            throw new ArgumentOutOfRangeException(nameof(options), $"The experiment needs at least one group of one roll, got {options.Groups} groups of {options.GroupSize}.");
        var generator = new TensorRandom(options.Seed); // torch.manual_seed: every draw below comes from this one generator
        Tensor fairProbs = Tensor.Ones(6) / 6;
        output.WriteLine($"fair_probs = {fairProbs}");
        output.WriteLine($"Multinomial(1, fair_probs).sample()        = {new Multinomial(1, fairProbs).Sample(generator)}");
        output.WriteLine($"Multinomial(10, fair_probs).sample()       = {new Multinomial(10, fairProbs).Sample(generator)}");
        Tensor thousand = new Multinomial(1000, fairProbs).Sample(generator);
        output.WriteLine($"Multinomial(1000, fair_probs).sample() / 1000 = {thousand / 1000}");

        // The book's 500 groups of 10: counts [500, 6], running sums down the groups, each row divided by its total.
        Tensor counts = new Multinomial(options.GroupSize, fairProbs).Sample([options.Groups], generator);
        Tensor cumCounts = counts.CumSum(0);
        Tensor estimates = cumCounts / cumCounts.Sum(1, keepDim: true);
        int groups = options.Groups, rolls = groups * options.GroupSize;
        foreach (int after in new[] { 1, 10, 100, groups }.Where(g => g <= groups).Distinct())
            output.WriteLine($"estimates after {after,3} groups ({after * options.GroupSize,5} rolls): {estimates[after - 1]}");

        var log = new RunLog("probability", options.RunsFolder);
        float[,] table = estimates.To2DArray();
        log.WriteMetrics(["groups", "p1", "p2", "p3", "p4", "p5", "p6"],
            Enumerable.Range(0, groups).Select(g => (IReadOnlyList<double>)[g + 1, .. Enumerable.Range(0, 6).Select(f => (double)table[g, f])]));
        double[] x = Enumerable.Range(1, groups).Select(g => (double)g).ToArray();
        var plot = new SvgPlot($"d2l 2.6: estimated probabilities of a fair die, {groups} groups of {options.GroupSize} rolls",
            "Groups of experiments", "Estimated probability") { Width = 720, Height = 480 };
        for (int face = 0; face < 6; face++)
            plot.Add($"P(die={face + 1})", x, Enumerable.Range(0, groups).Select(g => (double)table[g, face]).ToArray());
        plot.HorizontalLine(1 / 6.0, "1/6", color: "black");
        output.WriteLine($"metrics: {Path.Combine(log.Folder, "metrics.csv")}; plot: {log.WritePlot("estimates", plot)}");

        float[] total = cumCounts[^1].ToArray();
        double expected = rolls / 6.0;
        double chiSquare = total.Sum(c => (c - expected) * (c - expected) / expected);
        double maxDeviation = Enumerable.Range(0, 6).Max(f => Math.Abs(table[groups - 1, f] - 1 / 6.0));
        var report = new Report(output);
        report.AtMost($"chi-square of the {rolls:N0} rolls' counts against 1/6 each (df 5)", chiSquare, ChiSquareBound, "F2");
        report.AtMost($"max |estimate - 1/6| after {groups} groups", maxDeviation, EstimateTolerance(rolls));
        return report.ExitCode;
    }
}
