using ShapeNet;
using static ShapeNet.Ops;

namespace ShapeNet.Networks.Tests.Networks;

[Dim(3)] public partial struct Trio;
[Dim(10)] public partial struct Ten;

/// <summary>Chunk, Split and TopK inside <c>[Differentiable]</c> functions, checked against PyTorch (tests/golden/multi_output.py).</summary>
public static partial class PartitionFunctions
{
    /// <summary>Σ a·b over the first two of Chunk(x, 3, 1)'s parts (4, 4 and 2 columns); the third is discarded, so its part
    /// of the gradient is zero.</summary>
    [Differentiable]
    public static Tensor ChunkProduct(Tensor<Trio, Ten> x)
    {
        var (a, b, _) = Chunk(x, 3, 1);
        return Sum(a * b);
    }

    /// <summary>Σ p² + Σ tanh(q) + 2 Σ r over Split(x, [3, 5, 2], 1).</summary>
    [Differentiable]
    public static Tensor SplitMix(Tensor<Trio, Ten> x)
    {
        var (p, q, r) = Split(x, [3, 5, 2], 1);
        return Sum(p * p) + Sum(Tanh(q)) + 2 * Sum(r);
    }

    /// <summary>Σ of the squares of each row's three largest values: the gradient is 2·value at those positions, zero elsewhere.</summary>
    [Differentiable]
    public static Tensor TopSquares(Tensor<Trio, Ten> x)
    {
        var (values, _) = TopK(x, 3, 1);
        return Sum(values * values);
    }
}
