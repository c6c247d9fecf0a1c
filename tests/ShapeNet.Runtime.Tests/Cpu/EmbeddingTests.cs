using ShapeNet.Backends.Cpu;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Cpu;

/// <summary>Embedding (lookup, gradient scatter with PyTorch's padding row) and OneHot, and their id checks.</summary>
public class EmbeddingTests
{
    private const int Num = 6, Dim = 3;

    [Fact]
    public void Forward_copies_the_rows_the_ids_select()
    {
        float[] weight = TestData.Uniform(1, Num * Dim);
        int[] ids = [5, 0, 2, 2];
        var y = new float[ids.Length * Dim];
        CpuEmbedding.Embedding_Forward(y, weight, ids, Num, Dim);
        for (int r = 0; r < ids.Length; r++)
            Assert.Equal(weight.AsSpan(ids[r] * Dim, Dim).ToArray(), y.AsSpan(r * Dim, Dim).ToArray());
    }

    [Theory]
    [InlineData(-1, false)]
    [InlineData(2, false)]
    [InlineData(2, true)]
    public void Backward_adds_each_rows_gradient_to_its_id_and_none_to_the_padding_row(int paddingIdx, bool accumulate)
    {
        int[] ids = [5, 0, 2, 2, 5, 2];
        float[] dy = TestData.Uniform(2, ids.Length * Dim);
        float[] dWeight = accumulate ? TestData.Uniform(3, Num * Dim) : TestData.Uniform(3, Num * Dim, 100f, 101f);
        var expected = new double[Num * Dim];
        for (int i = 0; i < expected.Length; i++) expected[i] = accumulate ? dWeight[i] : 0;
        for (int r = 0; r < ids.Length; r++)
            if (ids[r] != paddingIdx)
                for (int j = 0; j < Dim; j++) expected[ids[r] * Dim + j] += dy[r * Dim + j];
        CpuEmbedding.Embedding_Backward(dWeight, dy, ids, Num, Dim, paddingIdx, accumulate);
        Numerics.AssertClose(expected, dWeight, 1e-6, 1e-6, $"embedding dWeight (padding {paddingIdx}, accumulate {accumulate})", Num, Dim);
        if (paddingIdx >= 0 && !accumulate) Assert.All(dWeight.AsSpan(paddingIdx * Dim, Dim).ToArray(), v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData(6, "Embedding: id 6 at position 2 (row 2 of the output) is outside [0, 6): the table has 6 rows.")]
    [InlineData(-3, "Embedding: id -3 at position 2 (row 2 of the output) is outside [0, 6): ids cannot be negative.")]
    public void An_id_outside_the_table_is_an_error_naming_the_value_the_row_and_the_limit(int bad, string message)
    {
        float[] weight = TestData.Uniform(4, Num * Dim);
        var y = new float[4 * Dim];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => CpuEmbedding.Embedding_Forward(y, weight, [1, 2, bad, 0], Num, Dim));
        Assert.StartsWith(message, e.Message);
        Assert.All(y, v => Assert.Equal(0f, v)); // checked before anything is written
        e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            CpuEmbedding.Embedding_Backward(new float[Num * Dim], new float[4 * Dim], [1, 2, bad, 0], Num, Dim, -1, false));
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void OneHot_sets_one_column_per_row_and_checks_ids()
    {
        var y = TestData.Uniform(5, 3 * 4);
        CpuEmbedding.OneHot_Forward(y, [3, 0, 1], 4);
        Assert.Equal([0f, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0], y);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => CpuEmbedding.OneHot_Forward(y, [3, 4, 1], 4));
        Assert.StartsWith("OneHot: id 4 at position 1 (row 1 of the output) is outside [0, 4): the table has 4 rows.", e.Message);
    }

    [Fact]
    public void Sizes_that_do_not_fit_are_errors()
    {
        var e = Assert.Throws<ArgumentException>(() => CpuEmbedding.Embedding_Forward(new float[5], new float[Num * Dim], [1, 2], Num, Dim));
        Assert.StartsWith("y has 5 values, 2 rows of 3 need 6.", e.Message);
        e = Assert.Throws<ArgumentException>(() => CpuEmbedding.Embedding_Forward(new float[6], new float[Num * Dim - 1], [1, 2], Num, Dim));
        Assert.StartsWith("Embedding(6, 3): weight has 17 values, the table needs 18.", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            CpuEmbedding.Embedding_Backward(new float[Num * Dim], new float[6], [1, 2], Num, Dim, Num, false));
    }
}
