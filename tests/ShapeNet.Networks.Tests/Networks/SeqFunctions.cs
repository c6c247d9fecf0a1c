using ShapeNet;
using static ShapeNet.Ops;

namespace ShapeNet.Networks.Tests.Networks;

/// <summary><c>[Differentiable]</c> functions over the run-time <c>Seq</c>: the generated <c>…Grad</c> reads the sequence length from
/// its input, as it reads the batch.</summary>
public static partial class SeqFunctions
{
    /// <summary>A mean over the sequence of tanh(x·w), weighted by a softmax over the sequence, plus every token's features summed
    /// through the [Seq·Batch, 3] rows.</summary>
    [Differentiable]
    public static Tensor<Batch, RnnFeatures> Pool(Tensor<Seq, Batch, RnnFeatures> x, Tensor<RnnFeatures> w) =>
        Mean(Tanh(x * w), 0) * Sum(Softmax(x, 0) * x, 0) + Sum(Reshape(x, -1, 3), 0) * 0.1f;
}
