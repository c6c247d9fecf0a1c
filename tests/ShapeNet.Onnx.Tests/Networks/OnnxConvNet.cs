using ShapeNet;
using ShapeNet.Networks.Tests.Networks;

namespace ShapeNet.Onnx.Tests.Networks;

[Dim(12)] public partial struct Twelve;
[Dim(3)] public partial struct Three;

/// <summary>
/// The convolution and pooling variants the samples do not use: a strided, dilated, grouped convolution without bias,
/// average pooling with padding that does not count it, max pooling with padding, a BatchNorm, a Linear over a rank-3
/// input (with and without bias), a Reshape, and Flatten from axis 1.
/// </summary>
[Network]
public partial class OnnxConvNet
{
    [Conv2d(3, 6, Kernel = 3, Padding = 2, Dilation = 2, Stride = 2, Groups = 3, Bias = false)] partial Conv2d Conv1 { get; }
    [BatchNorm2d(6, Eps = 1e-3)] partial BatchNorm2d Bn1 { get; }
    [Conv2d(6, 4, KernelHeight = 3, KernelWidth = 1, PaddingHeight = 1)] partial Conv2d Conv2 { get; }
    [Linear(4, 5)] partial Linear Tokens { get; }
    [Linear(5, 3, Bias = false)] partial Linear Project { get; }
    [Linear(48, 3)] partial Linear Head { get; }

    [Forward]
    public Tensor<Batch, Three> Forward(Tensor<Batch, Rgb, Side8, Side8> x)
    {
        var h = Relu(Bn1(Conv1(x)));                                      // [Batch, 6, 4, 4]
        h = AvgPool2d(h, 3, stride: 1, padding: 1, countIncludePad: false); // [Batch, 6, 4, 4]
        h = MaxPool2d(Conv2(h), 3, stride: 1, padding: 1);               // [Batch, 4, 4, 4]
        var tokens = Transpose(Reshape(h, -1, 4, 16), 1, 2);             // [Batch, 16, 4]
        var projected = Project(Tanh(Tokens(tokens)));                   // [Batch, 16, 3]
        return Head(Flatten(projected)) + Mean(Flatten(h), 1, keepDim: true); // [Batch, 3]
    }
}

/// <summary>A forward with a loss inside: a training graph, which ONNX export refuses by name.</summary>
[Network]
public partial class LossInsideNet
{
    [Linear(3, 3)] partial Linear Fc { get; }

    [Forward]
    public Tensor Forward(Tensor<Batch, Three> x, Tensor<Batch, Three> target) => MseLoss(Fc(x), target);
}

/// <summary>Two inputs, one without a batch axis: graph inputs keep the parameter names and their own shapes.</summary>
[Network]
public partial class TwoInputNet
{
    [Linear(3, 3)] partial Linear Fc { get; }

    [Forward]
    public Tensor<Batch, Three> Forward(Tensor<Batch, Three> x, Tensor<Three> shift) => Sigmoid(Fc(x) - shift) * shift;
}

/// <summary>Every training loss in one forward: the export refuses it naming each of them.</summary>
[Network]
public partial class AllLossesNet
{
    [Linear(3, 3)] partial Linear Fc { get; }

    [Forward]
    public Tensor Forward(Tensor<Batch, Three> x, Tensor<Batch, Three> target, Tensor<Batch> labels)
    {
        var y = Fc(x);
        return MseLoss(y, target) + BceLoss(Sigmoid(y), target) + BceWithLogitsLoss(y, target) + CrossEntropyLoss(y, labels) +
               NllLoss(LogSoftmax(y, 1), labels);
    }
}
