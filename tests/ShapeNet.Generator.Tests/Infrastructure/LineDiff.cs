using System.Globalization;
using System.Text;

namespace ShapeNet.Generator.Tests.Infrastructure;

/// <summary>A unified-style line diff for failure messages: hunks with two lines of context, each line with its
/// line number in the expected (<c>-</c>) or actual (<c>+</c>) text.</summary>
public static class LineDiff
{
    private const int Context = 2;

    /// <summary>Above this many cells of the longest-common-subsequence table, the changed middle is shown as a
    /// plain replacement rather than aligned line by line.</summary>
    private const long MaxTableCells = 4_000_000;

    private enum Kind { Same, Removed, Added }

    private readonly record struct Line(Kind Kind, int ExpectedNumber, int ActualNumber, string Text);

    /// <summary>The diff of <paramref name="expected"/> to <paramref name="actual"/>, showing at most
    /// <paramref name="maxChangedLines"/> removed or added lines.</summary>
    public static string Format(string expected, string actual, int maxChangedLines = 40)
    {
        List<Line> lines = Diff(expected.Split('\n'), actual.Split('\n'));
        int changedTotal = lines.Count(l => l.Kind != Kind.Same);
        if (changedTotal == 0) return "(no differing lines)";

        // Print each changed line (up to the limit) with Context lines either side; "@@" marks skipped lines.
        var print = new bool[lines.Count];
        int shown = 0, cutoff = lines.Count;
        for (int i = 0; i < lines.Count; i++)
        {
            if (lines[i].Kind == Kind.Same) continue;
            if (shown == maxChangedLines) { cutoff = i; break; }
            shown++;
            for (int j = Math.Max(0, i - Context); j <= Math.Min(lines.Count - 1, i + Context); j++) print[j] = true;
        }

        var text = new StringBuilder().AppendLine($"--- expected  +++ actual  ({changedTotal} differing line(s); numbers are the expected line for -, the actual line otherwise)");
        for (int i = 0; i < cutoff; i++)
        {
            if (!print[i]) continue;
            if (i == 0 || !print[i - 1]) text.AppendLine("@@");
            Append(text, lines[i]);
        }
        if (changedTotal > shown) text.AppendLine($"... {changedTotal - shown} more differing line(s) not shown");
        return text.ToString();
    }

    private static void Append(StringBuilder text, Line line)
    {
        (char mark, int number) = line.Kind switch
        {
            Kind.Removed => ('-', line.ExpectedNumber),
            Kind.Added => ('+', line.ActualNumber),
            _ => (' ', line.ActualNumber),
        };
        text.Append(mark).Append(number.ToString(CultureInfo.InvariantCulture).PadLeft(5)).Append(" | ").AppendLine(line.Text);
    }

    /// <summary>Common prefix and suffix, and a longest-common-subsequence alignment of the middle.</summary>
    private static List<Line> Diff(string[] expected, string[] actual)
    {
        int prefix = 0;
        while (prefix < expected.Length && prefix < actual.Length && expected[prefix] == actual[prefix]) prefix++;
        int suffix = 0;
        while (suffix < expected.Length - prefix && suffix < actual.Length - prefix &&
               expected[expected.Length - 1 - suffix] == actual[actual.Length - 1 - suffix]) suffix++;

        var result = new List<Line>();
        for (int i = 0; i < prefix; i++) result.Add(new Line(Kind.Same, i + 1, i + 1, expected[i]));

        int n = expected.Length - prefix - suffix, m = actual.Length - prefix - suffix;
        if ((long)(n + 1) * (m + 1) <= MaxTableCells) AlignMiddle(expected, actual, prefix, n, m, result);
        else
        {
            for (int i = 0; i < n; i++) result.Add(new Line(Kind.Removed, prefix + i + 1, 0, expected[prefix + i]));
            for (int j = 0; j < m; j++) result.Add(new Line(Kind.Added, 0, prefix + j + 1, actual[prefix + j]));
        }

        for (int s = suffix; s > 0; s--)
            result.Add(new Line(Kind.Same, expected.Length - s + 1, actual.Length - s + 1, expected[expected.Length - s]));
        return result;
    }

    private static void AlignMiddle(string[] expected, string[] actual, int offset, int n, int m, List<Line> result)
    {
        // common[i, j]: length of the longest common subsequence of expected[i..n) and actual[j..m) (middle-relative).
        var common = new int[n + 1, m + 1];
        for (int i = n - 1; i >= 0; i--)
            for (int j = m - 1; j >= 0; j--)
                common[i, j] = expected[offset + i] == actual[offset + j]
                    ? common[i + 1, j + 1] + 1
                    : Math.Max(common[i + 1, j], common[i, j + 1]);

        int a = 0, b = 0;
        while (a < n || b < m)
        {
            if (a < n && b < m && expected[offset + a] == actual[offset + b])
            {
                result.Add(new Line(Kind.Same, offset + a + 1, offset + b + 1, expected[offset + a]));
                a++; b++;
            }
            else if (b == m || (a < n && common[a + 1, b] >= common[a, b + 1]))
            {
                result.Add(new Line(Kind.Removed, offset + a + 1, 0, expected[offset + a]));
                a++;
            }
            else
            {
                result.Add(new Line(Kind.Added, 0, offset + b + 1, actual[offset + b]));
                b++;
            }
        }
    }
}
