using ShapeNet;

namespace ShapeNet.Samples.Benchmarks;

[Dim(1)] public partial struct One;
[Dim(2)] public partial struct Two;
[Dim(8)] public partial struct Eight;

/// <summary>Lecture 5: linear regression y = w·x + b, PyTorch's <c>nn.Linear(2, 1)</c> (torch_baseline.py's shapes).</summary>
[Network]
public partial class LinearRegression
{
    [Linear(2, 1)] partial Linear Fc { get; }

    [Forward]
    public Tensor<Batch, One> Forward(Tensor<Batch, Two> x) => Fc(x);
}

/// <summary>Lecture 7: logistic regression on 8 features, 8→6→4→1 with a sigmoid after each layer (BCE loss).</summary>
[Network]
public partial class Logistic8
{
    [Linear(8, 6)] partial Linear Fc1 { get; }
    [Linear(6, 4)] partial Linear Fc2 { get; }
    [Linear(4, 1)] partial Linear Fc3 { get; }

    [Forward]
    public Tensor<Batch, One> Forward(Tensor<Batch, Eight> x)
    {
        var h = Sigmoid(Fc1(x));
        h = Sigmoid(Fc2(h));
        return Sigmoid(Fc3(h));
    }
}
