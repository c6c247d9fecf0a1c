using static ShapeNet.Runtime.Tests.Tensors.TensorTestData;

namespace ShapeNet.Runtime.Tests.Tensors;

// Pure data movement: these pass without the CPU kernels.
public class IndexingTests
{
    [Fact]
    public void Minus_one_and_hat_one_select_the_last_row()
    {
        AssertValues(X[-1], [4], 8, 9, 10, 11);
        AssertValues(X[^1], [4], 8, 9, 10, 11);
        AssertValues(X[0], [4], 0, 1, 2, 3);
    }

    [Fact]
    public void Range_one_to_three_selects_rows_one_and_two()
    {
        AssertValues(X[1..3], [2, 4], 4, 5, 6, 7, 8, 9, 10, 11);
        AssertValues(X[1..3, ..], [2, 4], 4, 5, 6, 7, 8, 9, 10, 11);
        AssertValues(X[.., 1..3], [3, 2], 1, 2, 5, 6, 9, 10);
        AssertValues(X[.., ^1], [3], 3, 7, 11);
    }

    [Fact]
    public void Slices_clamp_like_python()
    {
        AssertValues(X[1..100], [2, 4], 4, 5, 6, 7, 8, 9, 10, 11);
        Assert.Equal([0, 4], X[3..].Shape);
    }

    [Fact]
    public void Two_integers_give_a_rank_0_tensor_and_Item_gives_the_float()
    {
        Tensor element = X[1, 2];
        Assert.Equal(0, element.Rank);
        Assert.Equal(6f, element.Item());
        Assert.Equal(6f, X.Item(1, 2));
        Assert.Equal(11f, X.Item(-1, -1));
    }

    [Fact]
    public void Stepped_slices_take_every_nth_element()
    {
        // X[::3, ::2] of a 6×4 arange: rows 0 and 3, columns 0 and 2.
        Tensor big = Tensor.Arange(24).Reshape(6, 4);
        AssertValues(big[Slice.Step(3), Slice.Step(2)], [2, 2], 0, 2, 12, 14);
        AssertValues(big[Slice.Step(1..6, 2), 3], [3], 7, 15, 23);
        AssertValues(big.Slice(1, 1, 4, 2), [6, 2], 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23);
        AssertValues(big.Slice(0, -2, int.MaxValue), [2, 4], 16, 17, 18, 19, 20, 21, 22, 23);
        AssertValues(big.Select(1, 0), [6], 0, 4, 8, 12, 16, 20);
    }

    [Fact]
    public void Element_assignment_writes_in_place()
    {
        Tensor x = X;
        float[] storage = x.Data;
        x[1, 2] = 9;
        Assert.Same(storage, x.Data);
        AssertValues(x, [3, 4], 0, 1, 2, 3, 4, 5, 9, 7, 8, 9, 10, 11);
        x.SetItem(-1, 0, 0);
        Assert.Equal(-1f, x.Item(0, 0));
    }

    [Fact]
    public void Slice_assignment_broadcasts_the_value()
    {
        Tensor x = X;
        x[0..2, ..] = 12;
        AssertValues(x, [3, 4], 12, 12, 12, 12, 12, 12, 12, 12, 8, 9, 10, 11);

        x[.., 0] = Tensor.FromArray([-1f, -2, -3]);
        AssertValues(x[.., 0], [3], -1, -2, -3);

        Tensor y = Tensor.Zeros(4, 4);
        y[Slice.Step(2), Slice.Step(2)] = 1;
        AssertValues(y, [4, 4], 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0);
    }

    [Fact]
    public void Reading_a_slice_copies()
    {
        Tensor x = X;
        Tensor rows = x[0..2];
        rows[0, 0] = 100;
        Assert.Equal(0f, x.Item(0, 0));
    }

    [Fact]
    public void Index_errors_name_the_axis_size_and_shape()
    {
        var outOfRange = Assert.Throws<IndexOutOfRangeException>(() => X[3]);
        Assert.Contains("Index 3 is out of range for axis 0 of size 3 (tensor [3, 4])", outOfRange.Message);

        var tooMany = Assert.Throws<IndexOutOfRangeException>(() => X[0, 0, 0]);
        Assert.Contains("Too many indices for tensor [3, 4]", tooMany.Message);

        var badValue = Assert.Throws<ArgumentException>(() => X[0..2] = Tensor.Zeros(3));
        Assert.Contains("Cannot assign a tensor of shape [3] to the selection [0..2] of shape [2, 4]", badValue.Message);

        var item = Assert.Throws<InvalidOperationException>(() => X.Item());
        Assert.Contains("Item() needs a tensor with one element, but [3, 4] has 12", item.Message);

        Assert.Throws<ArgumentOutOfRangeException>(() => Slice.Step(0));
    }

    [Fact]
    public void Conversions_to_plain_arrays_copy()
    {
        Tensor x = X;
        float[] flat = x.ToArray();
        flat[0] = 50;
        Assert.Equal(0f, x.Item(0, 0));

        float[,] matrix = x.To2DArray();
        Assert.Equal(3, matrix.GetLength(0));
        Assert.Equal(4, matrix.GetLength(1));
        Assert.Equal(6f, matrix[1, 2]);
        Assert.Throws<InvalidOperationException>(() => Tensor.Zeros(2).To2DArray());
    }
}

// Comparisons, max/min, argmax and cumulative sums are computed in the tensor code (no kernel): these pass without the CPU kernels.
public class ComparisonAndSelectionReductionTests
{
    [Fact]
    public void Eq_gives_the_d2l_truth_table()
    {
        AssertValues(X.Eq(Y), [3, 4], 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0);
        AssertValues(X.Ne(Y), [3, 4], 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    }

    [Fact]
    public void Order_comparisons_broadcast_and_have_operators()
    {
        Tensor v = Tensor.FromArray([1f, 2, 3]);
        AssertValues(v < 2, [3], 1, 0, 0);
        AssertValues(v <= 2, [3], 1, 1, 0);
        AssertValues(v > Tensor.FromArray([0f, 2, 4]), [3], 1, 0, 0);
        AssertValues(v >= 2, [3], 0, 1, 1);
        AssertValues(v.Reshape(3, 1).Lt(v), [3, 3], 0, 1, 1, 0, 0, 1, 0, 0, 0);
        AssertValues(v.Gt(2).Reshape(1, 3).Ge(v.Reshape(3, 1).Le(1)), [3, 3], 0, 0, 1, 1, 1, 1, 1, 1, 1);
    }

    [Fact]
    public void CumSum_along_rows_and_columns()
    {
        AssertValues(A.CumSum(0)[0..2], [2, 4], 0, 1, 2, 3, 4, 6, 8, 10);
        AssertValues(A.CumSum(0)[-1], [4], 40, 45, 50, 55);
        AssertValues(X.CumSum(1), [3, 4], 0, 1, 3, 6, 4, 9, 15, 22, 8, 17, 27, 38);
    }

    [Fact]
    public void Max_min_and_argmax()
    {
        Tensor logits = Tensor.FromArray(new float[][] { [0.1f, 0.7f, 0.2f], [0.9f, 0.05f, 0.05f], [0.3f, 0.3f, 0.4f] });
        AssertValues(logits.ArgMax(1), [3], 1, 0, 2);
        AssertValues(logits.ArgMax(1, keepDim: true), [3, 1], 1, 0, 2);
        AssertValues(logits.Max(0), [3], 0.9f, 0.7f, 0.4f);
        AssertValues(logits.Min(1), [3], 0.1f, 0.05f, 0.3f);
        AssertValues(logits.ArgMin(0), [3], 0, 1, 1);
        Assert.Equal(0.9f, logits.Max().Item());
        Assert.Equal(0.05f, logits.Min().Item());
        Assert.Equal(3f, logits.ArgMax().Item());

        // Accuracy as in the samples: the fraction of rows whose argmax equals the label.
        Tensor labels = Tensor.FromArray([1f, 0, 0]);
        Assert.Equal(new[] { 1f, 1, 0 }, logits.ArgMax(1).Eq(labels).ToArray());
    }
}

// The printer is tensor code only: these pass without the CPU kernels.
public class PrintingTests
{
    [Fact]
    public void Whole_numbers_print_like_pytorch()
    {
        Assert.Equal(
            "tensor([[ 0.,  1.,  2.,  3.],\n        [ 4.,  5.,  6.,  7.],\n        [ 8.,  9., 10., 11.]])",
            X.ToString());
        Assert.Equal("tensor(3.)", Tensor.Scalar(3).ToString());
        Assert.Equal("tensor([])", Tensor.Zeros(0).ToString());
    }

    [Fact]
    public void Fractions_print_with_four_decimals_and_wide_ranges_in_scientific_notation()
    {
        Assert.Equal("tensor([0.5000, 1.2500])", Tensor.FromArray([0.5f, 1.25f]).ToString());
        Assert.Equal("tensor([1.0000e-05, 1.0000e+00])", Tensor.FromArray([1e-5f, 1f]).ToString());
    }

    [Fact]
    public void Rank_3_blocks_are_separated_by_a_blank_line()
    {
        Assert.Equal(
            "tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])",
            Tensor.Arange(8).Reshape(2, 2, 2).ToString());
    }

    [Fact]
    public void Large_tensors_are_summarised()
    {
        string text = Tensor.FromArray(Enumerable.Range(0, 2000).Select(i => (float)(i % 10)).ToArray(), 2, 1000).ToString();
        Assert.Equal("tensor([[0., 1., 2.,  ..., 7., 8., 9.],\n        [0., 1., 2.,  ..., 7., 8., 9.]])", text);
    }

    [Fact]
    public void OneHot_marks_each_class_index_and_rejects_non_classes()
    {
        Tensor y = Tensor.FromArray([0f, 2f, 1f]);

        Tensor oneHot = y.OneHot(3);

        Assert.Equal([3, 3], oneHot.Shape);
        Assert.Equal([1f, 0, 0, 0, 0, 1, 0, 1, 0], oneHot.ToArray());
        Assert.Equal([2, 2, 4], Tensor.Zeros(2, 2).OneHot(4).Shape);
        Assert.Equal("OneHot: element 1 is 3; class indices are whole numbers 0..2.", Assert.Throws<ArgumentException>(() => Tensor.FromArray([0f, 3f]).OneHot(3)).Message);
        Assert.Equal("OneHot: element 0 is 0.5; class indices are whole numbers 0..2.", Assert.Throws<ArgumentException>(() => Tensor.FromArray([0.5f]).OneHot(3)).Message);
        Assert.StartsWith("OneHot needs at least one class, got 0.", Assert.Throws<ArgumentOutOfRangeException>(() => y.OneHot(0)).Message);
    }
}
