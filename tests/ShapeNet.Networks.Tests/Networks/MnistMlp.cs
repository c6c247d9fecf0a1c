using ShapeNet;

namespace ShapeNet.Networks.Tests.Networks;

[Dim(784)] public partial struct Pixels;
[Dim(10)] public partial struct Digits;

/// <summary>Lecture 9: a softmax classifier 784-512-256-128-64-10 with ReLU (PyTorch names fc1 … fc5), as in the sample.</summary>
[Network]
public partial class MnistMlp
{
    [Linear(784, 512)] partial Linear Fc1 { get; }
    [Linear(512, 256)] partial Linear Fc2 { get; }
    [Linear(256, 128)] partial Linear Fc3 { get; }
    [Linear(128, 64)] partial Linear Fc4 { get; }
    [Linear(64, 10)] partial Linear Fc5 { get; }

    [Forward]
    public Tensor<Batch, Digits> Forward(Tensor<Batch, Pixels> x)
    {
        var h = Relu(Fc1(x));
        h = Relu(Fc2(h));
        h = Relu(Fc3(h));
        h = Relu(Fc4(h));
        return Fc5(h);
    }
}
