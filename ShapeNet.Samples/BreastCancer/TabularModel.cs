using ShapeNet;

namespace ShapeNet.Samples.BreastCancer;

/// <summary>The 8 standardized "mean" features of the breast-cancer data (<c>mean radius</c> … <c>mean concave points</c>).</summary>
[Dim(8)] public partial struct Measurements;
[Dim(6)] public partial struct Hidden6;
[Dim(4)] public partial struct Hidden4;

/// <summary>Lectures 7 and 8: <c>8 → 6 → 4 → 1</c> with a sigmoid after each layer (PyTorch names linear1 … linear3).</summary>
[Network]
public partial class TabularModel
{
    [Linear(8, 6)] partial Linear Linear1 { get; }
    [Linear(6, 4)] partial Linear Linear2 { get; }
    [Linear(4, 1)] partial Linear Linear3 { get; }

    [Forward]
    public Tensor<Batch, One> Forward(Tensor<Batch, Measurements> x)
    {
        var h = Sigmoid(Linear1(x));
        var g = Sigmoid(Linear2(h));
        return Sigmoid(Linear3(g));
    }
}
