using ShapeNet;

namespace ShapeNet.Samples.LinearRegression;

/// <summary>Lecture 5: <c>torch.nn.Linear(1, 1)</c> as a network (PyTorch name <c>linear</c>: linear.weight [1, 1], linear.bias [1]).</summary>
[Network]
public partial class LinearModel
{
    [Linear(1, 1)] partial Linear Linear { get; }

    [Forward]
    public Tensor<Batch, One> Forward(Tensor<Batch, One> x) => Linear(x);
}
