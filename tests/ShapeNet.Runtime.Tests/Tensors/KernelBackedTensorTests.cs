using ShapeNet.Runtime.Tests.Support;
using static ShapeNet.Runtime.Tests.Tensors.TensorTestData;

namespace ShapeNet.Runtime.Tests.Tensors;

// These call the shared CPU kernels (CpuElementwise, CpuReduction, CpuGemm, CpuLinear, CpuSoftmax, CpuLayout, CpuLoss):
// run them with `dotnet test --filter Kernels=Cpu` once the kernels are in.

[Trait("Kernels", "Cpu")]
public class ElementwiseTests
{
    private static readonly Tensor x = Tensor.FromArray([1f, 2, 4, 8]), y = Tensor.FromArray([2f, 2, 2, 2]);

    [Fact]
    public void Arithmetic_operators_match_d2l()
    {
        AssertValues(x + y, [4], 3, 4, 6, 10);
        AssertValues(x - y, [4], -1, 0, 2, 6);
        AssertValues(x * y, [4], 2, 4, 8, 16);
        AssertValues(x / y, [4], 0.5f, 1, 2, 4);
        AssertValues(x.Pow(2), [4], 1, 4, 16, 64);
        AssertValues(-x, [4], -1, -2, -4, -8);
    }

    [Fact]
    public void Exp_matches_double_precision_within_float_rounding()
    {
        // Tolerance: rtol 1e-6 covers float32 rounding of e^x.
        Numerics.AssertClose(x.ToArray().Select(v => Math.Exp(v)).ToArray(), x.Exp().ToArray(), 1e-6, 0, "Exp", 4);
        Numerics.AssertClose([0, Math.Log(2), Math.Log(4), Math.Log(8)], x.Log().ToArray(), 1e-6, 1e-7, "Log", 4);
    }

    [Fact]
    public void Scalars_on_either_side()
    {
        AssertValues(x + 1, [4], 2, 3, 5, 9);
        AssertValues(1 + x, [4], 2, 3, 5, 9);
        AssertValues(x - 1, [4], 0, 1, 3, 7);
        AssertValues(10 - x, [4], 9, 8, 6, 2);
        AssertValues(x * 2, [4], 2, 4, 8, 16);
        AssertValues(2 * x, [4], 2, 4, 8, 16);
        AssertValues(x / 4, [4], 0.25f, 0.5f, 1, 2);
        AssertValues(8 / x, [4], 8, 4, 2, 1);
    }

    [Fact]
    public void Broadcasting_3_by_1_with_1_by_2_gives_3_by_2()
    {
        Tensor a = Tensor.Arange(3).Reshape(3, 1), b = Tensor.Arange(2).Reshape(1, 2);
        AssertValues(a + b, [3, 2], 0, 1, 1, 2, 2, 3);
    }

    [Fact]
    public void Activations()
    {
        Tensor v = Tensor.FromArray([-2f, 0, 3]);
        AssertValues(v.Relu(), [3], 0, 0, 3);
        AssertValues(v.Abs(), [3], 2, 0, 3);
        AssertValues(Tensor.FromArray([4f, 9]).Sqrt(), [2], 2, 3);
        Numerics.AssertClose([1 / (1 + Math.Exp(2)), 0.5, 1 / (1 + Math.Exp(-3))], v.Sigmoid().ToArray(), 1e-6, 1e-7, "Sigmoid", 3);
        Numerics.AssertClose([Math.Tanh(-2), 0, Math.Tanh(3)], v.Tanh().ToArray(), 1e-6, 1e-7, "Tanh", 3);
    }

    [Fact]
    public void Compound_assignment_keeps_the_storage()
    {
        Tensor z = X;
        float[] before = z.Data;
        z += Y;
        Assert.Same(before, z.Data);
        AssertValues(z, [3, 4], 2, 2, 6, 6, 5, 7, 9, 11, 12, 12, 12, 12);

        z -= Y;
        z *= 2;
        z /= 2;
        z += 1;
        z -= 1;
        Assert.Same(before, z.Data);
        AssertValues(z, [3, 4], 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);

        z *= Tensor.FromArray([1f, 0, 1, 0]);
        AssertValues(z[0], [4], 0, 0, 2, 0);
    }

    [Fact]
    public void Compound_assignment_cannot_grow_the_target()
    {
        Tensor row = Tensor.Zeros(4);
        var e = Assert.Throws<ArgumentException>(() => row += X);
        Assert.Contains("[4] with [3, 4] broadcasts to [3, 4]", e.Message);
    }

    [Fact]
    public void Assigning_through_a_full_slice_keeps_the_storage()
    {
        // d2l: Z[:] = X + Y writes into Z's memory.
        Tensor z = Tensor.ZerosLike(Y);
        float[] before = z.Data;
        z[..] = X + Y;
        Assert.Same(before, z.Data);
        AssertValues(z, [3, 4], 2, 2, 6, 6, 5, 7, 9, 11, 12, 12, 12, 12);
    }
}

[Trait("Kernels", "Cpu")]
public class CatAndTransposeTests
{
    [Fact]
    public void Cat_along_rows_and_columns_matches_d2l()
    {
        AssertValues(Tensor.Cat([X, Y], axis: 0), [6, 4],
            0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 2, 1, 4, 3, 1, 2, 3, 4, 4, 3, 2, 1);
        AssertValues(Tensor.Cat([X, Y], axis: 1), [3, 8],
            0, 1, 2, 3, 2, 1, 4, 3, 4, 5, 6, 7, 1, 2, 3, 4, 8, 9, 10, 11, 4, 3, 2, 1);
        Assert.Equal([3, 4, 2], Tensor.Stack([X, Y], axis: -1).Shape);
    }

    [Fact]
    public void Transpose_and_T()
    {
        AssertValues(X.T, [4, 3], 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11);
        AssertValues(Tensor.Arange(6).Reshape(1, 2, 3).Transpose(0, 2), [3, 2, 1], 0, 3, 1, 4, 2, 5);
        Tensor b = Tensor.FromArray(new float[][] { [1, 2, 3], [2, 0, 4], [3, 4, 5] });
        AssertValues(b.Eq(b.T), [3, 3], 1, 1, 1, 1, 1, 1, 1, 1, 1);
    }
}

[Trait("Kernels", "Cpu")]
public class ReductionTests
{
    [Fact]
    public void Sum_over_all_and_each_axis_matches_d2l()
    {
        Assert.Equal(190f, A.Sum().Item());
        Assert.Equal(0, A.Sum().Rank);
        AssertValues(A.Sum(0), [4], 40, 45, 50, 55);
        AssertValues(A.Sum(1), [5], 6, 22, 38, 54, 70);
        Assert.Equal(190f, A.Sum([0, 1]).Item());
    }

    [Fact]
    public void KeepDim_keeps_a_size_1_axis_for_broadcasting()
    {
        Tensor sumA = A.Sum(1, keepDim: true);
        AssertValues(sumA, [5, 1], 6, 22, 38, 54, 70);
        AssertValues(A.Sum(0, keepDim: true), [1, 4], 40, 45, 50, 55);
        Tensor normalised = A / sumA;
        Assert.Equal([5, 4], normalised.Shape);
        Numerics.AssertClose([0, 1 / 6.0, 2 / 6.0, 3 / 6.0], normalised[0].ToArray(), 1e-6, 0, "A / A.sum(1, keepdim)", 4);
    }

    [Fact]
    public void Mean_over_all_and_an_axis()
    {
        Assert.Equal(9.5f, A.Mean().Item());
        AssertValues(A.Mean(0), [4], 8, 9, 10, 11);
        AssertValues(A.Mean([0, 1], keepDim: true), [1, 1], 9.5f);
    }
}

[Trait("Kernels", "Cpu")]
public class LinearAlgebraTests
{
    [Fact]
    public void Dot_of_arange_4_with_ones_is_6()
    {
        Tensor x = Tensor.Arange(4), ones = Tensor.Ones(4);
        Assert.Equal(6f, x.Dot(ones).Item());
        Assert.Equal(6f, (x * ones).Sum().Item());
        Assert.Equal(6f, x.MatMul(ones).Item());
    }

    [Fact]
    public void Mv_and_Mm_shapes_and_values()
    {
        Tensor x = Tensor.Arange(4);
        AssertValues(A.Mv(x), [5], 14, 38, 62, 86, 110);
        Tensor b = Tensor.Ones(4, 3);
        AssertValues(A.Mm(b), [5, 3], 6, 6, 6, 22, 22, 22, 38, 38, 38, 54, 54, 54, 70, 70, 70);
        Assert.Equal([5], A.MatMul(x).Shape);
        Assert.Equal([3], x.MatMul(b).Shape);
    }

    [Fact]
    public void Batched_matmul_multiplies_matrix_by_matrix()
    {
        Tensor a = Tensor.Arange(12).Reshape(2, 2, 3), b = Tensor.Ones(2, 3, 1);
        AssertValues(a.MatMul(b), [2, 2, 1], 3, 12, 21, 30);
        AssertValues(a.MatMul(Tensor.Ones(3, 2)), [2, 2, 2], 3, 3, 12, 12, 21, 21, 30, 30);
    }

    [Fact]
    public void Norms_match_d2l()
    {
        Tensor u = Tensor.FromArray([3f, -4]);
        Assert.Equal(5f, u.Norm().Item());
        Assert.Equal(7f, u.Abs().Sum().Item());
        Assert.Equal(6f, Tensor.Ones(4, 9).Norm().Item());
    }

    [Fact]
    public void Softmax_rows_sum_to_one_and_log_softmax_is_its_log()
    {
        Tensor logits = Tensor.FromArray(new float[][] { [1, 2, 3], [0, 0, 0] });
        Tensor p = logits.Softmax(1);
        Numerics.AssertClose([1.0, 1.0], p.Sum(1).ToArray(), 1e-6, 0, "Softmax row sums", 2);
        Numerics.AssertClose([1 / 3.0, 1 / 3.0, 1 / 3.0], p[1].ToArray(), 1e-6, 0, "Softmax of zeros", 3);
        Numerics.AssertClose(p.ToArray().Select(v => Math.Log(v)).ToArray(), logits.LogSoftmax(1).ToArray(), 1e-5, 1e-6, "LogSoftmax", 2, 3);
    }

    [Fact]
    public void LinearForward_applies_over_the_last_axis()
    {
        // W = [[1, 0, 1], [0, 2, 0]], b = [10, 20]; x [2, 2, 3].
        Tensor w = Tensor.FromArray(new float[][] { [1, 0, 1], [0, 2, 0] }), bias = Tensor.FromArray([10f, 20]);
        Tensor x = Tensor.Arange(12).Reshape(2, 2, 3);
        AssertValues(Tensor.LinearForward(x, w, bias), [2, 2, 2], 12, 22, 18, 28, 24, 34, 30, 40);
        AssertValues(Tensor.LinearForward(x[0, 0], w, null), [2], 2, 2);
    }

    [Fact]
    public void Matmul_shape_errors_name_both_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => A.Mm(Tensor.Ones(3, 2)));
        Assert.Contains("got [5, 4] and [3, 2]: 4 columns vs 3 rows", e.Message);
        var batched = Assert.Throws<ArgumentException>(() => Tensor.Ones(2, 2, 3).MatMul(Tensor.Ones(4, 3, 1)));
        Assert.Contains("needs equal batch axes ([2] vs [4])", batched.Message);
    }
}

[Trait("Kernels", "Cpu")]
public class LossTests
{
    [Fact]
    public void Mse_of_the_lecture_data()
    {
        // y = x·w with w = 1 on x = [1, 2, 3], y = [2, 4, 6]: mean of 1, 4, 9.
        Tensor prediction = Tensor.FromArray([1f, 2, 3]), target = Tensor.FromArray([2f, 4, 6]);
        Numerics.AssertClose([14 / 3.0], Losses.Mse(prediction, target).ToArray(), 1e-6, 0, "Mse mean", 1);
        Assert.Equal(14f, Losses.Mse(prediction, target, Reduction.Sum).Item());
        Assert.Equal(0, Losses.Mse(prediction, target).Rank);
    }

    [Fact]
    public void CrossEntropy_of_uniform_logits_is_log_of_the_class_count()
    {
        Tensor logits = Tensor.Zeros(2, 3), labels = Tensor.FromArray([0f, 2]);
        Numerics.AssertClose([Math.Log(3)], Losses.CrossEntropy(logits, labels).ToArray(), 1e-6, 0, "CrossEntropy", 1);
        Numerics.AssertClose([Math.Log(3)], Losses.Nll(logits.LogSoftmax(1), labels).ToArray(), 1e-6, 0, "Nll", 1);
    }

    [Fact]
    public void Binary_cross_entropy_of_a_half()
    {
        Tensor half = Tensor.Full([2, 1], 0.5f), target = Tensor.FromArray([0f, 1], 2, 1);
        Numerics.AssertClose([Math.Log(2)], Losses.Bce(half, target).ToArray(), 1e-6, 0, "Bce", 1);
        Numerics.AssertClose([Math.Log(2)], Losses.BceWithLogits(Tensor.Zeros(2, 1), target).ToArray(), 1e-6, 0, "BceWithLogits", 1);
    }
}

// Argument checks run before any kernel: these pass without the CPU kernels.
public class LossArgumentTests
{
    [Fact]
    public void CrossEntropy_with_a_wrong_target_shape_names_both_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Losses.CrossEntropy(Tensor.Zeros(4, 10), Tensor.Zeros(4, 10)));
        Assert.Contains("input [4, 10], target [4, 10]", e.Message);
        var rows = Assert.Throws<ArgumentException>(() => Losses.Nll(Tensor.Zeros(4, 10), Tensor.Zeros(3)));
        Assert.Contains("input [4, 10], target [3]", rows.Message);
    }

    [Fact]
    public void CrossEntropy_rejects_a_label_outside_the_classes()
    {
        var e = Assert.Throws<ArgumentException>(() => Losses.CrossEntropy(Tensor.Zeros(2, 3), Tensor.FromArray([0f, 3])));
        Assert.Contains("target[1] = 3 is not a class index in 0..2", e.Message);
    }

    [Fact]
    public void Mse_with_a_different_target_shape_names_both_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Losses.Mse(Tensor.Zeros(3, 1), Tensor.Zeros(3)));
        Assert.Contains("input [3, 1], target [3]", e.Message);
    }
}
