using System.Runtime.CompilerServices;

namespace ShapeNet.Backends.Cpu;

/// <summary>
/// Inverted dropout with a counter-based random number generator, so any backend draws the same mask from
/// (seed, step, index) alone, in any order and on any number of threads:
/// <code>
/// h = Mix64(Mix64(seed) ^ (step &lt;&lt; 32 | index))            // Mix64 = SplitMix64's finalizer
/// u = (h &gt;&gt; 40) · 2⁻²⁴                                       // 24 random bits, uniform in [0, 1)
/// keep = u ≥ p
/// </code>
/// with 64-bit unsigned wrap-around arithmetic and index the element's position (below 2³²). Mix64 is a bijection, so
/// distinct (step, index) pairs never share a counter. The caller advances step once per training step; evaluation
/// mode is the identity and does not call these kernels.
/// </summary>
[SkipLocalsInit]
public static class CpuDropout
{
    /// <summary>
    /// x (n) -> y (n), mask (n)
    /// mask = 1 for kept elements and 0 for dropped ones (probability p); y = x·mask / (1 − p) (all zero when p = 1).
    /// y and x may be the same memory.
    /// </summary>
    public static void Dropout_Forward(Span<float> y, Span<float> mask, ReadOnlySpan<float> x, float p, ulong seed, uint step)
    {
        int n = x.Length;
        Check(p, y.Length, mask.Length, n, "y", "mask");
        float scale = Scale(p);
        ulong key = Mix64(seed), counterBase = (ulong)step << 32;
        // u ≥ p ⟺ the top 24 bits ≥ ceil(p·2²⁴): one integer comparison per element, exact for every float p.
        ulong threshold = (ulong)Math.Ceiling(p * (double)(1 << 24));
        for (int i = 0; i < n; i++)
        {
            bool keep = Mix64(key ^ (counterBase | (uint)i)) >> 40 >= threshold;
            mask[i] = keep ? 1f : 0f;
            y[i] = keep ? x[i] * scale : 0f;
        }
    }

    /// <summary>
    /// dy (n), mask (n) -> dx (n)
    /// dx (+)= dy·mask / (1 − p).
    /// </summary>
    public static void Dropout_Backward(Span<float> dx, ReadOnlySpan<float> dy, ReadOnlySpan<float> mask, float p, bool accumulate)
    {
        int n = dy.Length;
        Check(p, dx.Length, mask.Length, n, "dx", "mask");
        float scale = Scale(p);
        for (int i = 0; i < n; i++)
        {
            float g = dy[i] * mask[i] * scale;
            dx[i] = accumulate ? dx[i] + g : g;
        }
    }

    /// <summary>The uniform number in [0, 1) that decides element <paramref name="index"/> of step <paramref name="step"/>
    /// (kept when it is at least p): the specification a device backend reproduces.</summary>
    public static float Uniform(ulong seed, uint step, uint index)
        => (Mix64(Mix64(seed) ^ ((ulong)step << 32 | index)) >> 40) * (1f / (1 << 24));

    /// <summary>SplitMix64's output function (Steele, Lea, Flood 2014; Stafford's Mix13 constants).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix64(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static float Scale(float p) => p < 1f ? 1f / (1f - p) : 0f;

    private static void Check(float p, int outputLength, int maskLength, int n, string output, string mask)
    {
        if (!(p >= 0f && p <= 1f))
            throw new ArgumentOutOfRangeException(nameof(p), p, "Dropout probability must lie in [0, 1].");
        if (outputLength != n || maskLength != n)
            throw new ArgumentException($"Dropout over {n} values: {output} has {outputLength} and {mask} {maskLength}.");
    }
}
