using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ShapeNet.Generator;
using ShapeNet.Samples.Autograd;

namespace ShapeNet.Samples.Tests;

/// <summary>The autograd sample prints the diagnostic its rejected example gets; this runs the generator on it.</summary>
public sealed class GeneratorDiagnosticTests
{
    [Fact]
    public void Rejected_while_loop_gets_the_printed_SN0201()
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        string[] trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var references = trusted.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(DifferentiableAttribute).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(Tensor).Assembly.Location))
            .DistinctBy(r => Path.GetFileName(r.Display))
            .ToList();
        var compilation = CSharpCompilation.Create("Rejected", [CSharpSyntaxTree.ParseText(AutogradSample.RejectedSource, parse)], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary).WithNullableContextOptions(NullableContextOptions.Enable));
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new ShapeNetGenerator().AsSourceGenerator()], parseOptions: parse);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out _, out var diagnostics);

        Diagnostic error = Assert.Single(diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal(AutogradSample.RejectedDiagnostic, $"{error.Id}: {error.GetMessage()}");
    }
}
