using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ShapeNet.Generator.Tests.Infrastructure;
using Xunit.Sdk;

namespace ShapeNet.Generator.Tests.InfrastructureTests;

public class CachingAssertTests
{
    private const string Source = """
        namespace Demo
        {
            [ShapeNet.Network]
            public partial class Answering
            {
            }
        }
        """;

    private sealed record CleanModel(string Name, IReadOnlyList<int> Sizes, CleanModel? Inner);

    private sealed record ListModel(string Name, List<object> Items);

    private sealed class Cyclic
    {
        public Cyclic? Next { get; set; }
        public string Name { get; set; } = "cycle";
    }

    [Fact]
    public void The_walker_passes_a_record_of_plain_data()
    {
        var model = new CleanModel("outer", [1, 2], new CleanModel("inner", [3], null));

        Assert.Empty(RoslynObjectFinder.Find(model, "model"));
    }

    [Fact]
    public void The_walker_finds_a_syntax_node_inside_a_list_and_names_its_path()
    {
        SyntaxNode node = SyntaxFactory.ParseExpression("x + 1");
        var model = new ListModel("leaky", ["fine", 3, node]);

        IReadOnlyList<string> found = RoslynObjectFinder.Find(model, "model");

        string offender = Assert.Single(found);
        Assert.StartsWith("model.Items[2]: Microsoft.CodeAnalysis.CSharp.Syntax.BinaryExpressionSyntax", offender);
    }

    [Fact]
    public void The_walker_survives_cycles()
    {
        var a = new Cyclic();
        a.Next = new Cyclic { Next = a };

        Assert.Empty(RoslynObjectFinder.Find(a));
    }

    [Fact]
    public void A_plain_data_pipeline_passes_both_checks()
    {
        (GeneratorResult first, GeneratorResult second) =
            GeneratorHarness.RunTwice(Source, GeneratorHarness.AddUnrelatedFile, new AnswerGenerator());

        CachingAssert.AllStepsCached(first.RunResult, second.RunResult, [AnswerGenerator.ClassesStep]);
        CachingAssert.AssertNoRoslynObjectsInModel(second.RunResult);
    }

    [Fact]
    public void A_model_holding_a_syntax_node_fails_with_the_path()
    {
        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(Source), new LeakyGenerator());

        var failure = Assert.Throws<XunitException>(() => CachingAssert.AssertNoRoslynObjectsInModel(result.RunResult));

        Assert.Contains($"{LeakyGenerator.ClassesStep}[0].Declaration: Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax", failure.Message);
    }

    [Fact]
    public void A_step_recomputed_after_an_edit_fails_with_its_reasons()
    {
        (GeneratorResult first, GeneratorResult second) = GeneratorHarness.RunTwice(Source,
            GeneratorHarness.ReplaceFile("Input0.cs", Source.Replace("Answering", "Renamed")), new AnswerGenerator());

        var failure = Assert.Throws<XunitException>(() =>
            CachingAssert.AllStepsCached(first.RunResult, second.RunResult, [AnswerGenerator.ClassesStep]));

        Assert.Contains($"Step '{AnswerGenerator.ClassesStep}'", failure.Message);
        Assert.Contains("Modified", failure.Message);
    }

    [Fact]
    public void Naming_only_steps_that_never_ran_fails()
    {
        (GeneratorResult first, GeneratorResult second) =
            GeneratorHarness.RunTwice(Source, GeneratorHarness.AddUnrelatedFile, new AnswerGenerator());

        var failure = Assert.Throws<XunitException>(() =>
            CachingAssert.AllStepsCached(first.RunResult, second.RunResult, ["NoSuchStep"]));

        Assert.Contains("None of the steps [NoSuchStep] ran", failure.Message);
    }
}
