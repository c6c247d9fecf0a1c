using ShapeNet;

namespace ShapeNet.Networks.Tests.Networks;

[Dim(8)] public partial struct Measurements;
[Dim(12)] public partial struct Hidden;
[Dim(5)] public partial struct Classes;

/// <summary>
/// Every differentiable op of the DSL in one classifier: batch-norm-like centring, element-wise functions, the
/// scalar operators on both sides, attention over three tokens (batched MatMul), a feature Gram matrix (2-D MatMul),
/// Dot, reductions with and without keepDim, Concat, a residual loop sharing a layer, and LogSoftmax. The input is
/// scaled by a detached per-sample statistic, so no gradient flows through the scale (Detach).
/// </summary>
[Network]
public partial class AllOpsNet
{
    [Linear(8, 12)] partial Linear Fc1 { get; }
    [Linear(24, 12, Bias = false)] partial Linear Mix { get; }
    [Linear(12, 12, Bias = false)] partial Linear Fc2 { get; }
    [Linear(12, 5)] partial Linear Head { get; }

    [Forward]
    public Tensor<Batch, Classes> Forward(Tensor<Batch, Measurements> x)
    {
        var inputScale = Detach(Mean(Abs(x), 1, keepDim: true));
        var h = Fc1(x / (inputScale + 1f));

        // batch-norm-like: broadcasting over the missing batch axis
        var centred = h - Mean(h, 0);
        var normed = centred / Sqrt(Mean(centred * centred, 0) + 1e-3f);

        // element-wise functions (Log and Sqrt of positive values) and scalar operators on both sides
        var gates = Sigmoid(h) * Tanh(h) + Relu(h) - Abs(h) * 0.25f;
        var positive = Exp(-Abs(h) / 4f) + Pow(Sigmoid(h), 1.5);
        var logs = Log(positive) + Log(Sigmoid(normed));
        var roots = Sqrt(Pow(h, 2) + 1f);
        var mixed = 2f * gates + 1f - (3f - roots) / 2f + (0.5f + logs) * 0.5f - 1f / roots + (roots - 1f);

        // attention over three tokens of four features: batched MatMul, both Transpose overloads, Softmax
        var tokens = Reshape(mixed, -1, 3, 4);
        var scores = MatMul(tokens, Transpose(tokens, 1, 2)) * 0.5f;
        var attended = MatMul(Softmax(scores, 2), tokens);
        var pooled = attended - Mean(attended, [1, 2], keepDim: true);
        var energy = Reshape(Sum(tokens * tokens, [1, 2]), -1, 1);

        // a Gram matrix of the normalised features (2-D MatMul) and a Dot of two vectors (a scalar)
        var gram = MatMul(Transpose(normed), normed) / 16f;
        var projected = MatMul(Flatten(pooled), gram);
        var centre = Mean(projected, 0);
        var offset = Dot(centre, centre) * 0.01f;

        var joined = Concat([projected + offset, normed * Tanh(energy)], 1);
        var z = Tanh(Mix(joined));
        z = z / (Mean(Abs(z), 1, keepDim: true) + 1f);
        for (int i = 0; i < 2; i++)
        {
            z = z + Tanh(Fc2(z)) * 0.5f;
        }
        var rowTotal = Sum(z, 1, keepDim: true) * Mean(z);
        var rowMean = Reshape(Sum(x, 1), -1, 1) / 8f;
        z = z + rowTotal * 0.01f - Sum(h) * 0.001f + rowMean * 0.1f;
        return LogSoftmax(Head(z), 1);
    }
}
