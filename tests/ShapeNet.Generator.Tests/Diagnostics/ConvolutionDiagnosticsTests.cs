using static ShapeNet.Generator.Tests.Diagnostics.DiagnosticTest;

namespace ShapeNet.Generator.Tests.Diagnostics;

/// <summary>Diagnostics of the convolution family: Conv2d layers (SN0009, SN0112, SN0114), pooling (SN0113, SN0205),
/// ranks (SN0110) and the classic flatten mistake of lecture 10's CNN (SN0101).</summary>
public class ConvolutionDiagnosticsTests
{
    private const string Header = """
        using ShapeNet;

        namespace Curriculum;

        [Dim(1)] public partial struct Gray;
        [Dim(28)] public partial struct Side;
        [Dim(10)] public partial struct Digits;

        """;

    /// <summary>Lecture 10's basic CNN with <paramref name="fc"/> as its classifier.</summary>
    private static string BasicCnn(string fc) => Header + $$"""
        [Network]
        public partial class Net
        {
            [Conv2d(1, 10, Kernel = 5)] partial Conv2d Conv1 { get; }
            [Conv2d(10, 20, 5)] partial Conv2d Conv2 { get; }
            {{fc}} partial Linear Fc { get; }

            [Forward]
            public Tensor<Batch, Digits> Forward(Tensor<Batch, Gray, Side, Side> x)
            {
                var h = Relu(MaxPool2d(Conv1(x), 2));
                h = Relu(MaxPool2d(Conv2(h), 2));
                return Fc(Flatten(h));
            }
        }
        """;

    /// <summary>Passes when the generator reports this diagnostic and nothing else.</summary>
    private static void FrontEnd(string source, string id, int line, int column, string message)
    {
        Microsoft.CodeAnalysis.Diagnostic[] all = Run(source);
        Infrastructure.DiagnosticAssert.Has(all, id, line, column, message);
        Assert.Single(all);
    }

    [Fact]
    public void SN0101_basic_cnn_with_the_wrong_flatten_size_shows_the_product()
    {
        FrontEnd(BasicCnn("[Linear(512, 10)]"), "SN0101", 20, 16,
            "Fc expects 512 input features, but Flatten(h) gives 320 = 20 × 4 × 4 (h is [Batch, 20, 4, 4])");
    }

    [Fact]
    public void The_basic_cnn_with_the_right_flatten_size_has_no_shape_diagnostic()
    {
        Infrastructure.GeneratorHarness.Run(BasicCnn("[Linear(320, 10)]")).AssertNoErrors();
    }

    [Fact]
    public void SN0112_conv_given_the_wrong_number_of_channels()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Conv2d(1, 20, Kernel = 5)] partial Conv2d Conv1 { get; }
                [Conv2d(10, 20, Kernel = 5)] partial Conv2d Conv2 { get; }

                [Forward]
                public Tensor Forward(Tensor<Batch, Gray, Side, Side> x)
                {
                    return Conv2(MaxPool2d(Conv1(x), 2));
                }
            }
            """;

        FrontEnd(Header + body, "SN0112", 17, 16,
            "Conv2 expects 10 input channels, but MaxPool2d(Conv1(x), 2) gives 20 (its shape is [Batch, 20, 12, 12])");
    }

    [Fact]
    public void SN0113_pool_window_larger_than_the_padded_input()
    {
        const string body = """
            [Dim(20)] public partial struct C20;
            [Dim(4)] public partial struct Four;

            [Network]
            public partial class Net
            {
                [Linear(20, 10)] partial Linear Fc { get; }

                [Forward]
                public Tensor Forward(Tensor<Batch, C20, Four, Four> h) => Fc(Flatten(MaxPool2d(h, 5)));
            }
            """;

        FrontEnd(Header + body, "SN0113", 17, 75,
            "'MaxPool2d(h, 5)': the kernel 5 is larger than the padded input height 4 + 2·0 = 4 ('h' is [Batch, C20=20, Four=4, Four=4])");
    }

    [Fact]
    public void SN0114_conv_output_size_not_positive_shows_the_formula()
    {
        const string body = """
            [Dim(4)] public partial struct Four;

            [Network]
            public partial class Net
            {
                [Conv2d(10, 20, Kernel = 5)] partial Conv2d Conv2 { get; }

                [Forward]
                public Tensor Forward(Tensor<Batch, Digits, Four, Four> h) => Conv2(h);
            }
            """;

        FrontEnd(Header + body, "SN0114", 16, 67,
            "'Conv2(h)': the output height would be floor((4 + 2·0 − 1·(5−1) − 1)/1) + 1 = 0, which is not positive ('h' is [Batch, Digits=10, Four=4, Four=4])");
    }

    [Fact]
    public void SN0114_dilated_rectangular_kernel_on_the_width_axis()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Conv2d(1, 4, KernelHeight = 3, KernelWidth = 5, DilationWidth = 7)] partial Conv2d Conv { get; }

                [Forward]
                public Tensor Forward(Tensor<Batch, Gray, Side, Side> x) => Conv(x);
            }
            """;

        FrontEnd(Header + body, "SN0114", 14, 65,
            "'Conv(x)': the output width would be floor((28 + 2·0 − 7·(5−1) − 1)/1) + 1 = 0, which is not positive ('x' is [Batch, Gray=1, Side=28, Side=28])");
    }

    [Fact]
    public void SN0110_conv_needs_a_rank_4_input()
    {
        const string body = """
            [Dim(784)] public partial struct Pixels;

            [Network]
            public partial class Net
            {
                [Conv2d(1, 10, 5)] partial Conv2d Conv1 { get; }

                [Forward]
                public Tensor Forward(Tensor<Batch, Pixels> x) => Conv1(x);
            }
            """;

        FrontEnd(Header + body, "SN0110", 16, 55,
            "'Conv1(x)' needs an input [N, C, H, W] of rank 4, but 'x' is [Batch, Pixels=784]");
    }

    [Fact]
    public void SN0110_pool_needs_a_rank_4_input()
    {
        const string body = """
            [Dim(784)] public partial struct Pixels;

            [Network]
            public partial class Net
            {
                [Forward]
                public Tensor Forward(Tensor<Batch, Pixels> x) => AvgPool2d(x, 2);
            }
            """;

        FrontEnd(Header + body, "SN0110", 14, 55,
            "'AvgPool2d(x, 2)' needs an input [N, C, H, W] of rank 4, but 'x' is [Batch, Pixels=784]");
    }

    [Fact]
    public void SN0205_adaptive_average_pool_to_a_size_other_than_1()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Forward]
                public Tensor Forward(Tensor<Batch, Gray, Side, Side> x) => AdaptiveAvgPool2d(x, 2);
            }
            """;

        FrontEnd(Header + body, "SN0205", 12, 65,
            "AdaptiveAvgPool2d cannot be called as 'AdaptiveAvgPool2d(x, 2)': only outputSize 1 (a global average pool, [N, C, 1, 1]) is supported, but it is 2");
    }

    [Fact]
    public void SN0205_pool_padding_more_than_half_the_kernel()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Forward]
                public Tensor Forward(Tensor<Batch, Gray, Side, Side> x) => MaxPool2d(x, 2, 1, 2);
            }
            """;

        FrontEnd(Header + body, "SN0205", 12, 65,
            "MaxPool2d cannot be called as 'MaxPool2d(x, 2, 1, 2)': the padding must be at most half the kernel, but it is 2 for a kernel of 2");
    }

    [Fact]
    public void SN0205_dropout_probability_out_of_range()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Forward]
                public Tensor Forward(Tensor<Batch, Gray, Side, Side> x) => Dropout(x, 1.5);
            }
            """;

        FrontEnd(Header + body, "SN0205", 12, 65,
            "Dropout cannot be called as 'Dropout(x, 1.5)': the drop probability p must be in [0, 1), but it is 1.5");
    }

    [Fact]
    public void SN0009_conv_groups_must_divide_the_channels()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Conv2d(1, 10, 5)] partial Conv2d Conv1 { get; }
                [Conv2d(10, 20, 3, Groups = 4)] partial Conv2d Conv2 { get; }

                [Forward]
                public Tensor Forward(Tensor<Batch, Gray, Side, Side> x) => Conv2(Conv1(x));
            }
            """;

        FrontEnd(Header + body, "SN0009", 12, 6,
            "Layer 'Conv2': groups must divide both in-channels and out-channels, but 4 does not divide 10");
    }

    [Fact]
    public void SN0009_conv_without_a_kernel()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Conv2d(1, 10, Stride = 2)] partial Conv2d Conv1 { get; }

                [Forward]
                public Tensor Forward(Tensor<Batch, Gray, Side, Side> x) => Conv1(x);
            }
            """;

        FrontEnd(Header + body, "SN0009", 11, 6, "Layer 'Conv1': the kernel size (Kernel) must be positive, but it is 0");
    }

    [Fact]
    public void SN0009_conv_with_a_negative_padding_height()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Conv2d(1, 10, 3, PaddingHeight = -1)] partial Conv2d Conv1 { get; }

                [Forward]
                public Tensor Forward(Tensor<Batch, Gray, Side, Side> x) => Conv1(x);
            }
            """;

        FrontEnd(Header + body, "SN0009", 11, 6, "Layer 'Conv1': the padding height must not be negative, but it is -1");
    }
}
