using ShapeNet;
using ShapeNet.Samples.Mnist;

namespace ShapeNet.Samples.Cnn;

[Dim(16)] public partial struct ResChannels1;
[Dim(32)] public partial struct ResChannels2;

/// <summary>Lecture 11's residual block over <typeparamref name="TC"/> channels: <c>y = relu(x + conv2(relu(conv1(x))))</c>,
/// both convolutions 3×3 with padding 1, so the sum's shapes agree for any height and width.</summary>
[Network]
public partial class ResidualBlock<TC> where TC : IDim
{
    [Conv2d(nameof(TC), nameof(TC), Kernel = 3, Padding = 1)] partial Conv2d Conv1 { get; }
    [Conv2d(nameof(TC), nameof(TC), Kernel = 3, Padding = 1)] partial Conv2d Conv2 { get; }

    [Forward]
    public Tensor<Batch, TC, TH, TW> Forward<TH, TW>(Tensor<Batch, TC, TH, TW> x)
        where TH : IDim where TW : IDim
    {
        var y = Relu(Conv1(x));
        return Relu(x + Conv2(y));
    }
}

/// <summary>Lecture 11b: Conv2d(1,16,k5) → MaxPool(2) → ReLU → Residual(16) → Conv2d(16,32,k5) → MaxPool(2) → ReLU →
/// Residual(32) → flatten(512 = 32 × 4 × 4) → Linear(512,10).</summary>
[Network]
public partial class ResNetCnn
{
    [Conv2d(1, 16, Kernel = 5)] partial Conv2d Conv1 { get; }
    [Conv2d(16, 32, Kernel = 5)] partial Conv2d Conv2 { get; }
    [Block] partial ResidualBlock<ResChannels1> Rblock1 { get; }
    [Block] partial ResidualBlock<ResChannels2> Rblock2 { get; }
    [Linear(512, 10)] partial Linear Fc { get; }

    [Forward]
    public Tensor<Batch, Digits> Forward(Tensor<Batch, Gray, Side, Side> x)
    {
        var h = Relu(MaxPool2d(Conv1(x), 2));   // [Batch, 16, 12, 12]
        h = Rblock1.Forward(h);                 // [Batch, 16, 12, 12]
        h = Relu(MaxPool2d(Conv2(h), 2));       // [Batch, 32, 4, 4]
        h = Rblock2.Forward(h);                 // [Batch, 32, 4, 4]
        return Fc(Flatten(h));                  // [Batch, 10]
    }
}
