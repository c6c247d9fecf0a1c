using ShapeNet;

namespace ShapeNet.Samples.LogisticRegression;

/// <summary>Lecture 6: <c>sigmoid(Linear(1, 1))</c>, the probability of passing after x hours of study.</summary>
[Network]
public partial class LogisticModel
{
    [Linear(1, 1)] partial Linear Linear { get; }

    [Forward]
    public Tensor<Batch, One> Forward(Tensor<Batch, One> x) => Sigmoid(Linear(x));
}
