using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Cpu;

public class ReductionTests
{
    private static readonly int[] Shape = [3, 4, 5];

    /// <summary>Sum or mean over the flagged axes in double, y laid out as x with those axes of size 1.</summary>
    private static double[] Reference(ReduceOp op, double[] x, int[] shape, bool[] axes)
    {
        int[] yShape = shape.Select((d, i) => axes[i] ? 1 : d).ToArray();
        var y = new double[TestData.Count(yShape)];
        int reduced = shape.Where((d, i) => axes[i]).Aggregate(1, (p, d) => p * d);
        var index = new int[shape.Length];
        for (int flat = 0; flat < x.Length; flat++)
        {
            int rest = flat;
            for (int d = shape.Length - 1; d >= 0; d--) { index[d] = rest % shape[d]; rest /= shape[d]; }
            int offset = 0;
            for (int d = 0; d < shape.Length; d++) offset = offset * yShape[d] + (axes[d] ? 0 : index[d]);
            y[offset] += x[flat];
        }
        if (op == ReduceOp.Mean) for (int i = 0; i < y.Length; i++) y[i] /= reduced;
        return y;
    }

    public static TheoryData<ReduceOp, bool[]> Cases()
    {
        var data = new TheoryData<ReduceOp, bool[]>();
        bool[][] axisSets =
        [
            [true, false, false], [false, true, false], [false, false, true], [true, false, true],
            [true, true, false], [false, true, true], [true, true, true], [false, false, false],
        ];
        foreach (ReduceOp op in Enum.GetValues<ReduceOp>())
            foreach (bool[] axes in axisSets) data.Add(op, axes);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_matches_double(ReduceOp op, bool[] axes)
    {
        float[] x = TestData.Uniform(1, TestData.Count(Shape));
        double[] expected = Reference(op, TestData.ToDouble(x), Shape, axes);
        float[] y = Enumerable.Repeat(float.NaN, expected.Length).ToArray();
        CpuReduction.Reduce_Forward(op, y, x, Shape, axes);
        Numerics.AssertClose(expected, y, 1e-5, 1e-6, $"{op} over [{string.Join(", ", axes)}]", Shape);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Backward_matches_finite_differences(ReduceOp op, bool[] axes)
    {
        float[] x = TestData.Uniform(2, TestData.Count(Shape));
        double[] upstream = TestData.ToDouble(TestData.Uniform(3, Reference(op, TestData.ToDouble(x), Shape, axes).Length));
        double[] expected = Numerics.FiniteDifference(v => Reference(op, v, Shape, axes), TestData.ToDouble(x), upstream);
        float[] dy = upstream.Select(v => (float)v).ToArray();

        var dx = new float[x.Length];
        CpuReduction.Reduce_Backward(op, dx, dy, Shape, axes, accumulate: false);
        Numerics.AssertClose(expected, dx, 1e-4, 1e-5, $"{op} backward over [{string.Join(", ", axes)}]", Shape);
        CpuReduction.Reduce_Backward(op, dx, dy, Shape, axes, accumulate: true);
        Numerics.AssertClose(expected.Select(g => 2 * g).ToArray(), dx, 1e-4, 1e-5, $"{op} backward accumulated", Shape);
    }
}
