using System.Text;
using Microsoft.CodeAnalysis;
using Xunit.Sdk;

namespace ShapeNet.Generator.Tests.Infrastructure;

/// <summary>Assertions that the incremental pipeline caches: named steps re-run as Cached/Unchanged after an edit,
/// and no step output holds a Roslyn object (which would defeat equality and keep compilations alive).</summary>
public static class CachingAssert
{
    /// <summary>
    /// Passes when, for every step named in <paramref name="trackingNames"/> that ran in either run, the second run
    /// has the same number of outputs, each equal to the first run's, and each with reason
    /// <see cref="IncrementalStepRunReason.Cached"/> or <see cref="IncrementalStepRunReason.Unchanged"/>.
    /// Names that ran in neither run (a step with no input produces no record) are skipped, but at least one must
    /// have run. On failure prints each offending step with its outputs' reasons in both runs.
    /// </summary>
    public static void AllStepsCached(GeneratorDriverRunResult before, GeneratorDriverRunResult after, IEnumerable<string> trackingNames)
    {
        IReadOnlyDictionary<string, IncrementalGeneratorRunStep[]> first = StepsByName(before);
        IReadOnlyDictionary<string, IncrementalGeneratorRunStep[]> second = StepsByName(after);
        string[] names = trackingNames.Distinct().ToArray();
        string[] ran = names.Where(n => first.ContainsKey(n) || second.ContainsKey(n)).ToArray();
        if (ran.Length == 0)
            throw new XunitException($"None of the steps [{string.Join(", ", names)}] ran. Tracked steps: [{string.Join(", ", second.Keys.Union(first.Keys).Order())}].");

        var failures = new StringBuilder();
        foreach (string name in ran)
        {
            (object Value, IncrementalStepRunReason Reason)[] outputsBefore = Outputs(first, name);
            (object Value, IncrementalStepRunReason Reason)[] outputsAfter = Outputs(second, name);
            var problems = new List<string>();
            if (outputsAfter.Any(o => o.Reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged)))
                problems.Add("an output was recomputed to a new value");
            if (outputsBefore.Length != outputsAfter.Length)
                problems.Add($"{outputsBefore.Length} output(s) before, {outputsAfter.Length} after");
            else if (Enumerable.Range(0, outputsAfter.Length).Any(i => !Equals(outputsBefore[i].Value, outputsAfter[i].Value)))
                problems.Add("an output is not equal to the first run's (does its type have value equality?)");
            if (problems.Count == 0) continue;

            failures.AppendLine($"Step '{name}': {string.Join("; ", problems)}")
                .AppendLine($"  before: {string.Join(", ", outputsBefore.Select(o => o.Reason))}")
                .AppendLine($"  after:  {string.Join(", ", outputsAfter.Select(o => o.Reason))}");
            foreach ((object value, IncrementalStepRunReason reason) in outputsAfter.Where(o => o.Reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged)))
                failures.AppendLine($"    {reason}: {Describe(value)}");
        }
        if (failures.Length > 0)
            throw new XunitException("The pipeline did not cache after the edit:" + Environment.NewLine + failures);
    }

    /// <summary>
    /// The second run of the same input (a cloned compilation) is fully cached: every tracked step of the generator's own
    /// is Cached or Unchanged with outputs equal to the first run's, every source output that adds a file is Cached (the
    /// diagnostics outputs, combined with the compilation to place their locations, may re-run to an Unchanged result), the
    /// generated sources are the same, and no step output holds a Roslyn object.
    /// </summary>
    public static void SecondRunFullyCached(GeneratorResult first, GeneratorResult second)
    {
        string[] own = StepsByName(first.RunResult).Keys.Where(n => !IsRoslynInternalStep(n)).ToArray();
        AllStepsCached(first.RunResult, second.RunResult, own);
        var notCached = second.GeneratorRun.TrackedOutputSteps
            .SelectMany(step => step.Value.SelectMany(run => run.Outputs).Select(o => (step.Key, o.Reason, o.Value)))
            .Where(o => o.Reason != IncrementalStepRunReason.Cached && (o.Reason != IncrementalStepRunReason.Unchanged || AddsSource(o.Value)))
            .ToArray();
        if (notCached.Length > 0)
            throw new XunitException("The second run re-ran output steps: " + string.Join(", ", notCached.Select(o => $"{o.Key}: {o.Reason}")));
        Assert.Equal(first.GeneratedSources, second.GeneratedSources);
        AssertNoRoslynObjectsInModel(second.RunResult, own);
    }

    /// <summary>Whether a source-output step's output (Roslyn's pair of generated sources and diagnostics) adds a file.</summary>
    public static bool AddsSource(object value) =>
        value is System.Runtime.CompilerServices.ITuple { Length: 2 } pair && pair[0] is System.Collections.IEnumerable sources
        && sources.Cast<object>().Any(s => s.GetType().Name == "GeneratedSourceText");

    /// <summary>
    /// Fails if the output of any tracked step of the generator's own (every tracked step except Roslyn's
    /// built-in inputs and <c>ForAttributeWithMetadataName</c> internals) holds a Roslyn object; prints the path to
    /// each offender.
    /// </summary>
    public static void AssertNoRoslynObjectsInModel(GeneratorDriverRunResult result) =>
        AssertNoRoslynObjectsInModel(result, StepsByName(result).Keys.Where(n => !IsRoslynInternalStep(n)));

    /// <summary>Fails if the output of any step named in <paramref name="trackingNames"/> holds a Roslyn object.</summary>
    public static void AssertNoRoslynObjectsInModel(GeneratorDriverRunResult result, IEnumerable<string> trackingNames)
    {
        IReadOnlyDictionary<string, IncrementalGeneratorRunStep[]> steps = StepsByName(result);
        var offenders = new List<string>();
        foreach (string name in trackingNames.Distinct())
        {
            (object Value, IncrementalStepRunReason Reason)[] outputs = Outputs(steps, name);
            for (int i = 0; i < outputs.Length; i++)
                offenders.AddRange(RoslynObjectFinder.Find(outputs[i].Value, $"{name}[{i}]"));
        }
        if (offenders.Count > 0)
            throw new XunitException("Step outputs hold Roslyn objects (the model must be plain data):" + Environment.NewLine +
                string.Join(Environment.NewLine, offenders.Select(o => "  " + o)));
    }

    /// <summary>Steps Roslyn tracks for itself: the driver's inputs and outputs (<c>Compilation</c>,
    /// <c>CompilationOptions</c>, <c>SourceOutput</c>, …) and the stages inside <c>ForAttributeWithMetadataName</c>
    /// (<c>result_ForAttributeInternal</c>, …), which hold syntax nodes by design.</summary>
    public static bool IsRoslynInternalStep(string name) =>
        name is WellKnownGeneratorInputs.Compilation or "CompilationOptions" or "SyntaxTrees"
            or WellKnownGeneratorInputs.AdditionalTexts or WellKnownGeneratorInputs.AnalyzerConfigOptions
            or WellKnownGeneratorInputs.MetadataReferences or WellKnownGeneratorInputs.ParseOptions
            or WellKnownGeneratorOutputs.SourceOutput or WellKnownGeneratorOutputs.ImplementationSourceOutput
        || name.Contains("_ForAttribute", StringComparison.Ordinal);

    private static IReadOnlyDictionary<string, IncrementalGeneratorRunStep[]> StepsByName(GeneratorDriverRunResult result)
    {
        var steps = new Dictionary<string, IncrementalGeneratorRunStep[]>(StringComparer.Ordinal);
        foreach (GeneratorRunResult run in result.Results)
            foreach (KeyValuePair<string, System.Collections.Immutable.ImmutableArray<IncrementalGeneratorRunStep>> step in run.TrackedSteps)
                steps[step.Key] = steps.TryGetValue(step.Key, out IncrementalGeneratorRunStep[]? existing)
                    ? existing.Concat(step.Value).ToArray()
                    : step.Value.ToArray();
        return steps;
    }

    private static (object Value, IncrementalStepRunReason Reason)[] Outputs(
        IReadOnlyDictionary<string, IncrementalGeneratorRunStep[]> steps, string name) =>
        steps.TryGetValue(name, out IncrementalGeneratorRunStep[]? runs) ? runs.SelectMany(s => s.Outputs).ToArray() : [];

    private static string Describe(object value)
    {
        string text = value.ToString() ?? value.GetType().Name;
        return text.Length > 300 ? text[..300] + "…" : text;
    }
}
