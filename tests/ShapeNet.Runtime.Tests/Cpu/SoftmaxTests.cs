using ShapeNet.Backends.Cpu;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Cpu;

public class SoftmaxTests
{
    /// <summary>Softmax or log-softmax of [outer, dim, inner] along dim, in double.</summary>
    private static double[] Reference(double[] x, int outer, int dim, int inner, bool log)
    {
        var y = new double[x.Length];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                double max = double.NegativeInfinity, sum = 0;
                for (int d = 0; d < dim; d++) max = Math.Max(max, x[(o * dim + d) * inner + i]);
                for (int d = 0; d < dim; d++) sum += Math.Exp(x[(o * dim + d) * inner + i] - max);
                for (int d = 0; d < dim; d++)
                {
                    double shifted = x[(o * dim + d) * inner + i] - max;
                    y[(o * dim + d) * inner + i] = log ? shifted - Math.Log(sum) : Math.Exp(shifted) / sum;
                }
            }
        return y;
    }

    public static TheoryData<int, int, int, bool> Cases() => new()
    {
        { 2, 5, 3, false }, { 2, 5, 3, true },   // middle axis
        { 4, 13, 1, false }, { 4, 13, 1, true }, // last axis (contiguous rows)
        { 1, 3, 17, false }, { 1, 3, 17, true }, // first axis
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_matches_double_even_for_large_logits(int outer, int dim, int inner, bool log)
    {
        // An offset of 80 overflows exp in float without the max subtraction.
        float[] x = TestData.Uniform(1, outer * dim * inner, 78f, 82f);
        var y = new float[x.Length];
        CpuSoftmax.Softmax_Forward(y, x, outer, dim, inner, log);
        Numerics.AssertClose(Reference(TestData.ToDouble(x), outer, dim, inner, log), y, 1e-5, 1e-6,
            log ? "log-softmax" : "softmax", outer, dim, inner);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Backward_matches_finite_differences(int outer, int dim, int inner, bool log)
    {
        float[] x = TestData.Uniform(2, outer * dim * inner, -2f, 2f), dy = TestData.Uniform(3, x.Length);
        var y = new float[x.Length];
        CpuSoftmax.Softmax_Forward(y, x, outer, dim, inner, log);
        double[] expected = Numerics.FiniteDifference(v => Reference(v, outer, dim, inner, log), TestData.ToDouble(x), TestData.ToDouble(dy));

        var dx = new float[x.Length];
        CpuSoftmax.Softmax_Backward(dx, dy, y, outer, dim, inner, log, accumulate: false);
        Numerics.AssertClose(expected, dx, 1e-4, 1e-5, log ? "log-softmax backward" : "softmax backward", outer, dim, inner);
        CpuSoftmax.Softmax_Backward(dx, dy, y, outer, dim, inner, log, accumulate: true);
        Numerics.AssertClose(expected.Select(g => 2 * g).ToArray(), dx, 1e-4, 1e-5, "softmax backward accumulated", outer, dim, inner);
    }
}
