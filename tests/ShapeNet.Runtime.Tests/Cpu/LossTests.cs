using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Cpu;

public class LossTests
{
    private const int Rows = 4, Cols = 5;

    /// <summary>PyTorch's definitions in double.</summary>
    private static double Reference(LossKind kind, Reduction reduction, double[] x, float[] t)
    {
        double total = 0;
        switch (kind)
        {
            case LossKind.Mse:
                for (int i = 0; i < x.Length; i++) total += (x[i] - t[i]) * (x[i] - t[i]);
                break;
            case LossKind.Bce:
                for (int i = 0; i < x.Length; i++) total -= t[i] * Math.Max(Math.Log(x[i]), -100) + (1 - t[i]) * Math.Max(Math.Log(1 - x[i]), -100);
                break;
            case LossKind.BceWithLogits:
                for (int i = 0; i < x.Length; i++)
                {
                    double sigmoid = 1 / (1 + Math.Exp(-x[i]));
                    total -= t[i] * Math.Log(sigmoid) + (1 - t[i]) * Math.Log(1 - sigmoid);
                }
                break;
            case LossKind.CrossEntropy:
                for (int r = 0; r < Rows; r++)
                {
                    double sum = 0;
                    for (int c = 0; c < Cols; c++) sum += Math.Exp(x[r * Cols + c]);
                    total -= x[r * Cols + (int)t[r]] - Math.Log(sum);
                }
                break;
            case LossKind.Nll:
                for (int r = 0; r < Rows; r++) total -= x[r * Cols + (int)t[r]];
                break;
        }
        if (reduction == Reduction.Sum) return total;
        return kind is LossKind.CrossEntropy or LossKind.Nll ? total / Rows : total / (Rows * Cols);
    }

    private static (float[] Input, float[] Target) Data(LossKind kind, int seed) => kind switch
    {
        LossKind.Bce => (TestData.Uniform(seed, Rows * Cols, 0.05f, 0.95f), TestData.Uniform(seed + 1, Rows * Cols, 0f, 1f)),
        LossKind.CrossEntropy or LossKind.Nll => (TestData.Uniform(seed, Rows * Cols, -3f, 1f), [3f, 0f, 4f, 1f]),
        _ => (TestData.Uniform(seed, Rows * Cols, -3f, 3f), TestData.Uniform(seed + 1, Rows * Cols, 0f, 1f)),
    };

    public static TheoryData<LossKind, Reduction> Cases()
    {
        var data = new TheoryData<LossKind, Reduction>();
        foreach (LossKind kind in Enum.GetValues<LossKind>())
            foreach (Reduction reduction in Enum.GetValues<Reduction>()) data.Add(kind, reduction);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_matches_double(LossKind kind, Reduction reduction)
    {
        (float[] input, float[] target) = Data(kind, 1);
        float loss = CpuLoss.Loss_Forward(kind, reduction, input, target, Rows, Cols);
        Numerics.AssertClose(new[] { Reference(kind, reduction, TestData.ToDouble(input), target) }, [loss], 1e-5, 1e-6, $"{kind} {reduction}", Rows, Cols);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Backward_matches_finite_differences_scaled_by_dLoss(LossKind kind, Reduction reduction)
    {
        (float[] input, float[] target) = Data(kind, 2);
        const float dLoss = 1.75f;
        double[] expected = Numerics.FiniteDifference(v => [Reference(kind, reduction, v, target)], TestData.ToDouble(input), [dLoss]);
        float[] dInput = TestData.Uniform(3, input.Length);
        double[] old = TestData.ToDouble(dInput);
        CpuLoss.Loss_Backward(kind, reduction, dInput, dLoss, input, target, Rows, Cols, accumulate: true);
        Numerics.AssertClose(expected.Select((g, i) => g + old[i]).ToArray(), dInput, 1e-4, 1e-5, $"{kind} {reduction} backward", Rows, Cols);
        CpuLoss.Loss_Backward(kind, reduction, dInput, dLoss, input, target, Rows, Cols, accumulate: false);
        Numerics.AssertClose(expected, dInput, 1e-4, 1e-5, $"{kind} {reduction} backward overwrite", Rows, Cols);
    }

    [Fact]
    public void Bce_clamps_log_at_minus_100_like_PyTorch()
    {
        // x = 0 with target 1: −log(0) would be infinite; PyTorch reports 100.
        float loss = CpuLoss.Loss_Forward(LossKind.Bce, Reduction.Sum, [0f], [1f], 1, 1);
        Assert.Equal(100f, loss);
    }

    [Fact]
    public void BceWithLogits_and_CrossEntropy_stay_finite_for_huge_logits()
    {
        Assert.True(float.IsFinite(CpuLoss.Loss_Forward(LossKind.BceWithLogits, Reduction.Mean, [500f, -500f], [0f, 1f], 1, 2)));
        Assert.Equal(1000f, CpuLoss.Loss_Forward(LossKind.CrossEntropy, Reduction.Mean, [500f, -500f], [1f], 1, 2));
    }
}
