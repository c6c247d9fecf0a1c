using ShapeNet.Backends.Cpu;

namespace ShapeNet;

// Shape changes. Reshape, Flatten, Unsqueeze and Squeeze return views sharing this tensor's storage (as PyTorch
// does for contiguous tensors); Transpose, Permute and Cat move data into fresh storage.
public sealed partial class Tensor
{
    /// <summary>The same elements viewed with <paramref name="shape"/> (storage shared); one size may be −1 and is inferred.</summary>
    public Tensor Reshape(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return new Tensor(_data, InferShape(shape));
    }

    /// <summary>Resolves one −1 in <paramref name="requested"/> against this tensor's element count.</summary>
    private int[] InferShape(int[] requested)
    {
        string Failure(string why) =>
            $"Cannot reshape {ShapeText(_shape)} ({Numel} elements) to {ShapeText(requested)}: {why}.";

        int inferredAxis = -1;
        long known = 1;
        for (int axis = 0; axis < requested.Length; axis++)
        {
            int size = requested[axis];
            if (size == -1)
            {
                if (inferredAxis >= 0) throw new ArgumentException(Failure("only one size may be -1"), "shape");
                inferredAxis = axis;
            }
            else if (size < 0)
                throw new ArgumentException(Failure($"size {size} at axis {axis} is negative"), "shape");
            else
                known *= size;
        }

        var shape = (int[])requested.Clone();
        if (inferredAxis >= 0)
        {
            if (known == 0 || Numel % known != 0)
                throw new ArgumentException(Failure($"{Numel} is not a multiple of {known}, the product of the other sizes"), "shape");
            shape[inferredAxis] = (int)(Numel / known);
        }
        else if (known != Numel)
            throw new ArgumentException(Failure($"the new shape holds {known} elements"), "shape");
        return shape;
    }

    /// <summary>Merges axes <paramref name="startDim"/>.. into one (PyTorch's <c>flatten(start_dim)</c>); storage shared.</summary>
    public Tensor Flatten(int startDim = 0)
    {
        if (Rank == 0) return Reshape(1);
        int start = NormalizeAxis(startDim, Rank);
        var shape = new int[start + 1];
        _shape.AsSpan(0, start).CopyTo(shape);
        int merged = 1;
        for (int axis = start; axis < Rank; axis++) merged *= _shape[axis];
        shape[start] = merged;
        return new Tensor(_data, shape);
    }

    /// <summary>Inserts an axis of size 1 at <paramref name="axis"/> (−1 appends); storage shared.</summary>
    public Tensor Unsqueeze(int axis)
    {
        int position = NormalizeAxis(axis, Rank + 1);
        var shape = new List<int>(_shape);
        shape.Insert(position, 1);
        return new Tensor(_data, shape.ToArray());
    }

    /// <summary>Removes every axis of size 1; storage shared.</summary>
    public Tensor Squeeze() => new(_data, Array.FindAll(_shape, size => size != 1));

    /// <summary>Removes <paramref name="axis"/> when its size is 1, otherwise returns the same shape (as PyTorch); storage shared.</summary>
    public Tensor Squeeze(int axis)
    {
        int a = NormalizeAxis(axis, Rank);
        if (_shape[a] != 1) return new Tensor(_data, _shape);
        var shape = new List<int>(_shape);
        shape.RemoveAt(a);
        return new Tensor(_data, shape.ToArray());
    }

    /// <summary>Swaps two axes (PyTorch's <c>transpose(dim0, dim1)</c>); the result has fresh storage.</summary>
    public Tensor Transpose(int dim0, int dim1)
    {
        int a = NormalizeAxis(dim0, Rank), b = NormalizeAxis(dim1, Rank);
        var permutation = new int[Rank];
        for (int axis = 0; axis < Rank; axis++) permutation[axis] = axis;
        (permutation[a], permutation[b]) = (permutation[b], permutation[a]);
        return Permute(permutation);
    }

    /// <summary>The transpose of a matrix (PyTorch's <c>.T</c>); a 1-D tensor is returned unchanged.</summary>
    public Tensor T => Rank switch
    {
        0 or 1 => Clone(),
        2 => Transpose(0, 1),
        _ => throw new InvalidOperationException(
            $".T is the matrix transpose and needs rank ≤ 2, got {ShapeText(_shape)}; use Transpose(dim0, dim1) or Permute."),
    };

    /// <summary>Reorders the axes: the result's axis i is this tensor's axis <c>permutation[i]</c> (PyTorch's <c>permute</c>).</summary>
    public Tensor Permute(params int[] permutation)
    {
        ArgumentNullException.ThrowIfNull(permutation);
        if (permutation.Length != Rank)
            throw new ArgumentException($"Permute of {ShapeText(_shape)} needs {Rank} axes, got {ShapeText(permutation)}.", nameof(permutation));
        var normalized = new int[Rank];
        var seen = new bool[Rank];
        for (int i = 0; i < Rank; i++)
        {
            int axis = NormalizeAxis(permutation[i], Rank);
            if (seen[axis])
                throw new ArgumentException($"Permute of {ShapeText(_shape)}: {ShapeText(permutation)} repeats axis {axis}.", nameof(permutation));
            seen[axis] = true;
            normalized[i] = axis;
        }
        var shape = new int[Rank];
        for (int i = 0; i < Rank; i++) shape[i] = _shape[normalized[i]];
        Tensor result = Empty(shape);
        CpuLayout.Permute(result._data, _data, _shape, normalized, accumulate: false);
        return result;
    }

    /// <summary>Concatenates along <paramref name="axis"/> (PyTorch's <c>torch.cat</c>): every other axis must agree.</summary>
    public static Tensor Cat(Tensor[] tensors, int axis)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Length == 0) throw new ArgumentException("Cat needs at least one tensor.", nameof(tensors));
        foreach (Tensor t in tensors) ArgumentNullException.ThrowIfNull(t, nameof(tensors));

        string AllShapes() => string.Join(", ", Array.ConvertAll(tensors, t => ShapeText(t._shape)));
        Tensor first = tensors[0];
        if (first.Rank == 0) throw new ArgumentException($"Cat cannot join scalars (shapes {AllShapes()}); use Stack or Reshape(1) first.", nameof(tensors));
        int rank = first.Rank;
        int a = axis < -rank || axis >= rank
            ? throw new ArgumentOutOfRangeException(nameof(axis), $"Cat along axis {axis} is out of range for rank {rank} (shapes {AllShapes()}).")
            : NormalizeAxis(axis, rank);

        int joined = 0;
        foreach (Tensor t in tensors)
        {
            if (t.Rank != rank)
                throw new ArgumentException($"Cat along axis {a}: shapes {AllShapes()} have different ranks.", nameof(tensors));
            for (int d = 0; d < rank; d++)
                if (d != a && t._shape[d] != first._shape[d])
                    throw new ArgumentException(
                        $"Cat along axis {a}: shapes {AllShapes()} differ at axis {d} ({first._shape[d]} vs {t._shape[d]}); only axis {a} may differ.",
                        nameof(tensors));
            joined += t._shape[a];
        }

        var shape = first.Shape;
        shape[a] = joined;
        Tensor result = Empty(shape);
        long outer = 1, inner = 1;
        for (int d = 0; d < a; d++) outer *= shape[d];
        for (int d = a + 1; d < rank; d++) inner *= shape[d];
        long destinationStride = joined * inner;
        long offset = 0;
        foreach (Tensor t in tensors)
        {
            long rowLength = t._shape[a] * inner;
            if (rowLength > 0)
                CpuLayout.CopyRows(result._data.AsSpan((int)offset), destinationStride, t._data, rowLength, rowLength, outer, accumulate: false);
            offset += rowLength;
        }
        return result;
    }

    /// <summary>Stacks equal-shaped tensors along a new axis (PyTorch's <c>torch.stack</c>).</summary>
    public static Tensor Stack(Tensor[] tensors, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Length == 0) throw new ArgumentException("Stack needs at least one tensor.", nameof(tensors));
        foreach (Tensor t in tensors)
            if (t is null || !t._shape.AsSpan().SequenceEqual(tensors[0]._shape))
                throw new ArgumentException(
                    $"Stack needs equal shapes, got {string.Join(", ", Array.ConvertAll(tensors, x => x is null ? "null" : ShapeText(x._shape)))}.",
                    nameof(tensors));
        return Cat(Array.ConvertAll(tensors, t => t.Unsqueeze(axis)), axis);
    }
}
