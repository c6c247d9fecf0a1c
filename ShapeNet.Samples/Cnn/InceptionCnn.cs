using ShapeNet;
using ShapeNet.Samples.Mnist;

namespace ShapeNet.Samples.Cnn;

[Dim(10)] public partial struct Conv1Channels;
[Dim(20)] public partial struct Conv2Channels;
/// <summary>InceptionA's output channels: 16 + 24 + 24 + 24.</summary>
[Dim(88)] public partial struct InceptionChannels;

/// <summary>
/// Lecture 11's InceptionA block over <typeparamref name="TIn"/> input channels: four branches concatenated on the
/// channel axis — 1×1 (16), 1×1 → 5×5 (24), 1×1 → 3×3 → 3×3 (24), and 3×3 average pool → 1×1 (24) — 88 channels at the
/// input's height and width. Each use binds <typeparamref name="TIn"/> and is shape-checked for its own input.
/// </summary>
[Network]
public partial class InceptionA<TIn> where TIn : IDim
{
    [Conv2d(nameof(TIn), 16, Kernel = 1)] partial Conv2d Branch1x1 { get; }

    [Conv2d(nameof(TIn), 16, Kernel = 1)] partial Conv2d Branch5x5_1 { get; }
    [Conv2d(16, 24, Kernel = 5, Padding = 2)] partial Conv2d Branch5x5_2 { get; }

    [Conv2d(nameof(TIn), 16, Kernel = 1)] partial Conv2d Branch3x3_1 { get; }
    [Conv2d(16, 24, Kernel = 3, Padding = 1)] partial Conv2d Branch3x3_2 { get; }
    [Conv2d(24, 24, Kernel = 3, Padding = 1)] partial Conv2d Branch3x3_3 { get; }

    [Conv2d(nameof(TIn), 24, Kernel = 1)] partial Conv2d BranchPool { get; }

    [Forward]
    public Tensor<Batch, InceptionChannels, TH, TW> Forward<TH, TW>(Tensor<Batch, TIn, TH, TW> x)
        where TH : IDim where TW : IDim
    {
        var branch1x1 = Branch1x1(x);
        var branch5x5 = Branch5x5_2(Branch5x5_1(x));
        var branch3x3 = Branch3x3_3(Branch3x3_2(Branch3x3_1(x)));
        var branchPool = BranchPool(AvgPool2d(x, 3, stride: 1, padding: 1));
        return Concat([branch1x1, branch5x5, branch3x3, branchPool], 1);
    }
}

/// <summary>Lecture 11a: Conv2d(1,10,k5) → MaxPool(2) → ReLU → InceptionA(10) → Conv2d(88,20,k5) → MaxPool(2) → ReLU →
/// InceptionA(20) → flatten(1408 = 88 × 4 × 4) → Linear(1408,10).</summary>
[Network]
public partial class InceptionCnn
{
    [Conv2d(1, 10, Kernel = 5)] partial Conv2d Conv1 { get; }
    [Conv2d(88, 20, Kernel = 5)] partial Conv2d Conv2 { get; }
    [Block] partial InceptionA<Conv1Channels> Incep1 { get; }
    [Block] partial InceptionA<Conv2Channels> Incep2 { get; }
    [Linear(1408, 10)] partial Linear Fc { get; }

    [Forward]
    public Tensor<Batch, Digits> Forward(Tensor<Batch, Gray, Side, Side> x)
    {
        var h = Relu(MaxPool2d(Conv1(x), 2));   // [Batch, 10, 12, 12]
        var i1 = Incep1.Forward(h);             // [Batch, 88, 12, 12]
        h = Relu(MaxPool2d(Conv2(i1), 2));      // [Batch, 20, 4, 4]
        var i2 = Incep2.Forward(h);             // [Batch, 88, 4, 4]
        return Fc(Flatten(i2));                 // [Batch, 10]
    }
}
