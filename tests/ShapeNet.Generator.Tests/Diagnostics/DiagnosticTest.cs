using Microsoft.CodeAnalysis;
using ShapeNet.Generator.Tests.Infrastructure;
using Xunit.Sdk;

namespace ShapeNet.Generator.Tests.Diagnostics;

/// <summary>
/// Runs the generator over a test source and returns what it reported. Only the generator's own diagnostics
/// are looked at: until the emitter is merged the output compilation has C# errors (unresolved ops and layers).
/// </summary>
internal static class DiagnosticTest
{
    /// <summary>The generator's diagnostics for <paramref name="sources"/>; fails if the generator threw.</summary>
    public static Diagnostic[] Run(params string[] sources)
    {
        GeneratorResult result = GeneratorHarness.Run(sources);
        if (result.GeneratorRun.Exception is not null)
            throw new XunitException("The generator threw: " + result.GeneratorRun.Exception);
        return result.GeneratorDiagnostics.ToArray();
    }

    /// <summary>Passes when the generator reports exactly one diagnostic for <paramref name="source"/>, with
    /// this id, 1-based start and exact message.</summary>
    public static Diagnostic Only(string source, string id, int line, int column, string message)
    {
        Diagnostic[] all = Run(source);
        Diagnostic found = DiagnosticAssert.Has(all, id, line, column, message);
        if (all.Length != 1)
            throw new XunitException($"Expected only {id}, but the generator reported {all.Length} diagnostics:" +
                Environment.NewLine + DiagnosticAssert.FormatAll(all));
        return found;
    }
}
