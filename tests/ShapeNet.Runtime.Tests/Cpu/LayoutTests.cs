using ShapeNet.Backends.Cpu;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Cpu;

public class LayoutTests
{
    /// <summary>y's axis i is x's axis perm[i], written out index by index.</summary>
    private static double[] PermuteReference(double[] x, int[] shape, int[] perm)
    {
        int rank = shape.Length;
        int[] yShape = perm.Select(p => shape[p]).ToArray();
        var y = new double[x.Length];
        var yIndex = new int[rank];
        for (int flat = 0; flat < y.Length; flat++)
        {
            int rest = flat;
            for (int d = rank - 1; d >= 0; d--) { yIndex[d] = rest % yShape[d]; rest /= yShape[d]; }
            var xIndex = new int[rank];
            for (int i = 0; i < rank; i++) xIndex[perm[i]] = yIndex[i];
            int offset = 0;
            for (int d = 0; d < rank; d++) offset = offset * shape[d] + xIndex[d];
            y[flat] = x[offset];
        }
        return y;
    }

    public static TheoryData<int[], int[]> PermuteCases() => new()
    {
        { [2, 3, 4], [2, 0, 1] }, { [2, 3, 4], [1, 0, 2] }, { [2, 3, 4], [0, 2, 1] }, { [2, 3, 4], [0, 1, 2] },
        { [37, 45], [1, 0] }, { [2, 3, 4, 5], [3, 1, 0, 2] },
    };

    [Theory]
    [MemberData(nameof(PermuteCases))]
    public void Permute_forward_and_its_inverse_backward(int[] shape, int[] perm)
    {
        float[] x = TestData.Uniform(1, TestData.Count(shape));
        var y = new float[x.Length];
        CpuLayout.Permute(y, x, shape, perm, accumulate: false);
        Numerics.AssertClose(PermuteReference(TestData.ToDouble(x), shape, perm), y, 0, 0, $"permute by [{string.Join(", ", perm)}]", shape);

        // Backward: the inverse permutation of dy, accumulated into dx.
        float[] dy = TestData.Uniform(2, x.Length);
        int[] yShape = perm.Select(p => shape[p]).ToArray();
        var inverse = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++) inverse[perm[i]] = i;
        float[] dx = TestData.Uniform(3, x.Length);
        double[] dx0 = TestData.ToDouble(dx);
        CpuLayout.Permute(dx, dy, yShape, inverse, accumulate: true);
        double[] expected = Numerics.FiniteDifference(v => PermuteReference(v, shape, perm), TestData.ToDouble(x), TestData.ToDouble(dy));
        Numerics.AssertClose(expected.Select((g, i) => g + dx0[i]).ToArray(), dx, 1e-6, 1e-6, "permute backward", shape);
    }

    [Fact]
    public void CopyRows_copies_strided_rows_and_its_reverse_is_the_backward()
    {
        // y (4 rows × 3) = columns [2, 5) of x (4 rows × 7): a slice along the last axis.
        const int rows = 4, xWidth = 7, start = 2, width = 3;
        float[] x = TestData.Uniform(4, rows * xWidth);
        double[] SliceReference(double[] v)
        {
            var y = new double[rows * width];
            for (int r = 0; r < rows; r++) for (int i = 0; i < width; i++) y[r * width + i] = v[r * xWidth + start + i];
            return y;
        }
        var sliced = new float[rows * width];
        CpuLayout.CopyRows(sliced, width, x.AsSpan(start), xWidth, width, rows, accumulate: false);
        Numerics.AssertClose(SliceReference(TestData.ToDouble(x)), sliced, 0, 0, "CopyRows slice", rows, width);

        float[] dy = TestData.Uniform(5, rows * width);
        float[] dx = TestData.Uniform(6, rows * xWidth);
        double[] dx0 = TestData.ToDouble(dx);
        CpuLayout.CopyRows(dx.AsSpan(start), xWidth, dy, width, width, rows, accumulate: true);
        double[] expected = Numerics.FiniteDifference(SliceReference, TestData.ToDouble(x), TestData.ToDouble(dy));
        Numerics.AssertClose(expected.Select((g, i) => g + dx0[i]).ToArray(), dx, 1e-6, 1e-6, "CopyRows backward", rows, xWidth);
    }

    [Fact]
    public void CopyRows_rejects_an_overrun()
    {
        Assert.Throws<ArgumentException>(() => CpuLayout.CopyRows(new float[5], 3, new float[9], 3, 3, 3, accumulate: false));
    }
}
