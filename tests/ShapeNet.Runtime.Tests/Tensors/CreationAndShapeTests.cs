using static ShapeNet.Runtime.Tests.Tensors.TensorTestData;

namespace ShapeNet.Runtime.Tests.Tensors;

// Pure data movement: these pass without the CPU kernels.
public class CreationAndShapeTests
{
    [Fact]
    public void Arange_12_reshaped_to_3_by_4_is_row_major()
    {
        Tensor x = Tensor.Arange(12);
        AssertValues(x, [12], 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        Assert.Equal(12, x.Numel);
        AssertValues(x.Reshape(3, 4), [3, 4], 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        Assert.Equal(2, x.Reshape(3, 4).Rank);
    }

    [Fact]
    public void Arange_with_start_end_and_step()
    {
        AssertValues(Tensor.Arange(1, 2, 0.25), [4], 1, 1.25f, 1.5f, 1.75f);
        AssertValues(Tensor.Arange(5, 0, -2), [3], 5, 3, 1);
        Assert.Equal(0, Tensor.Arange(3, 3).Numel);
    }

    [Fact]
    public void Reshape_infers_one_minus_one()
    {
        Assert.Equal([3, 4], Tensor.Arange(12).Reshape(-1, 4).Shape);
        Assert.Equal([3, 4], Tensor.Arange(12).Reshape(3, -1).Shape);
        Assert.Equal([2, 3, 2], Tensor.Arange(12).Reshape(2, -1, 2).Shape);
    }

    [Fact]
    public void Reshape_shares_storage_like_a_pytorch_view()
    {
        Tensor x = Tensor.Arange(12);
        Tensor view = x.Reshape(3, 4);
        view[0, 0] = 100;
        Assert.Equal(100, x.Item(0));
    }

    [Fact]
    public void Reshape_errors_name_the_shape_and_the_element_count()
    {
        var wrongCount = Assert.Throws<ArgumentException>(() => X.Reshape(5, 3));
        Assert.Contains("Cannot reshape [3, 4] (12 elements) to [5, 3]: the new shape holds 15 elements", wrongCount.Message);

        var notDivisible = Assert.Throws<ArgumentException>(() => X.Reshape(5, -1));
        Assert.Contains("Cannot reshape [3, 4] (12 elements) to [5, -1]: 12 is not a multiple of 5", notDivisible.Message);

        var twoInferred = Assert.Throws<ArgumentException>(() => X.Reshape(-1, -1));
        Assert.Contains("only one size may be -1", twoInferred.Message);
    }

    [Fact]
    public void Zeros_ones_and_full()
    {
        Tensor zeros = Tensor.Zeros(2, 3, 4);
        Assert.Equal([2, 3, 4], zeros.Shape);
        Assert.All(zeros.ToArray(), v => Assert.Equal(0f, v));
        Assert.All(Tensor.Ones(2, 3, 4).ToArray(), v => Assert.Equal(1f, v));
        AssertValues(Tensor.Full([2, 2], 7), [2, 2], 7, 7, 7, 7);
        Assert.Equal([3, 4], Tensor.ZerosLike(X).Shape);
        Assert.Equal(12f, Tensor.OnesLike(X).ToArray().Sum());
    }

    [Fact]
    public void Randn_is_reproducible_from_a_seed_and_roughly_standard_normal()
    {
        Tensor a = Tensor.Randn([100, 100], seed: 42), b = Tensor.Randn(new TensorRandom(42), 100, 100);
        Assert.Equal(a.ToArray(), b.ToArray());
        Assert.NotEqual(a.ToArray(), Tensor.Randn([100, 100], seed: 43).ToArray());

        // 10 000 samples: the sample mean is within 0.05 (5 standard errors) of 0 and the std within 0.05 of 1.
        double mean = a.ToArray().Average();
        double std = Math.Sqrt(a.ToArray().Select(v => (v - mean) * (v - mean)).Average());
        Assert.InRange(mean, -0.05, 0.05);
        Assert.InRange(std, 0.95, 1.05);
    }

    [Fact]
    public void Normal_shifts_and_scales_and_manual_seed_restarts_the_default_generator()
    {
        Tensor samples = Tensor.Normal(3, 0.5, [10_000], seed: 1);
        double mean = samples.ToArray().Average();
        Assert.InRange(mean, 3 - 0.025, 3 + 0.025);

        Tensor.ManualSeed(7);
        float[] first = Tensor.Randn(3, 4).ToArray();
        Tensor.ManualSeed(7);
        Assert.Equal(first, Tensor.Randn(3, 4).ToArray());
    }

    [Fact]
    public void Sampling_from_the_default_generator_restarts_with_manual_seed()
    {
        // Here rather than in SamplingTests: tests of one class run one at a time, and this class also reseeds the default generator.
        Tensor fair = Tensor.Ones(6) / 6;
        var die = new ShapeNet.Distributions.Multinomial(10, fair);
        Tensor.ManualSeed(11);
        float[] counts = die.Sample().ToArray(), indices = fair.Multinomial(3).ToArray();
        Tensor.ManualSeed(11);
        Assert.Equal(counts, die.Sample().ToArray());
        Assert.Equal(indices, fair.Multinomial(3).ToArray());
        Assert.Equal(counts, die.Sample([], seed: 11).ToArray());
    }

    [Fact]
    public void Rand_is_uniform_in_zero_one()
    {
        float[] values = Tensor.Rand([1000], seed: 3).ToArray();
        Assert.All(values, v => Assert.InRange(v, 0f, 1f));
        Assert.InRange(values.Average(), 0.45, 0.55);
    }

    [Fact]
    public void FromArray_copies_flat_2d_3d_and_nested_arrays()
    {
        float[] flat = [1, 2, 3];
        Tensor vector = Tensor.FromArray(flat);
        flat[0] = 99;
        AssertValues(vector, [3], 1, 2, 3);

        AssertValues(Tensor.FromArray(new float[,] { { 1, 2 }, { 3, 4 }, { 5, 6 } }), [3, 2], 1, 2, 3, 4, 5, 6);
        AssertValues(Tensor.FromArray(new float[,,] { { { 1, 2 } }, { { 3, 4 } } }), [2, 1, 2], 1, 2, 3, 4);
        AssertValues(Y, [3, 4], 2, 1, 4, 3, 1, 2, 3, 4, 4, 3, 2, 1);
        AssertValues(Tensor.FromArray([1, 2, 3, 4, 5, 6], 2, 3), [2, 3], 1, 2, 3, 4, 5, 6);
    }

    [Fact]
    public void FromArray_rejects_ragged_rows()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.FromArray(new float[][] { [1, 2], [3] }));
        Assert.Contains("Row 1 has 1 elements, but row 0 has 2", e.Message);
    }

    [Fact]
    public void Flatten_unsqueeze_and_squeeze()
    {
        Tensor t = Tensor.Zeros(2, 3, 4);
        Assert.Equal([24], t.Flatten().Shape);
        Assert.Equal([2, 12], t.Flatten(1).Shape);
        Assert.Equal([1, 2, 3, 4], t.Unsqueeze(0).Shape);
        Assert.Equal([2, 3, 4, 1], t.Unsqueeze(-1).Shape);
        Assert.Equal([2, 4], Tensor.Zeros(2, 1, 4).Squeeze().Shape);
        Assert.Equal([2, 4], Tensor.Zeros(2, 1, 4).Squeeze(1).Shape);
        Assert.Equal([2, 1, 4], Tensor.Zeros(2, 1, 4).Squeeze(0).Shape);
    }

    [Fact]
    public void Clone_and_Detach_copy_the_storage()
    {
        Tensor x = X;
        Tensor clone = x.Clone(), detached = x.Detach();
        x[0, 0] = 5;
        Assert.Equal(0, clone.Item(0, 0));
        Assert.Equal(0, detached.Item(0, 0));
    }

    [Fact]
    public void Cat_errors_name_every_input_shape()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Cat([X, Tensor.Zeros(3, 4), Tensor.Zeros(2, 5)], axis: 0));
        Assert.Contains("Cat along axis 0: shapes [3, 4], [3, 4], [2, 5] differ at axis 1 (4 vs 5)", e.Message);

        var rank = Assert.Throws<ArgumentException>(() => Tensor.Cat([X, Tensor.Zeros(4)], axis: 0));
        Assert.Contains("shapes [3, 4], [4] have different ranks", rank.Message);

        var axis = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Cat([X, X], axis: 2));
        Assert.Contains("(shapes [3, 4], [3, 4])", axis.Message);
    }

    [Fact]
    public void Broadcast_error_names_both_shapes_and_the_axis()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(3, 2) + Tensor.Zeros(4));
        Assert.Contains("cannot broadcast [3, 2] with [4]: axis 1 of the result (aligned from the right) is 2 vs 4", e.Message);
    }

    [Fact]
    public void Broadcast_shape_follows_numpy_rules()
    {
        Assert.Equal([3, 2], Tensor.BroadcastShapes([3, 1], [1, 2]));
        Assert.Equal([2, 3, 4], Tensor.BroadcastShapes([3, 1], [2, 1, 4]));
        Assert.Equal([5], Tensor.BroadcastShapes([], [5]));
    }
}
