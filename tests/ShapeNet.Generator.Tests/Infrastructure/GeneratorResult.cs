using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit.Sdk;

namespace ShapeNet.Generator.Tests.Infrastructure;

/// <summary>One generator run: its input and output compilations, what it generated and reported, and the
/// driver that holds its incremental state (for <see cref="Rerun"/>).</summary>
public sealed class GeneratorResult
{
    internal GeneratorResult(CSharpCompilation inputCompilation, Compilation outputCompilation, GeneratorDriver driver)
    {
        InputCompilation = inputCompilation;
        OutputCompilation = outputCompilation;
        Driver = driver;
        RunResult = driver.GetRunResult();
        GeneratorRun = RunResult.Results.Single();
        GeneratedSources = GeneratorRun.GeneratedSources
            .ToImmutableSortedDictionary(s => s.HintName, s => s.SourceText.ToString(), StringComparer.Ordinal);
        CompilationDiagnostics = outputCompilation.GetDiagnostics();
    }

    /// <summary>The compilation the generator ran over.</summary>
    public CSharpCompilation InputCompilation { get; }

    /// <summary>The input compilation plus the generated sources.</summary>
    public Compilation OutputCompilation { get; }

    /// <summary>The driver after this run; run it again (<see cref="Rerun"/>) to exercise caching.</summary>
    public GeneratorDriver Driver { get; }

    /// <summary>The whole run, with tracked incremental steps.</summary>
    public GeneratorDriverRunResult RunResult { get; }

    /// <summary>The one generator's run: its sources, diagnostics, exception and tracked steps.</summary>
    public GeneratorRunResult GeneratorRun { get; }

    /// <summary>Diagnostics the generator reported (shape errors and the like).</summary>
    public ImmutableArray<Diagnostic> GeneratorDiagnostics => GeneratorRun.Diagnostics;

    /// <summary>Generated sources by hint name (<c>Demo.Mlp.g.cs</c> → text), ordered by hint name.</summary>
    public ImmutableSortedDictionary<string, string> GeneratedSources { get; }

    /// <summary>All diagnostics of the output compilation (the user's code plus the generated code).</summary>
    public ImmutableArray<Diagnostic> CompilationDiagnostics { get; }

    /// <summary>The errors among <see cref="CompilationDiagnostics"/>.</summary>
    public ImmutableArray<Diagnostic> CompilationErrors =>
        CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();

    /// <summary>The generated source whose hint name is <paramref name="hintName"/>, with or without its
    /// <c>.g.cs</c> or <c>.cs</c> extension.</summary>
    public string Source(string hintName)
    {
        foreach (string candidate in new[] { hintName, hintName + ".g.cs", hintName + ".cs" })
            if (GeneratedSources.TryGetValue(candidate, out string? text)) return text;
        throw new XunitException($"No generated source '{hintName}'. Generated: " +
            (GeneratedSources.Count == 0 ? "(none)" : string.Join(", ", GeneratedSources.Keys)));
    }

    /// <summary>Applies <paramref name="edit"/> to the input compilation and runs this result's driver over it.</summary>
    public GeneratorResult Rerun(Func<CSharpCompilation, CSharpCompilation> edit) =>
        GeneratorHarness.Run(edit(InputCompilation), Driver);

    /// <summary>
    /// Fails if the generator threw, reported an error, or the output compilation has errors; the message lists
    /// every such diagnostic with its source line, and every generated source with line numbers.
    /// </summary>
    public void AssertNoErrors()
    {
        Diagnostic[] generatorErrors = GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        ImmutableArray<Diagnostic> compilationErrors = CompilationErrors;
        if (GeneratorRun.Exception is null && generatorErrors.Length == 0 && compilationErrors.Length == 0) return;

        var message = new StringBuilder();
        if (GeneratorRun.Exception is not null)
            message.AppendLine("The generator threw:").AppendLine(GeneratorRun.Exception.ToString()).AppendLine();
        if (generatorErrors.Length > 0)
            message.AppendLine($"The generator reported {generatorErrors.Length} error(s):")
                .AppendLine(DiagnosticAssert.FormatAll(generatorErrors)).AppendLine();
        if (compilationErrors.Length > 0)
            message.AppendLine($"The output compilation has {compilationErrors.Length} error(s):")
                .AppendLine(DiagnosticAssert.FormatAll(compilationErrors)).AppendLine();
        message.Append(FormatGeneratedSources());
        throw new XunitException(message.ToString());
    }

    /// <summary>Compiles the output compilation and loads it into a collectible load context; dispose the result
    /// to unload it. Fails with the emit diagnostics if it does not compile.</summary>
    public GeneratedAssembly Emit()
    {
        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = OutputCompilation.Emit(image);
        if (!emitted.Success)
        {
            Diagnostic[] errors = emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
            throw new XunitException($"Emit failed with {errors.Length} error(s):{Environment.NewLine}" +
                DiagnosticAssert.FormatAll(errors) + Environment.NewLine + FormatGeneratedSources());
        }
        return GeneratedAssembly.Load(image.ToArray(), OutputCompilation.AssemblyName ?? GeneratorHarness.DefaultAssemblyName);
    }

    /// <summary>Every generated source, each line numbered, for failure messages.</summary>
    public string FormatGeneratedSources()
    {
        if (GeneratedSources.Count == 0) return "Generated sources: (none)";
        var text = new StringBuilder();
        foreach ((string hintName, string source) in GeneratedSources)
        {
            text.AppendLine($"===== {hintName} =====");
            string[] lines = source.Replace("\r\n", "\n").Split('\n');
            for (int i = 0; i < lines.Length; i++)
                text.Append((i + 1).ToString().PadLeft(5)).Append(" | ").AppendLine(lines[i]);
        }
        return text.ToString();
    }
}
