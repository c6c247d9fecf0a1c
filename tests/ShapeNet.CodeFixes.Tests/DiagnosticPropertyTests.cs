using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ShapeNet.Generator;

namespace ShapeNet.CodeFixes.Tests;

/// <summary>The values the generator hands a code fix in <c>Diagnostic.Properties</c>, at each report site, and that the
/// diagnostic is placed in the source tree (so an IDE can hand it to a fix).</summary>
public class DiagnosticPropertyTests
{
    private static Diagnostic Single(string source)
    {
        SyntaxTree tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Preview), path: "Net.cs");
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(NetworkAttribute).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(Tensor).Assembly.Location));
        var compilation = CSharpCompilation.Create("Net", [tree], references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        CSharpGeneratorDriver.Create([new ShapeNetGenerator().AsSourceGenerator()], parseOptions: (CSharpParseOptions)tree.Options)
            .RunGeneratorsAndUpdateCompilation(compilation, out _, out var diagnostics);
        Diagnostic diagnostic = Assert.Single(diagnostics);
        Assert.True(diagnostic.Location.IsInSource && diagnostic.Location.SourceTree == tree, $"{diagnostic.Id} is not placed in the source tree: {diagnostic.Location}");
        return diagnostic;
    }

    private static void HasProperties(Diagnostic diagnostic, string id, params (string Key, string Value)[] expected)
    {
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(expected.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}"),
            diagnostic.Properties.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}"));
    }

    private const string Cnn = """
        using ShapeNet;
        [Dim(1)] public partial struct Gray;
        [Dim(28)] public partial struct Side;
        [Network]
        public partial class Net
        {
            [Conv2d(1, 10, Kernel = 5)] partial Conv2d Conv1 { get; }
            [Conv2d(10, 20, Kernel = 5)] partial Conv2d Conv2 { get; }
            [BatchNorm2d(20)] partial BatchNorm2d Bn { get; }
            [Linear(320, 10)] partial Linear Fc { get; }
            [Forward]
            public Tensor Forward(Tensor<Batch, Gray, Side, Side> x)
            {
                var h = Relu(MaxPool2d(Conv1(x), 2));
                h = Relu(MaxPool2d(Bn(Conv2(h)), 2));
                return BODY;
            }
        }
        """;

    [Fact]
    public void SN0101_carries_the_layer_the_argument_the_last_axis_and_the_flattened_size() =>
        HasProperties(Single(Cnn.Replace("BODY", "Fc(h)")), "SN0101",
            ("Layer", "Fc"), ("Argument", "0"), ("Size", "4"), ("FlattenedSize", "320"));

    [Fact]
    public void SN0101_on_a_matrix_carries_no_flattened_size() =>
        HasProperties(Single(Cnn.Replace("[Linear(320, 10)]", "[Linear(512, 10)]").Replace("BODY", "Fc(Flatten(h))")), "SN0101",
            ("Layer", "Fc"), ("Argument", "0"), ("Size", "320"));

    [Fact]
    public void SN0112_carries_the_layer_and_the_channels_given() =>
        HasProperties(Single(Cnn.Replace("[Conv2d(10, 20, Kernel = 5)]", "[Conv2d(16, 20, Kernel = 5)]").Replace("BODY", "Fc(Flatten(h))")), "SN0112",
            ("Layer", "Conv2"), ("Argument", "0"), ("Size", "10"));

    [Fact]
    public void SN0112_of_a_BatchNorm2d() =>
        HasProperties(Single(Cnn.Replace("[BatchNorm2d(20)]", "[BatchNorm2d(10)]").Replace("BODY", "Fc(Flatten(h))")), "SN0112",
            ("Layer", "Bn"), ("Argument", "0"), ("Size", "20"));

    private const string Blocks = """
        using ShapeNet;
        [Dim(784)] public partial struct Pixels;
        [Dim(128)] public partial struct Hidden;
        [Network]
        public partial class Residual<TIn> where TIn : IDim
        {
            [Linear(nameof(TIn), nameof(TIn))] partial Linear Fc { get; }
            [Forward]
            public Tensor<Batch, TIn> Forward(Tensor<Batch, TIn> x) => x + Relu(Fc(x));
        }
        [Network]
        public partial class Classifier
        {
            [Linear(784, 128)] partial Linear Stem { get; }
            [Block] partial Residual<Hidden> Block1 { get; }
            [Forward]
            public Tensor<Batch, Hidden> Forward(Tensor<Batch, Pixels> x) => BODY;
        }
        """;

    [Fact]
    public void SN0111_carries_the_block_the_expected_dimension_and_the_size_given() =>
        HasProperties(Single(Blocks.Replace("BODY", "Block1.Forward(x)").Replace("Tensor<Batch, Hidden> Forward", "Tensor Forward")), "SN0111",
            ("Block", "Block1"), ("ExpectedDimension", "Hidden"), ("Size", "784"), ("ActualDimension", "Pixels"));

    [Fact]
    public void SN0107_carries_the_returned_shape_axis_by_axis() =>
        HasProperties(Single(Blocks.Replace("BODY", "Stem(x)").Replace("Tensor<Batch, Hidden> Forward", "Tensor<Batch, Pixels> Forward")), "SN0107",
            ("Shape", "Batch;128"));

    [Fact]
    public void SN0107_names_a_dimension_type_the_shape_carries() =>
        HasProperties(Single(Blocks.Replace("BODY", "x")), "SN0107", ("Shape", "Batch;Pixels=784"));
}
