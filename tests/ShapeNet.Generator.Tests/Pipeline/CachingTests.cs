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

    private static object[] Outputs(GeneratorResult result, string step) =>
        result.RunResult.Results[0].TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Value).ToArray();
}
