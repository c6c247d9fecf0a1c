using ShapeNet.Backends.Cpu;

namespace ShapeNet.Runtime.Tests.Cpu;

/// <summary>CpuPick: the gather and its scatter backward, exactly (no arithmetic but the accumulation), and the checks on the
/// indices and sizes.</summary>
public class PickTests
{
    private static readonly float[] X = [0f, 1f, 2f, 10f, 11f, 12f, 20f, 21f, 22f, 30f, 31f, 32f]; // [4, 3]

    [Fact]
    public void Forward_picks_one_entry_per_row()
    {
        var y = new float[4];
        CpuPick.Pick_Forward(y, X, [2f, 0f, 1f, 2f], 4, 3);
        Assert.Equal([2f, 10f, 21f, 32f], y);
    }

    [Fact]
    public void Backward_scatters_into_the_picked_entries_and_clears_or_keeps_the_rest()
    {
        float[] dx = Enumerable.Repeat(7f, 12).ToArray();
        CpuPick.Pick_Backward(dx, [1f, 2f, 3f, 4f], [2f, 0f, 2f, 2f], 4, 3, accumulate: false);
        Assert.Equal([0f, 0f, 1f, 2f, 0f, 0f, 0f, 0f, 3f, 0f, 0f, 4f], dx);
        CpuPick.Pick_Backward(dx, [1f, 2f, 3f, 4f], [0f, 0f, 2f, 1f], 4, 3, accumulate: true);
        Assert.Equal([1f, 0f, 1f, 4f, 0f, 0f, 0f, 0f, 6f, 0f, 4f, 4f], dx);
    }

    [Theory]
    [InlineData(3f, "3")]
    [InlineData(-1f, "-1")]
    [InlineData(0.5f, "0.5")]
    [InlineData(float.NaN, "NaN")]
    public void An_index_outside_the_columns_names_value_row_and_limit(float index, string shown)
    {
        string expected = $"Pick: the index in row 2 is {shown}, but it must be an integer in [0, 3) (x has 3 columns).";
        var y = new float[4];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => CpuPick.Pick_Forward(y, X, [0f, 1f, index, 2f], 4, 3));
        Assert.StartsWith(expected, e.Message);
        float[] dx = Enumerable.Repeat(7f, 12).ToArray();
        e = Assert.Throws<ArgumentOutOfRangeException>(() => CpuPick.Pick_Backward(dx, [1f, 1f, 1f, 1f], [0f, 1f, index, 2f], 4, 3, accumulate: false));
        Assert.StartsWith(expected, e.Message);
        Assert.All(dx, v => Assert.Equal(7f, v)); // checked before anything is written
    }

    [Fact]
    public void Sizes_that_do_not_match_are_named()
    {
        var e = Assert.Throws<ArgumentException>(() => CpuPick.Pick_Forward(new float[4], X, [0f, 1f, 2f], 4, 3));
        Assert.Contains("indices 3", e.Message);
        Assert.Contains("[rows, cols] = [4, 3]", e.Message);
    }

    [Fact]
    public void Eager_op_checks_the_shapes()
    {
        var x = new Tensor(X, 4, 3);
        Assert.Equal([2f, 10f, 21f, 32f], Ops.Pick(x, new Tensor([2f, 0f, 1f, 2f], 4)).ToArray());
        var e = Assert.Throws<ArgumentException>(() => Ops.Pick(x, new Tensor([0f, 1f], 2)));
        Assert.Contains("x is [4, 3] and indices is [2]", e.Message);
    }
}
