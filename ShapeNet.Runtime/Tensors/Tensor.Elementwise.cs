using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;

namespace ShapeNet;

// Element-wise arithmetic with NumPy broadcasting. The arithmetic runs in the CPU backend's kernels
// (CpuElementwise), so eager results match compiled ones; comparisons have no kernel and are computed here.
public sealed partial class Tensor
{
    /// <summary>The broadcast result shape of <paramref name="a"/> and <paramref name="b"/> (NumPy rules).</summary>
    public static int[] BroadcastShapes(ReadOnlySpan<int> a, ReadOnlySpan<int> b) =>
        TryBroadcastShapes(a, b, out int axis, out (int A, int B) sizes) ?? throw new ArgumentException(
            $"cannot broadcast {ShapeText(a)} with {ShapeText(b)}: axis {axis} of the result (aligned from the right) is " +
            $"{sizes.A} vs {sizes.B}; sizes must be equal or 1.");

    /// <summary>The broadcast shape, or null with the first conflicting result axis and its two sizes.</summary>
    internal static int[] TryBroadcastShapes(ReadOnlySpan<int> a, ReadOnlySpan<int> b, out int conflictAxis, out (int A, int B) conflictSizes)
    {
        int rank = Math.Max(a.Length, b.Length);
        var shape = new int[rank];
        for (int axis = 0; axis < rank; axis++)
        {
            int sa = SizeAligned(a, axis, rank), sb = SizeAligned(b, axis, rank);
            if (sa != sb && sa != 1 && sb != 1)
            {
                conflictAxis = axis;
                conflictSizes = (sa, sb);
                return null!;
            }
            shape[axis] = sa == 1 ? sb : sa;
        }
        conflictAxis = -1;
        conflictSizes = default;
        return shape;
    }

    private static int SizeAligned(ReadOnlySpan<int> shape, int axis, int rank)
    {
        int own = axis - (rank - shape.Length);
        return own < 0 ? 1 : shape[own];
    }

    /// <summary><paramref name="shape"/> left-padded with 1 to <paramref name="rank"/> axes, as the kernels expect.</summary>
    private static int[] PadShape(ReadOnlySpan<int> shape, int rank)
    {
        var padded = new int[rank];
        padded.AsSpan().Fill(1);
        shape.CopyTo(padded.AsSpan(rank - shape.Length));
        return padded;
    }

    private static Tensor Binary(BinaryOp op, Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        int[] shape = BroadcastShapes(a._shape, b._shape);
        Tensor result = Empty(shape);
        CpuElementwise.Binary_Forward(op, result._data, a._data, PadShape(a._shape, shape.Length),
            b._data, PadShape(b._shape, shape.Length), shape);
        return result;
    }

    internal Tensor Unary(UnaryOp op, float parameter = 0, float parameter2 = 0)
    {
        Tensor result = Empty(_shape);
        CpuElementwise.Unary_Forward(op, parameter, result._data, _data, parameter2);
        return result;
    }

    /// <summary>Element-wise sum with broadcasting.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => Binary(BinaryOp.Add, a, b);
    /// <summary>Element-wise difference with broadcasting.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => Binary(BinaryOp.Sub, a, b);
    /// <summary>Element-wise (Hadamard) product with broadcasting.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => Binary(BinaryOp.Mul, a, b);
    /// <summary>Element-wise quotient with broadcasting.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => Binary(BinaryOp.Div, a, b);

    // Tensor–number arithmetic: the number applies to every element, on either side.
    /// <summary>Element-wise sum of a tensor and a number (the number applies to every element).</summary>
public static Tensor operator +(Tensor a, float c) => NotNull(a).Unary(UnaryOp.AddScalar, c);
    /// <summary>Element-wise sum of a tensor and a number (the number applies to every element).</summary>
public static Tensor operator +(float c, Tensor a) => NotNull(a).Unary(UnaryOp.AddScalar, c);
    // x − c is x + (−c) exactly in IEEE arithmetic.
    /// <summary>Element-wise difference of a tensor and a number (the number applies to every element).</summary>
public static Tensor operator -(Tensor a, float c) => NotNull(a).Unary(UnaryOp.AddScalar, -c);
    /// <summary>Element-wise difference of a tensor and a number (the number applies to every element).</summary>
public static Tensor operator -(float c, Tensor a) => NotNull(a).Unary(UnaryOp.RSubScalar, c);
    /// <summary>Element-wise product of a tensor and a number (the number applies to every element).</summary>
public static Tensor operator *(Tensor a, float c) => NotNull(a).Unary(UnaryOp.MulScalar, c);
    /// <summary>Element-wise product of a tensor and a number (the number applies to every element).</summary>
public static Tensor operator *(float c, Tensor a) => NotNull(a).Unary(UnaryOp.MulScalar, c);
    // Dividing (rather than multiplying by 1/c) keeps results identical to PyTorch's.
    /// <summary>Element-wise quotient of a tensor and a number (the number applies to every element).</summary>
public static Tensor operator /(Tensor a, float c) => Binary(BinaryOp.Div, a, Scalar(c));
    /// <summary>Element-wise quotient of a tensor and a number (the number applies to every element).</summary>
public static Tensor operator /(float c, Tensor a) => NotNull(a).Unary(UnaryOp.RDivScalar, c);
    /// <summary>Element-wise negation.</summary>
    public static Tensor operator -(Tensor a) => NotNull(a).Unary(UnaryOp.Neg);

    private static Tensor NotNull(Tensor t, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(t))] string? name = null) =>
        t ?? throw new ArgumentNullException(name);

    /// <summary>Element-wise power, PyTorch's <c>x ** p</c>.</summary>
    public Tensor Pow(double exponent) => Unary(UnaryOp.Pow, (float)exponent);
    /// <summary>Element-wise eˣ.</summary>
    public Tensor Exp() => Unary(UnaryOp.Exp);
    /// <summary>Element-wise natural logarithm.</summary>
    public Tensor Log() => Unary(UnaryOp.Log);
    /// <summary>Element-wise |x|.</summary>
    public Tensor Abs() => Unary(UnaryOp.Abs);
    /// <summary>Element-wise √x.</summary>
    public Tensor Sqrt() => Unary(UnaryOp.Sqrt);
    /// <summary>Element-wise max(x, 0).</summary>
    public Tensor Relu() => Unary(UnaryOp.Relu);
    /// <summary>Element-wise 1 / (1 + e⁻ˣ).</summary>
    public Tensor Sigmoid() => Unary(UnaryOp.Sigmoid);
    /// <summary>Element-wise hyperbolic tangent.</summary>
    public Tensor Tanh() => Unary(UnaryOp.Tanh);

    // ---- in place: the storage is kept (d2l's "X += Y" does not reallocate) -----------------------------------

    /// <summary>Adds <paramref name="other"/> (broadcast to this shape) into this tensor's storage.</summary>
    public void operator +=(Tensor other) => InPlace(BinaryOp.Add, other);
    /// <summary>Subtracts <paramref name="other"/> (broadcast to this shape) in place.</summary>
    public void operator -=(Tensor other) => InPlace(BinaryOp.Sub, other);
    /// <summary>Multiplies by <paramref name="other"/> (broadcast to this shape) in place.</summary>
    public void operator *=(Tensor other) => InPlace(BinaryOp.Mul, other);
    /// <summary>Divides by <paramref name="other"/> (broadcast to this shape) in place.</summary>
    public void operator /=(Tensor other) => InPlace(BinaryOp.Div, other);
    /// <summary>Adds <paramref name="c"/> to every element in place.</summary>
    public void operator +=(float c) => CpuElementwise.Unary_Forward(UnaryOp.AddScalar, c, _data, _data);
    /// <summary>Subtracts <paramref name="c"/> from every element in place.</summary>
    public void operator -=(float c) => CpuElementwise.Unary_Forward(UnaryOp.AddScalar, -c, _data, _data);
    /// <summary>Multiplies every element by <paramref name="c"/> in place.</summary>
    public void operator *=(float c) => CpuElementwise.Unary_Forward(UnaryOp.MulScalar, c, _data, _data);
    /// <summary>Divides every element by <paramref name="c"/> in place.</summary>
    public void operator /=(float c) => InPlace(BinaryOp.Div, Scalar(c));

    private void InPlace(BinaryOp op, Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        int[] shape = BroadcastShapes(_shape, other._shape);
        if (!shape.AsSpan().SequenceEqual(_shape))
            throw new ArgumentException(
                $"In-place {op} cannot change the shape: {ShapeText(_shape)} with {ShapeText(other._shape)} broadcasts to {ShapeText(shape)}.",
                nameof(other));
        // The element-wise kernels allow the output to alias an input.
        CpuElementwise.Binary_Forward(op, _data, _data, _shape, other._data, PadShape(other._shape, Rank), _shape);
    }

    // ---- comparisons: 1 where true, 0 where false, with broadcasting -------------------------------------------
    // == and != keep their reference meaning in C#; use Eq / Ne for element-wise equality.

    /// <summary>1 where this equals <paramref name="other"/>, else 0 (PyTorch's <c>x == y</c>).</summary>
    public Tensor Eq(Tensor other) => Compare(this, other, static (a, b) => a == b);
    /// <summary>1 where this differs from <paramref name="other"/>, else 0 (PyTorch's <c>x != y</c>).</summary>
    public Tensor Ne(Tensor other) => Compare(this, other, static (a, b) => a != b);
    /// <summary>1 where this is less than <paramref name="other"/>, else 0.</summary>
    public Tensor Lt(Tensor other) => Compare(this, other, static (a, b) => a < b);
    /// <summary>1 where this is at most <paramref name="other"/>, else 0.</summary>
    public Tensor Le(Tensor other) => Compare(this, other, static (a, b) => a <= b);
    /// <summary>1 where this is greater than <paramref name="other"/>, else 0.</summary>
    public Tensor Gt(Tensor other) => Compare(this, other, static (a, b) => a > b);
    /// <summary>1 where this is at least <paramref name="other"/>, else 0.</summary>
    public Tensor Ge(Tensor other) => Compare(this, other, static (a, b) => a >= b);

    /// <summary>1 where <paramref name="a"/> is less than <paramref name="b"/> (broadcast), else 0.</summary>
    public static Tensor operator <(Tensor a, Tensor b) => NotNull(a).Lt(b);
    /// <summary>1 where <paramref name="a"/> is greater than <paramref name="b"/> (broadcast), else 0.</summary>
    public static Tensor operator >(Tensor a, Tensor b) => NotNull(a).Gt(b);
    /// <summary>1 where <paramref name="a"/> is at most <paramref name="b"/> (broadcast), else 0.</summary>
    public static Tensor operator <=(Tensor a, Tensor b) => NotNull(a).Le(b);
    /// <summary>1 where <paramref name="a"/> is at least <paramref name="b"/> (broadcast), else 0.</summary>
    public static Tensor operator >=(Tensor a, Tensor b) => NotNull(a).Ge(b);
    /// <summary>1 where <paramref name="a"/> is less than <paramref name="c"/> (broadcast), else 0.</summary>
    public static Tensor operator <(Tensor a, float c) => NotNull(a).Lt(c);
    /// <summary>1 where <paramref name="a"/> is greater than <paramref name="c"/> (broadcast), else 0.</summary>
    public static Tensor operator >(Tensor a, float c) => NotNull(a).Gt(c);
    /// <summary>1 where <paramref name="a"/> is at most <paramref name="c"/> (broadcast), else 0.</summary>
    public static Tensor operator <=(Tensor a, float c) => NotNull(a).Le(c);
    /// <summary>1 where <paramref name="a"/> is at least <paramref name="c"/> (broadcast), else 0.</summary>
    public static Tensor operator >=(Tensor a, float c) => NotNull(a).Ge(c);

    private static Tensor Compare(Tensor a, Tensor b, Func<float, float, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(b);
        int[] shape = BroadcastShapes(a._shape, b._shape);
        float[] left = a.BroadcastData(shape), right = b.BroadcastData(shape);
        for (int i = 0; i < left.Length; i++) left[i] = predicate(left[i], right[i]) ? 1f : 0f;
        return new Tensor(left, shape);
    }
}
