using ShapeNet;
using static ShapeNet.Ops;

namespace ShapeNet.Samples.Quadratic;

/// <summary>Lecture 4's exercise: y = w1·x² + w2·x + b with its loss written once; the generator writes the gradient.</summary>
public static partial class QuadraticModel
{
    /// <summary>
    /// The squared error of y = w1·x² + w2·x + b summed over the given samples (the lecture's <c>loss(x, y)</c> for one
    /// sample when the batch is 1). The generated <c>LossGrad</c> returns the loss and its gradient w.r.t. every tensor
    /// input — x and y included, which the training loop ignores, as PyTorch would not compute them
    /// (<c>requires_grad=False</c>).
    /// </summary>
    [Differentiable]
    public static Tensor Loss(Tensor<Batch> x, Tensor<Batch> y, Tensor<One> w1, Tensor<One> w2, Tensor<One> b)
    {
        Tensor t = x; // mixing Tensor<One> and Tensor<Batch> in one operator needs a rank-erased side
        var prediction = w1 * (t * t) + w2 * t + b;
        return MseLoss(prediction, y, Reduction.Sum);
    }
}
