namespace ShapeNetClassifier;

/// <summary>
/// One epoch's progress on one console line: <c>epoch 3/20 [##########..........] 50% loss 0.4213</c>, redrawn in place
/// on a terminal; when the output is redirected (a log file, CI) only the finished line is written.
/// </summary>
public sealed class ProgressBar(int epoch, int epochs, int steps)
{
    private const int Width = 30;
    private readonly bool _interactive = !Console.IsOutputRedirected;
    private int _drawn = -1;

    /// <summary>Shows <paramref name="step"/> of the epoch's steps done, with the running mean loss.</summary>
    public void Report(int step, double meanLoss)
    {
        if (!_interactive) return;
        int filled = steps == 0 ? Width : step * Width / steps;
        if (filled == _drawn && step != steps) return;   // redraw only when the bar grows
        _drawn = filled;
        Console.Write("\r" + Line(filled, step, meanLoss));
    }

    /// <summary>Ends the line with the epoch's results.</summary>
    public void Finish(double meanLoss, string results)
    {
        string line = Line(Width, steps, meanLoss) + "  " + results;
        Console.WriteLine(_interactive ? "\r" + line : line);
    }

    private string Line(int filled, int step, double meanLoss) =>
        FormattableString.Invariant(
            $"epoch {epoch,3}/{epochs} [{new string('#', filled)}{new string('.', Width - filled)}] {(steps == 0 ? 100 : step * 100 / steps),3}% loss {meanLoss:F4}");
}
