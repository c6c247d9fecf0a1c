namespace ShapeNet.Backends.Cpu;

/// <summary>
/// Top-k along the middle axis of x viewed as [outer, dim, inner] (PyTorch's <c>torch.topk</c>, sorted): for each of the
/// outer·inner lines, the k largest (or smallest) values in order and their positions along the axis as floats. Ties keep
/// the lower index first; NaN counts as larger than any number (first for the largest, last for the smallest). One pass per line keeping a sorted list of k (O(dim·k)),
/// no allocation. Backward scatters dy to the kept positions: dx (+)= dy at the indices, zero elsewhere.
/// </summary>
public static class CpuTopK
{
    /// <summary>values, indices [outer, k, inner] ← the k largest (<paramref name="largest"/>) or smallest entries of each line
    /// of x [outer, dim, inner] along the middle axis, sorted, with their positions along it as floats.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is not 1 … <paramref name="dim"/>.</exception>
    /// <exception cref="ArgumentException">A span is shorter than the sizes need.</exception>
    public static void Forward(Span<float> values, Span<float> indices, ReadOnlySpan<float> x, int outer, int dim, int inner, int k, bool largest)
    {
        if (k <= 0 || k > dim) throw new ArgumentOutOfRangeException(nameof(k), k, $"TopK needs 1 <= k <= {dim}.");
        long need = (long)outer * k * inner;
        if (values.Length < need || indices.Length < need || x.Length < (long)outer * dim * inner)
            throw new ArgumentException($"TopK over [{outer}, {dim}, {inner}] with k = {k} needs {need} outputs and {(long)outer * dim * inner} inputs.");
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                long inBase = (long)o * dim * inner + i, outBase = (long)o * k * inner + i;
                int count = 0;
                for (int d = 0; d < dim; d++)
                {
                    float v = x[(int)(inBase + (long)d * inner)];
                    // Find where v goes among the kept ones (before the first it beats); equal values keep the earlier index first.
                    int at = count;
                    while (at > 0 && Beats(v, values[(int)(outBase + (long)(at - 1) * inner)], largest)) at--;
                    if (at >= k) continue;
                    int last = System.Math.Min(count, k - 1);
                    for (int m = last; m > at; m--)
                    {
                        values[(int)(outBase + (long)m * inner)] = values[(int)(outBase + (long)(m - 1) * inner)];
                        indices[(int)(outBase + (long)m * inner)] = indices[(int)(outBase + (long)(m - 1) * inner)];
                    }
                    values[(int)(outBase + (long)at * inner)] = v;
                    indices[(int)(outBase + (long)at * inner)] = d;
                    if (count < k) count++;
                }
            }
        }
    }

    /// <summary>dx (+)= dy at the kept positions (zero elsewhere when not accumulating).</summary>
    public static void Backward(Span<float> dx, ReadOnlySpan<float> dy, ReadOnlySpan<float> indices, int outer, int dim, int inner, int k, bool accumulate)
    {
        long n = (long)outer * dim * inner;
        if (!accumulate) dx.Slice(0, checked((int)n)).Clear();
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < k; j++)
            {
                long src = ((long)o * k + j) * inner;
                for (int i = 0; i < inner; i++)
                {
                    int d = (int)indices[(int)(src + i)];
                    dx[(int)(((long)o * dim + d) * inner + i)] += dy[(int)(src + i)];
                }
            }
        }
    }

    /// <summary>Whether <paramref name="candidate"/> goes strictly before <paramref name="kept"/>.</summary>
    private static bool Beats(float candidate, float kept, bool largest)
    {
        // NaN counts as the largest value: first when largest, last otherwise.
        if (float.IsNaN(candidate)) return largest && !float.IsNaN(kept);
        if (float.IsNaN(kept)) return !largest;
        return largest ? candidate > kept : candidate < kept;
    }
}
