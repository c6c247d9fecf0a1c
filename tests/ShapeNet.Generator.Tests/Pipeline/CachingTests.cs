using System.Globalization;
using Microsoft.CodeAnalysis;
using ShapeNet.Generator.Tests.Infrastructure;

namespace ShapeNet.Generator.Tests.Pipeline;

public class CachingTests
{
    [Fact]
    public void An_unrelated_edit_leaves_every_tracked_step_cached_or_unchanged()
    {
        var (first, second) = GeneratorHarness.RunTwice(SampleSources.Mlp + "\n" + SampleSources.Autograd.Replace("using ShapeNet;", string.Empty).Replace("namespace Demo;", string.Empty),
            GeneratorHarness.AddUnrelatedFile);

        CachingAssert.AllStepsCached(first.RunResult, second.RunResult, TrackingNames.All);
    }

    [Fact]
    public void The_model_holds_no_symbols_syntax_locations_or_compilations()
    {
        GeneratorResult result = GeneratorHarness.Run(SampleSources.Mlp, SampleSources.Autograd);

        CachingAssert.AssertNoRoslynObjectsInModel(result.RunResult, TrackingNames.All);
    }

    [Fact]
    public void Equivalent_sources_give_equal_models()
    {
        GeneratorResult a = GeneratorHarness.Run(SampleSources.Mlp);
        GeneratorResult b = GeneratorHarness.Run(SampleSources.Mlp);

        object[] modelsA = Outputs(a, TrackingNames.InferNetworks);
        object[] modelsB = Outputs(b, TrackingNames.InferNetworks);
        Assert.Single(modelsA);
        Assert.Equal(modelsA, modelsB);
    }

    [Fact]
    public void Editing_a_network_reruns_its_steps()
    {
        var (first, second) = GeneratorHarness.RunTwice(SampleSources.Mlp,
            GeneratorHarness.ReplaceFile("Input0.cs", SampleSources.Mlp.Replace("[Linear(64, 10)]", "[Linear(64, 10, Bias = false)]")));

        var reasons = second.RunResult.Results[0].TrackedSteps[TrackingNames.InferNetworks]
            .SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
        Assert.Contains(Microsoft.CodeAnalysis.IncrementalStepRunReason.Modified, reasons);
    }

    [Fact]
    public void A_batch_norm_network_stays_cached_across_an_unrelated_edit()
    {
        var (first, second) = GeneratorHarness.RunTwice(SampleSources.BatchNormCnn, GeneratorHarness.AddUnrelatedFile);

        first.AssertNoErrors();
        CachingAssert.AllStepsCached(first.RunResult, second.RunResult, TrackingNames.All);
    }

    [Fact]
    public void The_model_of_a_batch_norm_network_holds_no_roslyn_objects()
    {
        GeneratorResult result = GeneratorHarness.Run(SampleSources.BatchNormCnn);

        CachingAssert.AssertNoRoslynObjectsInModel(result.RunResult, TrackingNames.All);
    }

    [Fact]
    public void Editing_a_batch_norm_hyper_parameter_reruns_its_steps()
    {
        var (first, second) = GeneratorHarness.RunTwice(SampleSources.BatchNormCnn,
            GeneratorHarness.ReplaceFile("Input0.cs", SampleSources.BatchNormCnn.Replace("[BatchNorm2d(6)]", "[BatchNorm2d(6, Eps = 1e-3)]")));

        var reasons = second.RunResult.Results[0].TrackedSteps[TrackingNames.InferNetworks]
            .SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
        Assert.Contains(Microsoft.CodeAnalysis.IncrementalStepRunReason.Modified, reasons);
        Assert.Contains("eps: 0.001", second.GeneratedSources.Values.Single(s => s.Contains("partial class BnCnn", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_network_moved_within_its_file_leaves_inference_planning_and_emission_cached()
    {
        // Blank lines above everything: every network, function and dimension moves, nothing else changes.
        static string Moved(string source) => source.Replace("namespace Demo;", "namespace Demo;\n\n\n\n");
        GeneratorResult first = GeneratorHarness.Run(SampleSources.Mlp, SampleSources.Autograd);
        GeneratorResult second = first.Rerun(c => GeneratorHarness.ReplaceFile("Input1.cs", Moved(SampleSources.Autograd))(
            GeneratorHarness.ReplaceFile("Input0.cs", Moved(SampleSources.Mlp))(c)));

        first.AssertNoErrors();
        second.AssertNoErrors();
        // The parse re-ran (its location table moved); the model without locations compares equal …
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(second, TrackingNames.ParseNetworks));
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(second, TrackingNames.ParseFunctions));
        Assert.All(Reasons(second, TrackingNames.NetworkModels), r => Assert.Equal(IncrementalStepRunReason.Unchanged, r));
        Assert.All(Reasons(second, TrackingNames.FunctionModels), r => Assert.Equal(IncrementalStepRunReason.Unchanged, r));
        // … so inference, planning and emission (one step: the emitter plans) and the generated files are not run at all.
        foreach (string step in new[]
                 {
                     TrackingNames.InferNetworks, TrackingNames.EmitNetworks, TrackingNames.NetworkFiles, TrackingNames.NetworkDiagnostics,
                     TrackingNames.InferFunctions, TrackingNames.EmitFunctions, TrackingNames.FunctionFiles, TrackingNames.FunctionDiagnostics,
                     TrackingNames.EmitDims, TrackingNames.DimDiagnostics,
                 })
        {
            IncrementalStepRunReason[] reasons = Reasons(second, step);
            // Roslyn records a diagnostics step of a network without diagnostics only when it runs; the others must be there.
            Assert.True(reasons.Length > 0 || step.EndsWith("Diagnostics", StringComparison.Ordinal), $"step {step} did not run");
            Assert.True(reasons.All(r => r == IncrementalStepRunReason.Cached), $"step {step}: {string.Join(", ", reasons)}");
        }
        CachingAssert.AllStepsCached(first.RunResult, second.RunResult, TrackingNames.AfterParse);
        Assert.Equal(first.GeneratedSources, second.GeneratedSources);
    }

    [Fact]
    public void An_edit_that_moves_only_a_diagnostic_regenerates_no_source()
    {
        string broken = SampleSources.Mlp.Replace("[Linear(512, 256)]", "[Linear(500, 256)]");
        string moved = broken.Replace("h = Relu(Fc2(h));", "\n\nh = Relu(Fc2(h));");
        var (first, second) = GeneratorHarness.RunTwice(broken, GeneratorHarness.ReplaceFile("Input0.cs", moved));

        Diagnostic before = Assert.Single(first.GeneratorDiagnostics);
        Diagnostic after = Assert.Single(second.GeneratorDiagnostics);
        Assert.Equal("SN0101", before.Id);
        Assert.Equal(before.GetMessage(CultureInfo.InvariantCulture), after.GetMessage(CultureInfo.InvariantCulture));
        Assert.Equal(before.Location.GetLineSpan().StartLinePosition.Line + 2, after.Location.GetLineSpan().StartLinePosition.Line);
        Assert.Same(second.InputCompilation.SyntaxTrees.Single(t => t.FilePath == "Input0.cs"), after.Location.SourceTree);

        // The skeleton of the broken network is still generated; its file step and the source output are cached.
        Assert.NotEmpty(first.GeneratedSources);
        Assert.All(Reasons(second, TrackingNames.NetworkFiles), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        Assert.All(Reasons(second, TrackingNames.NetworkDiagnostics), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        var sourceOutputs = second.GeneratorRun.TrackedOutputSteps[WellKnownGeneratorOutputs.SourceOutput]
            .SelectMany(s => s.Outputs)
            .Where(o => CachingAssert.AddsSource(o.Value))
            .ToArray();
        Assert.NotEmpty(sourceOutputs);
        Assert.All(sourceOutputs, o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
        Assert.Equal(first.GeneratedSources, second.GeneratedSources);
    }

    [Fact]
    public void The_model_after_the_parse_holds_no_source_positions()
    {
        GeneratorResult result = GeneratorHarness.Run(SampleSources.Mlp.Replace("[Linear(512, 256)]", "[Linear(500, 256)]"), SampleSources.BatchNormCnn.Replace("namespace Demo;", "namespace Demo2;"));

        var offenders = new List<string>();
        foreach (string step in TrackingNames.AfterParse)
        {
            if (!result.GeneratorRun.TrackedSteps.TryGetValue(step, out var runs)) continue;
            object[] outputs = runs.SelectMany(r => r.Outputs).Select(o => o.Value).ToArray();
            for (int i = 0; i < outputs.Length; i++)
                offenders.AddRange(RoslynObjectFinder.Find(outputs[i], $"{step}[{i}]", [typeof(Model.LocationInfo), typeof(Model.LocationTable)]));
        }
        Assert.True(offenders.Count == 0, "Source positions after the parse:" + Environment.NewLine + string.Join(Environment.NewLine, offenders));
        Assert.Contains(result.GeneratorDiagnostics, d => d.Id == "SN0101" && d.Location.IsInSource);
    }

    private static IncrementalStepRunReason[] Reasons(GeneratorResult result, string step) =>
        result.GeneratorRun.TrackedSteps.TryGetValue(step, out var runs) ? runs.SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray() : [];

    private static object[] Outputs(GeneratorResult result, string step) =>
        result.RunResult.Results[0].TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Value).ToArray();
}
