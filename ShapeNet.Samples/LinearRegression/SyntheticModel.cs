using ShapeNet;
using static ShapeNet.Ops;

namespace ShapeNet.Samples.LinearRegression;

/// <summary>d2l 3.2 "linear regression from scratch": the model and loss, written once; the generator writes the gradient.</summary>
public static partial class SyntheticModel
{
    /// <summary>d2l's <c>squared_loss(linreg(X, w, b), y)</c> summed over the mini-batch: Σ (Xw + b − y)² / 2.</summary>
    [Differentiable]
    public static Tensor SquaredLoss(Tensor<Batch, Two> features, Tensor<Batch> labels, Tensor<Two> w, Tensor<One> b)
    {
        var prediction = MatMul(features, w) + b;
        return Sum(Pow(prediction - labels, 2) / 2);
    }
}
