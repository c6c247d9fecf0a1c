using static ShapeNet.Generator.Tests.Diagnostics.DiagnosticTest;

namespace ShapeNet.Generator.Tests.Diagnostics;

/// <summary>Diagnostics of the BatchNorm2d layer: its arguments (SN0009), its member (SN0008), the channels of its input
/// (SN0112, as a convolution's) and the input's rank (SN0110).</summary>
public class BatchNormDiagnosticsTests
{
    private const string Header = """
        using ShapeNet;

        namespace Curriculum;

        [Dim(1)] public partial struct Gray;
        [Dim(28)] public partial struct Side;
        [Dim(10)] public partial struct Digits;

        """;

    /// <summary>Passes when the generator reports this diagnostic and nothing else.</summary>
    private static void FrontEnd(string source, string id, int line, int column, string message)
    {
        Microsoft.CodeAnalysis.Diagnostic[] all = Run(source);
        Infrastructure.DiagnosticAssert.Has(all, id, line, column, message);
        Assert.Single(all);
    }

    [Fact]
    public void A_valid_batch_norm_network_has_no_diagnostic()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Conv2d(1, 10, Kernel = 5)] partial Conv2d Conv1 { get; }
                [BatchNorm2d(10, Eps = 1e-3, Momentum = 0, Affine = false)] partial BatchNorm2d Bn1 { get; }
                [BatchNorm2d(10, Momentum = 1)] partial BatchNorm2d Bn2 { get; }

                [Forward]
                public Tensor Forward(Tensor<Batch, Gray, Side, Side> x) => Bn2(Relu(Bn1(Conv1(x))));
            }
            """;

        Infrastructure.GeneratorHarness.Run(Header + body).AssertNoErrors();
    }

    [Fact]
    public void SN0112_batch_norm_given_the_wrong_number_of_channels()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Conv2d(1, 10, Kernel = 5)] partial Conv2d Conv1 { get; }
                [BatchNorm2d(20)] partial BatchNorm2d Bn1 { get; }

                [Forward]
                public Tensor Forward(Tensor<Batch, Gray, Side, Side> x) => Relu(Bn1(Conv1(x)));
            }
            """;

        FrontEnd(Header + body, "SN0112", 15, 70,
            "Bn1 expects 20 input channels, but Conv1(x) gives 10 (its shape is [Batch, 10, 24, 24])");
    }

    [Fact]
    public void SN0110_batch_norm_given_a_matrix()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [BatchNorm2d(10)] partial BatchNorm2d Bn1 { get; }

                [Forward]
                public Tensor Forward(Tensor<Batch, Digits> x) => Bn1(x);
            }
            """;

        FrontEnd(Header + body, "SN0110", 14, 55,
            "'Bn1(x)' needs an input [N, C, H, W] of rank 4, but 'x' is [Batch, Digits=10]");
    }

    [Fact]
    public void SN0009_batch_norm_features_eps_and_momentum_each_reported()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [BatchNorm2d(0, Eps = 0, Momentum = 1.5)] partial BatchNorm2d Bn1 { get; }

                [Forward]
                public Tensor Forward(Tensor<Batch, Gray, Side, Side> x) => Bn1(x);
            }
            """;

        Microsoft.CodeAnalysis.Diagnostic[] all = Run(Header + body);
        Infrastructure.DiagnosticAssert.Has(all, "SN0009", 11, 6, "Layer 'Bn1': the number of features (channels) must be positive, but it is 0");
        Infrastructure.DiagnosticAssert.Has(all, "SN0009", 11, 6, "Layer 'Bn1': Eps must be positive, but it is 0");
        Infrastructure.DiagnosticAssert.Has(all, "SN0009", 11, 6, "Layer 'Bn1': Momentum must be in [0, 1], but it is 1.5");
        Assert.Equal(3, all.Length);
    }

    [Fact]
    public void SN0009_batch_norm_with_a_negative_momentum()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [BatchNorm2d(1, Momentum = -0.1)] partial BatchNorm2d Bn1 { get; }

                [Forward]
                public Tensor Forward(Tensor<Batch, Gray, Side, Side> x) => Bn1(x);
            }
            """;

        FrontEnd(Header + body, "SN0009", 11, 6, "Layer 'Bn1': Momentum must be in [0, 1], but it is -0.1");
    }

    [Fact]
    public void SN0008_batch_norm_attribute_on_a_property_of_another_layer_type()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [BatchNorm2d(1)] partial Conv2d Bn1 { get; }

                [Forward]
                public Tensor Forward(Tensor<Batch, Gray, Side, Side> x) => Bn1(x);
            }
            """;

        FrontEnd(Header + body, "SN0008", 11, 37, "Layer 'Bn1' must be declared as 'partial BatchNorm2d Bn1 { get; }', but it is of type 'Conv2d'");
    }
}
