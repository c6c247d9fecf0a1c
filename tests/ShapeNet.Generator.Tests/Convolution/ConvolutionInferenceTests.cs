using ShapeNet.Generator.Model;
using ShapeNet.Generator.Ops;
using ShapeNet.Generator.Tests.Infrastructure;

namespace ShapeNet.Generator.Tests.Convolution;

/// <summary>The front end of the convolution family: what parsing and shape inference make of Conv2d layers, pooling and
/// dropout (canonical ops, args, shapes, parameters). The emitter's part comes with the back end, so only the inferred
/// graph is looked at here.</summary>
public class ConvolutionInferenceTests
{
    private const string Dims = """
        using ShapeNet;

        namespace Curriculum;

        [Dim(1)] public partial struct Gray;
        [Dim(28)] public partial struct Side;
        [Dim(10)] public partial struct Digits;
        [Dim(12)] public partial struct Twelve;

        """;

    private const string BasicCnn = Dims + """
        [Network]
        public partial class Net
        {
            [Conv2d(1, 10, Kernel = 5)] partial Conv2d Conv1 { get; }
            [Conv2d(10, 20, 5)] partial Conv2d Conv2 { get; }
            [Linear(320, 10)] partial Linear Fc { get; }

            [Forward]
            public Tensor<Batch, Digits> Forward(Tensor<Batch, Gray, Side, Side> x)
            {
                var h = Relu(MaxPool2d(Conv1(x), 2));
                h = Relu(MaxPool2d(Conv2(h), 2));
                return Fc(Flatten(h));
            }
        }
        """;

    private static CompiledGraph Graph(string source, string className)
    {
        GeneratorResult result = GeneratorHarness.Run(source);
        NetworkSpec spec = result.RunResult.Results[0].TrackedSteps[TrackingNames.InferNetworks]
            .SelectMany(s => s.Outputs).Select(o => o.Value).OfType<NetworkSpec>()
            .Single(s => s.Network.ClassName == className);
        Assert.True(spec.Graph is not null, "no graph: " + string.Join("; ", spec.Diagnostics.Select(d => d.ToString())));
        return spec.Graph!;
    }

    private static string Describe(ParameterInfo p) => $"{p.Name} {p.Shape} {p.Init} {p.FanIn}";

    private static string Args(CompiledNode n) => n.Args.ToString()!;

    [Fact]
    public void Lecture_10_basic_cnn_parameters_follow_pytorch()
    {
        CompiledGraph graph = Graph(BasicCnn, "Net");

        Assert.Equal(new[]
        {
            "conv1.weight [10, 1, 5, 5] kaiming_uniform 25",
            "conv1.bias [10] uniform 25",
            "conv2.weight [20, 10, 5, 5] kaiming_uniform 250",
            "conv2.bias [20] uniform 250",
            "fc.weight [10, 320] kaiming_uniform 320",
            "fc.bias [10] uniform 320",
        }, graph.Parameters.Select(Describe));
    }

    [Fact]
    public void Lecture_10_basic_cnn_shapes_and_canonical_args()
    {
        CompiledGraph graph = Graph(BasicCnn, "Net");

        CompiledNode[] convs = graph.Nodes.Where(n => n.Op == "Conv2d").ToArray();
        Assert.Equal(new[] { "[Batch, 10, 24, 24]", "[Batch, 20, 8, 8]" }, convs.Select(n => graph.ShapeOf(n.Output).ToString()));
        Assert.Equal("Conv2dArgs { In = 1, Out = 10, KernelH = 5, KernelW = 5, StrideH = 1, StrideW = 1, PadH = 0, PadW = 0, DilationH = 1, DilationW = 1, Groups = 1, Bias = True }", Args(convs[0]));
        Assert.Equal(new[] { "conv1", "conv2" }, convs.Select(n => n.Path));
        Assert.Equal(new[] { 0, 1 }, convs[0].Parameters);
        Assert.Equal(new[] { 2, 3 }, convs[1].Parameters);

        CompiledNode[] pools = graph.Nodes.Where(n => n.Op == "MaxPool2d").ToArray();
        Assert.Equal(new[] { "[Batch, 10, 12, 12]", "[Batch, 20, 4, 4]" }, pools.Select(n => graph.ShapeOf(n.Output).ToString()));
        Assert.Equal("Pool2dArgs { Kernel = 2, Stride = 2, Padding = 0, CountIncludePad = True }", Args(pools[0]));
        Assert.Equal("[Batch, 10]", graph.ShapeOf(graph.Output).ToString());
    }

    [Fact]
    public void Groups_rectangular_kernels_strides_and_dilation()
    {
        const string source = Dims + """
            [Dim(8)] public partial struct C8;

            [Network]
            public partial class Net
            {
                [Conv2d(8, 16, KernelHeight = 3, KernelWidth = 1, PaddingHeight = 1, Groups = 4, Bias = false)] partial Conv2d Depth { get; }
                [Conv2d(16, 4, 3, Stride = 2, StrideWidth = 1, Dilation = 2, Padding = 1)] partial Conv2d Strided { get; }

                [Forward]
                public Tensor Forward(Tensor<Batch, C8, Side, Side> x) => Strided(Depth(x));
            }
            """;

        CompiledGraph graph = Graph(source, "Net");

        Assert.Equal(new[] { "depth.weight [16, 2, 3, 1] kaiming_uniform 6", "strided.weight [4, 16, 3, 3] kaiming_uniform 144", "strided.bias [4] uniform 144" },
            graph.Parameters.Select(Describe));
        CompiledNode[] convs = graph.Nodes.Where(n => n.Op == "Conv2d").ToArray();
        Assert.Equal("Conv2dArgs { In = 8, Out = 16, KernelH = 3, KernelW = 1, StrideH = 1, StrideW = 1, PadH = 1, PadW = 0, DilationH = 1, DilationW = 1, Groups = 4, Bias = False }", Args(convs[0]));
        Assert.Equal(new[] { 0 }, convs[0].Parameters);
        Assert.Equal("[Batch, 16, 28, 28]", graph.ShapeOf(convs[0].Output).ToString());
        // height: floor((28 + 2 − 2·2 − 1)/2) + 1 = 13; width: floor((28 + 2 − 2·2 − 1)/1) + 1 = 26
        Assert.Equal("Conv2dArgs { In = 16, Out = 4, KernelH = 3, KernelW = 3, StrideH = 2, StrideW = 1, PadH = 1, PadW = 1, DilationH = 2, DilationW = 2, Groups = 1, Bias = True }", Args(convs[1]));
        Assert.Equal("[Batch, 4, 13, 26]", graph.ShapeOf(convs[1].Output).ToString());
        Assert.Equal(new[] { 1, 2 }, convs[1].Parameters);
    }

    [Fact]
    public void Inception_block_parameters_and_concatenated_channels()
    {
        const string source = Dims + """
            [Network]
            public partial class InceptionA
            {
                [Conv2d(10, 16, 1)] partial Conv2d Branch1x1 { get; }
                [Conv2d(10, 16, 1)] partial Conv2d Branch5x5_1 { get; }
                [Conv2d(16, 24, 5, Padding = 2)] partial Conv2d Branch5x5_2 { get; }
                [Conv2d(10, 16, 1)] partial Conv2d Branch3x3_1 { get; }
                [Conv2d(16, 24, 3, Padding = 1)] partial Conv2d Branch3x3_2 { get; }
                [Conv2d(24, 24, 3, Padding = 1)] partial Conv2d Branch3x3_3 { get; }
                [Conv2d(10, 24, 1)] partial Conv2d BranchPool { get; }

                [Forward]
                public Tensor Forward(Tensor<Batch, Digits, Twelve, Twelve> x)
                {
                    var b1 = Branch1x1(x);
                    var b5 = Branch5x5_2(Branch5x5_1(x));
                    var b3 = Branch3x3_3(Branch3x3_2(Branch3x3_1(x)));
                    var bp = BranchPool(AvgPool2d(x, 3, 1, 1));
                    return Concat([b1, b5, b3, bp], 1);
                }
            }

            [Network]
            public partial class Net
            {
                [Conv2d(1, 10, Kernel = 5)] partial Conv2d Conv1 { get; }
                [Block] partial InceptionA Incep1 { get; }

                [Forward]
                public Tensor Forward(Tensor<Batch, Gray, Side, Side> x) => Dropout(GlobalAvgPool(Incep1.Forward(Relu(MaxPool2d(Conv1(x), 2)))), 0.5);
            }
            """;

        CompiledGraph graph = Graph(source, "Net");

        Assert.Equal(new[]
        {
            "conv1.weight [10, 1, 5, 5] kaiming_uniform 25", "conv1.bias [10] uniform 25",
            "incep1.branch1x1.weight [16, 10, 1, 1] kaiming_uniform 10", "incep1.branch1x1.bias [16] uniform 10",
            "incep1.branch5x5_1.weight [16, 10, 1, 1] kaiming_uniform 10", "incep1.branch5x5_1.bias [16] uniform 10",
            "incep1.branch5x5_2.weight [24, 16, 5, 5] kaiming_uniform 400", "incep1.branch5x5_2.bias [24] uniform 400",
            "incep1.branch3x3_1.weight [16, 10, 1, 1] kaiming_uniform 10", "incep1.branch3x3_1.bias [16] uniform 10",
            "incep1.branch3x3_2.weight [24, 16, 3, 3] kaiming_uniform 144", "incep1.branch3x3_2.bias [24] uniform 144",
            "incep1.branch3x3_3.weight [24, 24, 3, 3] kaiming_uniform 216", "incep1.branch3x3_3.bias [24] uniform 216",
            "incep1.branch_pool.weight [24, 10, 1, 1] kaiming_uniform 10", "incep1.branch_pool.bias [24] uniform 10",
        }, graph.Parameters.Select(Describe));

        CompiledNode avg = graph.Nodes.Single(n => n.Op == "AvgPool2d");
        Assert.Equal("Pool2dArgs { Kernel = 3, Stride = 1, Padding = 1, CountIncludePad = True }", Args(avg));
        Assert.Equal("[Batch, 10, 12, 12]", graph.ShapeOf(avg.Output).ToString());
        CompiledNode pool = graph.Nodes.Single(n => n.Path == "incep1.branch_pool");
        Assert.Equal(new[] { 14, 15 }, pool.Parameters);
        Assert.Equal("[Batch, 88, 12, 12]", graph.ShapeOf(graph.Nodes.Single(n => n.Op == "Concat").Output).ToString());
        CompiledNode global = graph.Nodes.Single(n => n.Op == "GlobalAvgPool");
        Assert.Equal(new GlobalAvgPoolArgs(null), global.Args);
        Assert.Equal("[Batch, 88, 1, 1]", graph.ShapeOf(global.Output).ToString());
        CompiledNode dropout = graph.Producer(graph.Output);
        Assert.Equal("Dropout", dropout.Op);
        Assert.Equal("DropoutArgs { P = 0.5 }", Args(dropout));
        Assert.Equal("[Batch, 88, 1, 1]", graph.ShapeOf(dropout.Output).ToString());
    }

    [Fact]
    public void Adaptive_average_pool_to_1_is_the_global_average_pool_and_strides_default_to_the_kernel()
    {
        const string source = Dims + """
            [Network]
            public partial class Net
            {
                [Forward]
                public Tensor Forward(Tensor<Batch, Gray, Side, Side> x) =>
                    AdaptiveAvgPool2d(AvgPool2d(MaxPool2d(x, 3, padding: 1), 2, countIncludePad: false), 1);
            }
            """;

        CompiledGraph graph = Graph(source, "Net");

        CompiledNode max = graph.Nodes.Single(n => n.Op == "MaxPool2d");
        Assert.Equal("Pool2dArgs { Kernel = 3, Stride = 3, Padding = 1, CountIncludePad = True }", Args(max));
        Assert.Equal("[Batch, 1, 10, 10]", graph.ShapeOf(max.Output).ToString());
        CompiledNode avg = graph.Nodes.Single(n => n.Op == "AvgPool2d");
        Assert.Equal("Pool2dArgs { Kernel = 2, Stride = 2, Padding = 0, CountIncludePad = False }", Args(avg));
        Assert.Equal("[Batch, 1, 5, 5]", graph.ShapeOf(avg.Output).ToString());
        Assert.Equal("GlobalAvgPool", graph.Producer(graph.Output).Op);
        Assert.Equal("[Batch, 1, 1, 1]", graph.ShapeOf(graph.Output).ToString());
    }

    [Fact]
    public void A_named_kernel_overrides_the_positional_one_and_height_width_override_the_square_values()
    {
        const string source = Dims + """
            [Network]
            public partial class Net
            {
                [Conv2d(1, 4, 5, Kernel = 3, KernelWidth = 1, Padding = 2, PaddingWidth = 0, DilationHeight = 2)] partial Conv2d Conv { get; }

                [Forward]
                public Tensor Forward(Tensor<Batch, Gray, Side, Side> x) => Conv(x);
            }
            """;

        CompiledGraph graph = Graph(source, "Net");
        CompiledNode conv = graph.Nodes.Single(n => n.Op == "Conv2d");

        Assert.Equal("Conv2dArgs { In = 1, Out = 4, KernelH = 3, KernelW = 1, StrideH = 1, StrideW = 1, PadH = 2, PadW = 0, DilationH = 2, DilationW = 1, Groups = 1, Bias = True }", Args(conv));
        // height: floor((28 + 4 − 2·2 − 1)/1) + 1 = 28; width: 28 − 1 + 1 = 28
        Assert.Equal("[Batch, 4, 28, 28]", graph.ShapeOf(conv.Output).ToString());
    }
}
