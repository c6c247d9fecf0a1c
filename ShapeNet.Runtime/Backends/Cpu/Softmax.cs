using System.Numerics.Tensors;

namespace ShapeNet.Backends.Cpu;

/// <summary>
/// Softmax and log-softmax along the middle axis of [outer, dim, inner]. With inner = 1 each softmax is a
/// contiguous row; otherwise a [dim, inner] block is processed row by row with per-column running
/// max and sum rows, so every pass is a contiguous vector op.
/// </summary>
public static class CpuSoftmax
{
    /// <summary>Per-thread scratch rows for the inner > 1 case; grows to the largest inner size seen, then stays.</summary>
    [ThreadStatic] private static float[]? t_scratch;

    private static Span<float> Scratch(int length)
    {
        float[]? scratch = t_scratch;
        if (scratch == null || scratch.Length < length) t_scratch = scratch = new float[length];
        return scratch.AsSpan(0, length);
    }

    /// <summary>
    /// x (outer,dim,inner) -> y (outer,dim,inner)
    /// y = softmax(x) or log_softmax(x) along dim, stabilized by subtracting the maximum. y may be x.
    /// </summary>
    public static void Softmax_Forward(Span<float> y, ReadOnlySpan<float> x, int outer, int dim, int inner, bool log)
    {
        long count = CheckSizes(y.Length, x.Length, outer, dim, inner);
        if (count == 0 || dim == 0) return;
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                ReadOnlySpan<float> xRow = x.Slice(o * dim, dim);
                Span<float> yRow = y.Slice(o * dim, dim);
                TensorPrimitives.Subtract(xRow, TensorPrimitives.Max(xRow), yRow);
                if (log)
                {
                    Span<float> rowExps = Scratch(dim);
                    TensorPrimitives.Exp(yRow, rowExps);
                    TensorPrimitives.Subtract(yRow, MathF.Log(TensorPrimitives.Sum(rowExps)), yRow);
                }
                else
                {
                    TensorPrimitives.Exp(yRow, yRow);
                    TensorPrimitives.Divide(yRow, TensorPrimitives.Sum(yRow), yRow);
                }
            }
            return;
        }

        Span<float> scratch = Scratch(3 * inner);
        Span<float> max = scratch[..inner], sums = scratch.Slice(inner, inner), exps = scratch.Slice(2 * inner, inner);
        for (int o = 0; o < outer; o++)
        {
            int block = o * dim * inner;
            x.Slice(block, inner).CopyTo(max);
            for (int d = 1; d < dim; d++) TensorPrimitives.Max(max, x.Slice(block + d * inner, inner), max);
            sums.Clear();
            for (int d = 0; d < dim; d++)
            {
                Span<float> yRow = y.Slice(block + d * inner, inner);
                TensorPrimitives.Subtract(x.Slice(block + d * inner, inner), max, yRow);
                if (log)
                {
                    TensorPrimitives.Exp(yRow, exps);
                    TensorPrimitives.Add(sums, exps, sums);
                }
                else
                {
                    TensorPrimitives.Exp(yRow, yRow);
                    TensorPrimitives.Add(sums, yRow, sums);
                }
            }
            if (log) TensorPrimitives.Log(sums, sums);
            for (int d = 0; d < dim; d++)
            {
                Span<float> yRow = y.Slice(block + d * inner, inner);
                if (log) TensorPrimitives.Subtract(yRow, sums, yRow);
                else TensorPrimitives.Divide(yRow, sums, yRow);
            }
        }
    }

    /// <summary>
    /// dy (outer,dim,inner), y (outer,dim,inner) -> dx (outer,dim,inner)
    /// softmax: dx (+)= y·(dy − Σ_dim dy·y); log-softmax: dx (+)= dy − exp(y)·Σ_dim dy.
    /// </summary>
    public static void Softmax_Backward(Span<float> dx, ReadOnlySpan<float> dy, ReadOnlySpan<float> y, int outer, int dim, int inner,
        bool log, bool accumulate)
    {
        long count = CheckSizes(dx.Length, y.Length, outer, dim, inner);
        if (dy.Length != count)
            throw new ArgumentException($"dy has {dy.Length} values, expected {count}.", nameof(dy));
        if (count == 0 || dim == 0) return;
        if (inner == 1)
        {
            Span<float> rowTerm = Scratch(dim);
            for (int o = 0; o < outer; o++)
            {
                ReadOnlySpan<float> dyRow = dy.Slice(o * dim, dim);
                ReadOnlySpan<float> yRow = y.Slice(o * dim, dim);
                Span<float> dxRow = dx.Slice(o * dim, dim);
                if (log)
                {
                    TensorPrimitives.Exp(yRow, rowTerm);
                    TensorPrimitives.Multiply(rowTerm, TensorPrimitives.Sum(dyRow), rowTerm);
                    TensorPrimitives.Subtract(dyRow, rowTerm, rowTerm);
                }
                else
                {
                    TensorPrimitives.Subtract(dyRow, TensorPrimitives.Dot(dyRow, yRow), rowTerm);
                    TensorPrimitives.Multiply(rowTerm, yRow, rowTerm);
                }
                if (accumulate) TensorPrimitives.Add(dxRow, rowTerm, dxRow);
                else rowTerm.CopyTo(dxRow);
            }
            return;
        }

        Span<float> scratch = Scratch(2 * inner);
        Span<float> sums = scratch[..inner], term = scratch.Slice(inner, inner);
        for (int o = 0; o < outer; o++)
        {
            int block = o * dim * inner;
            sums.Clear();
            for (int d = 0; d < dim; d++)
            {
                ReadOnlySpan<float> dyRow = dy.Slice(block + d * inner, inner);
                if (log) TensorPrimitives.Add(sums, dyRow, sums);
                else TensorPrimitives.FusedMultiplyAdd(dyRow, y.Slice(block + d * inner, inner), sums, sums);
            }
            for (int d = 0; d < dim; d++)
            {
                ReadOnlySpan<float> dyRow = dy.Slice(block + d * inner, inner);
                ReadOnlySpan<float> yRow = y.Slice(block + d * inner, inner);
                Span<float> dxRow = dx.Slice(block + d * inner, inner);
                if (log)
                {
                    TensorPrimitives.Exp(yRow, term);
                    TensorPrimitives.Multiply(term, sums, term);
                    TensorPrimitives.Subtract(dyRow, term, term);
                }
                else
                {
                    TensorPrimitives.Subtract(dyRow, sums, term);
                    TensorPrimitives.Multiply(term, yRow, term);
                }
                if (accumulate) TensorPrimitives.Add(dxRow, term, dxRow);
                else term.CopyTo(dxRow);
            }
        }
    }

    private static long CheckSizes(int outputLength, int inputLength, int outer, int dim, int inner)
    {
        if (outer < 0 || dim < 0 || inner < 0)
            throw new ArgumentException($"Softmax sizes must be non-negative: outer {outer}, dim {dim}, inner {inner}.");
        long count = SizeMath.Product("Softmax", "the input", [outer, dim, inner]);
        if (outputLength != count || inputLength != count)
            throw new ArgumentException($"Softmax [{outer}, {dim}, {inner}] needs {count} values; the spans have {outputLength} and {inputLength}.");
        return count;
    }
}
