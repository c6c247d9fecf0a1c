using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ShapeNet.Generator;

namespace ShapeNet.Generator.Tests.Front;

public class FrontEndProbe
{
    internal static (IReadOnlyList<Diagnostic> Diagnostics, GeneratorDriverRunResult Run) Run(string source)
    {
        var refs = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Select(p => MetadataReference.CreateFromFile(p)).Cast<MetadataReference>().ToList();
        refs.Add(MetadataReference.CreateFromFile(typeof(ShapeNet.DimAttribute).Assembly.Location));
        refs.Add(MetadataReference.CreateFromFile(typeof(ShapeNet.Tensor).Assembly.Location));
        var compilation = CSharpCompilation.Create("probe", new[] { CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Preview), path: "Net.cs") },
            refs, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new ShapeNetGenerator().AsSourceGenerator() }, parseOptions: new CSharpParseOptions(LanguageVersion.Preview));
        driver = driver.RunGenerators(compilation);
        var run = driver.GetRunResult();
        return (run.Diagnostics, run);
    }

    [Fact]
    public void Flatten_mistake_reports_the_product()
    {
        const string src = """
using ShapeNet;
namespace Demo;
[Dim(1)] public partial struct Gray;
[Dim(20)] public partial struct C20;
[Dim(4)] public partial struct Four;
[Dim(10)] public partial struct Digits;
[Network]
public partial class Net
{
    [Linear(512, 10)] partial Linear Fc { get; }
    [Forward]
    public Tensor<Batch, Digits> Forward(Tensor<Batch, C20, Four, Four> h)
    {
        return Fc(Flatten(h));
    }
}
""";
        var (diagnostics, _) = Run(src);
        var text = string.Join("\n", diagnostics.Select(d => d.ToString()));
        Assert.Contains("SN0101", text);
        Assert.Contains("Fc expects 512 input features, but Flatten(h) gives 320 = 20 × 4 × 4 (h is [Batch, C20=20, Four=4, Four=4])", text);
    }
}
