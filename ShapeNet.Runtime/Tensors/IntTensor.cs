using System.Text;

namespace ShapeNet;

/// <summary>
/// A rank-erased, contiguous, row-major tensor of 32-bit integers in host memory: token ids (the input of an embedding or a
/// one-hot encoding) and class labels (the target of cross-entropy). It has no arithmetic: ids are names of rows, not
/// numbers to add. Typed handles (<see cref="IntTensor{D1, D2}"/>, e.g. <c>IntTensor&lt;Seq, Batch&gt;</c>) check its shape
/// like <see cref="Tensor{D1, D2}"/> does for floats, so a network's signature says which inputs are ids.
/// </summary>
public sealed class IntTensor
{
    private readonly int[] _data;
    private readonly int[] _shape;

    /// <summary>Wraps <paramref name="data"/> (not copied) with <paramref name="shape"/>.</summary>
    public IntTensor(int[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        int count = Tensor.ElementCount(shape);
        if (count != data.Length)
            throw new ArgumentException($"Shape {Tensor.ShapeText(shape)} needs {count} elements, but the data has {data.Length}.", nameof(data));
        _data = data;
        _shape = (int[])shape.Clone();
    }

    /// <summary>A tensor holding a copy of <paramref name="data"/> with <paramref name="shape"/>.</summary>
    public static IntTensor FromArray(int[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new IntTensor((int[])data.Clone(), shape);
    }

    /// <summary>A tensor of zeros (id 0, the usual padding id).</summary>
    public static IntTensor Zeros(params int[] shape) => new(new int[Tensor.ElementCount(shape)], shape);

    /// <summary>Class labels held as floats (the loss kernels' format, exact up to 2²⁴) as integers; a value that is not a
    /// whole number in the int range is an error naming it and its position.</summary>
    public static IntTensor FromFloat(Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var data = new int[labels.Numel];
        for (int i = 0; i < data.Length; i++)
        {
            float v = labels.Data[i];
            if (!(v == MathF.Floor(v) && v >= int.MinValue && v <= int.MaxValue))
                throw new ArgumentException($"Value {v} at position {i} is not a whole number, so it is not an id or a label.", nameof(labels));
            data[i] = (int)v;
        }
        return new IntTensor(data, labels.Shape);
    }

    /// <summary>The elements, row-major. Writes are visible to the tensor (no copy).</summary>
    public int[] Data => _data;

    /// <summary>A copy of the shape.</summary>
    public int[] Shape => (int[])_shape.Clone();

    /// <summary>The shape without copying; callers must not modify it.</summary>
    internal ReadOnlySpan<int> ShapeSpan => _shape;

    /// <summary>The number of axes.</summary>
    public int Rank => _shape.Length;

    /// <summary>The number of elements, the product of the shape.</summary>
    public int Numel => _data.Length;

    /// <summary>The size of one axis; a negative axis counts from the end.</summary>
    public int Size(int axis) => _shape[Tensor.NormalizeAxis(axis, Rank)];

    /// <summary>The values as floats (exact up to 2²⁴), e.g. labels for a loss that takes float class indices.</summary>
    public Tensor ToFloat()
    {
        var data = new float[_data.Length];
        for (int i = 0; i < data.Length; i++) data[i] = _data[i];
        return new Tensor(data, _shape);
    }

    /// <summary>Throws unless every value lies in [0, <paramref name="limit"/>), naming the first that does not, its position
    /// and the limit: <c>Embedding: id 40 at position 3 (row 3 of the output) is outside [0, 32): the table has 32 rows.</c></summary>
    public void CheckRange(int limit, string what) => Backends.Cpu.CpuEmbedding.CheckIds(_data, limit, what);

    /// <summary>The shape and the first 16 values, flat: <c>IntTensor([2, 3]: 1, 2, 3, 4, 5, 6)</c> (longer tensors end in "…").</summary>
    public override string ToString()
    {
        var text = new StringBuilder("IntTensor(");
        text.Append(Tensor.ShapeText(_shape)).Append(": ");
        const int shown = 16;
        text.AppendJoin(", ", _data.Take(shown));
        if (_data.Length > shown) text.Append(", …");
        return text.Append(')').ToString();
    }
}
