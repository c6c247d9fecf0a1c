namespace ShapeNet;

/// <summary>
/// A stepped slice along one axis, Python's <c>start:end:step</c>: <c>Slice.Step(3)</c> is <c>::3</c>,
/// <c>Slice.Step(1..7, 2)</c> is <c>1:7:2</c>. Bounds follow C# ranges (<c>^1</c> counts from the end) and,
/// as in Python, are clamped to the axis.
/// </summary>
public readonly struct Slice
{
    /// <summary>Creates the slice <paramref name="range"/> taking every <paramref name="step"/>-th element.</summary>
    public Slice(Range range, int step = 1)
    {
        if (step <= 0) throw new ArgumentOutOfRangeException(nameof(step), $"A slice step must be positive, got {step}.");
        Range = range;
        _step = step;
    }

    // Zero in default(Slice), which means a step of 1.
    private readonly int _step;

    /// <summary>The bounds (end excluded).</summary>
    public Range Range { get; }

    /// <summary>The distance between selected elements (1 when unset).</summary>
    public int StepSize => _step == 0 ? 1 : _step;

    /// <summary>The whole axis, every <paramref name="step"/>-th element (<c>::step</c>).</summary>
    public static Slice Step(int step) => new(.., step);

    /// <summary><paramref name="range"/>, every <paramref name="step"/>-th element (<c>start:end:step</c>).</summary>
    public static Slice Step(Range range, int step) => new(range, step);

    /// <summary>Resolves the slice against an axis of <paramref name="size"/>: the first index and the count.</summary>
    internal (int Start, int Count) Resolve(int size)
    {
        int start = Clamp(Range.Start, size), end = Clamp(Range.End, size);
        int count = end > start ? (end - start + StepSize - 1) / StepSize : 0;
        return (start, count);

        static int Clamp(Index index, int size)
        {
            long position = index.IsFromEnd ? (long)size - index.Value : index.Value;
            return (int)Math.Clamp(position, 0, size);
        }
    }

    /// <summary>The range, with <c>:step</c> when the step is not 1.</summary>
    public override string ToString() => StepSize == 1 ? Range.ToString() : $"{Range}:{StepSize}";
}

/// <summary>
/// One entry of a tensor subscript: a single position (an <see cref="int"/>, negative from the end, or an
/// <see cref="Index"/> such as <c>^1</c>), which removes the axis, or a <see cref="System.Range"/> /
/// <see cref="ShapeNet.Slice"/>, which keeps it. Written implicitly: <c>x[1]</c>, <c>x[^1]</c>, <c>x[1..3, ..]</c>,
/// <c>x[Slice.Step(3), Slice.Step(2)]</c>.
/// </summary>
public readonly struct TensorIndex
{
    private readonly Index _position;
    private readonly Slice _slice;

    private TensorIndex(Index position)
    {
        _position = position;
        IsSingle = true;
    }

    private TensorIndex(Slice slice) => _slice = slice;

    /// <summary>True for a single position (the axis is removed), false for a slice (the axis is kept).</summary>
    public bool IsSingle { get; }

    /// <summary>A single position; negative counts from the end (<c>x[-1]</c> is the last).</summary>
    public static implicit operator TensorIndex(int position) =>
        new(position >= 0 ? Index.FromStart(position) : Index.FromEnd(-position));

    /// <summary>A single position, from the start or the end (<c>x[^1]</c>).</summary>
    public static implicit operator TensorIndex(Index position) => new(position);

    /// <summary>A slice with step 1 (<c>x[1..3]</c>); the axis is kept.</summary>
    public static implicit operator TensorIndex(Range range) => new(new Slice(range));

    /// <summary>A slice with a step (<c>x[Slice.Step(2)]</c>); the axis is kept.</summary>
    public static implicit operator TensorIndex(Slice slice) => new(slice);

    /// <summary>Resolves against an axis of <paramref name="size"/>: first index, count and step. A single position
    /// out of range throws, naming the axis; slices clamp like Python's.</summary>
    internal (int Start, int Count, int Step) Resolve(int size, int axis, ReadOnlySpan<int> shape)
    {
        if (!IsSingle)
        {
            (int start, int count) = _slice.Resolve(size);
            return (start, count, _slice.StepSize);
        }
        long position = _position.IsFromEnd ? (long)size - _position.Value : _position.Value;
        if (position < 0 || position >= size)
            throw new IndexOutOfRangeException(
                $"Index {(_position.IsFromEnd ? "-" + _position.Value : _position.Value.ToString())} is out of range for axis {axis} " +
                $"of size {size} (tensor {Tensor.ShapeText(shape)}).");
        return ((int)position, 1, 1);
    }

    /// <summary>The position or the slice as written.</summary>
    public override string ToString() => IsSingle ? _position.ToString() : _slice.ToString();
}
