using ILGPU;
using ILGPU.Runtime;
using ShapeNet.Backends.Cpu;

namespace ShapeNet.Backends.Gpu;

/// <summary>
/// PyTorch's optimizer updates (mirror of <c>Cpu/Optimizers.cs</c>): the step constants are derived on the host in double
/// exactly as the CPU backend derives them (<see cref="CpuOptimizers.Hyperparameter"/>), and each element is updated with
/// the CPU backend's float operations in the same order.
/// </summary>
public sealed class GpuOptimizers
{
    private const int Maximize = 1, UseMomentum = 2, Nesterov = 4, FirstStep = 8, WeightDecay = 16, Decoupled = 32, AmsGrad = 64, Centered = 128;

    private readonly GpuKernels _k;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float, float, int> _sgd;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamConstants, int> _adam;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float, int> _adagrad;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, RmsPropConstants, int> _rmsProp;

    internal GpuOptimizers(GpuKernels k)
    {
        _k = k;
        Accelerator a = k.Accelerator;
        _sgd = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float, float, int>(SgdKernel);
        _adam = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamConstants, int>(AdamKernel);
        _adagrad = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float, int>(AdagradKernel);
        _rmsProp = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, RmsPropConstants, int>(RmsPropKernel);
    }

    /// <summary>SGD: g = ±grad + wd·p; b = g on the first step, else μ·b + (1 − dampening)·g; g = g + μ·b (Nesterov) or b; p −= lr·g.</summary>
    public void Sgd_Step(ArrayView<float> parameter, ArrayView<float> gradient, ArrayView<float> momentumBuffer, long n,
        float lr, float momentum, float dampening, float weightDecay, bool nesterov, bool maximize, bool firstStep)
    {
        int count = Check("SGD", n, parameter, gradient);
        bool useMomentum = momentum != 0f;
        if (useMomentum) GpuKernels.Need(momentumBuffer, n, "SGD", "momentumBuffer");
        int flags = (maximize ? Maximize : 0) | (useMomentum ? UseMomentum : 0) | (nesterov ? Nesterov : 0) | (firstStep ? FirstStep : 0)
            | (weightDecay != 0f ? WeightDecay : 0);
        if (count > 0)
            _sgd(_k.Stream, count, parameter, gradient, momentumBuffer, (float)-CpuOptimizers.Hyperparameter(lr),
                (float)(1.0 - CpuOptimizers.Hyperparameter(dampening)), momentum, weightDecay, flags);
    }

    /// <summary>Adam (g += wd·p) or AdamW (p ·= 1 − lr·wd), AMSGrad when maxExpAvgSquare is not empty; step counts from 1.</summary>
    public void Adam_Step(ArrayView<float> parameter, ArrayView<float> gradient, ArrayView<float> expAvg, ArrayView<float> expAvgSquare,
        ArrayView<float> maxExpAvgSquare, long n, float lr, float beta1, float beta2, float eps, float weightDecay,
        bool decoupledWeightDecay, bool maximize, int step)
    {
        int count = Check("Adam", n, parameter, gradient);
        GpuKernels.Need(expAvg, n, "Adam", "expAvg");
        GpuKernels.Need(expAvgSquare, n, "Adam", "expAvgSquare");
        bool amsgrad = maxExpAvgSquare.Length > 0;
        if (amsgrad) GpuKernels.Need(maxExpAvgSquare, n, "Adam", "maxExpAvgSquare");
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1);
        double lrD = CpuOptimizers.Hyperparameter(lr), beta1D = CpuOptimizers.Hyperparameter(beta1), beta2D = CpuOptimizers.Hyperparameter(beta2);
        var constants = new AdamConstants
        {
            Beta1 = beta1, Beta2 = beta2, Eps = eps, WeightDecay = weightDecay,
            Decay = (float)(1.0 - lrD * CpuOptimizers.Hyperparameter(weightDecay)),
            OneMinusBeta1 = (float)(1.0 - beta1D), OneMinusBeta2 = (float)(1.0 - beta2D),
            NegativeStepSize = (float)-(lrD / (1.0 - Math.Pow(beta1D, step))),
            BiasCorrection2Sqrt = (float)Math.Sqrt(1.0 - Math.Pow(beta2D, step)),
        };
        int flags = (maximize ? Maximize : 0) | (weightDecay != 0f ? WeightDecay : 0) | (decoupledWeightDecay ? Decoupled : 0) | (amsgrad ? AmsGrad : 0);
        if (count > 0) _adam(_k.Stream, count, parameter, gradient, expAvg, expAvgSquare, maxExpAvgSquare, constants, flags);
    }

    /// <summary>Adagrad: g = ±grad + wd·p; clr = lr/(1 + (t−1)·lr_decay); sum += g²; p −= clr·g/(sqrt(sum) + eps).</summary>
    public void Adagrad_Step(ArrayView<float> parameter, ArrayView<float> gradient, ArrayView<float> stateSum, long n,
        float lr, float lrDecay, float weightDecay, float eps, bool maximize, int step)
    {
        int count = Check("Adagrad", n, parameter, gradient);
        GpuKernels.Need(stateSum, n, "Adagrad", "stateSum");
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1);
        float negativeClr = (float)-(CpuOptimizers.Hyperparameter(lr) / (1.0 + (step - 1) * CpuOptimizers.Hyperparameter(lrDecay)));
        int flags = (maximize ? Maximize : 0) | (weightDecay != 0f ? WeightDecay : 0);
        if (count > 0) _adagrad(_k.Stream, count, parameter, gradient, stateSum, negativeClr, weightDecay, eps, flags);
    }

    /// <summary>RMSprop, centered and with momentum as PyTorch's.</summary>
    public void RmsProp_Step(ArrayView<float> parameter, ArrayView<float> gradient, ArrayView<float> squareAvg, ArrayView<float> gradAvg,
        ArrayView<float> momentumBuffer, long n, float lr, float alpha, float eps, float weightDecay, float momentum, bool centered, bool maximize)
    {
        int count = Check("RMSprop", n, parameter, gradient);
        GpuKernels.Need(squareAvg, n, "RMSprop", "squareAvg");
        if (centered) GpuKernels.Need(gradAvg, n, "RMSprop", "gradAvg");
        bool useMomentum = momentum > 0f;
        if (useMomentum) GpuKernels.Need(momentumBuffer, n, "RMSprop", "momentumBuffer");
        var constants = new RmsPropConstants
        {
            NegativeLr = (float)-CpuOptimizers.Hyperparameter(lr), Alpha = alpha,
            OneMinusAlpha = (float)(1.0 - CpuOptimizers.Hyperparameter(alpha)), Eps = eps, WeightDecay = weightDecay, Momentum = momentum,
        };
        int flags = (maximize ? Maximize : 0) | (weightDecay != 0f ? WeightDecay : 0) | (useMomentum ? UseMomentum : 0) | (centered ? Centered : 0);
        if (count > 0) _rmsProp(_k.Stream, count, parameter, gradient, squareAvg, gradAvg, momentumBuffer, constants, flags);
    }

    private static int Check(string op, long n, ArrayView<float> parameter, ArrayView<float> gradient)
    {
        GpuKernels.Need(parameter, n, op, "parameter");
        GpuKernels.Need(gradient, n, op, "gradient");
        return GpuKernels.Count(n, op);
    }

    public struct AdamConstants
    {
        public float Beta1, Beta2, Eps, WeightDecay, Decay, OneMinusBeta1, OneMinusBeta2, NegativeStepSize, BiasCorrection2Sqrt;
    }

    public struct RmsPropConstants
    {
        public float NegativeLr, Alpha, OneMinusAlpha, Eps, WeightDecay, Momentum;
    }

    // ---- device code ---------------------------------------------------------------------------

    [Kernel]
    internal static void SgdKernel(Index1D i, ArrayView<float> parameter, ArrayView<float> gradient, ArrayView<float> momentumBuffer,
        float negativeLr, float keep, float momentum, float weightDecay, int flags)
    {
        float g = (flags & Maximize) != 0 ? -gradient[i] : gradient[i];
        if ((flags & WeightDecay) != 0) g += weightDecay * parameter[i];
        if ((flags & UseMomentum) != 0)
        {
            float buffer = (flags & FirstStep) != 0 ? g : momentumBuffer[i] * momentum + keep * g;
            momentumBuffer[i] = buffer;
            g = (flags & Nesterov) != 0 ? g + momentum * buffer : buffer;
        }
        parameter[i] += negativeLr * g;
    }

    [Kernel]
    internal static void AdamKernel(Index1D i, ArrayView<float> parameter, ArrayView<float> gradient, ArrayView<float> expAvg,
        ArrayView<float> expAvgSquare, ArrayView<float> maxExpAvgSquare, AdamConstants c, int flags)
    {
        float g = (flags & Maximize) != 0 ? -gradient[i] : gradient[i];
        float p = parameter[i];
        if ((flags & WeightDecay) != 0)
        {
            if ((flags & Decoupled) != 0) p *= c.Decay;
            else g += c.WeightDecay * p;
        }
        float m = expAvg[i] * c.Beta1 + c.OneMinusBeta1 * g;
        float v = expAvgSquare[i] * c.Beta2 + c.OneMinusBeta2 * g * g;
        expAvg[i] = m;
        expAvgSquare[i] = v;
        if ((flags & AmsGrad) != 0)
        {
            v = MathF.Max(maxExpAvgSquare[i], v);
            maxExpAvgSquare[i] = v;
        }
        float denominator = MathF.Sqrt(v) / c.BiasCorrection2Sqrt + c.Eps;
        parameter[i] = p + c.NegativeStepSize * m / denominator;
    }

    [Kernel]
    internal static void AdagradKernel(Index1D i, ArrayView<float> parameter, ArrayView<float> gradient, ArrayView<float> stateSum,
        float negativeClr, float weightDecay, float eps, int flags)
    {
        float g = (flags & Maximize) != 0 ? -gradient[i] : gradient[i];
        if ((flags & WeightDecay) != 0) g += weightDecay * parameter[i];
        float sum = stateSum[i] + g * g;
        stateSum[i] = sum;
        parameter[i] += negativeClr * g / (MathF.Sqrt(sum) + eps);
    }

    [Kernel]
    internal static void RmsPropKernel(Index1D i, ArrayView<float> parameter, ArrayView<float> gradient, ArrayView<float> squareAvg,
        ArrayView<float> gradAvg, ArrayView<float> momentumBuffer, RmsPropConstants c, int flags)
    {
        float g = (flags & Maximize) != 0 ? -gradient[i] : gradient[i];
        if ((flags & WeightDecay) != 0) g += c.WeightDecay * parameter[i];
        float sa = squareAvg[i] * c.Alpha + c.OneMinusAlpha * g * g;
        squareAvg[i] = sa;
        float average;
        if ((flags & Centered) != 0)
        {
            float ga = gradAvg[i] * c.Alpha + c.OneMinusAlpha * g;
            gradAvg[i] = ga;
            average = MathF.Sqrt(sa + -1f * ga * ga) + c.Eps;
        }
        else
        {
            average = MathF.Sqrt(sa) + c.Eps;
        }
        if ((flags & UseMomentum) != 0)
        {
            float buffer = momentumBuffer[i] * c.Momentum + g / average;
            momentumBuffer[i] = buffer;
            parameter[i] += c.NegativeLr * buffer;
        }
        else
        {
            parameter[i] += c.NegativeLr * g / average;
        }
    }
}
