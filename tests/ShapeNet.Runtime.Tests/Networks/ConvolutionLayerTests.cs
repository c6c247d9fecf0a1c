using ShapeNet.Runtime.Tests.Cpu;
using ShapeNet.Runtime.Tests.Support;
using static ShapeNet.Runtime.Tests.Tensors.TensorTestData;

namespace ShapeNet.Runtime.Tests.Networks;

/// <summary>The eager convolution family: <see cref="Conv2dLayer"/> (parameters as the generator declares them, forward
/// through the CPU span kernels against the double-precision reference) and the pooling and dropout ops.</summary>
public class ConvolutionLayerTests
{
    private static Tensor Arange(int n, params int[] shape) => new(Enumerable.Range(0, n).Select(i => (float)i).ToArray(), shape);

    [Fact]
    public void Conv2dLayer_declares_pytorch_parameters_weight_then_bias()
    {
        var layer = new Conv2dLayer(new ParameterInit(7), "conv2", 10, 20, 5, 3, 1, 1, 0, 0, 1, 1, 2, bias: true);

        Assert.Equal("conv2.weight", layer.Weight.Name);
        Assert.Equal(new[] { 20, 5, 5, 3 }, layer.Weight.Shape);
        Assert.Equal("conv2.bias", layer.Bias!.Name);
        Assert.Equal(new[] { 20 }, layer.Bias.Shape);

        // fanIn = in/groups·kH·kW = 5·5·3 = 75: both drawn from U(−1/√75, 1/√75), weight first, from the shared generator.
        var expected = new ParameterInit(7);
        Parameter weight = expected.Create("w", 75, 20, 5, 5, 3), bias = expected.Create("b", 75, 20);
        Assert.Equal(weight.Value.ToArray(), layer.Weight.Value.ToArray());
        Assert.Equal(bias.Value.ToArray(), layer.Bias.Value.ToArray());
        Assert.All(layer.Weight.Value.ToArray(), v => Assert.InRange(Math.Abs(v), 0, 1 / Math.Sqrt(75)));
    }

    [Fact]
    public void Conv2dLayer_without_bias()
    {
        var layer = new Conv2dLayer(new ParameterInit(1), "conv", 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, 4, bias: false);
        Assert.Null(layer.Bias);
        Assert.Equal(new[] { 4, 1, 3, 3 }, layer.Weight.Shape);
    }

    [Fact]
    public void Conv2dLayer_rejects_groups_that_do_not_divide_the_channels() =>
        Assert.Throws<ArgumentException>(() => new Conv2dLayer(new ParameterInit(1), "conv", 10, 20, 3, 3, 1, 1, 0, 0, 1, 1, 4));

    [Fact]
    public void Conv2d_forward_hand_computed()
    {
        // x = 0..8 as a 3×3 plane, a 2×2 kernel of ones and bias 1: each output is a window sum + 1.
        var layer = new Conv2dLayer(new ParameterInit(0), "conv", 1, 1, 2, 2, 1, 1, 0, 0, 1, 1, 1);
        layer.Weight.Value.Data.AsSpan().Fill(1f);
        layer.Bias!.Value.Data[0] = 1f;

        AssertValues(layer.Forward(Arange(9, 1, 1, 3, 3)), [1, 1, 2, 2], 9, 13, 21, 25);
    }

    private static readonly Dictionary<string, ConvolutionTests.ConvCase> Cases = new()
    {
        ["lecture 10 conv1"] = new(3, 1, 28, 28, 10, 5, 5),
        ["lecture 10 conv2"] = new(2, 10, 12, 12, 20, 5, 5),
        ["inception 5x5 pad 2"] = new(2, 16, 12, 12, 24, 5, 5, PH: 2, PW: 2),
        ["groups 4, 3x1 kernel, stride 2x1, dilation 2x1"] = new(2, 8, 9, 10, 16, 3, 1, SH: 2, PH: 1, DH: 2, Groups: 4),
        ["depthwise stride 2 pad 1"] = new(1, 4, 7, 7, 4, 3, 3, SH: 2, SW: 2, PH: 1, PW: 1, Groups: 4),
    };

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Conv2d_forward_matches_the_double_precision_reference(string name)
    {
        ConvolutionTests.ConvCase c = Cases[name];
        var layer = new Conv2dLayer(new ParameterInit(42), "conv", c.InC, c.OutC, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW, c.DH, c.DW, c.Groups);
        var random = new Random(5);
        Tensor x = new(Enumerable.Range(0, c.InputLength).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(), c.N, c.InC, c.H, c.W);

        Tensor y = layer.Forward(x);

        Assert.Equal(new[] { c.N, c.OutC, c.OutH, c.OutW }, y.Shape);
        double[] expected = ConvolutionTests.Reference(c, x.ToArray().Select(v => (double)v).ToArray(),
            layer.Weight.Value.ToArray().Select(v => (double)v).ToArray(), layer.Bias!.Value.ToArray().Select(v => (double)v).ToArray());
        // Tolerance: float32 sums of at most 400 products of magnitude ≤ 1/√fanIn.
        Numerics.AssertClose(expected, y.ToArray(), 1e-4, 1e-5, "conv2d eager forward", y.Shape);
    }

    [Fact]
    public void Conv2d_forward_rejects_the_wrong_channel_count()
    {
        var layer = new Conv2dLayer(new ParameterInit(0), "conv", 3, 4, 3, 3, 1, 1, 0, 0, 1, 1, 1);
        Assert.Throws<ArgumentException>(() => layer.Forward(Arange(2 * 2 * 5 * 5, 2, 2, 5, 5)));
    }

    [Fact]
    public void Max_pool_default_stride_is_the_kernel()
    {
        Tensor x = Arange(16, 1, 1, 4, 4);
        AssertValues(Ops.MaxPool2d(x, 2), [1, 1, 2, 2], 5, 7, 13, 15);
        AssertValues(Ops.MaxPool2d(x, 3, 1), [1, 1, 2, 2], 10, 11, 14, 15);
        // padding never wins: the corner window of a padded 2×2 pool holds only x[0, 0]
        AssertValues(Ops.MaxPool2d(x, 2, 2, 1), [1, 1, 3, 3], 0, 2, 3, 8, 10, 11, 12, 14, 15);
    }

    [Fact]
    public void Average_pool_counts_padding_by_default()
    {
        Tensor x = Arange(16, 1, 1, 4, 4);
        AssertValues(Ops.AvgPool2d(x, 2), [1, 1, 2, 2], 2.5f, 4.5f, 10.5f, 12.5f);
        // a 2×2 plane padded by 1 and pooled 2×2 at stride 2: each window holds one element and three padding cells
        Tensor included = Ops.AvgPool2d(Arange(4, 1, 1, 2, 2) + 1, 2, 2, 1);
        AssertValues(included, [1, 1, 2, 2], 0.25f, 0.5f, 0.75f, 1f);
        Tensor excluded = Ops.AvgPool2d(Arange(4, 1, 1, 2, 2) + 1, 2, 2, 1, countIncludePad: false);
        AssertValues(excluded, [1, 1, 2, 2], 1, 2, 3, 4);
    }

    [Fact]
    public void Global_and_adaptive_average_pool()
    {
        Tensor x = Arange(2 * 3 * 2 * 2, 2, 3, 2, 2);
        AssertValues(Ops.GlobalAvgPool(x), [2, 3, 1, 1], 1.5f, 5.5f, 9.5f, 13.5f, 17.5f, 21.5f);
        AssertValues(Ops.AdaptiveAvgPool2d(x, 1), [2, 3, 1, 1], 1.5f, 5.5f, 9.5f, 13.5f, 17.5f, 21.5f);
        Assert.Throws<ArgumentException>(() => Ops.AdaptiveAvgPool2d(x, 2));
    }

    [Fact]
    public void Pools_need_nchw()
    {
        Assert.Throws<ArgumentException>(() => Ops.MaxPool2d(Arange(16, 4, 4), 2));
        Assert.Throws<ArgumentException>(() => Ops.GlobalAvgPool(Arange(16, 4, 4)));
    }

    [Fact]
    public void Eager_dropout_is_the_identity()
    {
        Tensor x = Arange(6, 2, 3);
        AssertValues(Ops.Dropout(x, 0.5), [2, 3], 0, 1, 2, 3, 4, 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Dropout(x, 1.0));
    }
}
