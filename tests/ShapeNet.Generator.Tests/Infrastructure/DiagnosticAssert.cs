using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit.Sdk;

namespace ShapeNet.Generator.Tests.Infrastructure;

/// <summary>Assertions on diagnostics by id, position and exact message, and a readable format for failures.</summary>
public static class DiagnosticAssert
{
    /// <summary>
    /// Passes when <paramref name="diagnostics"/> holds one with <paramref name="id"/> whose location starts at
    /// 1-based <paramref name="line"/> and <paramref name="column"/> and whose message is exactly
    /// <paramref name="message"/>; returns it. Otherwise fails, listing every diagnostic.
    /// </summary>
    public static Diagnostic Has(IEnumerable<Diagnostic> diagnostics, string id, int line, int column, string message)
    {
        Diagnostic[] all = diagnostics.ToArray();
        Diagnostic? match = all.FirstOrDefault(d => d.Id == id && StartsAt(d, line, column) && Message(d) == message);
        if (match is not null) return match;

        var failure = new StringBuilder()
            .AppendLine($"Expected {id} at {line}:{column}: {message}")
            .AppendLine(all.Length == 0 ? "There are no diagnostics." : $"There are {all.Length} diagnostic(s):");
        foreach (Diagnostic d in all)
        {
            (int l, int c) = OneBasedStart(d);
            failure.AppendLine($"  {d.Id} at {l}:{c}: {Message(d)}");
        }
        if (all.Length > 0) failure.AppendLine().Append(FormatAll(all));
        throw new XunitException(failure.ToString());
    }

    /// <summary>Passes when <paramref name="diagnostics"/> holds none of <paramref name="severity"/> or worse.</summary>
    public static void None(IEnumerable<Diagnostic> diagnostics, DiagnosticSeverity severity = DiagnosticSeverity.Warning)
    {
        Diagnostic[] found = diagnostics.Where(d => d.Severity >= severity).ToArray();
        if (found.Length > 0)
            throw new XunitException($"Expected no diagnostics of severity {severity} or worse; found {found.Length}:" +
                Environment.NewLine + FormatAll(found));
    }

    /// <summary>The message in the invariant culture.</summary>
    public static string Message(Diagnostic diagnostic) => diagnostic.GetMessage(CultureInfo.InvariantCulture);

    /// <summary>The 1-based line and column where the diagnostic's location starts (0, 0 if it has none).</summary>
    public static (int Line, int Column) OneBasedStart(Diagnostic diagnostic)
    {
        if (diagnostic.Location == Location.None) return (0, 0);
        LinePosition start = diagnostic.Location.GetLineSpan().StartLinePosition;
        return (start.Line + 1, start.Character + 1);
    }

    /// <summary>
    /// <c>Input0.cs(12,17): error SN0001: message</c>, then the source line and <c>^^^</c> under the span (up to the
    /// end of the first line for spans over several lines).
    /// </summary>
    public static string Format(Diagnostic diagnostic)
    {
        var text = new StringBuilder();
        Location location = diagnostic.Location;
        (int line, int column) = OneBasedStart(diagnostic);
        string file = location.IsInSource ? location.SourceTree!.FilePath : location.GetLineSpan().Path;
        string where = location == Location.None ? string.Empty : $"{file}({line},{column}): ";
        text.Append(where).Append(diagnostic.Severity.ToString().ToLowerInvariant()).Append(' ')
            .Append(diagnostic.Id).Append(": ").Append(Message(diagnostic));
        if (!location.IsInSource) return text.ToString();

        SourceText source = location.SourceTree!.GetText();
        TextLine sourceLine = source.Lines[line - 1];
        string lineText = sourceLine.ToString();
        int startInLine = location.SourceSpan.Start - sourceLine.Start;
        int endInLine = Math.Min(location.SourceSpan.End, sourceLine.End) - sourceLine.Start;
        string gutter = line.ToString(CultureInfo.InvariantCulture).PadLeft(5);
        text.AppendLine()
            .Append(gutter).Append(" | ").AppendLine(lineText)
            .Append(new string(' ', gutter.Length)).Append(" | ")
            .Append(Indentation(lineText, startInLine)).Append(new string('^', Math.Max(1, endInLine - startInLine)));
        return text.ToString();
    }

    /// <summary>Every diagnostic <see cref="Format"/>ted, one after another, ordered by file and position.</summary>
    public static string FormatAll(IEnumerable<Diagnostic> diagnostics) =>
        string.Join(Environment.NewLine, diagnostics
            .OrderBy(d => d.Location.SourceTree?.FilePath ?? string.Empty, StringComparer.Ordinal)
            .ThenBy(d => d.Location.SourceSpan.Start)
            .Select(Format));

    private static bool StartsAt(Diagnostic diagnostic, int line, int column) => OneBasedStart(diagnostic) == (line, column);

    /// <summary>Spaces (tabs kept as tabs) up to <paramref name="length"/>, so the carets line up under the span.</summary>
    private static string Indentation(string lineText, int length) =>
        new(lineText.Take(length).Select(c => c == '\t' ? '\t' : ' ').ToArray());
}
