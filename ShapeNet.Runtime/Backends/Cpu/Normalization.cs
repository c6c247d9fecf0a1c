using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace ShapeNet.Backends.Cpu;

/// <summary>
/// BatchNorm2d over x viewed as (N, C, plane), PyTorch semantics. Training normalises with the batch mean and
/// biased variance of each channel and updates running = (1 − momentum)·running + momentum·batch statistic, the
/// variance term being the unbiased one; evaluation normalises with the running statistics. Channel sums are
/// taken per plane in float and added across planes in double.
/// </summary>
[SkipLocalsInit]
public static class CpuNormalization
{
    /// <summary>
    /// x (N,C,plane), weight (C), bias (C), runningMean (C), runningVar (C) -> y (N,C,plane), saveMean (C), saveInvStd (C)
    /// y = (x − mean)·invStd·weight + bias with invStd = 1/√(var + eps). Training (or no running statistics, as
    /// track_running_stats = false): batch statistics, running statistics updated when present. Evaluation: running
    /// statistics. saveMean/saveInvStd receive the statistics used, for the backward. Empty weight/bias mean 1/0.
    /// </summary>
    public static void BatchNorm2d_Forward(Span<float> y, Span<float> saveMean, Span<float> saveInvStd, Span<float> runningMean,
        Span<float> runningVar, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        int batch, int channels, int planeSize, bool training, float momentum, float eps)
    {
        Check("BatchNorm2d", y.Length, x.Length, batch, channels, planeSize);
        CheckChannels("saveMean", saveMean.Length, channels, false);
        CheckChannels("saveInvStd", saveInvStd.Length, channels, false);
        CheckChannels("runningMean", runningMean.Length, channels, true);
        CheckChannels("runningVar", runningVar.Length, channels, true);
        CheckChannels("weight", weight.Length, channels, true);
        CheckChannels("bias", bias.Length, channels, true);
        if (runningMean.IsEmpty != runningVar.IsEmpty)
            throw new ArgumentException("BatchNorm2d: runningMean and runningVar are both given or both empty.", nameof(runningVar));
        bool batchStatistics = training || runningMean.IsEmpty;
        long count = (long)batch * planeSize;
        if (batchStatistics && count < 2 && training)
            throw new ArgumentException($"BatchNorm2d training needs more than one value per channel, got N={batch} × plane {planeSize}.");

        for (int c = 0; c < channels; c++)
        {
            double mean, variance;
            if (batchStatistics)
            {
                double sum = 0;
                for (int n = 0; n < batch; n++) sum += TensorPrimitives.Sum(Plane(x, n, c, channels, planeSize));
                mean = sum / count;
                double squares = 0;
                for (int n = 0; n < batch; n++) squares += SumOfSquaredDeviations(Plane(x, n, c, channels, planeSize), (float)mean);
                variance = squares / count;
                if (training && !runningMean.IsEmpty)
                {
                    runningMean[c] = (float)((1 - momentum) * runningMean[c] + momentum * mean);
                    runningVar[c] = (float)((1 - momentum) * runningVar[c] + momentum * squares / (count - 1));
                }
            }
            else
            {
                mean = runningMean[c];
                variance = runningVar[c];
            }
            double invStd = 1 / Math.Sqrt(variance + eps);
            saveMean[c] = (float)mean;
            saveInvStd[c] = (float)invStd;
            // y = x·scale + shift
            float scale = (float)(invStd * (weight.IsEmpty ? 1f : weight[c]));
            float shift = (float)((bias.IsEmpty ? 0f : bias[c]) - mean * scale);
            for (int n = 0; n < batch; n++)
            {
                Span<float> yp = y.Slice((n * channels + c) * planeSize, planeSize);
                TensorPrimitives.Multiply(Plane(x, n, c, channels, planeSize), scale, yp);
                TensorPrimitives.Add(yp, shift, yp);
            }
        }
    }

    /// <summary>
    /// dy (N,C,plane), x (N,C,plane), saveMean (C), saveInvStd (C), weight (C) -> dx (N,C,plane), dWeight (C), dBias (C)
    /// dBias (+)= Σ dy; dWeight (+)= Σ dy·x̂ with x̂ = (x − mean)·invStd; dx (+)= weight·invStd·(dy − (Σdy + x̂·Σdy·x̂)/M)
    /// in training (batch statistics, M = N·plane) and weight·invStd·dy in evaluation (constant running statistics).
    /// Empty dx, dWeight, dBias are skipped; an empty weight means 1.
    /// </summary>
    public static void BatchNorm2d_Backward(Span<float> dx, Span<float> dWeight, Span<float> dBias, ReadOnlySpan<float> dy,
        ReadOnlySpan<float> x, ReadOnlySpan<float> saveMean, ReadOnlySpan<float> saveInvStd, ReadOnlySpan<float> weight,
        int batch, int channels, int planeSize, bool training, bool accumulateDx, bool accumulateParameters)
    {
        Check("BatchNorm2d backward", dy.Length, x.Length, batch, channels, planeSize);
        if (!dx.IsEmpty) Check("BatchNorm2d backward", dx.Length, x.Length, batch, channels, planeSize);
        CheckChannels("saveMean", saveMean.Length, channels, false);
        CheckChannels("saveInvStd", saveInvStd.Length, channels, false);
        CheckChannels("weight", weight.Length, channels, true);
        CheckChannels("dWeight", dWeight.Length, channels, true);
        CheckChannels("dBias", dBias.Length, channels, true);
        long count = (long)batch * planeSize;

        for (int c = 0; c < channels; c++)
        {
            float mean = saveMean[c], invStd = saveInvStd[c];
            // Σ dy and Σ dy·(x − mean), per plane in float, across planes in double.
            double sumDy = 0, sumDyCentered = 0;
            for (int n = 0; n < batch; n++)
            {
                ReadOnlySpan<float> dyp = Plane(dy, n, c, channels, planeSize);
                sumDy += TensorPrimitives.Sum(dyp);
                sumDyCentered += DotCentered(dyp, Plane(x, n, c, channels, planeSize), mean);
            }
            double sumDyXhat = sumDyCentered * invStd;
            if (!dBias.IsEmpty) dBias[c] = (float)(accumulateParameters ? dBias[c] + sumDy : sumDy);
            if (!dWeight.IsEmpty) dWeight[c] = (float)(accumulateParameters ? dWeight[c] + sumDyXhat : sumDyXhat);
            if (dx.IsEmpty) continue;

            float gamma = weight.IsEmpty ? 1f : weight[c];
            float scale = gamma * invStd;
            // Training: dx = scale·dy + (−scale·Σdy/M + scale·invStd·mean·Σdy·x̂/M) − scale·invStd·Σdy·x̂/M·x = a·dy + b·x + k.
            float a = scale, b = 0f, k = 0f;
            if (training)
            {
                double meanDy = sumDy / count, meanDyXhat = sumDyXhat / count;
                b = (float)(-scale * invStd * meanDyXhat);
                k = (float)(-scale * meanDy + scale * invStd * mean * meanDyXhat);
            }
            for (int n = 0; n < batch; n++)
            {
                Span<float> dxp = dx.Slice((n * channels + c) * planeSize, planeSize);
                GradientPlane(dxp, Plane(dy, n, c, channels, planeSize), Plane(x, n, c, channels, planeSize), a, b, k, accumulateDx);
            }
        }
    }

    private static ReadOnlySpan<float> Plane(ReadOnlySpan<float> values, int n, int c, int channels, int planeSize)
        => values.Slice((n * channels + c) * planeSize, planeSize);

    /// <summary>Σ (x − mean)²</summary>
    private static double SumOfSquaredDeviations(ReadOnlySpan<float> x, float mean)
    {
        var meanVector = new Vector<float>(mean);
        Vector<float> acc = Vector<float>.Zero;
        int i = 0, width = Vector<float>.Count;
        for (; i <= x.Length - width; i += width)
        {
            Vector<float> d = new Vector<float>(x[i..]) - meanVector;
            acc += d * d;
        }
        double sum = Vector.Sum(acc);
        for (; i < x.Length; i++) sum += (x[i] - mean) * (double)(x[i] - mean);
        return sum;
    }

    /// <summary>Σ dy·(x − mean)</summary>
    private static double DotCentered(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float mean)
    {
        var meanVector = new Vector<float>(mean);
        Vector<float> acc = Vector<float>.Zero;
        int i = 0, width = Vector<float>.Count;
        for (; i <= x.Length - width; i += width)
            acc += new Vector<float>(dy[i..]) * (new Vector<float>(x[i..]) - meanVector);
        double sum = Vector.Sum(acc);
        for (; i < x.Length; i++) sum += dy[i] * (double)(x[i] - mean);
        return sum;
    }

    /// <summary>dx (+)= a·dy + b·x + k</summary>
    private static void GradientPlane(Span<float> dx, ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float a, float b, float k, bool accumulate)
    {
        Vector<float> va = new(a), vb = new(b), vk = new(k);
        int i = 0, width = Vector<float>.Count;
        for (; i <= dx.Length - width; i += width)
        {
            Vector<float> g = va * new Vector<float>(dy[i..]) + vb * new Vector<float>(x[i..]) + vk;
            if (accumulate) g += new Vector<float>(dx[i..]);
            g.CopyTo(dx[i..]);
        }
        for (; i < dx.Length; i++)
        {
            float g = a * dy[i] + b * x[i] + k;
            dx[i] = accumulate ? dx[i] + g : g;
        }
    }

    private static void Check(string op, int valuesLength, int xLength, int batch, int channels, int planeSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(planeSize);
        long needed = SizeMath.Product(op, "the input", [batch, channels, planeSize]);
        if (valuesLength < needed || xLength < needed)
            throw new ArgumentException($"{op} on ({batch},{channels},{planeSize}) needs {needed} values per tensor, got {valuesLength} and x {xLength}.");
    }

    private static void CheckChannels(string name, int length, int channels, bool optional)
    {
        if (optional && length == 0) return;
        if (length < channels)
            throw new ArgumentException($"BatchNorm2d: {name} needs {channels} values (one per channel), got {length}.", name);
    }
}
