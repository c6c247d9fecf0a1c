using Microsoft.CodeAnalysis;
using ShapeNet.Generator.Tests.Infrastructure;
using Xunit.Sdk;

namespace ShapeNet.Generator.Tests.InfrastructureTests;

public class GeneratorHarnessTests
{
    private const string NetworkSource = """
        using ShapeNet;

        namespace Demo
        {
            [Network]
            public partial class Answering
            {
                public int Twice => Answer * 2;
            }
        }
        """;

    [Fact]
    public void References_resolve_the_framework_the_dsl_the_runtime_and_system_numerics_tensors()
    {
        GeneratorResult result = GeneratorHarness.Run("""
            using System;
            using System.Collections.Generic;
            using System.Linq;

            public static class UsesEverything
            {
                public static float Total(IEnumerable<float> values) =>
                    System.Numerics.Tensors.TensorPrimitives.Sum(new ReadOnlySpan<float>(values.ToArray()));

                public static ShapeNet.Tensor Make() => new ShapeNet.Tensor(new float[6], 2, 3);

                public static int Size => ShapeNet.Batch.Size;
            }
            """);

        result.AssertNoErrors();
        Assert.Null(result.GeneratorRun.Exception);
    }

    [Fact]
    public void Generated_sources_are_listed_by_hint_name_and_compile_into_the_output()
    {
        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(NetworkSource), new AnswerGenerator());

        result.AssertNoErrors();
        Assert.Equal(["Answering.g.cs"], result.GeneratedSources.Keys);
        Assert.Contains("public int Answer => 42;", result.Source("Answering"));
    }

    [Fact]
    public void Emit_loads_the_output_so_generated_members_can_be_called()
    {
        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(NetworkSource), new AnswerGenerator());

        using GeneratedAssembly assembly = result.Emit();
        dynamic answering = assembly.CreateInstance("Demo.Answering");

        Assert.Equal(42, (int)answering.Answer);
        Assert.Equal(84, (int)answering.Twice);
    }

    [Fact]
    public void AssertNoErrors_shows_each_error_with_its_line_and_the_generated_sources()
    {
        GeneratorResult result = GeneratorHarness.Run(
            GeneratorHarness.CreateCompilation(NetworkSource.Replace("Answer * 2", "Missing * 2")), new AnswerGenerator());

        var failure = Assert.Throws<XunitException>(result.AssertNoErrors);

        Assert.Contains("Input0.cs(8,29): error CS0103: The name 'Missing' does not exist in the current context", failure.Message);
        Assert.Contains("    8 |         public int Twice => Missing * 2;", failure.Message);
        Assert.Contains("===== Answering.g.cs =====", failure.Message);
        Assert.Contains("    5 |         public int Answer => 42;", failure.Message);
    }

    [Fact]
    public void RunTwice_reruns_the_same_driver_so_unrelated_edits_are_cached()
    {
        (GeneratorResult first, GeneratorResult second) =
            GeneratorHarness.RunTwice(NetworkSource, GeneratorHarness.AddUnrelatedFile, new AnswerGenerator());

        Assert.Equal(first.GeneratedSources, second.GeneratedSources);
        Assert.Equal(2, second.InputCompilation.SyntaxTrees.Count());
        CachingAssert.AllStepsCached(first.RunResult, second.RunResult, [AnswerGenerator.ClassesStep]);
    }

    [Fact]
    public void The_ShapeNet_generator_runs_without_errors_on_a_source_without_networks()
    {
        GeneratorResult result = GeneratorHarness.Run("public static class Plain { public static int One => 1; }");

        result.AssertNoErrors();
    }
}
