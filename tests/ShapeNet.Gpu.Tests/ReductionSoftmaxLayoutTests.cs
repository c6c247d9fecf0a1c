using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;

namespace ShapeNet.Gpu.Tests;

/// <summary>Gpu/Reduction.cs, Gpu/Softmax.cs and Gpu/Layout.cs against their CPU counterparts. Sums: 1e-5 relative + 1e-6
/// absolute (summation order differs); copies and permutes: bit-exact.</summary>
[Collection(GpuCollection.Name)]
public sealed class ReductionSoftmaxLayoutTests(GpuFixture gpu)
{
    public static TheoryData<ReduceOp, int[], bool[]> ReduceCases()
    {
        var data = new TheoryData<ReduceOp, int[], bool[]>();
        foreach (ReduceOp op in Enum.GetValues<ReduceOp>())
        {
            data.Add(op, [4, 5], [true, false]);
            data.Add(op, [4, 5], [false, true]);
            data.Add(op, [2, 3, 4], [true, false, true]);
            data.Add(op, [2, 3, 4], [true, true, true]);
            data.Add(op, [3, 1, 4], [false, true, false]);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ReduceCases))]
    public void Reduce_forward_and_backward_match_the_cpu(ReduceOp op, int[] xShape, bool[] axes)
    {
        int xCount = xShape.Aggregate(1, (p, d) => p * d), yCount = 1;
        for (int d = 0; d < xShape.Length; d++) if (!axes[d]) yCount *= xShape[d];
        float[] x = Parity.Random(xCount, 31), dy = Parity.Random(yCount, 32), old = Parity.Random(xCount, 33);
        var y = new float[yCount];
        CpuReduction.Reduce_Forward(op, y, x, xShape, axes);
        using var xDevice = gpu.Upload(x);
        using var yDevice = gpu.Upload(new float[yCount]);
        gpu.Kernels.Reduction.Reduce_Forward(op, yDevice.View, xDevice.View, xShape, axes);
        string what = $"Reduce {op} of {Parity.Shape(xShape)} over [{string.Join(", ", axes)}]";
        Parity.Close(y, gpu.Download(yDevice, yCount), what + " forward");
        foreach (bool accumulate in new[] { false, true })
        {
            float[] dx = (float[])old.Clone();
            CpuReduction.Reduce_Backward(op, dx, dy, xShape, axes, accumulate);
            using var dxDevice = gpu.Upload(old);
            using var dyDevice = gpu.Upload(dy);
            gpu.Kernels.Reduction.Reduce_Backward(op, dxDevice.View, dyDevice.View, xShape, axes, accumulate);
            Parity.Close(dx, gpu.Download(dxDevice, xCount), what + $" backward accumulate={accumulate}");
        }
    }

    [Theory]
    [InlineData(5, 7, 1, false)]
    [InlineData(5, 7, 1, true)]
    [InlineData(2, 4, 3, false)]
    [InlineData(2, 4, 3, true)]
    public void Softmax_forward_and_backward_match_the_cpu(int outer, int dim, int inner, bool log)
    {
        int count = outer * dim * inner;
        float[] x = Parity.Random(count, 41, -5f, 5f), dy = Parity.Random(count, 42), old = Parity.Random(count, 43);
        var y = new float[count];
        CpuSoftmax.Softmax_Forward(y, x, outer, dim, inner, log);
        using var xDevice = gpu.Upload(x);
        using var yDevice = gpu.Upload(new float[count]);
        gpu.Kernels.Softmax.Softmax_Forward(yDevice.View, xDevice.View, outer, dim, inner, log);
        string what = $"{(log ? "LogSoftmax" : "Softmax")} [{outer}, {dim}, {inner}]";
        Parity.Close(y, gpu.Download(yDevice, count), what + " forward");
        foreach (bool accumulate in new[] { false, true })
        {
            float[] dx = (float[])old.Clone();
            CpuSoftmax.Softmax_Backward(dx, dy, y, outer, dim, inner, log, accumulate);
            using var dxDevice = gpu.Upload(old);
            using var dyDevice = gpu.Upload(dy);
            using var yCpu = gpu.Upload(y);
            gpu.Kernels.Softmax.Softmax_Backward(dxDevice.View, dyDevice.View, yCpu.View, outer, dim, inner, log, accumulate);
            Parity.Close(dx, gpu.Download(dxDevice, count), what + $" backward accumulate={accumulate}");
        }
    }

    [Theory]
    [InlineData(new[] { 3, 4 }, new[] { 1, 0 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 2, 0, 1 })]
    [InlineData(new[] { 2, 3, 4, 5 }, new[] { 0, 2, 1, 3 })]
    [InlineData(new[] { 2, 1, 3 }, new[] { 1, 2, 0 })]
    public void Permute_matches_the_cpu(int[] shape, int[] permutation)
    {
        int count = shape.Aggregate(1, (p, d) => p * d);
        float[] x = Parity.Random(count, 51), old = Parity.Random(count, 52);
        foreach (bool accumulate in new[] { false, true })
        {
            float[] y = (float[])old.Clone();
            CpuLayout.Permute(y, x, shape, permutation, accumulate);
            using var xDevice = gpu.Upload(x);
            using var yDevice = gpu.Upload(old);
            gpu.Kernels.Layout.Permute(yDevice.View, xDevice.View, shape, permutation, accumulate);
            Parity.Exact(y, gpu.Download(yDevice, count), $"Permute {Parity.Shape(shape)} by {Parity.Shape(permutation)} accumulate={accumulate}");
        }
    }

    [Fact]
    public void CopyRows_matches_the_cpu_for_concatenation_and_its_backward()
    {
        // Concatenate [3, 4] and [3, 2] along axis 1 into [3, 6] (offset 4 for the second), then read the slice back with +=.
        float[] destination = Parity.Random(20, 61), source = Parity.Random(12, 62);
        foreach (bool accumulate in new[] { false, true })
        {
            float[] expected = (float[])destination.Clone();
            CpuLayout.CopyRows(expected.AsSpan(4), 6, source.AsSpan(1), 4, 2, 3, accumulate);
            using var destinationDevice = gpu.Upload(destination);
            using var sourceDevice = gpu.Upload(source);
            gpu.Kernels.Layout.CopyRows(destinationDevice.View.SubView(4, 16), 6, sourceDevice.View.SubView(1, 11), 4, 2, 3, accumulate);
            Parity.Exact(expected, gpu.Download(destinationDevice, 20), $"CopyRows 3×2 strides 6/4 accumulate={accumulate}");
        }
    }

    [Fact]
    public void CopyRows_rejects_an_overrun_naming_the_sizes()
    {
        using var buffer = gpu.Upload(new float[10]);
        var error = Assert.Throws<ArgumentException>(() => gpu.Kernels.Layout.CopyRows(buffer.View, 4, buffer.View, 4, 4, 3, false));
        Assert.Contains("CopyRows of 3×4 (strides 4 and 4) overruns", error.Message);
    }
}
