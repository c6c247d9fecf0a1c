using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Networks.Tests;

/// <summary>
/// Chunk, Split and TopK against PyTorch 1.13 (tests/golden/multi_output.py): the eager ops exactly (they copy and select,
/// no arithmetic; the indices as whole numbers), and the generated gradients of three <c>[Differentiable]</c> functions built
/// on them (value and gradient, rtol 1e-5, atol 1e-6: float32 sums in another order).
/// </summary>
public class PartitionGoldenTests
{
    private static readonly IReadOnlyDictionary<string, (int[] Shape, float[] Data)> Golden = GoldenFile.Load(GoldenFile.PathOf("multi_output.sntensors"));

    private static Tensor X => new(Golden["x"].Data, Golden["x"].Shape);

    private static void Same(string name, Tensor actual)
    {
        Assert.Equal(Golden[name].Shape, actual.Shape);
        Assert.Equal(Golden[name].Data, actual.Data);
    }

    [Fact]
    public void Eager_chunk_and_split_equal_torch()
    {
        TensorTuple chunks = Ops.Chunk(X, 3, 1);
        Assert.Equal(3, chunks.Count);
        for (int i = 0; i < 3; i++) Same($"chunk3.{i}", chunks[i]);
        TensorTuple fewer = Ops.Chunk(X.Slice(1, 0, 6), 4, 1);
        Assert.Equal(3, fewer.Count);
        for (int i = 0; i < 3; i++) Same($"chunk4_of6.{i}", fewer[i]);
        var (p, q, r) = Ops.Split(X, [3, 5, 2], 1);
        Same("split352.0", p);
        Same("split352.1", q);
        Same("split352.2", r);
        TensorTuple bySize = Ops.Split(X, 4, 1);
        for (int i = 0; i < 3; i++) Same($"split4.{i}", bySize[i]);
    }

    [Fact]
    public void Eager_top_k_equals_torch()
    {
        var (values, indices) = Ops.TopK(X, 3, 1);
        Same("topk3.values", values);
        Same("topk3.indices", indices);
        var (low, lowIndices) = Ops.TopK(X, 2, 0, largest: false);
        Same("bottom2_dim0.values", low);
        Same("bottom2_dim0.indices", lowIndices);
    }

    [Theory]
    [InlineData("chunk_product")]
    [InlineData("split_mix")]
    [InlineData("top_squares")]
    public void Generated_gradients_equal_torch(string name)
    {
        var x = Tensor<Trio, Ten>.FromArray(Golden["x"].Data);
        (Tensor value, Tensor dx) = name switch
        {
            "chunk_product" => PartitionFunctions.ChunkProductGrad(x),
            "split_mix" => PartitionFunctions.SplitMixGrad(x),
            _ => PartitionFunctions.TopSquaresGrad(x),
        };
        Numerics.AssertClose(Golden[name + ".y"].Data, [value.Item()], 1e-5, 1e-6, name + ".y");
        Numerics.AssertClose(Golden[name + ".grad"].Data, dx.Data, 1e-5, 1e-6, name + ".grad", 3, 10);
    }
}
