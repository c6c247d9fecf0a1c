using ShapeNet;
using ShapeNet.Samples.Cnn;
using static ShapeNet.Ops;

namespace ShapeNet.Samples.Softmax;

/// <summary>d2l's <c>num_inputs = 784</c>: a flattened 28 × 28 image.</summary>
[Dim(784)] public partial struct NumInputs;

/// <summary>d2l's <c>num_outputs = 10</c>: the Fashion-MNIST classes.</summary>
[Dim(10)] public partial struct NumOutputs;

/// <summary>
/// *Dive into Deep Learning* §3.6, softmax regression from scratch: the functions the book writes, on plain tensors
/// (<c>W</c> <c>[784, 10]</c> and <c>b</c> <c>[10]</c> are ordinary <see cref="Tensor"/>s, not a network's parameters).
/// The gradient comes from <see cref="Loss"/>, a <c>[Differentiable]</c> function: the generator writes <c>LossGrad</c>,
/// the counterpart of the book's <c>l.sum().backward()</c>.
/// </summary>
public static partial class SoftmaxScratch
{
    /// <summary>d2l: <c>X_exp = torch.exp(X); partition = X_exp.sum(1, keepdim=True); return X_exp / partition</c>.</summary>
    public static Tensor Softmax(Tensor X)
    {
        var XExp = Exp(X);
        var partition = Sum(XExp, 1, keepDim: true);
        return XExp / partition; // broadcasting: each row divided by its sum
    }

    /// <summary>d2l: <c>softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)</c>, the predicted probabilities <c>[n, 10]</c>.</summary>
    public static Tensor Net(Tensor X, Tensor W, Tensor b) => Softmax(MatMul(Reshape(X, -1, W.Size(0)), W) + b);

    /// <summary>
    /// d2l: <c>-torch.log(y_hat[range(len(y_hat)), y])</c>, the cross-entropy of each row: minus the log of the probability
    /// given to the true class, which <see cref="Ops.Pick"/> picks from each row by the label in <paramref name="y"/>.
    /// </summary>
    public static Tensor CrossEntropy(Tensor yHat, Tensor y) => -Log(Pick(yHat, y));

    /// <summary>d2l's <c>accuracy(y_hat, y)</c>: the number of rows whose largest entry is at the true class.</summary>
    public static int Accuracy(Tensor yHat, Tensor y) => (int)yHat.ArgMax(1).Eq(y).Sum().Item();

    /// <summary>
    /// <c>cross_entropy(net(X), y).sum()</c>, the loss whose gradient w.r.t. <paramref name="W"/> and <paramref name="b"/> the
    /// minibatch SGD step takes. It repeats <see cref="Net"/> and <see cref="CrossEntropy"/> in one body because a
    /// <c>[Differentiable]</c> body may call only ops (SN0203). <paramref name="y"/> holds the class indices (the labels as
    /// the data loader gives them); <c>Pick</c> is the book's <c>y_hat[range(n), y]</c>, and its backward scatters the
    /// gradient into the picked entries (the labels are data: they receive none).
    /// </summary>
    [Differentiable]
    public static Tensor Loss(Tensor<Batch, Gray, Side, Side> X, Tensor<Batch> y, Tensor<NumInputs, NumOutputs> W, Tensor<NumOutputs> b)
    {
        var XExp = Exp(MatMul(Reshape(X, -1, 784), W) + b);
        var yHat = XExp / Sum(XExp, 1, keepDim: true);
        return Sum(-Log(Pick(yHat, y)));
    }
}
