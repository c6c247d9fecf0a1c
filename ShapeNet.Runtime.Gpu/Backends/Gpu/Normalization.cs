using ILGPU;
using ILGPU.Runtime;

namespace ShapeNet.Backends.Gpu;

/// <summary>
/// BatchNorm2d over x viewed as (N, C, plane) (mirror of <c>Cpu/Normalization.cs</c>, PyTorch semantics): one group per
/// channel. The group sums its channel in double (each thread a strided share, a shared-memory tree for the total), thread 0
/// keeps the statistics and updates the running ones, then the group writes the channel's outputs. Training (or no running
/// statistics) normalises with the batch mean and biased variance and moves running = (1 − momentum)·running + momentum·batch
/// (unbiased variance); evaluation uses the running statistics. Empty weight/bias mean 1/0, empty running statistics none.
/// </summary>
public sealed class GpuNormalization
{
    private const int Training = 1, BatchStatistics = 2, HasRunning = 4, HasWeight = 8, HasBias = 16, AccumulateDx = 32,
        AccumulateParameters = 64, HasDx = 128, HasDWeight = 256, HasDBias = 512;

    private readonly GpuKernels _k;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, ArrayView<float>, NormArgs> _forward;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, ArrayView<float>, NormArgs> _backward;

    internal GpuNormalization(GpuKernels k)
    {
        _k = k;
        _forward = k.Accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, NormArgs>(BatchNormForwardKernel);
        _backward = k.Accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, NormArgs>(BatchNormBackwardKernel);
    }

    /// <summary>x (N,C,plane), weight, bias, runningMean, runningVar (C or empty) -> y (N,C,plane), saveMean, saveInvStd (C).</summary>
    public void BatchNorm2d_Forward(ArrayView<float> y, ArrayView<float> saveMean, ArrayView<float> saveInvStd, ArrayView<float> runningMean,
        ArrayView<float> runningVar, ArrayView<float> x, ArrayView<float> weight, ArrayView<float> bias, int batch, int channels, int planeSize,
        bool training, float momentum, float eps)
    {
        long count = Check("BatchNorm2d", batch, channels, planeSize, y, x);
        GpuKernels.Need(saveMean, channels, "BatchNorm2d", "saveMean");
        GpuKernels.Need(saveInvStd, channels, "BatchNorm2d", "saveInvStd");
        if ((runningMean.Length == 0) != (runningVar.Length == 0))
            throw new ArgumentException("BatchNorm2d: runningMean and runningVar are both given or both empty.", nameof(runningVar));
        bool hasRunning = runningMean.Length > 0, batchStatistics = training || !hasRunning;
        if (hasRunning) { GpuKernels.Need(runningMean, channels, "BatchNorm2d", "runningMean"); GpuKernels.Need(runningVar, channels, "BatchNorm2d", "runningVar"); }
        Optional(weight, channels, "weight");
        Optional(bias, channels, "bias");
        if (batchStatistics && training && (long)batch * planeSize < 2)
            throw new ArgumentException($"BatchNorm2d training needs more than one value per channel, got N={batch} × plane {planeSize}.");
        int flags = (training ? Training : 0) | (batchStatistics ? BatchStatistics : 0) | (hasRunning ? HasRunning : 0)
            | (weight.Length > 0 ? HasWeight : 0) | (bias.Length > 0 ? HasBias : 0);
        if (count == 0 && !batchStatistics) return;
        _forward(_k.Stream, new KernelConfig(channels, _k.ReductionGroupSize), y, saveMean, saveInvStd, runningMean, runningVar, x, weight, bias,
            new NormArgs { Batch = batch, Channels = channels, PlaneSize = planeSize, Flags = flags, Momentum = momentum, Eps = eps });
    }

    /// <summary>dy, x (N,C,plane), saveMean, saveInvStd, weight (C or empty) -> dx (+)= input gradient, dWeight (+)= Σ dy·x̂,
    /// dBias (+)= Σ dy; empty outputs are skipped.</summary>
    public void BatchNorm2d_Backward(ArrayView<float> dx, ArrayView<float> dWeight, ArrayView<float> dBias, ArrayView<float> dy, ArrayView<float> x,
        ArrayView<float> saveMean, ArrayView<float> saveInvStd, ArrayView<float> weight, int batch, int channels, int planeSize,
        bool training, bool accumulateDx, bool accumulateParameters)
    {
        Check("BatchNorm2d backward", batch, channels, planeSize, dy, x);
        if (dx.Length > 0) GpuKernels.Need(dx, (long)batch * channels * planeSize, "BatchNorm2d backward", "dx");
        GpuKernels.Need(saveMean, channels, "BatchNorm2d backward", "saveMean");
        GpuKernels.Need(saveInvStd, channels, "BatchNorm2d backward", "saveInvStd");
        Optional(weight, channels, "weight");
        Optional(dWeight, channels, "dWeight");
        Optional(dBias, channels, "dBias");
        int flags = (training ? Training : 0) | (weight.Length > 0 ? HasWeight : 0) | (accumulateDx ? AccumulateDx : 0)
            | (accumulateParameters ? AccumulateParameters : 0) | (dx.Length > 0 ? HasDx : 0) | (dWeight.Length > 0 ? HasDWeight : 0)
            | (dBias.Length > 0 ? HasDBias : 0);
        _backward(_k.Stream, new KernelConfig(channels, _k.ReductionGroupSize), dx, dWeight, dBias, dy, x, saveMean, saveInvStd, weight,
            new NormArgs { Batch = batch, Channels = channels, PlaneSize = planeSize, Flags = flags });
    }

    private static long Check(string op, int batch, int channels, int planeSize, ArrayView<float> values, ArrayView<float> x)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(planeSize);
        long count = (long)batch * channels * planeSize;
        GpuKernels.Count(count, op);
        GpuKernels.Need(values, count, op, "values");
        GpuKernels.Need(x, count, op, "x");
        return count;
    }

    private static void Optional(ArrayView<float> view, int channels, string name)
    {
        if (view.Length > 0) GpuKernels.Need(view, channels, "BatchNorm2d", name);
    }

    public struct NormArgs
    {
        public int Batch, Channels, PlaneSize, Flags;
        public float Momentum, Eps;
    }

    // ---- device code ---------------------------------------------------------------------------

    /// <summary>The sum of every thread's value, returned to every thread of the group.</summary>
    private static double GroupSum(ArrayView<double> partial, double value)
    {
        int t = Group.IdxX;
        partial[t] = value;
        Group.Barrier();
        for (int half = Group.DimX / 2; half > 0; half /= 2)
        {
            if (t < half) partial[t] += partial[t + half];
            Group.Barrier();
        }
        double total = partial[0];
        Group.Barrier();
        return total;
    }

    [Kernel]
    internal static void BatchNormForwardKernel(ArrayView<float> y, ArrayView<float> saveMean, ArrayView<float> saveInvStd, ArrayView<float> runningMean,
        ArrayView<float> runningVar, ArrayView<float> x, ArrayView<float> weight, ArrayView<float> bias, NormArgs a)
    {
        var partial = SharedMemory.Allocate<double>(GpuKernels.MaxGroupSize);
        int c = Grid.IdxX, t = Group.IdxX, threads = Group.DimX;
        long count = (long)a.Batch * a.PlaneSize;
        double mean, variance;
        if ((a.Flags & BatchStatistics) != 0)
        {
            double sum = 0;
            for (long e = t; e < count; e += threads) sum += x[((e / a.PlaneSize) * a.Channels + c) * a.PlaneSize + e % a.PlaneSize];
            mean = GroupSum(partial, sum) / count;
            double squares = 0;
            float meanFloat = (float)mean;
            for (long e = t; e < count; e += threads)
            {
                double d = x[((e / a.PlaneSize) * a.Channels + c) * a.PlaneSize + e % a.PlaneSize] - meanFloat;
                squares += d * d;
            }
            squares = GroupSum(partial, squares);
            variance = squares / count;
            if (t == 0 && (a.Flags & Training) != 0 && (a.Flags & HasRunning) != 0)
            {
                runningMean[c] = (float)((1 - a.Momentum) * runningMean[c] + a.Momentum * mean);
                runningVar[c] = (float)((1 - a.Momentum) * runningVar[c] + a.Momentum * squares / (count - 1));
            }
        }
        else
        {
            mean = runningMean[c];
            variance = runningVar[c];
        }
        double invStd = 1 / Math.Sqrt(variance + a.Eps);
        if (t == 0)
        {
            saveMean[c] = (float)mean;
            saveInvStd[c] = (float)invStd;
        }
        float scale = (float)(invStd * ((a.Flags & HasWeight) != 0 ? weight[c] : 1f));
        float shift = (float)(((a.Flags & HasBias) != 0 ? bias[c] : 0f) - mean * scale);
        for (long e = t; e < count; e += threads)
        {
            long at = ((e / a.PlaneSize) * a.Channels + c) * a.PlaneSize + e % a.PlaneSize;
            y[at] = x[at] * scale + shift;
        }
    }

    [Kernel]
    internal static void BatchNormBackwardKernel(ArrayView<float> dx, ArrayView<float> dWeight, ArrayView<float> dBias, ArrayView<float> dy,
        ArrayView<float> x, ArrayView<float> saveMean, ArrayView<float> saveInvStd, ArrayView<float> weight, NormArgs a)
    {
        var partial = SharedMemory.Allocate<double>(GpuKernels.MaxGroupSize);
        int c = Grid.IdxX, t = Group.IdxX, threads = Group.DimX;
        long count = (long)a.Batch * a.PlaneSize;
        float mean = saveMean[c], invStd = saveInvStd[c];
        double sumDy = 0, sumDyCentered = 0;
        for (long e = t; e < count; e += threads)
        {
            long at = ((e / a.PlaneSize) * a.Channels + c) * a.PlaneSize + e % a.PlaneSize;
            sumDy += dy[at];
            sumDyCentered += dy[at] * (double)(x[at] - mean);
        }
        sumDy = GroupSum(partial, sumDy);
        sumDyCentered = GroupSum(partial, sumDyCentered);
        double sumDyXhat = sumDyCentered * invStd;
        bool accumulateParameters = (a.Flags & AccumulateParameters) != 0;
        if (t == 0)
        {
            if ((a.Flags & HasDBias) != 0) dBias[c] = (float)(accumulateParameters ? dBias[c] + sumDy : sumDy);
            if ((a.Flags & HasDWeight) != 0) dWeight[c] = (float)(accumulateParameters ? dWeight[c] + sumDyXhat : sumDyXhat);
        }
        if ((a.Flags & HasDx) == 0) return;
        float gamma = (a.Flags & HasWeight) != 0 ? weight[c] : 1f;
        float scale = gamma * invStd;
        // dx = a·dy + b·x + k (as the CPU backend): training adds the terms through the batch statistics.
        float ca = scale, cb = 0f, ck = 0f;
        if ((a.Flags & Training) != 0)
        {
            double meanDy = sumDy / count, meanDyXhat = sumDyXhat / count;
            cb = (float)(-scale * invStd * meanDyXhat);
            ck = (float)(-scale * meanDy + scale * invStd * mean * meanDyXhat);
        }
        bool accumulateDx = (a.Flags & AccumulateDx) != 0;
        for (long e = t; e < count; e += threads)
        {
            long at = ((e / a.PlaneSize) * a.Channels + c) * a.PlaneSize + e % a.PlaneSize;
            float g = ca * dy[at] + cb * x[at] + ck;
            dx[at] = accumulateDx ? dx[at] + g : g;
        }
    }
}
