using static ShapeNet.Generator.Tests.Diagnostics.DiagnosticTest;

namespace ShapeNet.Generator.Tests.Diagnostics;

/// <summary>Lecture 11's blocks written wrong: a generic block's channel count (<c>nameof(TIn)</c>) bound per use and checked
/// for each use's own input, a concatenation whose branches disagree (every branch listed), a residual sum of different
/// shapes, and a layer size that names no type parameter.</summary>
public class BlockDiagnosticsTests
{
    private const string Header = """
        using ShapeNet;

        namespace Curriculum;

        [Dim(1)] public partial struct Gray;
        [Dim(28)] public partial struct Side;
        [Dim(10)] public partial struct Digits;
        [Dim(10)] public partial struct Ten;
        [Dim(20)] public partial struct Twenty;
        [Dim(88)] public partial struct Out88;

        """;

    /// <summary>InceptionA with <paramref name="branch5x5"/> as its second 5×5 convolution, used by lecture 11's network with
    /// <paramref name="first"/> and <paramref name="second"/> as its two uses' channel dims.</summary>
    private static string Inception(string branch5x5 = "[Conv2d(16, 24, Kernel = 5, Padding = 2)]", string first = "Ten", string second = "Twenty",
        string branch1x1 = "[Conv2d(nameof(TIn), 16, Kernel = 1)]") => Header + $$"""
        [Network]
        public partial class InceptionA<TIn> where TIn : IDim
        {
            {{branch1x1}} partial Conv2d Branch1x1 { get; }
            [Conv2d(nameof(TIn), 16, Kernel = 1)] partial Conv2d Branch5x5_1 { get; }
            {{branch5x5}} partial Conv2d Branch5x5_2 { get; }
            [Conv2d(nameof(TIn), 16, Kernel = 1)] partial Conv2d Branch3x3_1 { get; }
            [Conv2d(16, 24, Kernel = 3, Padding = 1)] partial Conv2d Branch3x3_2 { get; }
            [Conv2d(24, 24, Kernel = 3, Padding = 1)] partial Conv2d Branch3x3_3 { get; }
            [Conv2d(nameof(TIn), 24, Kernel = 1)] partial Conv2d BranchPool { get; }

            [Forward]
            public Tensor<Batch, Out88, TH, TW> Forward<TH, TW>(Tensor<Batch, TIn, TH, TW> x) where TH : IDim where TW : IDim
            {
                var a = Branch1x1(x);
                var b = Branch5x5_2(Branch5x5_1(x));
                var c = Branch3x3_3(Branch3x3_2(Branch3x3_1(x)));
                var d = BranchPool(AvgPool2d(x, 3, stride: 1, padding: 1));
                return Concat([a, b, c, d], 1);
            }
        }

        [Network]
        public partial class Net
        {
            [Conv2d(1, 10, Kernel = 5)] partial Conv2d Conv1 { get; }
            [Conv2d(88, 20, Kernel = 5)] partial Conv2d Conv2 { get; }
            [Block] partial InceptionA<{{first}}> Incep1 { get; }
            [Block] partial InceptionA<{{second}}> Incep2 { get; }
            [Linear(1408, 10)] partial Linear Fc { get; }

            [Forward]
            public Tensor<Batch, Digits> Forward(Tensor<Batch, Gray, Side, Side> x)
            {
                var h = Relu(MaxPool2d(Conv1(x), 2));
                var i1 = Incep1.Forward(h);
                h = Relu(MaxPool2d(Conv2(i1), 2));
                var i2 = Incep2.Forward(h);
                return Fc(Flatten(i2));
            }
        }
        """;

    private static string Residual(string conv2) => Header + $$"""
        [Network]
        public partial class ResidualBlock<TC> where TC : IDim
        {
            [Conv2d(nameof(TC), nameof(TC), Kernel = 3, Padding = 1)] partial Conv2d Conv1 { get; }
            {{conv2}} partial Conv2d Conv2 { get; }

            [Forward]
            public Tensor<Batch, TC, TH, TW> Forward<TH, TW>(Tensor<Batch, TC, TH, TW> x) where TH : IDim where TW : IDim
            {
                var y = Relu(Conv1(x));
                return Relu(x + Conv2(y));
            }
        }

        [Dim(16)] public partial struct Sixteen;

        [Network]
        public partial class Net
        {
            [Conv2d(1, 16, Kernel = 5)] partial Conv2d Conv1 { get; }
            [Block] partial ResidualBlock<Sixteen> Rblock1 { get; }
            [Linear(2304, 10)] partial Linear Fc { get; }

            [Forward]
            public Tensor<Batch, Digits> Forward(Tensor<Batch, Gray, Side, Side> x)
            {
                var h = Relu(MaxPool2d(Conv1(x), 2));
                return Fc(Flatten(Rblock1.Forward(h)));
            }
        }
        """;

    private static void Only(string source, string id, int line, int column, string message)
    {
        Microsoft.CodeAnalysis.Diagnostic[] all = Run(source);
        Infrastructure.DiagnosticAssert.Has(all, id, line, column, message);
        Assert.Single(all);
    }

    [Fact]
    public void Lecture_11_inception_network_has_no_diagnostic()
    {
        Infrastructure.GeneratorHarness.Run(Inception()).AssertNoErrors();
    }

    [Fact]
    public void Lecture_11_residual_network_has_no_diagnostic()
    {
        Infrastructure.GeneratorHarness.Run(Residual("[Conv2d(nameof(TC), nameof(TC), Kernel = 3, Padding = 1)]")).AssertNoErrors();
    }

    [Fact]
    public void SN0106_inception_branch_without_padding_lists_every_branch()
    {
        Only(Inception(branch5x5: "[Conv2d(16, 24, Kernel = 5)]"), "SN0106", 29, 16,
            "'Concat([a, b, c, d], 1)' cannot concatenate along axis 1: the inputs differ on another axis: Branch1x1(x) [Batch, 16, 12, 12], " +
            "Branch5x5_2(Branch5x5_1(x)) [Batch, 24, 8, 8], Branch3x3_3(Branch3x3_2(Branch3x3_1(x))) [Batch, 24, 12, 12], " +
            "BranchPool(AvgPool2d(x, 3, stride: 1, padding: 1)) [Batch, 24, 12, 12]");
    }

    [Fact]
    public void SN0102_residual_sum_of_different_shapes()
    {
        Only(Residual("[Conv2d(nameof(TC), nameof(TC), Kernel = 3)]"), "SN0102", 21, 21,
            "'x + Conv2(y)' cannot broadcast Relu(MaxPool2d(Conv1(x), 2)) [Batch, 16, 12, 12] with Conv2(y) [Batch, 16, 10, 10]: " +
            "axis 3 of the result would need 12 and 10 to be equal, or one of them 1");
    }

    [Fact]
    public void Generic_block_used_with_the_wrong_channel_count_is_checked_for_that_use()
    {
        Only(Inception(first: "Twenty", second: "Twenty"), "SN0111", 46, 18,
            "Incep1 expects [Batch, Twenty=20, TH, TW] for 'x', but 'Relu(MaxPool2d(Conv1(x), 2))' is [Batch, 10, 12, 12]");
    }

    /// <summary>A literal 10 where nameof(TIn) was meant: right for the first use (10 channels), wrong for the second (20),
    /// so the error comes from the second use's inlining.</summary>
    [Fact]
    public void SN0112_literal_channels_inside_a_generic_block_checked_per_use()
    {
        Only(Inception(branch1x1: "[Conv2d(10, 16, Kernel = 1)]"), "SN0112", 25, 17,
            "Branch1x1 expects 10 input channels, but Relu(MaxPool2d(Conv2(i1), 2)) gives 20 (its shape is [Batch, 20, 4, 4])");
    }

    [Fact]
    public void SN0009_layer_size_naming_no_type_parameter()
    {
        Only(Inception(branch1x1: "[Conv2d(nameof(Ten), 16, Kernel = 1)]"), "SN0009", 14, 6,
            "Layer 'Branch1x1': in-channels 'Ten' must name a dimension type parameter of the class (nameof(T)), but InceptionA's type parameters are TIn");
    }
}
