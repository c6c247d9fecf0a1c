namespace ShapeNet;

// Typed tensor handles: a Tensor together with the shape its type declares, checked whenever a Tensor becomes
// one. Network signatures use them (Tensor<Batch, Digits> Forward(Tensor<Batch, Pixels> x)); inside, code works
// on the rank-erased Tensor and converts back implicitly, so "return someTensor;" is checked on the way out.

/// <summary>A tensor of shape [<typeparamref name="D1"/>]. Converting a <see cref="Tensor"/> to it checks the rank and every static
/// size (a dynamic dimension such as <see cref="Batch"/> accepts any size ≥ 1) and throws
/// <see cref="ShapeMismatchException"/> naming both shapes; converting back is free.</summary>
/// <typeparam name="D1">The dimension of axis 0.</typeparam>
public readonly partial struct Tensor<D1>
    where D1 : IDim
{
    private static readonly TypedShape Declared = TypedShape.Of<D1>();
    private readonly Tensor? _value;

    /// <summary>Wraps <paramref name="value"/> after checking its shape.</summary>
    public Tensor(Tensor value) => _value = Declared.Check(value);

    /// <summary>The wrapped tensor (storage shared).</summary>
    public Tensor Value => _value ?? throw new InvalidOperationException($"This {Declared.TypeName} is default and holds no tensor.");

    /// <summary>The declared shape, e.g. <c>[Batch, Pixels=784]</c>.</summary>
    public static string DeclaredShape => Declared.Expected;

    /// <inheritdoc cref="Tensor.Shape"/>
    public int[] Shape => Value.Shape;

    /// <inheritdoc cref="Tensor.Rank"/>
    public int Rank => 1;

    /// <inheritdoc cref="Tensor.Numel"/>
    public int Numel => Value.Numel;

    /// <inheritdoc cref="Tensor.Data"/>
    public float[] Data => Value.Data;

    /// <inheritdoc cref="Tensor.Size(int)"/>
    public int Size(int axis) => Value.Size(axis);

    /// <inheritdoc cref="Tensor.ToArray"/>
    public float[] ToArray() => Value.ToArray();

    /// <summary>A checked tensor holding a copy of <paramref name="data"/>, when every dimension is static.</summary>
    public static Tensor<D1> FromArray(float[] data) => new(Declared.FromArray(data, batch: null));

    /// <summary>A checked tensor holding a copy of <paramref name="data"/>, with <paramref name="batch"/> as the size of the
    /// dimension sized at run time (<see cref="Batch"/>).</summary>
    public static Tensor<D1> FromArray(float[] data, int batch) => new(Declared.FromArray(data, batch));

    /// <summary>The rank-erased tensor (no copy).</summary>
    public static implicit operator Tensor(Tensor<D1> typed) => typed.Value;

    /// <summary>Checks the shape; throws <see cref="ShapeMismatchException"/> when it does not fit.</summary>
    public static implicit operator Tensor<D1>(Tensor value) => new(value);

    /// <summary>The tensor\'s values, or <c>default</c> and the type for a default handle.</summary>
    public override string ToString() => _value?.ToString() ?? $"default {Declared.TypeName}";
}

/// <summary>A tensor of shape [<typeparamref name="D1"/>, <typeparamref name="D2"/>]. Converting a <see cref="Tensor"/> to it checks the rank and every static
/// size (a dynamic dimension such as <see cref="Batch"/> accepts any size ≥ 1) and throws
/// <see cref="ShapeMismatchException"/> naming both shapes; converting back is free.</summary>
/// <typeparam name="D1">The dimension of axis 0.</typeparam>
/// <typeparam name="D2">The dimension of axis 1.</typeparam>
public readonly partial struct Tensor<D1, D2>
    where D1 : IDim where D2 : IDim
{
    private static readonly TypedShape Declared = TypedShape.Of<D1, D2>();
    private readonly Tensor? _value;

    /// <summary>Wraps <paramref name="value"/> after checking its shape.</summary>
    public Tensor(Tensor value) => _value = Declared.Check(value);

    /// <summary>The wrapped tensor (storage shared).</summary>
    public Tensor Value => _value ?? throw new InvalidOperationException($"This {Declared.TypeName} is default and holds no tensor.");

    /// <summary>The declared shape, e.g. <c>[Batch, Pixels=784]</c>.</summary>
    public static string DeclaredShape => Declared.Expected;

    /// <inheritdoc cref="Tensor.Shape"/>
    public int[] Shape => Value.Shape;

    /// <inheritdoc cref="Tensor.Rank"/>
    public int Rank => 2;

    /// <inheritdoc cref="Tensor.Numel"/>
    public int Numel => Value.Numel;

    /// <inheritdoc cref="Tensor.Data"/>
    public float[] Data => Value.Data;

    /// <inheritdoc cref="Tensor.Size(int)"/>
    public int Size(int axis) => Value.Size(axis);

    /// <inheritdoc cref="Tensor.ToArray"/>
    public float[] ToArray() => Value.ToArray();

    /// <summary>A checked tensor holding a copy of <paramref name="data"/>, when every dimension is static.</summary>
    public static Tensor<D1, D2> FromArray(float[] data) => new(Declared.FromArray(data, batch: null));

    /// <summary>A checked tensor holding a copy of <paramref name="data"/>, with <paramref name="batch"/> as the size of the
    /// dimension sized at run time (<see cref="Batch"/>).</summary>
    public static Tensor<D1, D2> FromArray(float[] data, int batch) => new(Declared.FromArray(data, batch));

    /// <summary>The slice at <paramref name="index"/> along the first axis, which it removes (negative counts from the end):
    /// <c>h[-1]</c> is a recurrent layer's last state, <c>x[t]</c> step t of a sequence.</summary>
    public Tensor this[int index] => Value[index];

    /// <summary>The rank-erased tensor (no copy).</summary>
    public static implicit operator Tensor(Tensor<D1, D2> typed) => typed.Value;

    /// <summary>Checks the shape; throws <see cref="ShapeMismatchException"/> when it does not fit.</summary>
    public static implicit operator Tensor<D1, D2>(Tensor value) => new(value);

    /// <summary>The tensor\'s values, or <c>default</c> and the type for a default handle.</summary>
    public override string ToString() => _value?.ToString() ?? $"default {Declared.TypeName}";
}

/// <summary>A tensor of shape [<typeparamref name="D1"/>, <typeparamref name="D2"/>, <typeparamref name="D3"/>]. Converting a <see cref="Tensor"/> to it checks the rank and every static
/// size (a dynamic dimension such as <see cref="Batch"/> accepts any size ≥ 1) and throws
/// <see cref="ShapeMismatchException"/> naming both shapes; converting back is free.</summary>
/// <typeparam name="D1">The dimension of axis 0.</typeparam>
/// <typeparam name="D2">The dimension of axis 1.</typeparam>
/// <typeparam name="D3">The dimension of axis 2.</typeparam>
public readonly partial struct Tensor<D1, D2, D3>
    where D1 : IDim where D2 : IDim where D3 : IDim
{
    private static readonly TypedShape Declared = TypedShape.Of<D1, D2, D3>();
    private readonly Tensor? _value;

    /// <summary>Wraps <paramref name="value"/> after checking its shape.</summary>
    public Tensor(Tensor value) => _value = Declared.Check(value);

    /// <summary>The wrapped tensor (storage shared).</summary>
    public Tensor Value => _value ?? throw new InvalidOperationException($"This {Declared.TypeName} is default and holds no tensor.");

    /// <summary>The declared shape, e.g. <c>[Batch, Pixels=784]</c>.</summary>
    public static string DeclaredShape => Declared.Expected;

    /// <inheritdoc cref="Tensor.Shape"/>
    public int[] Shape => Value.Shape;

    /// <inheritdoc cref="Tensor.Rank"/>
    public int Rank => 3;

    /// <inheritdoc cref="Tensor.Numel"/>
    public int Numel => Value.Numel;

    /// <inheritdoc cref="Tensor.Data"/>
    public float[] Data => Value.Data;

    /// <inheritdoc cref="Tensor.Size(int)"/>
    public int Size(int axis) => Value.Size(axis);

    /// <inheritdoc cref="Tensor.ToArray"/>
    public float[] ToArray() => Value.ToArray();

    /// <summary>A checked tensor holding a copy of <paramref name="data"/>, when every dimension is static.</summary>
    public static Tensor<D1, D2, D3> FromArray(float[] data) => new(Declared.FromArray(data, batch: null));

    /// <summary>A checked tensor holding a copy of <paramref name="data"/>, with <paramref name="batch"/> as the size of the
    /// dimension sized at run time (<see cref="Batch"/>).</summary>
    public static Tensor<D1, D2, D3> FromArray(float[] data, int batch) => new(Declared.FromArray(data, batch));

    /// <summary>The slice at <paramref name="index"/> along the first axis, which it removes (negative counts from the end):
    /// <c>h[-1]</c> is a recurrent layer's last state, <c>x[t]</c> step t of a sequence.</summary>
    public Tensor this[int index] => Value[index];

    /// <summary>The rank-erased tensor (no copy).</summary>
    public static implicit operator Tensor(Tensor<D1, D2, D3> typed) => typed.Value;

    /// <summary>Checks the shape; throws <see cref="ShapeMismatchException"/> when it does not fit.</summary>
    public static implicit operator Tensor<D1, D2, D3>(Tensor value) => new(value);

    /// <summary>The tensor\'s values, or <c>default</c> and the type for a default handle.</summary>
    public override string ToString() => _value?.ToString() ?? $"default {Declared.TypeName}";
}

/// <summary>A tensor of shape [<typeparamref name="D1"/>, <typeparamref name="D2"/>, <typeparamref name="D3"/>, <typeparamref name="D4"/>]. Converting a <see cref="Tensor"/> to it checks the rank and every static
/// size (a dynamic dimension such as <see cref="Batch"/> accepts any size ≥ 1) and throws
/// <see cref="ShapeMismatchException"/> naming both shapes; converting back is free.</summary>
/// <typeparam name="D1">The dimension of axis 0.</typeparam>
/// <typeparam name="D2">The dimension of axis 1.</typeparam>
/// <typeparam name="D3">The dimension of axis 2.</typeparam>
/// <typeparam name="D4">The dimension of axis 3.</typeparam>
public readonly partial struct Tensor<D1, D2, D3, D4>
    where D1 : IDim where D2 : IDim where D3 : IDim where D4 : IDim
{
    private static readonly TypedShape Declared = TypedShape.Of<D1, D2, D3, D4>();
    private readonly Tensor? _value;

    /// <summary>Wraps <paramref name="value"/> after checking its shape.</summary>
    public Tensor(Tensor value) => _value = Declared.Check(value);

    /// <summary>The wrapped tensor (storage shared).</summary>
    public Tensor Value => _value ?? throw new InvalidOperationException($"This {Declared.TypeName} is default and holds no tensor.");

    /// <summary>The declared shape, e.g. <c>[Batch, Pixels=784]</c>.</summary>
    public static string DeclaredShape => Declared.Expected;

    /// <inheritdoc cref="Tensor.Shape"/>
    public int[] Shape => Value.Shape;

    /// <inheritdoc cref="Tensor.Rank"/>
    public int Rank => 4;

    /// <inheritdoc cref="Tensor.Numel"/>
    public int Numel => Value.Numel;

    /// <inheritdoc cref="Tensor.Data"/>
    public float[] Data => Value.Data;

    /// <inheritdoc cref="Tensor.Size(int)"/>
    public int Size(int axis) => Value.Size(axis);

    /// <inheritdoc cref="Tensor.ToArray"/>
    public float[] ToArray() => Value.ToArray();

    /// <summary>A checked tensor holding a copy of <paramref name="data"/>, when every dimension is static.</summary>
    public static Tensor<D1, D2, D3, D4> FromArray(float[] data) => new(Declared.FromArray(data, batch: null));

    /// <summary>A checked tensor holding a copy of <paramref name="data"/>, with <paramref name="batch"/> as the size of the
    /// dimension sized at run time (<see cref="Batch"/>).</summary>
    public static Tensor<D1, D2, D3, D4> FromArray(float[] data, int batch) => new(Declared.FromArray(data, batch));

    /// <summary>The slice at <paramref name="index"/> along the first axis, which it removes (negative counts from the end):
    /// <c>h[-1]</c> is a recurrent layer's last state, <c>x[t]</c> step t of a sequence.</summary>
    public Tensor this[int index] => Value[index];

    /// <summary>The rank-erased tensor (no copy).</summary>
    public static implicit operator Tensor(Tensor<D1, D2, D3, D4> typed) => typed.Value;

    /// <summary>Checks the shape; throws <see cref="ShapeMismatchException"/> when it does not fit.</summary>
    public static implicit operator Tensor<D1, D2, D3, D4>(Tensor value) => new(value);

    /// <summary>The tensor\'s values, or <c>default</c> and the type for a default handle.</summary>
    public override string ToString() => _value?.ToString() ?? $"default {Declared.TypeName}";
}

/// <summary>A tensor of shape [<typeparamref name="D1"/>, <typeparamref name="D2"/>, <typeparamref name="D3"/>, <typeparamref name="D4"/>, <typeparamref name="D5"/>]. Converting a <see cref="Tensor"/> to it checks the rank and every static
/// size (a dynamic dimension such as <see cref="Batch"/> accepts any size ≥ 1) and throws
/// <see cref="ShapeMismatchException"/> naming both shapes; converting back is free.</summary>
/// <typeparam name="D1">The dimension of axis 0.</typeparam>
/// <typeparam name="D2">The dimension of axis 1.</typeparam>
/// <typeparam name="D3">The dimension of axis 2.</typeparam>
/// <typeparam name="D4">The dimension of axis 3.</typeparam>
/// <typeparam name="D5">The dimension of axis 4.</typeparam>
public readonly partial struct Tensor<D1, D2, D3, D4, D5>
    where D1 : IDim where D2 : IDim where D3 : IDim where D4 : IDim where D5 : IDim
{
    private static readonly TypedShape Declared = TypedShape.Of<D1, D2, D3, D4, D5>();
    private readonly Tensor? _value;

    /// <summary>Wraps <paramref name="value"/> after checking its shape.</summary>
    public Tensor(Tensor value) => _value = Declared.Check(value);

    /// <summary>The wrapped tensor (storage shared).</summary>
    public Tensor Value => _value ?? throw new InvalidOperationException($"This {Declared.TypeName} is default and holds no tensor.");

    /// <summary>The declared shape, e.g. <c>[Batch, Pixels=784]</c>.</summary>
    public static string DeclaredShape => Declared.Expected;

    /// <inheritdoc cref="Tensor.Shape"/>
    public int[] Shape => Value.Shape;

    /// <inheritdoc cref="Tensor.Rank"/>
    public int Rank => 5;

    /// <inheritdoc cref="Tensor.Numel"/>
    public int Numel => Value.Numel;

    /// <inheritdoc cref="Tensor.Data"/>
    public float[] Data => Value.Data;

    /// <inheritdoc cref="Tensor.Size(int)"/>
    public int Size(int axis) => Value.Size(axis);

    /// <inheritdoc cref="Tensor.ToArray"/>
    public float[] ToArray() => Value.ToArray();

    /// <summary>A checked tensor holding a copy of <paramref name="data"/>, when every dimension is static.</summary>
    public static Tensor<D1, D2, D3, D4, D5> FromArray(float[] data) => new(Declared.FromArray(data, batch: null));

    /// <summary>A checked tensor holding a copy of <paramref name="data"/>, with <paramref name="batch"/> as the size of the
    /// dimension sized at run time (<see cref="Batch"/>).</summary>
    public static Tensor<D1, D2, D3, D4, D5> FromArray(float[] data, int batch) => new(Declared.FromArray(data, batch));

    /// <summary>The slice at <paramref name="index"/> along the first axis, which it removes (negative counts from the end):
    /// <c>h[-1]</c> is a recurrent layer's last state, <c>x[t]</c> step t of a sequence.</summary>
    public Tensor this[int index] => Value[index];

    /// <summary>The rank-erased tensor (no copy).</summary>
    public static implicit operator Tensor(Tensor<D1, D2, D3, D4, D5> typed) => typed.Value;

    /// <summary>Checks the shape; throws <see cref="ShapeMismatchException"/> when it does not fit.</summary>
    public static implicit operator Tensor<D1, D2, D3, D4, D5>(Tensor value) => new(value);

    /// <summary>The tensor\'s values, or <c>default</c> and the type for a default handle.</summary>
    public override string ToString() => _value?.ToString() ?? $"default {Declared.TypeName}";
}
