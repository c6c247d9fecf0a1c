namespace ShapeNet;

/// <summary>The shape a typed handle declares (sizes, with <see cref="IDim.Dynamic"/> for run-time dimensions,
/// and names): checks tensors against it and builds the messages.</summary>
internal sealed class TypedShape
{
    private readonly int[] _sizes;
    private readonly string[] _names;

    private TypedShape(int[] sizes, string[] names, string kind = "Tensor")
    {
        _sizes = sizes;
        _names = names;
        TypeName = kind + "<" + string.Join(", ", names) + ">";
        Expected = "[" + string.Join(", ", names.Select((name, i) => sizes[i] == IDim.Dynamic ? name : $"{name}={sizes[i]}")) + "]";
    }

    /// <summary><c>Tensor&lt;Batch, Pixels&gt;</c>.</summary>
    public string TypeName { get; }

    /// <summary><c>[Batch, Pixels=784]</c>.</summary>
    public string Expected { get; }

    public static TypedShape Of<D1>() where D1 : IDim => new([D1.Size], [D1.Name]);

    public static TypedShape Of<D1, D2>() where D1 : IDim where D2 : IDim => new([D1.Size, D2.Size], [D1.Name, D2.Name]);

    public static TypedShape Of<D1, D2, D3>() where D1 : IDim where D2 : IDim where D3 : IDim =>
        new([D1.Size, D2.Size, D3.Size], [D1.Name, D2.Name, D3.Name]);

    public static TypedShape Of<D1, D2, D3, D4>() where D1 : IDim where D2 : IDim where D3 : IDim where D4 : IDim =>
        new([D1.Size, D2.Size, D3.Size, D4.Size], [D1.Name, D2.Name, D3.Name, D4.Name]);

    public static TypedShape Of<D1, D2, D3, D4, D5>() where D1 : IDim where D2 : IDim where D3 : IDim where D4 : IDim where D5 : IDim =>
        new([D1.Size, D2.Size, D3.Size, D4.Size, D5.Size], [D1.Name, D2.Name, D3.Name, D4.Name, D5.Name]);

    /// <summary>The same declared shape for an integer handle (<c>IntTensor&lt;Seq, Batch&gt;</c> in messages).</summary>
    public TypedShape ForIntegers() => new(_sizes, _names, "IntTensor");

    /// <summary>Returns <paramref name="tensor"/> when its shape fits: same rank, every static dimension equal,
    /// every dynamic one at least 1. Throws <see cref="ShapeMismatchException"/> otherwise.</summary>
    public Tensor Check(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        CheckShape(tensor.Shape, nameof(tensor));
        return tensor;
    }

    /// <summary>Returns <paramref name="tensor"/> when its shape fits (as <see cref="Check(Tensor)"/>).</summary>
    public IntTensor Check(IntTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        CheckShape(tensor.Shape, nameof(tensor));
        return tensor;
    }

    private void CheckShape(int[] actual, string parameter)
    {
        string Failure(string why) => $"{TypeName}: expected {Expected}, got {Tensor.ShapeText(actual)}: {why}.";

        if (actual.Length != _sizes.Length)
            throw new ShapeMismatchException(Failure($"rank {actual.Length}, expected rank {_sizes.Length}"), parameter);
        for (int axis = 0; axis < _sizes.Length; axis++)
        {
            if (_sizes[axis] == IDim.Dynamic)
            {
                if (actual[axis] < 1)
                    throw new ShapeMismatchException(Failure($"axis {axis} is {actual[axis]}, {_names[axis]} must be at least 1"), parameter);
            }
            else if (actual[axis] != _sizes[axis])
                throw new ShapeMismatchException(Failure($"axis {axis} is {actual[axis]}, {_names[axis]} is {_sizes[axis]}"), parameter);
        }
    }

    /// <summary>A checked tensor holding a copy of <paramref name="data"/>; <paramref name="batch"/> sizes the dynamic
    /// dimension and must be given exactly when there is one.</summary>
    public Tensor FromArray(float[] data, int? batch)
    {
        ArgumentNullException.ThrowIfNull(data);
        int dynamicCount = _sizes.Count(size => size == IDim.Dynamic);
        if (batch is null && dynamicCount > 0)
            throw new InvalidOperationException(
                $"{TypeName} has a dimension sized at run time; use {TypeName}.FromArray(data, batch).");
        if (batch is not null && dynamicCount != 1)
            throw new InvalidOperationException(dynamicCount == 0
                ? $"{TypeName} has no dimension sized at run time; use {TypeName}.FromArray(data)."
                : $"{TypeName} has {dynamicCount} dimensions sized at run time; FromArray(data, batch) sizes exactly one.");
        if (batch < 1)
            throw new ArgumentOutOfRangeException(nameof(batch), $"{TypeName}.FromArray: the batch must be at least 1, got {batch}.");

        int[] shape = Array.ConvertAll(_sizes, size => size == IDim.Dynamic ? batch!.Value : size);
        long count = shape.Aggregate(1L, (product, size) => product * size);
        if (count != data.Length)
            throw new ShapeMismatchException(
                $"{TypeName}.FromArray: expected {string.Join(" × ", shape)} = {count} elements for {Tensor.ShapeText(shape)}, got {data.Length}.",
                nameof(data));
        return Tensor.FromArray(data, shape);
    }
}
