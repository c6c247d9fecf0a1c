using ShapeNet;

namespace ShapeNet.Networks.Tests.Networks;

[Dim(4)] public partial struct CheckIn;
[Dim(3)] public partial struct CheckHidden;
[Dim(2)] public partial struct CheckOut;

/// <summary>The finite check's backward half (FiniteCheckTests): a square root at 0 is finite going forward (√0 = 0) and infinite
/// coming back (d√x/dx = 1/(2√x)).</summary>
[Network]
public partial class SqrtAtZeroNet
{
    [Linear(4, 3)] partial Linear Fc { get; }
    [Linear(3, 2)] partial Linear Head { get; }

    [Forward]
    public Tensor<Batch, CheckOut> Forward(Tensor<Batch, CheckIn> x) => Head(Sqrt(Relu(Fc(x))));
}

/// <summary>One layer, for a weight gradient dW = dyᵀ·x that overflows while the forward x·Wᵀ and the input gradient dy·W stay
/// finite (FiniteCheckTests).</summary>
[Network]
public partial class OneLinearNet
{
    [Linear(4, 2)] partial Linear Fc { get; }

    [Forward]
    public Tensor<Batch, CheckOut> Forward(Tensor<Batch, CheckIn> x) => Fc(x);
}
