namespace ShapeNet;

/// <summary>
/// A rank-erased, contiguous, row-major float32 tensor in host memory. This is the eager world: the tensor
/// basics API, the eager execution of a <c>[Forward]</c> body, parameters and data all use it.
/// Compiled plans run on <see cref="Backends.DeviceBuffer"/>s instead.
/// </summary>
/// <example>
/// <code>
/// Tensor x = Tensor.Arange(12).Reshape(3, 4);
/// Tensor y = Tensor.Ones(3, 4);
/// Tensor z = x * y + 1;                       // element-wise, broadcast by NumPy rules
/// Console.WriteLine(z.Sum(axis: 0));          // [15, 18, 21, 24]
/// float[] values = z.ToArray();
/// </code>
/// </example>
public sealed partial class Tensor
{
    private readonly float[] _data;
    private readonly int[] _shape;

    /// <summary>Wraps <paramref name="data"/> (not copied) with <paramref name="shape"/>.</summary>
    public Tensor(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        foreach (int d in shape)
            if (d < 0) throw new ArgumentException($"Shape {ShapeText(shape)} has a negative dimension.", nameof(shape));
        long count = SizeMath.Product("Tensor", "the shape", shape);
        if (count != data.Length)
            throw new ArgumentException($"Shape {ShapeText(shape)} needs {count} elements, but the data has {data.Length}.", nameof(data));
        _data = data;
        _shape = (int[])shape.Clone();
    }

    /// <summary>The elements, row-major. Writes are visible to the tensor (no copy).</summary>
    public float[] Data => _data;

    /// <summary>A copy of the shape.</summary>
    public int[] Shape => (int[])_shape.Clone();

    /// <summary>The shape without copying; callers must not modify it.</summary>
    internal ReadOnlySpan<int> ShapeSpan => _shape;

    /// <summary>The number of axes (PyTorch's <c>dim()</c>); 0 for a scalar.</summary>
    public int Rank => _shape.Length;

    /// <summary>Number of elements (PyTorch's <c>numel</c>).</summary>
    public int Numel => _data.Length;

    /// <summary>The size of one axis; a negative axis counts from the end.</summary>
    public int Size(int axis) => _shape[NormalizeAxis(axis, Rank)];

    internal static int NormalizeAxis(int axis, int rank)
    {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} is out of range for a tensor of rank {rank}.");
        return a;
    }

    /// <summary><c>[2, 3, 4]</c>.</summary>
    public static string ShapeText(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    /// <summary>The number of elements of <paramref name="shape"/>; throws when it does not fit an array.</summary>
    internal static int ElementCount(ReadOnlySpan<int> shape)
    {
        foreach (int d in shape)
            if (d < 0) throw new ArgumentException($"Shape {ShapeText(shape)} has a negative dimension.", nameof(shape));
        return (int)SizeMath.Product("Tensor", "the shape", shape);
    }

    /// <summary>Row-major strides (in elements) of <paramref name="shape"/>.</summary>
    internal static long[] RowMajorStrides(ReadOnlySpan<int> shape)
    {
        var strides = new long[shape.Length];
        long stride = 1;
        for (int axis = shape.Length - 1; axis >= 0; axis--)
        {
            strides[axis] = stride;
            stride = checked(stride * shape[axis]);
        }
        return strides;
    }

    /// <summary>A tensor of <paramref name="shape"/> on fresh zeroed storage, for ops to fill.</summary>
    internal static Tensor Empty(params int[] shape) => new(new float[ElementCount(shape)], shape);
}
