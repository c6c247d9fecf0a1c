using ShapeNet;

namespace ShapeNet.Networks.Tests.Networks;

[Dim(3)] public partial struct Rgb;
[Dim(8)] public partial struct Side8;
[Dim(6)] public partial struct Maps;
[Dim(4)] public partial struct Kinds;

/// <summary>Conv2d → BatchNorm2d → ReLU → MaxPool → Linear over [Batch, 3, 8, 8]; the PyTorch golden of
/// tests/golden/batchnorm_cnn.py has the same layers and names (conv1, bn1, fc).</summary>
[Network]
public partial class BatchNormCnn
{
    [Conv2d(3, 6, Kernel = 3, Padding = 1)] partial Conv2d Conv1 { get; }
    [BatchNorm2d(6)] partial BatchNorm2d Bn1 { get; }
    [Linear(96, 4)] partial Linear Fc { get; }

    [Forward]
    public Tensor<Batch, Kinds> Forward(Tensor<Batch, Rgb, Side8, Side8> x)
    {
        var h = Relu(Bn1(Conv1(x)));          // [Batch, 6, 8, 8]
        return Fc(Flatten(MaxPool2d(h, 2)));  // [Batch, 6, 4, 4] → [Batch, 96] → [Batch, 4]
    }
}

/// <summary>A block over <typeparamref name="TC"/> channels with a BatchNorm2d without affine parameters and with its own eps
/// and momentum, after a bias-free convolution; both sizes come from the type parameter (<c>nameof(TC)</c>).</summary>
[Network]
public partial class ConvBnBlock<TC> where TC : IDim
{
    [Conv2d(nameof(TC), nameof(TC), Kernel = 3, Padding = 1, Bias = false)] partial Conv2d Conv { get; }
    [BatchNorm2d(nameof(TC), Eps = 1e-3, Momentum = 0.3, Affine = false)] partial BatchNorm2d Bn { get; }

    [Forward]
    public Tensor<Batch, TC, Side8, Side8> Forward(Tensor<Batch, TC, Side8, Side8> x) => Relu(Bn(Conv(x)));
}

/// <summary>BatchNorm layers in the network and in a block: buffers are listed depth-first (<c>bn1.*</c>, then
/// <c>block.bn.*</c>) and <c>Train()</c>/<c>Eval()</c> reach the block's layer.</summary>
[Network]
public partial class NestedBatchNorm
{
    [Conv2d(3, 6, Kernel = 3, Padding = 1)] partial Conv2d Conv1 { get; }
    [BatchNorm2d(6)] partial BatchNorm2d Bn1 { get; }
    [Block] partial ConvBnBlock<Maps> Block { get; }
    [Linear(6, 4)] partial Linear Fc { get; }

    [Forward]
    public Tensor<Batch, Kinds> Forward(Tensor<Batch, Rgb, Side8, Side8> x)
    {
        var h = Block.Forward(Relu(Bn1(Conv1(x))));
        return Fc(Flatten(GlobalAvgPool(h)));
    }
}
