using System.Numerics;
using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Cpu;

public class ElementwiseTests
{
    private const int N = 37; // not a multiple of any vector width: exercises the scalar tails

    private static double Apply(UnaryOp op, double p, double p2, double x) => ActivationReference.Handles(op) ? ActivationReference.Forward(op, p, p2, x) : op switch
    {
        UnaryOp.Identity => x,
        UnaryOp.Relu => Math.Max(x, 0),
        UnaryOp.Sigmoid => 1 / (1 + Math.Exp(-x)),
        UnaryOp.Tanh => Math.Tanh(x),
        UnaryOp.Exp => Math.Exp(x),
        UnaryOp.Log => Math.Log(x),
        UnaryOp.Abs => Math.Abs(x),
        UnaryOp.Neg => -x,
        UnaryOp.Pow => Math.Pow(x, p),
        UnaryOp.AddScalar => x + p,
        UnaryOp.MulScalar => x * p,
        UnaryOp.RSubScalar => p - x,
        UnaryOp.RDivScalar => p / x,
        UnaryOp.Sqrt => Math.Sqrt(x),
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    /// <summary>Inputs inside each op's smooth domain: positive for Log/Sqrt/Pow, away from 0 for kinks and poles, away from
    /// Hardtanh's bounds (−0.5, 1.5) and from Softplus's switch to linear (β·x = 3 at x = 1.5 for β = 2, threshold 3).</summary>
    private static float[] InputFor(UnaryOp op, int seed) => op switch
    {
        UnaryOp.Log or UnaryOp.Sqrt or UnaryOp.Pow => TestData.Uniform(seed, N, 0.2f, 3f),
        UnaryOp.Relu or UnaryOp.Abs or UnaryOp.RDivScalar or UnaryOp.LeakyRelu or UnaryOp.Elu => TestData.AwayFromZero(seed, N, 0.2f, 2f),
        UnaryOp.Hardtanh => TestData.Uniform(seed, N, -2f, 3f).Select(v => MathF.Abs(v + 0.5f) < 0.1f || MathF.Abs(v - 1.5f) < 0.1f ? v + 0.25f : v).ToArray(),
        UnaryOp.Softplus => TestData.Uniform(seed, N, -4f, 4f).Select(v => MathF.Abs(v - 1.5f) < 0.1f ? v + 0.25f : v).ToArray(),
        UnaryOp.Gelu or UnaryOp.GeluTanh or UnaryOp.Silu => TestData.Uniform(seed, N, -5f, 5f),
        _ => TestData.Uniform(seed, N, -2f, 2f),
    };

    public static TheoryData<UnaryOp, float, float> UnaryCases() => new()
    {
        { UnaryOp.Identity, 0f, 0f }, { UnaryOp.Relu, 0f, 0f }, { UnaryOp.Sigmoid, 0f, 0f }, { UnaryOp.Tanh, 0f, 0f }, { UnaryOp.Exp, 0f, 0f },
        { UnaryOp.Log, 0f, 0f }, { UnaryOp.Abs, 0f, 0f }, { UnaryOp.Neg, 0f, 0f }, { UnaryOp.Pow, 2.5f, 0f }, { UnaryOp.Pow, -1.5f, 0f },
        { UnaryOp.Pow, 0f, 0f }, { UnaryOp.AddScalar, 1.25f, 0f }, { UnaryOp.MulScalar, -3f, 0f }, { UnaryOp.RSubScalar, 2f, 0f },
        { UnaryOp.RDivScalar, 1.5f, 0f }, { UnaryOp.Sqrt, 0f, 0f },
        { UnaryOp.LeakyRelu, 0.01f, 0f }, { UnaryOp.LeakyRelu, 0.2f, 0f }, { UnaryOp.Elu, 1f, 0f }, { UnaryOp.Elu, 1.5f, 0f },
        { UnaryOp.Gelu, 0f, 0f }, { UnaryOp.GeluTanh, 0f, 0f }, { UnaryOp.Silu, 0f, 0f },
        { UnaryOp.Softplus, 1f, 20f }, { UnaryOp.Softplus, 2f, 3f }, { UnaryOp.Hardtanh, -0.5f, 1.5f },
    };

    [Theory]
    [MemberData(nameof(UnaryCases))]
    public void Unary_forward_matches_double_and_works_in_place(UnaryOp op, float parameter, float parameter2)
    {
        float[] x = InputFor(op, 1);
        double[] expected = x.Select(v => Apply(op, parameter, parameter2, v)).ToArray();
        var y = new float[N];
        CpuElementwise.Unary_Forward(op, parameter, y, x, parameter2);
        Numerics.AssertClose(expected, y, 1e-5, 1e-6, $"unary {op}({parameter}, {parameter2}) forward", N);
        CpuElementwise.Unary_Forward(op, parameter, x, x, parameter2);
        Numerics.AssertClose(expected, x, 1e-5, 1e-6, $"unary {op}({parameter}, {parameter2}) in place", N);
    }

    /// <summary>The float32 kernel against float64 central differences of the double reference (step 1e-6). Tolerance
    /// 1e-4 relative + 1e-5 absolute.</summary>
    [Theory]
    [MemberData(nameof(UnaryCases))]
    public void Unary_backward_matches_finite_differences(UnaryOp op, float parameter, float parameter2)
    {
        float[] x = InputFor(op, 2), dy = TestData.Uniform(3, N);
        var y = new float[N];
        CpuElementwise.Unary_Forward(op, parameter, y, x, parameter2);
        double[] expected = Numerics.FiniteDifference(v => v.Select(e => Apply(op, parameter, parameter2, e)).ToArray(),
            TestData.ToDouble(x), TestData.ToDouble(dy));

        var dx = new float[N];
        CpuElementwise.Unary_Backward(op, parameter, dx, dy, x, y, accumulate: false, parameter2);
        Numerics.AssertClose(expected, dx, 1e-4, 1e-5, $"unary {op}({parameter}, {parameter2}) backward", N);

        CpuElementwise.Unary_Backward(op, parameter, dx, dy, x, y, accumulate: true, parameter2);
        Numerics.AssertClose(expected.Select(g => 2 * g).ToArray(), dx, 1e-4, 1e-5, $"unary {op}({parameter}, {parameter2}) backward accumulated", N);
    }

    public static TheoryData<UnaryOp, float, float> ActivationCases() => new()
    {
        { UnaryOp.LeakyRelu, 0.2f, 0f }, { UnaryOp.Elu, 1.5f, 0f }, { UnaryOp.Gelu, 0f, 0f }, { UnaryOp.GeluTanh, 0f, 0f },
        { UnaryOp.Silu, 0f, 0f }, { UnaryOp.Softplus, 2f, 3f }, { UnaryOp.Hardtanh, -0.5f, 1.5f },
    };

    /// <summary>The activations over the whole float range, where a careless formula overflows (e^x for x = 100), cancels
    /// (e^x − 1 near 0, erf's tails) or switches branch (Softplus's threshold, Hardtanh's bounds, the kinks at 0, taken as
    /// PyTorch takes them): every value and derivative finite and within 1e-5 relative + 1e-6 absolute of the double
    /// reference. The SIMD body and the tail see the same values (two lengths).</summary>
    [Theory]
    [MemberData(nameof(ActivationCases))]
    public void Activations_match_the_reference_at_extremes_and_kinks(UnaryOp op, float parameter, float parameter2)
    {
        float[] points = [-1e6f, -100f, -30f, -12f, -6f, -4.1f, -3f, -1.5f, -0.5f, -1e-3f, -1e-6f, -1e-20f, 0f, 1e-20f, 1e-6f,
            1e-3f, 0.3f, 1.5f, 2f, 3f, 4.1f, 6f, 12f, 30f, 100f, 1e6f];
        foreach (int length in new[] { points.Length, 2 * Vector<float>.Count })
        {
            float[] x = points.Take(length).ToArray();
            var y = new float[x.Length];
            var dx = new float[x.Length];
            float[] dy = Enumerable.Repeat(1f, x.Length).ToArray();
            CpuElementwise.Unary_Forward(op, parameter, y, x, parameter2);
            CpuElementwise.Unary_Backward(op, parameter, dx, dy, x, y, accumulate: false, parameter2);
            Assert.All(y, v => Assert.True(float.IsFinite(v), $"{op} forward gave {v}"));
            Assert.All(dx, v => Assert.True(float.IsFinite(v), $"{op} backward gave {v}"));
            Numerics.AssertClose(x.Select(v => ActivationReference.Forward(op, parameter, parameter2, v)).ToArray(), y, 1e-5, 1e-6,
                $"{op}({parameter}, {parameter2}) forward at extremes", x.Length);
            Numerics.AssertClose(x.Select(v => ActivationReference.Derivative(op, parameter, parameter2, v)).ToArray(), dx, 1e-5, 1e-6,
                $"{op}({parameter}, {parameter2}) derivative at extremes", x.Length);
        }
    }

    [Fact]
    public void Abs_backward_at_zero_is_zero()
    {
        var dx = new float[] { 7f };
        CpuElementwise.Unary_Backward(UnaryOp.Abs, 0f, dx, [5f], [0f], [0f], accumulate: false);
        Assert.Equal(0f, dx[0]);
    }

    private static double Combine(BinaryOp op, double a, double b) => op switch
    {
        BinaryOp.Add => a + b,
        BinaryOp.Sub => a - b,
        BinaryOp.Mul => a * b,
        BinaryOp.Div => a / b,
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    /// <summary>NumPy broadcasting written out index by index.</summary>
    private static double[] BinaryReference(BinaryOp op, double[] a, int[] aShape, double[] b, int[] bShape, int[] zShape)
    {
        int rank = zShape.Length;
        var z = new double[TestData.Count(zShape)];
        var index = new int[rank];
        for (int flat = 0; flat < z.Length; flat++)
        {
            int rest = flat;
            for (int d = rank - 1; d >= 0; d--) { index[d] = rest % zShape[d]; rest /= zShape[d]; }
            z[flat] = Combine(op, a[Offset(index, aShape)], b[Offset(index, bShape)]);
        }
        return z;
    }

    private static int Offset(int[] index, int[] shape)
    {
        int offset = 0;
        for (int d = 0; d < shape.Length; d++) offset = offset * shape[d] + (shape[d] == 1 ? 0 : index[d]);
        return offset;
    }

    public static TheoryData<BinaryOp, int[], int[], int[]> BinaryCases()
    {
        var data = new TheoryData<BinaryOp, int[], int[], int[]>();
        (int[] a, int[] b, int[] z)[] shapes =
        [
            ([3, 11], [3, 11], [3, 11]),        // same shape
            ([3, 11], [1, 11], [3, 11]),        // b a row vector (bias add)
            ([1, 11], [3, 11], [3, 11]),        // a a row vector
            ([3, 11], [3, 1], [3, 11]),         // b a column
            ([3, 11], [1, 1], [3, 11]),         // b a scalar
            ([1, 1], [3, 11], [3, 11]),         // a a scalar
            ([3, 1, 5], [1, 4, 1], [3, 4, 5]),  // both broadcast
            ([2, 3, 1, 9], [2, 1, 4, 9], [2, 3, 4, 9]),
        ];
        foreach (BinaryOp op in Enum.GetValues<BinaryOp>())
            foreach (var (a, b, z) in shapes) data.Add(op, a, b, z);
        return data;
    }

    [Theory]
    [MemberData(nameof(BinaryCases))]
    public void Binary_forward_broadcasts_like_numpy(BinaryOp op, int[] aShape, int[] bShape, int[] zShape)
    {
        float[] a = TestData.Uniform(4, TestData.Count(aShape), -2f, 2f);
        float[] b = TestData.AwayFromZero(5, TestData.Count(bShape), 0.3f, 2f);
        var z = new float[TestData.Count(zShape)];
        CpuElementwise.Binary_Forward(op, z, a, aShape, b, bShape, zShape);
        double[] expected = BinaryReference(op, TestData.ToDouble(a), aShape, TestData.ToDouble(b), bShape, zShape);
        Numerics.AssertClose(expected, z, 1e-6, 1e-6, $"binary {op} {Tensor.ShapeText(aShape)}∘{Tensor.ShapeText(bShape)}", zShape);
    }

    [Theory]
    [MemberData(nameof(BinaryCases))]
    public void Binary_backward_reduces_over_broadcast_axes_like_finite_differences(BinaryOp op, int[] aShape, int[] bShape, int[] zShape)
    {
        float[] a = TestData.Uniform(6, TestData.Count(aShape), -2f, 2f);
        float[] b = TestData.AwayFromZero(7, TestData.Count(bShape), 0.3f, 2f);
        float[] dz = TestData.Uniform(8, TestData.Count(zShape));
        double[] ad = TestData.ToDouble(a), bd = TestData.ToDouble(b), dzd = TestData.ToDouble(dz);

        double[] expectedA = Numerics.FiniteDifference(v => BinaryReference(op, v, aShape, bd, bShape, zShape), ad, dzd);
        double[] expectedB = Numerics.FiniteDifference(v => BinaryReference(op, ad, aShape, v, bShape, zShape), bd, dzd);

        float[] da = TestData.Uniform(9, a.Length), db = TestData.Uniform(10, b.Length);
        double[] da0 = TestData.ToDouble(da);
        CpuElementwise.Binary_Backward(op, 0, da, dz, a, aShape, b, bShape, zShape, accumulate: true);
        CpuElementwise.Binary_Backward(op, 1, db, dz, a, aShape, b, bShape, zShape, accumulate: false);
        string what = $"binary {op} {Tensor.ShapeText(aShape)}∘{Tensor.ShapeText(bShape)}";
        Numerics.AssertClose(expectedA.Select((g, i) => g + da0[i]).ToArray(), da, 1e-4, 1e-4, what + " d/da (accumulated)", aShape);
        Numerics.AssertClose(expectedB, db, 1e-4, 1e-4, what + " d/db", bShape);
    }

    [Fact]
    public void Binary_rejects_shapes_that_do_not_broadcast()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            CpuElementwise.Binary_Forward(BinaryOp.Add, new float[6], new float[6], [2, 3], new float[2], [1, 2], [2, 3]));
        Assert.Contains("Cannot broadcast a [2, 3] and b [1, 2] to z [2, 3]", e.Message);
    }
}
