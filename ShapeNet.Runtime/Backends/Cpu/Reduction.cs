using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace ShapeNet.Backends.Cpu;

/// <summary>
/// Sum and mean over any set of axes. x is walked in rows of its innermost coalesced axis: a kept inner
/// axis adds whole rows into y, a reduced inner axis adds a row's sum into one y element.
/// </summary>
[SkipLocalsInit]
public static class CpuReduction
{
    /// <summary>
    /// x (xShape) -> y (xShape with the flagged axes of size 1)
    /// y = sum or mean of x over the axes flagged in <paramref name="reduceAxes"/>.
    /// </summary>
    public static void Reduce_Forward(ReduceOp op, Span<float> y, ReadOnlySpan<float> x, ReadOnlySpan<int> xShape,
        ReadOnlySpan<bool> reduceAxes)
    {
        Span<int> yShape = stackalloc int[CpuElementwise.MaxRank];
        long reducedCount = ReducedShape(xShape, reduceAxes, yShape);
        var walk = new BroadcastWalk(xShape, yShape[..xShape.Length], xShape, x.Length, y.Length, x.Length);
        y.Clear();
        long xOffset = 0, yOffset = 0;
        for (long rowStart = 0; rowStart < x.Length; rowStart += walk.InnerLength)
        {
            ReadOnlySpan<float> xRow = x.Slice((int)rowStart, walk.InnerLength);
            if (walk.InnerBFull)
            {
                Span<float> yRow = y.Slice((int)yOffset, walk.InnerLength);
                TensorPrimitives.Add(yRow, xRow, yRow);
            }
            else
            {
                y[(int)yOffset] += TensorPrimitives.Sum(xRow);
            }
            walk.Advance(ref xOffset, ref yOffset);
        }
        if (op == ReduceOp.Mean) TensorPrimitives.Divide(y, (float)reducedCount, y);
        else if (op != ReduceOp.Sum) throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown reduction.");
    }

    /// <summary>
    /// dy (xShape with the flagged axes of size 1) -> dx (xShape)
    /// dx (+)= broadcast(dy), divided by the number of reduced elements for Mean.
    /// </summary>
    public static void Reduce_Backward(ReduceOp op, Span<float> dx, ReadOnlySpan<float> dy, ReadOnlySpan<int> xShape,
        ReadOnlySpan<bool> reduceAxes, bool accumulate)
    {
        if (op is not (ReduceOp.Sum or ReduceOp.Mean)) throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown reduction.");
        Span<int> yShape = stackalloc int[CpuElementwise.MaxRank];
        long reducedCount = ReducedShape(xShape, reduceAxes, yShape);
        var walk = new BroadcastWalk(xShape, yShape[..xShape.Length], xShape, dx.Length, dy.Length, dx.Length);
        float scale = op == ReduceOp.Mean ? 1f / reducedCount : 1f;
        long xOffset = 0, yOffset = 0;
        for (long rowStart = 0; rowStart < dx.Length; rowStart += walk.InnerLength)
        {
            Span<float> dxRow = dx.Slice((int)rowStart, walk.InnerLength);
            if (walk.InnerBFull)
            {
                ReadOnlySpan<float> dyRow = dy.Slice((int)yOffset, walk.InnerLength);
                if (accumulate) TensorPrimitives.MultiplyAdd(dyRow, scale, dxRow, dxRow);
                else TensorPrimitives.Multiply(dyRow, scale, dxRow);
            }
            else
            {
                float value = dy[(int)yOffset] * scale;
                if (accumulate) TensorPrimitives.Add(dxRow, value, dxRow);
                else dxRow.Fill(value);
            }
            walk.Advance(ref xOffset, ref yOffset);
        }
    }

    /// <summary>Writes y's shape (reduced axes set to 1) and returns how many x elements feed each y element.</summary>
    private static long ReducedShape(ReadOnlySpan<int> xShape, ReadOnlySpan<bool> reduceAxes, Span<int> yShape)
    {
        if (reduceAxes.Length != xShape.Length)
            throw new ArgumentException($"reduceAxes has {reduceAxes.Length} flags for x of rank {xShape.Length}.", nameof(reduceAxes));
        if (xShape.Length > CpuElementwise.MaxRank)
            throw new ArgumentException($"Rank {xShape.Length} exceeds the supported {CpuElementwise.MaxRank}.", nameof(xShape));
        long count = 1;
        for (int d = 0; d < xShape.Length; d++)
        {
            yShape[d] = reduceAxes[d] ? 1 : xShape[d];
            if (reduceAxes[d]) count *= xShape[d];
        }
        return count;
    }
}
