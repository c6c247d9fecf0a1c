using ShapeNet;

namespace ShapeNet.Networks.Tests.Networks;

[Dim(1)] public partial struct Gray;
[Dim(28)] public partial struct Side;

/// <summary>Lecture 10: Conv2d(1,10,k5) → MaxPool(2) → ReLU → Conv2d(10,20,k5) → MaxPool(2) → ReLU → flatten(320) → Linear(320,10).</summary>
[Network]
public partial class BasicCnn
{
    [Conv2d(1, 10, Kernel = 5)] partial Conv2d Conv1 { get; }
    [Conv2d(10, 20, Kernel = 5)] partial Conv2d Conv2 { get; }
    [Linear(320, 10)] partial Linear Fc { get; }

    [Forward]
    public Tensor<Batch, Digits> Forward(Tensor<Batch, Gray, Side, Side> x)
    {
        var h = Relu(MaxPool2d(Conv1(x), 2));
        h = Relu(MaxPool2d(Conv2(h), 2));
        return Fc(Flatten(h));
    }
}
