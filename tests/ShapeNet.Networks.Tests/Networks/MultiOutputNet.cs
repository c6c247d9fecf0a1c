using ShapeNet;

namespace ShapeNet.Networks.Tests.Networks;

[Dim(6)] public partial struct Readings;
[Dim(16)] public partial struct TwoHalves;
[Dim(8)] public partial struct Half;
[Dim(3)] public partial struct Labels;

/// <summary>A gated linear unit that also returns its gate: a block whose forward returns a tuple, built on Chunk.</summary>
[Network]
public partial class GatedPair
{
    [Linear(6, 16)] partial Linear Fc { get; }

    [Forward]
    public (Tensor<Batch, Half> Gated, Tensor<Batch, Half> Gate) Forward(Tensor<Batch, Readings> x)
    {
        var (a, b) = Chunk(Fc(x), 2, 1);
        var gate = Sigmoid(b);
        return (a * gate, gate);
    }
}

/// <summary>Multi-output nodes end to end: a tuple-returning block deconstructed by its parent, and a Split whose last part
/// is discarded (its part of the gradient is zero).</summary>
[Network]
public partial class MultiOutputNet
{
    [Block] partial GatedPair Pair { get; }
    [Linear(8, 6)] partial Linear Mix { get; }
    [Linear(5, 3)] partial Linear Head { get; }

    [Forward]
    public Tensor<Batch, Labels> Forward(Tensor<Batch, Readings> x)
    {
        var (gated, gate) = Pair.Forward(x);
        var (p, q, _) = Split(Mix(gated + gate), [2, 3, 1], 1);
        return Head(Concat([p, Tanh(q)], 1));
    }
}

[Dim(3)] public partial struct TopThree;

/// <summary>A network whose forward returns a tuple: the three largest scores of a linear layer and their positions
/// (indices as whole-number floats). The values are differentiable, so it trains through them.</summary>
[Network]
public partial class TopKNet
{
    [Linear(6, 8)] partial Linear Fc { get; }

    [Forward]
    public (Tensor<Batch, TopThree> Values, Tensor<Batch, TopThree> Indices) Forward(Tensor<Batch, Readings> x)
    {
        var (values, indices) = TopK(Fc(x), 3, 1);
        return (values, indices);
    }
}
