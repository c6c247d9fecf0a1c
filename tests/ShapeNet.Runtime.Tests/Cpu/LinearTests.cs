using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Cpu;

public class LinearTests
{
    private const int Rows = 5, In = 7, Out = 4;

    private static double Activate(UnaryOp activation, double v) => activation switch
    {
        UnaryOp.Relu => Math.Max(v, 0),
        UnaryOp.Sigmoid => 1 / (1 + Math.Exp(-v)),
        UnaryOp.Tanh => Math.Tanh(v),
        _ => v,
    };

    /// <summary>act(x·Wᵀ + b) in double.</summary>
    private static double[] Reference(double[] x, double[] w, double[]? bias, UnaryOp activation, int rows, int inF, int outF)
    {
        var y = new double[rows * outF];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < outF; o++)
            {
                double sum = bias?[o] ?? 0;
                for (int i = 0; i < inF; i++) sum += x[r * inF + i] * w[o * inF + i];
                y[r * outF + o] = Activate(activation, sum);
            }
        return y;
    }

    public static TheoryData<UnaryOp, bool> Cases() => new()
    {
        { UnaryOp.Identity, true }, { UnaryOp.Identity, false }, { UnaryOp.Relu, true }, { UnaryOp.Relu, false },
        { UnaryOp.Sigmoid, true }, { UnaryOp.Sigmoid, false }, { UnaryOp.Tanh, true }, { UnaryOp.Tanh, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_fuses_bias_and_activation(UnaryOp activation, bool withBias)
    {
        // The larger shapes run on both cores, split by output columns (bias sliced per part) and by rows.
        foreach ((int rows, int inF, int outF) in new[] { (Rows, In, Out), (130, 90, 300), (300, 90, 130) })
        {
            float[] x = TestData.Uniform(1, rows * inF), w = TestData.Uniform(2, outF * inF), b = TestData.Uniform(3, outF);
            var y = new float[rows * outF];
            CpuLinear.Linear_Forward(y, x, w, withBias ? b : default, rows, inF, outF, activation);
            double[] expected = Reference(TestData.ToDouble(x), TestData.ToDouble(w), withBias ? TestData.ToDouble(b) : null,
                activation, rows, inF, outF);
            Numerics.AssertClose(expected, y, 1e-5, 1e-5 * inF, $"linear forward {activation} bias={withBias}", rows, inF, outF);
        }
    }

    /// <summary>The full layer gradient: activation backward gives the pre-activation gradient, then Linear_Backward;
    /// compared with finite differences of act(x·Wᵀ + b) with respect to x, W and b.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Backward_matches_finite_differences(UnaryOp activation, bool withBias)
    {
        // Relu: no pre-activation of these seeds lies within the finite-difference step (1e-6) of the kink at 0.
        float[] x = TestData.Uniform(4, Rows * In), w = TestData.Uniform(5, Out * In), b = TestData.Uniform(6, Out);
        float[] dy = TestData.Uniform(7, Rows * Out);
        var y = new float[Rows * Out];
        CpuLinear.Linear_Forward(y, x, w, withBias ? b : default, Rows, In, Out, activation);
        var dPre = new float[Rows * Out];
        CpuElementwise.Unary_Backward(activation, 0f, dPre, dy, default, y, accumulate: false);

        // Accumulate into non-zero gradients to check both flags: expected = old + gradient.
        float[] dx = TestData.Uniform(8, Rows * In), dw = TestData.Uniform(9, Out * In), db = TestData.Uniform(10, Out);
        double[] dx0 = TestData.ToDouble(dx), dw0 = TestData.ToDouble(dw), db0 = TestData.ToDouble(db);
        CpuLinear.Linear_Backward(dx, dw, withBias ? db : default, dPre, x, w, Rows, In, Out, accumulateDx: true, accumulateParameters: true);

        double[] xd = TestData.ToDouble(x), wd = TestData.ToDouble(w), bd = TestData.ToDouble(b), dyd = TestData.ToDouble(dy);
        double[]? biasOrNull = withBias ? bd : null;
        double[] gx = Numerics.FiniteDifference(v => Reference(v, wd, biasOrNull, activation, Rows, In, Out), xd, dyd);
        double[] gw = Numerics.FiniteDifference(v => Reference(xd, v, biasOrNull, activation, Rows, In, Out), wd, dyd);
        for (int i = 0; i < gx.Length; i++) gx[i] += dx0[i];
        for (int i = 0; i < gw.Length; i++) gw[i] += dw0[i];
        Numerics.AssertClose(gx, dx, 1e-3, 1e-4, $"linear dx {activation}", Rows, In);
        Numerics.AssertClose(gw, dw, 1e-3, 1e-4, $"linear dW {activation}", Out, In);
        if (withBias)
        {
            double[] gb = Numerics.FiniteDifference(v => Reference(xd, wd, v, activation, Rows, In, Out), bd, dyd);
            for (int i = 0; i < gb.Length; i++) gb[i] += db0[i];
            Numerics.AssertClose(gb, db, 1e-3, 1e-4, $"linear db {activation}", Out);
        }

        // Overwrite mode and a skipped dx give the gradient alone.
        CpuLinear.Linear_Backward(default, dw, withBias ? db : default, dPre, x, w, Rows, In, Out, false, false);
        for (int i = 0; i < gw.Length; i++) gw[i] -= dw0[i];
        Numerics.AssertClose(gw, dw, 1e-3, 1e-4, $"linear dW overwrite {activation}", Out, In);
    }
}
