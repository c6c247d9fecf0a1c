using System.Globalization;

namespace ShapeNet.Samples.Common;

/// <summary>
/// "Expected vs measured" lines of a sample (<c>predict(4) = 7.9999 (expected ≈ 8)</c>) and its exit code: 0 when every
/// check passed, 1 when any missed. A missed check says so on its line.
/// </summary>
public sealed class Report(TextWriter output)
{
    private int _missed;

    /// <summary>Whether every check so far passed.</summary>
    public bool Passed => _missed == 0;

    public int Missed => _missed;

    /// <summary>0 when every check passed, else 1.</summary>
    public int ExitCode => Passed ? 0 : 1;

    /// <summary><c>{what} = {measured} (expected ≈ {expected})</c>, passing when |measured − expected| ≤ <paramref name="tolerance"/>.</summary>
    public bool Near(string what, double measured, double expected, double tolerance, string format = "F4")
    {
        bool ok = Math.Abs(measured - expected) <= tolerance;
        return Line(ok, $"{what} = {Number(measured, format)} (expected ≈ {Number(expected, "0.####")}, within {Number(tolerance, "G3")})");
    }

    /// <summary><c>{what} = {measured} (expected ≥ {bound})</c>.</summary>
    public bool AtLeast(string what, double measured, double bound, string format = "F4") =>
        Line(measured >= bound, $"{what} = {Number(measured, format)} (expected ≥ {Number(bound, format)})");

    /// <summary><c>{what} = {measured} (expected ≤ {bound})</c>.</summary>
    public bool AtMost(string what, double measured, double bound, string format = "F4") =>
        Line(measured <= bound, $"{what} = {Number(measured, format)} (expected ≤ {Number(bound, format)})");

    /// <summary>A check whose measured and expected figures are already text.</summary>
    public bool Check(string what, bool ok, string measured, string expected) => Line(ok, $"{what} = {measured} (expected {expected})");

    private bool Line(bool ok, string text)
    {
        if (!ok) _missed++;
        output.WriteLine(ok ? text : text + "  <-- MISSED");
        return ok;
    }

    /// <summary>An invariant-culture number (a sample's figures read the same on every machine).</summary>
    public static string Number(double value, string format = "F4") => value.ToString(format, CultureInfo.InvariantCulture);
}
