using ShapeNet;

namespace ShapeNet.Networks.Tests.Networks;

[Dim(16)] public partial struct Sixteen;

/// <summary>Linear → ReLU → Dropout(0.25) → Linear: dropout in the eager forward follows <see cref="Module.Training"/>.</summary>
[Network]
public partial class DropoutNet
{
    [Linear(16, 16)] partial Linear Fc1 { get; }
    [Linear(16, 16)] partial Linear Fc2 { get; }

    [Forward]
    public Tensor<Batch, Sixteen> Forward(Tensor<Batch, Sixteen> x) => Fc2(Dropout(Relu(Fc1(x)), 0.25));

    /// <summary>The dropout alone, for counting what it keeps.</summary>
    public Tensor DropoutOnly(Tensor x) => Dropout(x, 0.25);
}
