using ILGPU;
using ILGPU.Runtime;

namespace ShapeNet.Backends.Gpu;

/// <summary>
/// Inverted dropout with the counter-based hash specified in <c>Cpu/Dropout.cs</c>, so the device draws the CPU backend's
/// mask bit for bit: keep element i of step t when Mix64(Mix64(seed) ^ (t &lt;&lt; 32 | i)) &gt;&gt; 40 ≥ ceil(p·2²⁴).
/// </summary>
public sealed class GpuDropout
{
    private readonly GpuKernels _k;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, ulong, ulong, ulong> _forward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, int> _backward;

    internal GpuDropout(GpuKernels k)
    {
        _k = k;
        _forward = k.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, ulong, ulong, ulong>(DropoutForwardKernel);
        _backward = k.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, int>(DropoutBackwardKernel);
    }

    /// <summary>x (n) -> y (n), mask (n): mask = 1 where kept (probability 1 − p), y = x·mask/(1 − p). y may be x.</summary>
    public void Dropout_Forward(ArrayView<float> y, ArrayView<float> mask, ArrayView<float> x, long n, float p, ulong seed, uint step)
    {
        Check(p, n, "Dropout", y, mask, x);
        int count = GpuKernels.Count(n, "Dropout");
        if (count == 0) return;
        ulong threshold = (ulong)Math.Ceiling(p * (double)(1 << 24));
        _forward(_k.Stream, count, y, mask, x, Scale(p), Mix64(seed), (ulong)step << 32, threshold);
    }

    /// <summary>dy (n), mask (n) -> dx (n): dx (+)= dy·mask/(1 − p).</summary>
    public void Dropout_Backward(ArrayView<float> dx, ArrayView<float> dy, ArrayView<float> mask, long n, float p, bool accumulate)
    {
        Check(p, n, "Dropout backward", dx, mask, dy);
        int count = GpuKernels.Count(n, "Dropout backward");
        if (count > 0) _backward(_k.Stream, count, dx, dy, mask, Scale(p), accumulate ? 1 : 0);
    }

    private static float Scale(float p) => p < 1f ? 1f / (1f - p) : 0f;

    private static void Check(float p, long n, string op, ArrayView<float> output, ArrayView<float> mask, ArrayView<float> input)
    {
        if (!(p >= 0f && p <= 1f)) throw new ArgumentOutOfRangeException(nameof(p), p, "Dropout probability must lie in [0, 1].");
        if (n > uint.MaxValue) throw new ArgumentOutOfRangeException(nameof(n), n, "Dropout's hash counts elements below 2³².");
        GpuKernels.Need(output, n, op, "output");
        GpuKernels.Need(mask, n, op, "mask");
        GpuKernels.Need(input, n, op, "input");
    }

    /// <summary>SplitMix64's output function, as CpuDropout's.</summary>
    private static ulong Mix64(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    // ---- device code ---------------------------------------------------------------------------

    [Kernel]
    internal static void DropoutForwardKernel(Index1D i, ArrayView<float> y, ArrayView<float> mask, ArrayView<float> x, float scale,
        ulong key, ulong counterBase, ulong threshold)
    {
        ulong z = key ^ (counterBase | (uint)i.X);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        bool keep = z >> 40 >= threshold;
        float value = x[i];
        mask[i] = keep ? 1f : 0f;
        y[i] = keep ? value * scale : 0f;
    }

    [Kernel]
    internal static void DropoutBackwardKernel(Index1D i, ArrayView<float> dx, ArrayView<float> dy, ArrayView<float> mask, float scale, int accumulate)
    {
        float g = dy[i] * mask[i] * scale;
        dx[i] = accumulate != 0 ? dx[i] + g : g;
    }
}
