using System.Runtime.CompilerServices;

namespace ShapeNet.Backends.Gpu;

/// <summary>
/// Index arithmetic passed to kernels by value: a row-major walk over up to <see cref="MaxRank"/> axes that turns a flat
/// index into two strided offsets (a stride of 0 is a broadcast axis). Built on the host from the shapes, after
/// dropping size-1 axes and merging neighbours that keep the same strides, so most walks have one or two axes.
/// </summary>
public unsafe struct Walk
{
    /// <summary>As the CPU backend's limit on operand rank.</summary>
    public const int MaxRank = 16;

    public fixed int Size[MaxRank];
    public fixed long StrideA[MaxRank];
    public fixed long StrideB[MaxRank];
    public int Rank;

    /// <summary>The a and b offsets of the element at <paramref name="index"/> in the walk's row-major order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Offsets(long index, out long a, out long b)
    {
        long offsetA = 0, offsetB = 0;
        for (int d = Rank - 1; d >= 0; d--)
        {
            long size = Size[d];
            long coordinate = index % size;
            index /= size;
            offsetA += coordinate * StrideA[d];
            offsetB += coordinate * StrideB[d];
        }
        a = offsetA;
        b = offsetB;
    }

    /// <summary>The number of elements the walk visits.</summary>
    public readonly long Count
    {
        get
        {
            long count = 1;
            for (int d = 0; d < Rank; d++) count *= Size[d];
            return count;
        }
    }

    /// <summary>Adds an axis after the existing ones, merged into the last when both strides continue it.</summary>
    internal void Append(int size, long strideA, long strideB)
    {
        if (size == 1) return;
        if (Rank > 0 && StrideA[Rank - 1] == strideA * size && StrideB[Rank - 1] == strideB * size)
        {
            Size[Rank - 1] *= size;
            StrideA[Rank - 1] = strideA;
            StrideB[Rank - 1] = strideB;
            return;
        }
        if (Rank == MaxRank) throw new ArgumentException($"A device walk holds at most {MaxRank} axes.");
        Size[Rank] = size;
        StrideA[Rank] = strideA;
        StrideB[Rank] = strideB;
        Rank++;
    }

    /// <summary>Row-major strides of a contiguous shape, into <paramref name="strides"/> (as long as the shape).</summary>
    internal static Span<long> Strides(ReadOnlySpan<int> shape, Span<long> strides)
    {
        if (shape.Length > MaxRank) throw new ArgumentException($"Rank {shape.Length} exceeds the supported {MaxRank}.");
        strides = strides[..shape.Length];
        long stride = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = stride;
            stride *= shape[d];
        }
        return strides;
    }

    internal static long Product(ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (int d in shape) count = checked(count * d);
        return count;
    }

    internal static string Text(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    /// <summary>Checks NumPy broadcasting of a and b to z (equal ranks, each a/b axis 1 or z's), as the CPU backend does.</summary>
    internal static void CheckBroadcast(ReadOnlySpan<int> aShape, ReadOnlySpan<int> bShape, ReadOnlySpan<int> zShape)
    {
        int rank = zShape.Length;
        if (aShape.Length != rank || bShape.Length != rank)
            throw new ArgumentException($"Broadcast shapes must have equal ranks: a {Text(aShape)}, b {Text(bShape)}, z {Text(zShape)}.");
        if (rank > MaxRank) throw new ArgumentException($"Rank {rank} exceeds the supported {MaxRank}.");
        for (int d = 0; d < rank; d++)
            if ((aShape[d] != zShape[d] && aShape[d] != 1) || (bShape[d] != zShape[d] && bShape[d] != 1))
                throw new ArgumentException($"Cannot broadcast a {Text(aShape)} and b {Text(bShape)} to z {Text(zShape)} (axis {d}).");
    }

    /// <summary>The walk over z's elements in order, with a's and b's offsets (stride 0 on their broadcast axes).</summary>
    internal static Walk Broadcast(ReadOnlySpan<int> aShape, ReadOnlySpan<int> bShape, ReadOnlySpan<int> zShape)
    {
        Span<long> aStrides = Strides(aShape, stackalloc long[MaxRank]), bStrides = Strides(bShape, stackalloc long[MaxRank]);
        var walk = new Walk();
        for (int d = 0; d < zShape.Length; d++)
            walk.Append(zShape[d], aShape[d] == 1 ? 0 : aStrides[d], bShape[d] == 1 ? 0 : bStrides[d]);
        return walk;
    }
}

/// <summary>
/// A sum over broadcast axes, passed to kernels by value: thread e owns element e of the reduced operand; <see cref="Kept"/>
/// walks the operand's own axes (offsets into the full tensor z and into a second operand), <see cref="Reduced"/> the
/// axes it was broadcast along (the same two offsets), so element e sums z over Reduced starting at Kept's offsets.
/// </summary>
public struct ReductionWalk
{
    public Walk Kept;
    public Walk Reduced;

    /// <summary>Operand (operandShape, broadcast to zShape) and a second operand (otherShape, broadcast to zShape).</summary>
    internal static ReductionWalk Create(ReadOnlySpan<int> operandShape, ReadOnlySpan<int> otherShape, ReadOnlySpan<int> zShape)
    {
        Span<long> zStrides = Walk.Strides(zShape, stackalloc long[Walk.MaxRank]), otherStrides = Walk.Strides(otherShape, stackalloc long[Walk.MaxRank]);
        var walk = new ReductionWalk();
        for (int d = 0; d < zShape.Length; d++)
        {
            long otherStride = otherShape[d] == 1 ? 0 : otherStrides[d];
            if (operandShape[d] == 1) walk.Reduced.Append(zShape[d], zStrides[d], otherStride);
            else walk.Kept.Append(zShape[d], zStrides[d], otherStride);
        }
        return walk;
    }
}
