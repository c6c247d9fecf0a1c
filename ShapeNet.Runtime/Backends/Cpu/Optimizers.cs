using System.Runtime.Intrinsics;

namespace ShapeNet.Backends.Cpu;

/// <summary>
/// PyTorch's optimizer updates (torch.optim, single-tensor path of torch 1.13), element by element in float32
/// in PyTorch's operation order. PyTorch holds hyperparameters as Python doubles and derives the step
/// constants (1 − β, bias corrections, step sizes) in double before the float kernel sees them; so do we.
/// </summary>
public static unsafe class CpuOptimizers
{
    /// <summary>
    /// The double a user most likely wrote for a float hyperparameter: decimal conversion keeps 7 significant
    /// digits, so 0.9f comes back as 0.9 (not 0.89999997615814209) and 1 − β matches PyTorch's constant bit for bit.
    /// </summary>
    internal static double Hyperparameter(float value)
        => float.IsFinite(value) && MathF.Abs(value) < 1e27f ? (double)(decimal)value : value;

    /// <summary>
    /// parameter (n), gradient (n), momentumBuffer (n or empty) -> parameter, momentumBuffer updated
    /// g = ±grad + wd·p; b = g on the first step, else μ·b + (1 − dampening)·g; g = g + μ·b (Nesterov) or b; p −= lr·g.
    /// </summary>
    public static void Sgd_Step(Span<float> parameter, ReadOnlySpan<float> gradient, Span<float> momentumBuffer,
        float lr, float momentum, float dampening, float weightDecay, bool nesterov, bool maximize, bool firstStep)
    {
        CheckLength(parameter.Length, gradient.Length, nameof(gradient));
        bool useMomentum = momentum != 0f;
        if (useMomentum) CheckLength(parameter.Length, momentumBuffer.Length, nameof(momentumBuffer));
        fixed (float* p = parameter, g = gradient, b = momentumBuffer)
        {
            var args = new SgdArgs
            {
                Parameter = p, Gradient = g, Buffer = b, Length = parameter.Length,
                NegativeLr = (float)-Hyperparameter(lr), Keep = (float)(1.0 - Hyperparameter(dampening)),
                Momentum = momentum, WeightDecay = weightDecay,
                UseMomentum = useMomentum, Nesterov = nesterov, Maximize = maximize, FirstStep = firstStep,
            };
            if (parameter.Length >= ParallelThreshold && CpuWorkers.TryAcquire())
            {
                s_sgd = args;
                CpuWorkers.RunAndRelease(&SgdPart);
                return;
            }
            SgdRange(in args, 0, parameter.Length);
        }
    }

    /// <summary>Parameter tensors at least this long are updated on all cores (the step is memory-bound).</summary>
    private const int ParallelThreshold = 1 << 15;

    private unsafe struct SgdArgs
    {
        public float* Parameter, Gradient, Buffer;
        public int Length;
        public float NegativeLr, Keep, Momentum, WeightDecay;
        public bool UseMomentum, Nesterov, Maximize, FirstStep;
    }

    private static SgdArgs s_sgd;

    private static void SgdPart(int part, int parts)
    {
        int blocks = (s_sgd.Length + 63) / 64;
        int start = (int)((long)blocks * part / parts) * 64;
        int end = Math.Min(s_sgd.Length, (int)((long)blocks * (part + 1) / parts) * 64);
        if (start < end) SgdRange(in s_sgd, start, end);
    }

    /// <summary>The SGD update of elements [start, end): Vector256 in the body, the same float operations in
    /// the same order as the scalar tail (no fused multiply-add), so both give PyTorch's bits.</summary>
    private static void SgdRange(in SgdArgs a, int start, int end)
    {
        float* parameter = a.Parameter, gradient = a.Gradient, momentumBuffer = a.Buffer;
        float negativeLr = a.NegativeLr, keep = a.Keep, momentum = a.Momentum, weightDecay = a.WeightDecay;
        bool useMomentum = a.UseMomentum, nesterov = a.Nesterov, maximize = a.Maximize, firstStep = a.FirstStep;
        int i = start;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> vLr = Vector256.Create(negativeLr), vKeep = Vector256.Create(keep);
            Vector256<float> vMomentum = Vector256.Create(momentum), vDecay = Vector256.Create(weightDecay);
            if (useMomentum && !nesterov && !maximize && weightDecay == 0f && !firstStep)
            {
                // The common case (SGD with momentum): b = μ·b + keep·g; p += −lr·b.
                for (; i + 8 <= end; i += 8)
                {
                    Vector256<float> buffer = Vector256.Load(momentumBuffer + i) * vMomentum + vKeep * Vector256.Load(gradient + i);
                    Vector256.Store(buffer, momentumBuffer + i);
                    Vector256.Store(Vector256.Load(parameter + i) + vLr * buffer, parameter + i);
                }
            }
            else
            {
                for (; i + 8 <= end; i += 8)
                {
                    Vector256<float> g = Vector256.Load(gradient + i);
                    if (maximize) g = -g;
                    if (weightDecay != 0f) g += vDecay * Vector256.Load(parameter + i);
                    if (useMomentum)
                    {
                        Vector256<float> buffer = firstStep ? g : Vector256.Load(momentumBuffer + i) * vMomentum + vKeep * g;
                        Vector256.Store(buffer, momentumBuffer + i);
                        g = nesterov ? g + vMomentum * buffer : buffer;
                    }
                    Vector256.Store(Vector256.Load(parameter + i) + vLr * g, parameter + i);
                }
            }
        }
        for (; i < end; i++)
        {
            float g = maximize ? -gradient[i] : gradient[i];
            if (weightDecay != 0f) g += weightDecay * parameter[i];
            if (useMomentum)
            {
                float buffer = firstStep ? g : momentumBuffer[i] * momentum + keep * g;
                momentumBuffer[i] = buffer;
                g = nesterov ? g + momentum * buffer : buffer;
            }
            parameter[i] += negativeLr * g;
        }
    }

    /// <summary>
    /// parameter (n), gradient (n), expAvg (n), expAvgSquare (n), maxExpAvgSquare (n or empty) -> all updated
    /// Adam (g += wd·p) or AdamW (p ·= 1 − lr·wd); m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
    /// p −= lr/(1−β1^t) · m / (sqrt(v̂)/sqrt(1−β2^t) + eps), v̂ = max(vmax, v) under AMSGrad (non-empty maxExpAvgSquare).
    /// </summary>
    public static void Adam_Step(Span<float> parameter, ReadOnlySpan<float> gradient, Span<float> expAvg, Span<float> expAvgSquare,
        Span<float> maxExpAvgSquare, float lr, float beta1, float beta2, float eps, float weightDecay,
        bool decoupledWeightDecay, bool maximize, int step)
    {
        CheckLength(parameter.Length, gradient.Length, nameof(gradient));
        CheckLength(parameter.Length, expAvg.Length, nameof(expAvg));
        CheckLength(parameter.Length, expAvgSquare.Length, nameof(expAvgSquare));
        bool amsgrad = !maxExpAvgSquare.IsEmpty;
        if (amsgrad) CheckLength(parameter.Length, maxExpAvgSquare.Length, nameof(maxExpAvgSquare));
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1);

        double lrD = Hyperparameter(lr), beta1D = Hyperparameter(beta1), beta2D = Hyperparameter(beta2);
        float decay = (float)(1.0 - lrD * Hyperparameter(weightDecay));
        float oneMinusBeta1 = (float)(1.0 - beta1D), oneMinusBeta2 = (float)(1.0 - beta2D);
        double biasCorrection1 = 1.0 - Math.Pow(beta1D, step);
        double biasCorrection2 = 1.0 - Math.Pow(beta2D, step);
        float negativeStepSize = (float)-(lrD / biasCorrection1);
        float biasCorrection2Sqrt = (float)Math.Sqrt(biasCorrection2);
        for (int i = 0; i < parameter.Length; i++)
        {
            float g = maximize ? -gradient[i] : gradient[i];
            float p = parameter[i];
            if (weightDecay != 0f)
            {
                if (decoupledWeightDecay) p *= decay;
                else g += weightDecay * p;
            }
            float m = expAvg[i] * beta1 + oneMinusBeta1 * g;
            float v = expAvgSquare[i] * beta2 + oneMinusBeta2 * g * g;
            expAvg[i] = m;
            expAvgSquare[i] = v;
            if (amsgrad)
            {
                v = MathF.Max(maxExpAvgSquare[i], v);
                maxExpAvgSquare[i] = v;
            }
            float denominator = MathF.Sqrt(v) / biasCorrection2Sqrt + eps;
            parameter[i] = p + negativeStepSize * m / denominator;
        }
    }

    /// <summary>
    /// parameter (n), gradient (n), stateSum (n) -> parameter, stateSum updated
    /// g = ±grad + wd·p; clr = lr/(1 + (t−1)·lr_decay); sum += g²; p −= clr·g/(sqrt(sum) + eps).
    /// </summary>
    public static void Adagrad_Step(Span<float> parameter, ReadOnlySpan<float> gradient, Span<float> stateSum,
        float lr, float lrDecay, float weightDecay, float eps, bool maximize, int step)
    {
        CheckLength(parameter.Length, gradient.Length, nameof(gradient));
        CheckLength(parameter.Length, stateSum.Length, nameof(stateSum));
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1);
        float negativeClr = (float)-(Hyperparameter(lr) / (1.0 + (step - 1) * Hyperparameter(lrDecay)));
        for (int i = 0; i < parameter.Length; i++)
        {
            float g = maximize ? -gradient[i] : gradient[i];
            if (weightDecay != 0f) g += weightDecay * parameter[i];
            float sum = stateSum[i] + g * g;
            stateSum[i] = sum;
            parameter[i] += negativeClr * g / (MathF.Sqrt(sum) + eps);
        }
    }

    /// <summary>
    /// parameter (n), gradient (n), squareAvg (n), gradAvg (n or empty), momentumBuffer (n or empty) -> all updated
    /// sa = α·sa + (1−α)·g²; avg = sqrt(sa − ga²) + eps with ga = α·ga + (1−α)·g when centered, else sqrt(sa) + eps;
    /// with momentum b = μ·b + g/avg, p −= lr·b; without, p −= lr·g/avg.
    /// </summary>
    public static void RmsProp_Step(Span<float> parameter, ReadOnlySpan<float> gradient, Span<float> squareAvg, Span<float> gradAvg,
        Span<float> momentumBuffer, float lr, float alpha, float eps, float weightDecay, float momentum, bool centered, bool maximize)
    {
        CheckLength(parameter.Length, gradient.Length, nameof(gradient));
        CheckLength(parameter.Length, squareAvg.Length, nameof(squareAvg));
        if (centered) CheckLength(parameter.Length, gradAvg.Length, nameof(gradAvg));
        bool useMomentum = momentum > 0f;
        if (useMomentum) CheckLength(parameter.Length, momentumBuffer.Length, nameof(momentumBuffer));
        float negativeLr = (float)-Hyperparameter(lr);
        float oneMinusAlpha = (float)(1.0 - Hyperparameter(alpha));
        for (int i = 0; i < parameter.Length; i++)
        {
            float g = maximize ? -gradient[i] : gradient[i];
            if (weightDecay != 0f) g += weightDecay * parameter[i];
            float sa = squareAvg[i] * alpha + oneMinusAlpha * g * g;
            squareAvg[i] = sa;
            float average;
            if (centered)
            {
                float ga = gradAvg[i] * alpha + oneMinusAlpha * g;
                gradAvg[i] = ga;
                average = MathF.Sqrt(sa + -1f * ga * ga) + eps;
            }
            else
            {
                average = MathF.Sqrt(sa) + eps;
            }
            if (useMomentum)
            {
                float buffer = momentumBuffer[i] * momentum + g / average;
                momentumBuffer[i] = buffer;
                parameter[i] += negativeLr * buffer;
            }
            else
            {
                parameter[i] += negativeLr * g / average;
            }
        }
    }

    private static void CheckLength(int parameterLength, int length, string name)
    {
        if (length != parameterLength)
            throw new ArgumentException($"{name} has {length} values but the parameter has {parameterLength}.", name);
    }
}
