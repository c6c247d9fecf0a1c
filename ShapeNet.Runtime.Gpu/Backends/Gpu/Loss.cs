using ILGPU;
using ILGPU.Runtime;

namespace ShapeNet.Backends.Gpu;

/// <summary>
/// Losses with PyTorch's definitions (mirror of <c>Cpu/Loss.cs</c>): the same terms, summed in double as the CPU
/// backend does. The forward is one group: each thread sums a strided share in double, a shared-memory tree adds the
/// shares (deterministic for a given group size), thread 0 writes loss[0]. The backward reads dLoss[0] on the device, so
/// nothing is read back between the forward and the backward.
/// A class index outside [0, cols) cannot throw on a device: its row contributes NaN (the loss reads NaN); the backend
/// checks targets where they enter.
/// </summary>
public sealed class GpuLoss
{
    private const float LogClamp = -100f;
    private const float BceGradientEpsilon = 1e-12f;

    private readonly GpuKernels _k;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int> _forward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, double, int> _backwardElements;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, double, int> _backwardRows;

    internal GpuLoss(GpuKernels k)
    {
        _k = k;
        _forward = k.Accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(LossForwardKernel);
        _backwardElements = k.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, double, int>(LossBackwardElementKernel);
        _backwardRows = k.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, double, int>(LossBackwardRowKernel);
    }

    /// <summary>input (rows,cols), target (rows,cols) or class indices (rows) -> loss[0].</summary>
    public void Loss_Forward(LossKind kind, Reduction reduction, ArrayView<float> loss, ArrayView<float> input, ArrayView<float> target,
        int rows, int cols)
    {
        CheckSizes(kind, input, target, rows, cols);
        GpuKernels.Need(loss, 1, "Loss", kind, "loss");
        _forward(_k.Stream, new KernelConfig(1, _k.ReductionGroupSize), loss, input, target, (int)kind, reduction == Reduction.Mean ? 1 : 0, rows, cols);
    }

    /// <summary>dLoss[0], input, target -> dInput (rows,cols): dInput (+)= dLoss·∂L/∂input.</summary>
    public void Loss_Backward(LossKind kind, Reduction reduction, ArrayView<float> dInput, ArrayView<float> dLoss,
        ArrayView<float> input, ArrayView<float> target, int rows, int cols, bool accumulate)
    {
        CheckSizes(kind, input, target, rows, cols);
        GpuKernels.Need(dInput, (long)rows * cols, "Loss backward", kind, "dInput");
        GpuKernels.Need(dLoss, 1, "Loss backward", kind, "dLoss");
        double divisor = reduction == Reduction.Mean ? MeanDivisor(kind, rows, cols) : 0;
        if (kind is LossKind.CrossEntropy or LossKind.Nll)
        {
            if (rows > 0) _backwardRows(_k.Stream, rows, dInput, dLoss, input, target, (int)kind, cols, divisor, accumulate ? 1 : 0);
        }
        else
        {
            int count = GpuKernels.Count((long)rows * cols, "Loss backward", kind);
            if (count > 0) _backwardElements(_k.Stream, count, dInput, dLoss, input, target, (int)kind, cols, divisor, accumulate ? 1 : 0);
        }
    }

    private static double MeanDivisor(LossKind kind, int rows, int cols)
        => kind is LossKind.CrossEntropy or LossKind.Nll ? rows : (double)rows * cols;

    private static void CheckSizes(LossKind kind, ArrayView<float> input, ArrayView<float> target, int rows, int cols)
    {
        if (kind is < LossKind.Mse or > LossKind.Nll) throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown loss.");
        if (rows < 0 || cols <= 0) throw new ArgumentException($"{kind} loss over [{rows}, {cols}]: rows must be non-negative and cols positive.");
        long count = (long)rows * cols;
        GpuKernels.Count(count, "Loss", kind);
        GpuKernels.Need(input, count, "Loss", kind, "input");
        GpuKernels.Need(target, kind is LossKind.CrossEntropy or LossKind.Nll ? rows : count, "Loss", kind, "target");
    }

    // ---- device code ---------------------------------------------------------------------------

    /// <summary>One term of the loss sum: element i (Mse, Bce, BceWithLogits) or row i (CrossEntropy, Nll).</summary>
    private static double Term(int kind, ArrayView<float> input, ArrayView<float> target, int i, int cols)
    {
        switch ((LossKind)kind)
        {
            case LossKind.Mse:
            {
                float difference = input[i] - target[i];
                return difference * difference;
            }
            case LossKind.Bce:
            {
                float logP = MathF.Max(MathF.Log(input[i]), LogClamp);
                float logNotP = MathF.Max(MathF.Log(1f - input[i]), LogClamp);
                return -(target[i] * logP + (1f - target[i]) * logNotP);
            }
            case LossKind.BceWithLogits:
            {
                float x = input[i];
                return MathF.Max(x, 0f) - x * target[i] + MathF.Log(1f + MathF.Exp(-MathF.Abs(x)));
            }
            default:
            {
                long rowStart = (long)i * cols;
                int index = ClassIndex(target[i], cols);
                if (index < 0) return double.NaN;
                float picked = input[rowStart + index];
                if ((LossKind)kind == LossKind.Nll) return -picked;
                return LogSumExp(input, rowStart, cols) - picked;
            }
        }
    }

    /// <summary>max + log Σ exp(x − max), the sum in double (as the CPU backend).</summary>
    private static float LogSumExp(ArrayView<float> input, long rowStart, int cols)
    {
        float max = float.NegativeInfinity;
        for (int c = 0; c < cols; c++) max = MathF.Max(max, input[rowStart + c]);
        double sum = 0;
        for (int c = 0; c < cols; c++) sum += MathF.Exp(input[rowStart + c] - max);
        return max + (float)Math.Log(sum);
    }

    /// <summary>The class index a float target holds, or −1 when it is not an integer in [0, cols).</summary>
    private static int ClassIndex(float target, int cols)
    {
        int index = (int)target;
        return index == target && index >= 0 && index < cols ? index : -1;
    }

    /// <summary>One group: thread t sums terms t, t + G, … in double; a tree in shared memory adds the G partial sums.</summary>
    [Kernel]
    internal static void LossForwardKernel(ArrayView<float> loss, ArrayView<float> input, ArrayView<float> target, int kind, int mean, int rows, int cols)
    {
        var partial = SharedMemory.Allocate<double>(GpuKernels.MaxGroupSize);
        int t = Group.IdxX, groupSize = Group.DimX;
        bool perRow = (LossKind)kind is LossKind.CrossEntropy or LossKind.Nll;
        int terms = perRow ? rows : rows * cols;
        double sum = 0;
        for (int i = t; i < terms; i += groupSize) sum += Term(kind, input, target, i, cols);
        partial[t] = sum;
        Group.Barrier();
        for (int half = groupSize / 2; half > 0; half /= 2)
        {
            if (t < half) partial[t] += partial[t + half];
            Group.Barrier();
        }
        if (t == 0)
        {
            double total = partial[0];
            if (mean != 0) total /= perRow ? rows : (double)rows * cols;
            loss[0] = (float)total;
        }
    }

    /// <summary>Element i of Mse, Bce, BceWithLogits. divisor 0 means Sum.</summary>
    [Kernel]
    internal static void LossBackwardElementKernel(Index1D i, ArrayView<float> dInput, ArrayView<float> dLoss, ArrayView<float> input,
        ArrayView<float> target, int kind, int cols, double divisor, int accumulate)
    {
        float scale = divisor != 0 ? (float)(dLoss[0] / divisor) : dLoss[0];
        float x = input[i];
        float g = (LossKind)kind switch
        {
            LossKind.Mse => 2f * (x - target[i]) * scale,
            LossKind.Bce => scale * (x - target[i]) / MathF.Max((1f - x) * x, BceGradientEpsilon),
            _ => scale * (1f / (1f + MathF.Exp(-x)) - target[i]),
        };
        dInput[i] = accumulate != 0 ? dInput[i] + g : g;
    }

    /// <summary>Row r of CrossEntropy (softmax − one-hot) or Nll (−one-hot), times the scale.</summary>
    [Kernel]
    internal static void LossBackwardRowKernel(Index1D r, ArrayView<float> dInput, ArrayView<float> dLoss, ArrayView<float> input,
        ArrayView<float> target, int kind, int cols, double divisor, int accumulate)
    {
        float scale = divisor != 0 ? (float)(dLoss[0] / divisor) : dLoss[0];
        long rowStart = (long)r.X * cols;
        int index = ClassIndex(target[r], cols);
        bool crossEntropy = (LossKind)kind == LossKind.CrossEntropy;
        float logSum = crossEntropy ? LogSumExp(input, rowStart, cols) : 0f;
        for (int c = 0; c < cols; c++)
        {
            float g = crossEntropy ? scale * MathF.Exp(input[rowStart + c] - logSum) : 0f;
            float old = accumulate != 0 ? dInput[rowStart + c] : 0f;
            // The CPU adds the softmax term first and subtracts the scale at the target after: (old + p) − scale.
            float value = old + g;
            if (c == index) value -= scale;
            else if (index < 0) value = float.NaN;
            dInput[rowStart + c] = value;
        }
    }
}
