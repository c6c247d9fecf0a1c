using ShapeNet;

namespace ShapeNet.Networks.Tests.Networks;

[Dim(12)] public partial struct Sensors;
[Dim(24)] public partial struct Embedding;
[Dim(4)] public partial struct Channels;
[Dim(6)] public partial struct SixSlots;
[Dim(3)] public partial struct ThreeSlots;
[Dim(5)] public partial struct Scores;

/// <summary>A stem: two layers from the raw sensors to the embedding (a non-generic block).</summary>
[Network]
public partial class Stem
{
    [Linear(12, 24)] partial Linear Fc { get; }
    [Linear(24, 24, Bias = false)] partial Linear Proj { get; }

    [Forward]
    public Tensor<Batch, Embedding> Forward(Tensor<Batch, Sensors> x) => Proj(Tanh(Fc(x)));
}

/// <summary>A residual dense layer over the channels of each of <typeparamref name="TIn"/> slots (a generic block).</summary>
[Network]
public partial class Dense<TIn> where TIn : IDim
{
    [Linear(4, 4)] partial Linear Fc { get; }

    [Forward]
    public Tensor<Batch, TIn, Channels> Forward(Tensor<Batch, TIn, Channels> x) => x + Relu(Fc(x));
}

/// <summary>Blocks nested in a network: parameter names follow the member path (<c>block1.fc.weight</c>).</summary>
[Network]
public partial class BlockNet
{
    [Block] partial Stem Stem { get; }
    [Block] partial Dense<SixSlots> Block1 { get; }
    [Linear(24, 12)] partial Linear Squeeze { get; }
    [Block] partial Dense<ThreeSlots> Block2 { get; }
    [Linear(12, 5)] partial Linear Head { get; }

    [Forward]
    public Tensor<Batch, Scores> Forward(Tensor<Batch, Sensors> x)
    {
        var h = Stem.Forward(x);
        var six = Block1.Forward(Reshape(h, -1, 6, 4));
        var squeezed = Sigmoid(Squeeze(Flatten(six)));
        var three = Block2.Forward(Reshape(squeezed, -1, 3, 4));
        return Head(Flatten(three));
    }
}
