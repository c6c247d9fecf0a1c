using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace ShapeNet.Backends.Cpu;

/// <summary>Data movement: axis permutation and strided row copies (concatenation, slicing and their backwards).</summary>
[SkipLocalsInit]
public static class CpuLayout
{
    /// <summary>Square tile edge for 2-D transposes: a 32×32 tile of x and of y both stay in L1.</summary>
    private const int TransposeTile = 32;

    /// <summary>
    /// x (xShape) -> y (xShape[perm[0]], xShape[perm[1]], ...)
    /// y (+)= x permuted: y's axis i is x's axis perm[i]. The backward is the inverse permutation with accumulate.
    /// </summary>
    public static void Permute(Span<float> y, ReadOnlySpan<float> x, ReadOnlySpan<int> xShape, ReadOnlySpan<int> permutation,
        bool accumulate)
    {
        int rank = xShape.Length;
        if (permutation.Length != rank || rank > CpuElementwise.MaxRank)
            throw new ArgumentException($"Permutation of length {permutation.Length} for x of rank {rank}.", nameof(permutation));
        Span<long> xStrides = stackalloc long[rank];
        long count = 1;
        for (int d = rank - 1; d >= 0; d--)
        {
            xStrides[d] = count;
            count *= xShape[d];
        }
        if (x.Length != count || y.Length != count)
            throw new ArgumentException($"Permute of {Tensor.ShapeText(xShape)} needs {count} values; x has {x.Length}, y has {y.Length}.");

        // y walked in its own order; each y axis steps x by the stride of the x axis it came from.
        Span<int> sizes = stackalloc int[rank];
        Span<long> strides = stackalloc long[rank];
        Span<bool> seen = stackalloc bool[rank];
        seen.Clear();
        for (int i = 0; i < rank; i++)
        {
            int axis = permutation[i];
            if ((uint)axis >= (uint)rank || seen[axis])
                throw new ArgumentException($"[{string.Join(", ", permutation.ToArray())}] is not a permutation of {rank} axes.", nameof(permutation));
            seen[axis] = true;
            sizes[i] = xShape[axis];
            strides[i] = xStrides[axis];
        }
        if (count == 0) return;
        if (rank == 0)
        {
            y[0] = accumulate ? y[0] + x[0] : x[0];
            return;
        }
        if (rank == 2 && strides[1] != 1)
        {
            Transpose2D(y, x, sizes[0], sizes[1], accumulate);
            return;
        }

        int inner = sizes[rank - 1];
        long innerStride = strides[rank - 1];
        Span<int> counters = stackalloc int[rank];
        counters.Clear();
        long xOffset = 0;
        for (long yOffset = 0; yOffset < count; yOffset += inner)
        {
            Span<float> yRow = y.Slice((int)yOffset, inner);
            if (innerStride == 1)
            {
                ReadOnlySpan<float> xRow = x.Slice((int)xOffset, inner);
                if (accumulate) TensorPrimitives.Add(yRow, xRow, yRow);
                else xRow.CopyTo(yRow);
            }
            else
            {
                long source = xOffset;
                for (int j = 0; j < inner; j++, source += innerStride)
                    yRow[j] = accumulate ? yRow[j] + x[(int)source] : x[(int)source];
            }
            for (int d = rank - 2; d >= 0; d--)
            {
                xOffset += strides[d];
                if (++counters[d] < sizes[d]) break;
                counters[d] = 0;
                xOffset -= strides[d] * sizes[d];
            }
        }
    }

    /// <summary>y (rows,cols) (+)= x (cols,rows)ᵀ, in square tiles so neither side is read with a cache-missing stride.</summary>
    private static void Transpose2D(Span<float> y, ReadOnlySpan<float> x, int rows, int columns, bool accumulate)
    {
        for (int r0 = 0; r0 < rows; r0 += TransposeTile)
        {
            int r1 = Math.Min(rows, r0 + TransposeTile);
            for (int c0 = 0; c0 < columns; c0 += TransposeTile)
            {
                int c1 = Math.Min(columns, c0 + TransposeTile);
                for (int r = r0; r < r1; r++)
                {
                    Span<float> yRow = y.Slice(r * columns, columns);
                    for (int c = c0; c < c1; c++)
                        yRow[c] = accumulate ? yRow[c] + x[c * rows + r] : x[c * rows + r];
                }
            }
        }
    }

    /// <summary>
    /// source rows (rows, stride sourceStride) -> destination rows (rows, stride destinationStride)
    /// dst[r*dstStride + i] (+)= src[r*srcStride + i] for r &lt; rows, i &lt; rowLength (spans start at the offsets).
    /// </summary>
    public static void CopyRows(Span<float> destination, long destinationStride, ReadOnlySpan<float> source, long sourceStride,
        long rowLength, long rows, bool accumulate)
    {
        if (rows <= 0 || rowLength <= 0) return;
        if ((rows - 1) * destinationStride + rowLength > destination.Length || (rows - 1) * sourceStride + rowLength > source.Length)
            throw new ArgumentException($"CopyRows of {rows}×{rowLength} (strides {destinationStride} and {sourceStride}) overruns " +
                $"the destination ({destination.Length}) or the source ({source.Length}).");
        int length = (int)rowLength;
        for (long r = 0; r < rows; r++)
        {
            Span<float> to = destination.Slice((int)(r * destinationStride), length);
            ReadOnlySpan<float> from = source.Slice((int)(r * sourceStride), length);
            if (accumulate) TensorPrimitives.Add(to, from, to);
            else from.CopyTo(to);
        }
    }
}
