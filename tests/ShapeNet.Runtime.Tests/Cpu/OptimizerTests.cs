using ShapeNet.Backends.Cpu;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Cpu;

/// <summary>A few steps on small vectors against torch.optim's formulas evaluated in double.</summary>
public class OptimizerTests
{
    private const int N = 11, Steps = 4;
    // float32 arithmetic against a double trajectory: a few ulps per step.
    private const double Rtol = 2e-5, Atol = 1e-6;

    private static float[] Gradient(int step) => TestData.Uniform(100 + step, N);

    [Theory]
    [InlineData(0f, 0f, 0f, false, false)]
    [InlineData(0.9f, 0f, 0f, false, false)]
    [InlineData(0.9f, 0.1f, 0.01f, false, false)]
    [InlineData(0.9f, 0f, 0.01f, true, false)]
    [InlineData(0.5f, 0f, 0f, false, true)]
    public void Sgd(float momentum, float dampening, float weightDecay, bool nesterov, bool maximize)
    {
        const float lr = 0.1f;
        float[] p = TestData.Uniform(1, N), buffer = new float[N];
        double[] pd = TestData.ToDouble(p), bd = new double[N];
        for (int step = 1; step <= Steps; step++)
        {
            float[] g = Gradient(step);
            CpuOptimizers.Sgd_Step(p, g, momentum != 0 ? buffer : default, lr, momentum, dampening, weightDecay, nesterov, maximize, step == 1);
            for (int i = 0; i < N; i++)
            {
                double d = (maximize ? -g[i] : g[i]) + (double)weightDecay * pd[i];
                if (momentum != 0)
                {
                    bd[i] = step == 1 ? d : momentum * bd[i] + (1 - (double)dampening) * d;
                    d = nesterov ? d + momentum * bd[i] : bd[i];
                }
                pd[i] -= lr * d;
            }
        }
        Numerics.AssertClose(pd, p, Rtol, Atol, "sgd parameters", N);
    }

    [Theory]
    [InlineData(0f, false, false, false)]
    [InlineData(0.1f, false, false, false)]
    [InlineData(0.1f, true, false, false)]
    [InlineData(0.05f, false, true, false)]
    [InlineData(0f, true, true, true)]
    public void Adam_and_AdamW(float weightDecay, bool decoupled, bool amsgrad, bool maximize)
    {
        const float lr = 0.01f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
        float[] p = TestData.Uniform(2, N), m = new float[N], v = new float[N], vMax = new float[N];
        double[] pd = TestData.ToDouble(p), md = new double[N], vd = new double[N], vMaxd = new double[N];
        for (int step = 1; step <= Steps; step++)
        {
            float[] g = Gradient(step);
            CpuOptimizers.Adam_Step(p, g, m, v, amsgrad ? vMax : default, lr, beta1, beta2, eps, weightDecay, decoupled, maximize, step);
            for (int i = 0; i < N; i++)
            {
                double gi = maximize ? -g[i] : g[i];
                if (decoupled) pd[i] *= 1 - (double)lr * weightDecay;
                else gi += weightDecay * pd[i];
                md[i] = beta1 * md[i] + (1 - (double)beta1) * gi;
                vd[i] = beta2 * vd[i] + (1 - (double)beta2) * gi * gi;
                vMaxd[i] = Math.Max(vMaxd[i], vd[i]);
                double stepSize = lr / (1 - Math.Pow(beta1, step));
                double denominator = Math.Sqrt(amsgrad ? vMaxd[i] : vd[i]) / Math.Sqrt(1 - Math.Pow(beta2, step)) + eps;
                pd[i] -= stepSize * md[i] / denominator;
            }
        }
        Numerics.AssertClose(pd, p, Rtol, Atol, "adam parameters", N);
        Numerics.AssertClose(vd, v, Rtol, 1e-9, "adam exp_avg_sq", N);
    }

    [Theory]
    [InlineData(0f, 0f, false)]
    [InlineData(0.1f, 0.01f, false)]
    [InlineData(0.05f, 0f, true)]
    public void Adagrad(float lrDecay, float weightDecay, bool maximize)
    {
        const float lr = 0.05f, eps = 1e-10f;
        float[] p = TestData.Uniform(3, N), sum = new float[N];
        double[] pd = TestData.ToDouble(p), sumd = new double[N];
        for (int step = 1; step <= Steps; step++)
        {
            float[] g = Gradient(step);
            CpuOptimizers.Adagrad_Step(p, g, sum, lr, lrDecay, weightDecay, eps, maximize, step);
            double clr = lr / (1 + (step - 1) * (double)lrDecay);
            for (int i = 0; i < N; i++)
            {
                double gi = (maximize ? -g[i] : g[i]) + (double)weightDecay * pd[i];
                sumd[i] += gi * gi;
                pd[i] -= clr * gi / (Math.Sqrt(sumd[i]) + eps);
            }
        }
        Numerics.AssertClose(pd, p, Rtol, Atol, "adagrad parameters", N);
    }

    [Theory]
    [InlineData(0f, 0f, false, false)]
    [InlineData(0.9f, 0f, false, false)]
    [InlineData(0f, 0.01f, true, false)]
    [InlineData(0.9f, 0f, true, true)]
    public void RmsProp(float momentum, float weightDecay, bool centered, bool maximize)
    {
        const float lr = 0.01f, alpha = 0.99f, eps = 1e-8f;
        float[] p = TestData.Uniform(4, N), squareAvg = new float[N], gradAvg = new float[N], buffer = new float[N];
        double[] pd = TestData.ToDouble(p), sad = new double[N], gad = new double[N], bd = new double[N];
        for (int step = 1; step <= Steps; step++)
        {
            float[] g = Gradient(step);
            CpuOptimizers.RmsProp_Step(p, g, squareAvg, centered ? gradAvg : default, momentum > 0 ? buffer : default,
                lr, alpha, eps, weightDecay, momentum, centered, maximize);
            for (int i = 0; i < N; i++)
            {
                double gi = (maximize ? -g[i] : g[i]) + (double)weightDecay * pd[i];
                sad[i] = alpha * sad[i] + (1 - (double)alpha) * gi * gi;
                double average;
                if (centered)
                {
                    gad[i] = alpha * gad[i] + (1 - (double)alpha) * gi;
                    average = Math.Sqrt(sad[i] - gad[i] * gad[i]) + eps;
                }
                else
                {
                    average = Math.Sqrt(sad[i]) + eps;
                }
                if (momentum > 0)
                {
                    bd[i] = momentum * bd[i] + gi / average;
                    pd[i] -= lr * bd[i];
                }
                else
                {
                    pd[i] -= lr * gi / average;
                }
            }
        }
        Numerics.AssertClose(pd, p, Rtol, Atol, "rmsprop parameters", N);
    }
}
