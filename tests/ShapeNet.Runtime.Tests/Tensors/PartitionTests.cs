using ShapeNet.Backends.Cpu;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Tensors;

/// <summary>Eager Chunk, Split and TopK (PyTorch semantics), and the CPU top-k kernel against a stable sort.</summary>
public class PartitionTests
{
    private static Tensor Arange(params int[] shape)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        return new Tensor(Enumerable.Range(0, n).Select(i => (float)i).ToArray(), shape);
    }

    [Fact]
    public void Chunk_follows_torch_chunk_sizes()
    {
        Tensor x = Arange(2, 8);
        TensorTuple parts = x.Chunk(3, 1);
        Assert.Equal(3, parts.Count);
        Assert.Equal([2, 3], parts[0].Shape);
        Assert.Equal([2, 2], parts[2].Shape);
        Assert.Equal([0f, 1, 2, 8, 9, 10], parts[0].Data);
        Assert.Equal([6f, 7, 14, 15], parts[2].Data);
        // 6 into 4: three chunks of 2, as torch.chunk.
        Assert.Equal(3, Arange(6).Chunk(4).Count);
    }

    [Fact]
    public void Split_by_sections_and_by_size()
    {
        Tensor x = Arange(2, 6);
        var (a, b) = Ops.Split(x, [2, 4], 1);
        Assert.Equal([0f, 1, 6, 7], a.Data);
        Assert.Equal([2f, 3, 4, 5, 8, 9, 10, 11], b.Data);
        TensorTuple bySize = Ops.Split(x, 4, 1);
        Assert.Equal(2, bySize.Count);
        Assert.Equal([2, 2], bySize[1].Shape);
    }

    [Fact]
    public void Bad_sizes_and_counts_name_what_was_expected()
    {
        Tensor x = Arange(2, 6);
        var sum = Assert.Throws<ArgumentException>(() => x.Split([2, 3], 1));
        Assert.Contains("add up to 5, but axis 1 of [2, 6] has 6", sum.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Chunk(0, 1));
        var deconstruct = Assert.Throws<InvalidOperationException>(() => { var (p, q) = x.Chunk(3, 1); });
        Assert.Equal("Chunk returned 3 tensor(s), but 2 were deconstructed.", deconstruct.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => x.TopK(7, 1));
    }

    [Fact]
    public void TopK_is_sorted_and_indexes_the_input()
    {
        var x = new Tensor([3f, 1, 4, 1, 5, 9, 2, 6], 2, 4);
        var (values, indices) = Ops.TopK(x, 2, 1);
        Assert.Equal([4f, 3, 9, 6], values.Data);
        Assert.Equal([2f, 0, 1, 3], indices.Data);
        var (low, lowIndices) = x.TopK(2, 1, largest: false);
        Assert.Equal([1f, 1, 2, 5], low.Data);
        Assert.Equal([1f, 3, 2, 0], lowIndices.Data);   // ties: the lower index first
    }

    [Theory]
    [InlineData(3, 7, 5, 3, true)]
    [InlineData(2, 9, 1, 9, false)]
    [InlineData(1, 4, 6, 1, true)]
    public void The_kernel_equals_a_stable_sort_and_its_backward_scatters(int outer, int dim, int inner, int k, bool largest)
    {
        float[] x = TestData.Uniform(outer * 100 + dim, outer * dim * inner);
        x[0] = x[inner];   // a tie
        var values = new float[outer * k * inner];
        var indices = new float[outer * k * inner];
        CpuTopK.Forward(values, indices, x, outer, dim, inner, k, largest);
        float[] dy = TestData.Uniform(7, values.Length);
        var dx = Enumerable.Repeat(1f, outer * dim * inner).ToArray();
        CpuTopK.Backward(dx, dy, indices, outer, dim, inner, k, accumulate: true);
        var expectedDx = Enumerable.Repeat(1f, dx.Length).ToArray();
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int[] order = Enumerable.Range(0, dim).OrderBy(d => largest ? -x[(o * dim + d) * inner + i] : x[(o * dim + d) * inner + i]).ToArray();
                for (int j = 0; j < k; j++)
                {
                    int at = (o * k + j) * inner + i;
                    Assert.Equal(order[j], (int)indices[at]);
                    Assert.Equal(x[(o * dim + order[j]) * inner + i], values[at]);
                    expectedDx[(o * dim + order[j]) * inner + i] += dy[at];
                }
            }
        Assert.Equal(expectedDx, dx);
    }
}
