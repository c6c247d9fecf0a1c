namespace ShapeNet;

// Indexing and slicing. A subscript yields a copy (unlike PyTorch's views): to change a tensor in place, assign
// through the subscript (x[1..3, ..] = 12) or use the compound operators (x += y).
public sealed partial class Tensor
{
    /// <summary>
    /// Selects along the leading axes, one <see cref="TensorIndex"/> per axis; missing trailing axes are taken whole.
    /// An int or <c>^n</c> picks one position and removes the axis (<c>x[-1]</c>, <c>x[^1]</c>, <c>x[1, 2]</c> is
    /// a rank-0 tensor); a range or <see cref="ShapeNet.Slice"/> keeps it (<c>x[1..3]</c>, <c>x[.., 0..2]</c>,
    /// <c>x[Slice.Step(3), Slice.Step(2)]</c>). Reading copies the selection. Assigning writes into this tensor:
    /// the value broadcasts to the selection (<c>x[1, 2] = 9</c>, <c>x[0..2, ..] = 12</c>).
    /// Use <see cref="Item(int[])"/> to read one element as a float.
    /// </summary>
    // The indexer's metadata name would default to "Item", which is taken by PyTorch's item().
    [System.Runtime.CompilerServices.IndexerName("Subscript")]
    public Tensor this[params TensorIndex[] indices]
    {
        get
        {
            Selection selection = Select(indices);
            Tensor result = Empty(selection.ResultShape);
            StridedCopy(result._data, _data, selection.Counts, selection.Strides, selection.Offset);
            return result;
        }
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            Selection selection = Select(indices);
            int[] broadcast = TryBroadcastShapes(value._shape, selection.ResultShape, out _, out _);
            if (broadcast is null || !broadcast.AsSpan().SequenceEqual(selection.ResultShape))
                throw new ArgumentException(
                    $"Cannot assign a tensor of shape {ShapeText(value._shape)} to the selection {SubscriptText(indices)} of shape " +
                    $"{ShapeText(selection.ResultShape)} (tensor {ShapeText(_shape)}): the value must broadcast to the selection.",
                    nameof(value));
            // The result shape lists the same elements in the same order as the counts (dropped axes have count 1).
            float[] values = value.BroadcastData(selection.ResultShape);
            StridedScatter(_data, values, selection.Counts, selection.Strides, selection.Offset);
        }
    }

    /// <summary>The elements start, start + step, … below end along <paramref name="axis"/> (Python's
    /// <c>x[..., start:end:step]</c>); bounds are clamped to the axis, negative ones count from the end.</summary>
    public Tensor Slice(int axis, int start, int end, int step = 1)
    {
        int a = NormalizeAxis(axis, Rank);
        var indices = new TensorIndex[a + 1];
        for (int d = 0; d < a; d++) indices[d] = ..;
        indices[a] = new Slice(AsIndex(start)..AsIndex(end), step);
        return this[indices];

        static Index AsIndex(int position) => position >= 0 ? Index.FromStart(position) : Index.FromEnd(-position);
    }

    /// <summary>Selects <paramref name="index"/> along <paramref name="axis"/>, removing the axis (PyTorch's <c>select</c>).</summary>
    public Tensor Select(int axis, int index)
    {
        int a = NormalizeAxis(axis, Rank);
        var indices = new TensorIndex[a + 1];
        for (int d = 0; d < a; d++) indices[d] = ..;
        indices[a] = index;
        return this[indices];
    }

    /// <summary>The one element of a one-element tensor as a float (PyTorch's <c>item()</c>).</summary>
    public float Item()
    {
        if (Numel != 1)
            throw new InvalidOperationException(
                $"Item() needs a tensor with one element, but {ShapeText(_shape)} has {Numel}; pass indices, e.g. Item(1, 2).");
        return _data[0];
    }

    /// <summary>The element at <paramref name="indices"/> (one per axis, negative from the end) as a float.</summary>
    public float Item(params int[] indices) => _data[FlatIndex(indices)];

    /// <summary>Writes the element at <paramref name="indices"/> (one per axis, negative from the end).</summary>
    public void SetItem(float value, params int[] indices) => _data[FlatIndex(indices)] = value;

    private int FlatIndex(int[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.Length != Rank)
            throw new ArgumentException(
                $"Tensor {ShapeText(_shape)} needs {Rank} indices to address one element, got {indices.Length} ({ShapeText(indices)}).",
                nameof(indices));
        long flat = 0;
        for (int axis = 0; axis < Rank; axis++)
        {
            int size = _shape[axis], i = indices[axis] < 0 ? indices[axis] + size : indices[axis];
            if (i < 0 || i >= size)
                throw new IndexOutOfRangeException(
                    $"Index {indices[axis]} is out of range for axis {axis} of size {size} (tensor {ShapeText(_shape)}).");
            flat = flat * size + i;
        }
        return (int)flat;
    }

    /// <summary>Where a subscript reads: per axis the count and the stride in this tensor's storage, the first
    /// element's offset, and the result's shape (single positions dropped).</summary>
    private readonly record struct Selection(int[] Counts, long[] Strides, long Offset, int[] ResultShape);

    private Selection Select(TensorIndex[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.Length > Rank)
            throw new IndexOutOfRangeException(
                $"Too many indices for tensor {ShapeText(_shape)}: {SubscriptText(indices)} has {indices.Length}, the tensor has {Rank} axes.");
        long[] storageStrides = RowMajorStrides(_shape);
        var counts = new int[Rank];
        var strides = new long[Rank];
        var resultShape = new List<int>(Rank);
        long offset = 0;
        for (int axis = 0; axis < Rank; axis++)
        {
            (int start, int count, int step) = axis < indices.Length
                ? indices[axis].Resolve(_shape[axis], axis, _shape)
                : (0, _shape[axis], 1);
            counts[axis] = count;
            strides[axis] = storageStrides[axis] * step;
            offset += storageStrides[axis] * start;
            if (axis >= indices.Length || !indices[axis].IsSingle) resultShape.Add(count);
        }
        return new Selection(counts, strides, offset, resultShape.ToArray());
    }

    private static string SubscriptText(TensorIndex[] indices) => "[" + string.Join(", ", indices) + "]";

    /// <summary>This tensor's elements broadcast (NumPy rules) to <paramref name="shape"/>, on fresh storage.</summary>
    internal float[] BroadcastData(ReadOnlySpan<int> shape)
    {
        int rank = shape.Length, pad = rank - Rank;
        long[] own = RowMajorStrides(_shape);
        var strides = new long[rank];
        var counts = shape.ToArray();
        for (int axis = pad; axis < rank; axis++)
        {
            int size = _shape[axis - pad];
            if (size != shape[axis] && size != 1)
                throw new ArgumentException($"Cannot broadcast {ShapeText(_shape)} to {ShapeText(shape)}.");
            // A size-1 axis is read repeatedly: stride 0.
            strides[axis] = size == 1 ? 0 : own[axis - pad];
        }
        var result = new float[ElementCount(shape)];
        StridedCopy(result, _data, counts, strides, 0);
        return result;
    }

    /// <summary>Copies the elements of a strided selection of <paramref name="source"/> into the contiguous
    /// <paramref name="destination"/>, row-major over <paramref name="counts"/>.</summary>
    private static void StridedCopy(Span<float> destination, ReadOnlySpan<float> source, int[] counts, long[] strides, long offset)
    {
        int rank = counts.Length;
        if (destination.Length == 0) return;
        if (rank == 0)
        {
            destination[0] = source[(int)offset];
            return;
        }
        // The innermost axis is copied as a run when it is contiguous in the source, element by element otherwise.
        int inner = counts[rank - 1];
        long innerStride = strides[rank - 1];
        var position = new int[rank];
        long sourceOffset = offset;
        for (int written = 0; written < destination.Length; written += inner)
        {
            if (innerStride == 1)
                source.Slice((int)sourceOffset, inner).CopyTo(destination.Slice(written, inner));
            else
                for (int i = 0; i < inner; i++) destination[written + i] = source[(int)(sourceOffset + i * innerStride)];
            sourceOffset = AdvanceOuter(position, counts, strides, sourceOffset);
        }
    }

    /// <summary>The inverse of <see cref="StridedCopy"/>: writes the contiguous <paramref name="source"/> into a
    /// strided selection of <paramref name="destination"/>.</summary>
    private static void StridedScatter(Span<float> destination, ReadOnlySpan<float> source, int[] counts, long[] strides, long offset)
    {
        int rank = counts.Length;
        if (source.Length == 0) return;
        if (rank == 0)
        {
            destination[(int)offset] = source[0];
            return;
        }
        int inner = counts[rank - 1];
        long innerStride = strides[rank - 1];
        var position = new int[rank];
        long destinationOffset = offset;
        for (int read = 0; read < source.Length; read += inner)
        {
            if (innerStride == 1)
                source.Slice(read, inner).CopyTo(destination.Slice((int)destinationOffset, inner));
            else
                for (int i = 0; i < inner; i++) destination[(int)(destinationOffset + i * innerStride)] = source[read + i];
            destinationOffset = AdvanceOuter(position, counts, strides, destinationOffset);
        }
    }

    /// <summary>
    /// PyTorch's <c>F.one_hot(y, num_classes)</c>: for a tensor of class indices (whole numbers stored as floats, as labels
    /// and <see cref="ArgMax(int, bool)"/> are), a tensor with one more axis of <paramref name="numClasses"/> holding 1 at each
    /// element's class and 0 elsewhere: labels <c>[n]</c> give <c>[n, numClasses]</c>.
    /// </summary>
    /// <exception cref="ArgumentException">An element is not a whole number in 0..<paramref name="numClasses"/> − 1.</exception>
    public Tensor OneHot(int numClasses)
    {
        if (numClasses < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), $"OneHot needs at least one class, got {numClasses}.");
        Tensor result = Empty([.. _shape, numClasses]);
        for (int i = 0; i < _data.Length; i++)
        {
            float index = _data[i];
            if (!(index >= 0 && index < numClasses && index == MathF.Floor(index)))
                throw new ArgumentException($"OneHot: element {i} is {index}; class indices are whole numbers 0..{numClasses - 1}.");
            result._data[i * numClasses + (int)index] = 1;
        }
        return result;
    }

    /// <summary>Steps the odometer over every axis but the innermost; returns the new storage offset.</summary>
    private static long AdvanceOuter(int[] position, int[] counts, long[] strides, long offset)
    {
        for (int axis = counts.Length - 2; axis >= 0; axis--)
        {
            position[axis]++;
            offset += strides[axis];
            if (position[axis] < counts[axis]) break;
            offset -= strides[axis] * counts[axis];
            position[axis] = 0;
        }
        return offset;
    }
}
