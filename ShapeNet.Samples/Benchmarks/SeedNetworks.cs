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

[Dim(12)] public partial struct Twelve;
[Dim(18)] public partial struct Eighteen;

/// <summary>Lecture 13 as torch_baseline.py's <c>GruClassifier</c>: <c>Embedding(128, 100)</c> → 2-layer bidirectional
/// <c>GRU(100, 100)</c> over 12 steps → <c>Linear(200, 18)</c> on <c>cat(h_n[-1], h_n[-2])</c>.</summary>
[Network]
public partial class GruClassifier
{
    [Embedding(128, 100)] partial Embedding E { get; }
    [Gru(100, 100, NumLayers = 2, Bidirectional = true)] partial Gru G { get; }
    [Linear(200, 18)] partial Linear Fc { get; }

    [Forward]
    public Tensor<Batch, Eighteen> Forward(IntTensor<Twelve, Batch> ids)
    {
        var h = G(E(ids)).HN;
        return Fc(Concat([h[-1], h[-2]], 1));
    }
}
