namespace ShapeNet;

// Typed handles of integer tensors (token ids, class labels): an IntTensor with the shape its type declares, checked whenever
// an IntTensor becomes one, as Tensor<D…> does for floats. IntTensor<Seq, Batch> is a batch of id sequences,
// IntTensor<Batch> a batch of labels. Every dimension sized at run time (Seq, Batch) accepts any size of at least 1.

/// <summary>An integer tensor of shape [<typeparamref name="D1"/>]. Converting an <see cref="IntTensor"/> to it checks the rank and every
/// static size and throws <see cref="ShapeMismatchException"/> naming both shapes; converting back is free.</summary>
/// <typeparam name="D1">The dimension of axis 0.</typeparam>
public readonly struct IntTensor<D1>
    where D1 : IDim
{
    private static readonly TypedShape Declared = TypedShape.Of<D1>().ForIntegers();
    private readonly IntTensor? _value;

    /// <summary>Wraps <paramref name="value"/> after checking its shape.</summary>
    public IntTensor(IntTensor value) => _value = Declared.Check(value);

    /// <summary>The wrapped tensor (storage shared).</summary>
    public IntTensor Value => _value ?? throw new InvalidOperationException($"This {Declared.TypeName} is default and holds no tensor.");

    /// <summary>The declared shape, e.g. <c>[Seq, Batch]</c>.</summary>
    public static string DeclaredShape => Declared.Expected;

    /// <inheritdoc cref="IntTensor.Shape"/>
    public int[] Shape => Value.Shape;

    /// <inheritdoc cref="IntTensor.Rank"/>
    public int Rank => 1;

    /// <inheritdoc cref="IntTensor.Numel"/>
    public int Numel => Value.Numel;

    /// <inheritdoc cref="IntTensor.Data"/>
    public int[] Data => Value.Data;

    /// <inheritdoc cref="IntTensor.Size(int)"/>
    public int Size(int axis) => Value.Size(axis);

    /// <summary>A checked tensor holding a copy of <paramref name="data"/> with <paramref name="shape"/> (the run-time sizes
    /// of <see cref="Seq"/> and <see cref="Batch"/> included).</summary>
    public static IntTensor<D1> FromArray(int[] data, params int[] shape) => new(IntTensor.FromArray(data, shape));

    /// <summary>The rank-erased tensor (no copy).</summary>
    public static implicit operator IntTensor(IntTensor<D1> typed) => typed.Value;

    /// <summary>Checks the shape; throws <see cref="ShapeMismatchException"/> when it does not fit.</summary>
    public static implicit operator IntTensor<D1>(IntTensor value) => new(value);

    /// <summary>The tensor's text, or <c>default IntTensor&lt;…&gt;</c> for a default value that holds none.</summary>
    public override string ToString() => _value?.ToString() ?? $"default {Declared.TypeName}";
}

/// <summary>An integer tensor of shape [<typeparamref name="D1"/>, <typeparamref name="D2"/>]. Converting an <see cref="IntTensor"/> to it checks the rank and every
/// static size and throws <see cref="ShapeMismatchException"/> naming both shapes; converting back is free.</summary>
/// <typeparam name="D1">The dimension of axis 0.</typeparam>
/// <typeparam name="D2">The dimension of axis 1.</typeparam>
public readonly struct IntTensor<D1, D2>
    where D1 : IDim where D2 : IDim
{
    private static readonly TypedShape Declared = TypedShape.Of<D1, D2>().ForIntegers();
    private readonly IntTensor? _value;

    /// <summary>Wraps <paramref name="value"/> after checking its shape.</summary>
    public IntTensor(IntTensor value) => _value = Declared.Check(value);

    /// <summary>The wrapped tensor (storage shared).</summary>
    public IntTensor Value => _value ?? throw new InvalidOperationException($"This {Declared.TypeName} is default and holds no tensor.");

    /// <summary>The declared shape, e.g. <c>[Seq, Batch]</c>.</summary>
    public static string DeclaredShape => Declared.Expected;

    /// <inheritdoc cref="IntTensor.Shape"/>
    public int[] Shape => Value.Shape;

    /// <inheritdoc cref="IntTensor.Rank"/>
    public int Rank => 2;

    /// <inheritdoc cref="IntTensor.Numel"/>
    public int Numel => Value.Numel;

    /// <inheritdoc cref="IntTensor.Data"/>
    public int[] Data => Value.Data;

    /// <inheritdoc cref="IntTensor.Size(int)"/>
    public int Size(int axis) => Value.Size(axis);

    /// <summary>A checked tensor holding a copy of <paramref name="data"/> with <paramref name="shape"/> (the run-time sizes
    /// of <see cref="Seq"/> and <see cref="Batch"/> included).</summary>
    public static IntTensor<D1, D2> FromArray(int[] data, params int[] shape) => new(IntTensor.FromArray(data, shape));

    /// <summary>The rank-erased tensor (no copy).</summary>
    public static implicit operator IntTensor(IntTensor<D1, D2> typed) => typed.Value;

    /// <summary>Checks the shape; throws <see cref="ShapeMismatchException"/> when it does not fit.</summary>
    public static implicit operator IntTensor<D1, D2>(IntTensor value) => new(value);

    /// <summary>The tensor's text, or <c>default IntTensor&lt;…&gt;</c> for a default value that holds none.</summary>
    public override string ToString() => _value?.ToString() ?? $"default {Declared.TypeName}";
}

/// <summary>An integer tensor of shape [<typeparamref name="D1"/>, <typeparamref name="D2"/>, <typeparamref name="D3"/>]. Converting an <see cref="IntTensor"/> to it checks the rank and every
/// static size and throws <see cref="ShapeMismatchException"/> naming both shapes; converting back is free.</summary>
/// <typeparam name="D1">The dimension of axis 0.</typeparam>
/// <typeparam name="D2">The dimension of axis 1.</typeparam>
/// <typeparam name="D3">The dimension of axis 2.</typeparam>
public readonly struct IntTensor<D1, D2, D3>
    where D1 : IDim where D2 : IDim where D3 : IDim
{
    private static readonly TypedShape Declared = TypedShape.Of<D1, D2, D3>().ForIntegers();
    private readonly IntTensor? _value;

    /// <summary>Wraps <paramref name="value"/> after checking its shape.</summary>
    public IntTensor(IntTensor value) => _value = Declared.Check(value);

    /// <summary>The wrapped tensor (storage shared).</summary>
    public IntTensor Value => _value ?? throw new InvalidOperationException($"This {Declared.TypeName} is default and holds no tensor.");

    /// <summary>The declared shape, e.g. <c>[Seq, Batch]</c>.</summary>
    public static string DeclaredShape => Declared.Expected;

    /// <inheritdoc cref="IntTensor.Shape"/>
    public int[] Shape => Value.Shape;

    /// <inheritdoc cref="IntTensor.Rank"/>
    public int Rank => 3;

    /// <inheritdoc cref="IntTensor.Numel"/>
    public int Numel => Value.Numel;

    /// <inheritdoc cref="IntTensor.Data"/>
    public int[] Data => Value.Data;

    /// <inheritdoc cref="IntTensor.Size(int)"/>
    public int Size(int axis) => Value.Size(axis);

    /// <summary>A checked tensor holding a copy of <paramref name="data"/> with <paramref name="shape"/> (the run-time sizes
    /// of <see cref="Seq"/> and <see cref="Batch"/> included).</summary>
    public static IntTensor<D1, D2, D3> FromArray(int[] data, params int[] shape) => new(IntTensor.FromArray(data, shape));

    /// <summary>The rank-erased tensor (no copy).</summary>
    public static implicit operator IntTensor(IntTensor<D1, D2, D3> typed) => typed.Value;

    /// <summary>Checks the shape; throws <see cref="ShapeMismatchException"/> when it does not fit.</summary>
    public static implicit operator IntTensor<D1, D2, D3>(IntTensor value) => new(value);

    /// <summary>The tensor's text, or <c>default IntTensor&lt;…&gt;</c> for a default value that holds none.</summary>
    public override string ToString() => _value?.ToString() ?? $"default {Declared.TypeName}";
}
