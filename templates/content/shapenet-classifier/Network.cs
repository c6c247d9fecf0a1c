using ShapeNet;

namespace ShapeNetClassifier;

// Named dimensions: the generator checks every shape in the network against them at compile time.
[Dim(2)] public partial struct Features;
[Dim(3)] public partial struct Classes;

/// <summary>
/// A classifier of points in the plane into three classes: two hidden layers of 64 units with ReLU. Change the sizes
/// to fit your data: a layer whose input does not match what feeds it is a compile error at that layer (SN0101), and
/// your IDE offers to fix it.
/// </summary>
[Network]
public partial class Classifier
{
    [Linear(2, 64)]  partial Linear Fc1 { get; }
    [Linear(64, 64)] partial Linear Fc2 { get; }
    [Linear(64, 3)]  partial Linear Out { get; }

    [Forward]
    public Tensor<Batch, Classes> Forward(Tensor<Batch, Features> x)
    {
        var h = Relu(Fc1(x));   // [Batch, 64]
        h = Relu(Fc2(h));       // [Batch, 64]
        return Out(h);          // [Batch, 3]: one logit per class
    }
}
