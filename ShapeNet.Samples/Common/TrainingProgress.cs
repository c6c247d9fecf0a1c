using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ShapeNet.Samples.Common;

/// <summary>Where a training loop reports each finished step (an epoch): the loss and the samples seen so far.</summary>
public interface IProgressSink
{
    /// <summary>Step <paramref name="step"/> (1-based) of the run has finished with <paramref name="loss"/>;
    /// <paramref name="samples"/> counts the samples processed since the start.</summary>
    void Report(int step, double loss, long samples);
}

/// <summary>
/// A progress display for long runs: a Spectre.Console progress bar with the loss and the current samples/s (over the
/// last half second or more of reports, <see cref="RecentRate"/>, not the average since the start) on an interactive
/// console; plain lines (<c>epoch 3/10  loss 0.1234  52,000 samples/s</c>) when the output is redirected, when the
/// <c>CI</c> environment variable is set, or when the sample writes to another writer than the console (tests).
/// </summary>
public static class TrainingProgress
{
    /// <summary>Runs <paramref name="body"/> with a sink for <paramref name="totalSteps"/> steps named <paramref name="unit"/>.</summary>
    public static void Run(TextWriter output, string title, int totalSteps, Action<IProgressSink> body, string unit = "epoch")
    {
        if (IsLive(output))
        {
            AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                    new StatusColumn(unit, totalSteps), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(context =>
                {
                    ProgressTask task = context.AddTask(Markup.Escape(title), maxValue: totalSteps);
                    task.State.Update<int>(StatusColumn.Step, _ => 0);
                    task.State.Update<double>(StatusColumn.Loss, _ => double.NaN);
                    task.State.Update<double>(StatusColumn.Rate, _ => 0);
                    body(new LiveSink(task));
                });
        }
        else
        {
            body(new PlainSink(output, unit, totalSteps));
        }
    }

    /// <summary>Whether to draw a live bar: the real console, not redirected, not in CI.</summary>
    public static bool IsLive(TextWriter output) =>
        ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    /// <summary>Lines are printed every step for short runs and about ten times for long ones, always at the last step.</summary>
    public static int PlainInterval(int totalSteps) => totalSteps <= 20 ? 1 : (int)Math.Ceiling(totalSteps / 10.0);

    /// <summary>The shortest stretch the shown samples/s covers: the previous report when reports are further apart (an epoch
    /// of a long run), about this much of them when they come faster (a sample whose whole run takes a few seconds), so the
    /// figure follows a change of speed within a report or two and does not jump with every short one.</summary>
    public static readonly TimeSpan RateSpan = TimeSpan.FromSeconds(0.5);

    private sealed class LiveSink(ProgressTask task) : IProgressSink
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly RecentRate _rate = new(RateSpan);

        public void Report(int step, double loss, long samples)
        {
            double rate = _rate.Update(_clock.Elapsed, samples);
            task.Value = step;
            task.State.Update<int>(StatusColumn.Step, _ => step);
            task.State.Update<double>(StatusColumn.Loss, _ => loss);
            task.State.Update<double>(StatusColumn.Rate, _ => rate);
        }
    }

    /// <summary>The epoch, loss and samples/s of a task, kept in its state by <see cref="LiveSink"/>.</summary>
    private sealed class StatusColumn(string unit, int total) : ProgressColumn
    {
        public const string Step = "step", Loss = "loss", Rate = "rate";

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            int step = task.State.Get<int>(Step);
            if (step == 0) return new Text($"{unit} 0/{total}");
            return new Text(string.Create(CultureInfo.InvariantCulture,
                $"{unit} {step}/{total}  loss {task.State.Get<double>(Loss):F4}  {task.State.Get<double>(Rate):N0} samples/s"));
        }
    }

    private sealed class PlainSink(TextWriter output, string unit, int total) : IProgressSink
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly RecentRate _rate = new(RateSpan);
        private readonly int _interval = PlainInterval(total);
        private readonly int _width = total.ToString(CultureInfo.InvariantCulture).Length;

        public void Report(int step, double loss, long samples)
        {
            // Every report feeds the meter, so a printed line's rate covers the recent steps, not only the printed ones.
            double rate = _rate.Update(_clock.Elapsed, samples);
            if (step % _interval != 0 && step != total) return;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{unit} {step.ToString(CultureInfo.InvariantCulture).PadLeft(_width)}/{total}  loss {loss:F4}  {rate:N0} samples/s"));
        }
    }
}
