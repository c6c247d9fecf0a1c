using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace ShapeNet.Backends.Cpu;

/// <summary>
/// Unary and broadcasting binary element-wise kernels. Forward passes use TensorPrimitives (vectorized, safe for
/// y and x being the same memory); backward passes use Vector&lt;float&gt; loops specialized per op through
/// generic struct parameters, so the op switch is resolved once per call, not per element.
/// </summary>
[SkipLocalsInit]
public static unsafe class CpuElementwise
{
    /// <summary>Binary operands above this rank are rejected (the broadcast walk keeps its counters on the stack).</summary>
    internal const int MaxRank = 16;

    /// <summary>
    /// x (n) -> y (n)
    /// y = f(x); <paramref name="parameter"/> is the exponent (Pow), the scalar c (AddScalar, MulScalar, RSubScalar, RDivScalar)
    /// or an activation's first constant, <paramref name="parameter2"/> its second (Softplus, Hardtanh; see <see cref="UnaryOp"/>).
    /// </summary>
    public static void Unary_Forward(UnaryOp op, float parameter, Span<float> y, ReadOnlySpan<float> x, float parameter2 = 0)
    {
        if (y.Length != x.Length)
            throw new ArgumentException($"Unary {op}: y has {y.Length} values but x has {x.Length}.", nameof(y));
        switch (op)
        {
            case UnaryOp.Identity: x.CopyTo(y); break;
            case UnaryOp.Relu: TensorPrimitives.Max(x, 0f, y); break;
            case UnaryOp.Sigmoid: TensorPrimitives.Sigmoid(x, y); break;
            case UnaryOp.Tanh: TensorPrimitives.Tanh(x, y); break;
            case UnaryOp.Exp: TensorPrimitives.Exp(x, y); break;
            case UnaryOp.Log: TensorPrimitives.Log(x, y); break;
            case UnaryOp.Abs: TensorPrimitives.Abs(x, y); break;
            case UnaryOp.Neg: TensorPrimitives.Negate(x, y); break;
            case UnaryOp.Pow: TensorPrimitives.Pow(x, parameter, y); break;
            case UnaryOp.AddScalar: TensorPrimitives.Add(x, parameter, y); break;
            case UnaryOp.MulScalar: TensorPrimitives.Multiply(x, parameter, y); break;
            case UnaryOp.RSubScalar: TensorPrimitives.Subtract(parameter, x, y); break;
            case UnaryOp.RDivScalar: TensorPrimitives.Divide(parameter, x, y); break;
            case UnaryOp.Sqrt: TensorPrimitives.Sqrt(x, y); break;
            case UnaryOp.LeakyRelu: CpuActivations.Forward<LeakyReluKernel>(y, x, parameter, parameter2); break;
            case UnaryOp.Elu: CpuActivations.Forward<EluKernel>(y, x, parameter, parameter2); break;
            case UnaryOp.Gelu: CpuActivations.Forward<GeluKernel>(y, x, parameter, parameter2); break;
            case UnaryOp.GeluTanh: CpuActivations.Forward<GeluTanhKernel>(y, x, parameter, parameter2); break;
            case UnaryOp.Silu: CpuActivations.Forward<SiluKernel>(y, x, parameter, parameter2); break;
            case UnaryOp.Softplus: CpuActivations.Forward<SoftplusKernel>(y, x, parameter, parameter2); break;
            case UnaryOp.Hardtanh: CpuActivations.Forward<HardtanhKernel>(y, x, parameter, parameter2); break;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown unary op.");
        }
    }

    /// <summary>
    /// dy (n), x (n), y (n) -> dx (n)
    /// dx (+)= dy·f'(x). Relu, Sigmoid, Tanh, Exp and Sqrt read the forward output y (as PyTorch does);
    /// Log, Abs, Pow, RDivScalar and the activations LeakyRelu … Hardtanh read the forward input x (as PyTorch's
    /// backward formulas do); the others read neither.
    /// </summary>
    public static void Unary_Backward(UnaryOp op, float parameter, Span<float> dx, ReadOnlySpan<float> dy,
        ReadOnlySpan<float> x, ReadOnlySpan<float> y, bool accumulate, float parameter2 = 0)
    {
        int n = dx.Length;
        if (dy.Length != n)
            throw new ArgumentException($"Unary {op} backward: dx has {n} values but dy has {dy.Length}.", nameof(dy));
        bool readsInput = op is UnaryOp.Log or UnaryOp.Abs or UnaryOp.Pow or UnaryOp.RDivScalar or >= UnaryOp.LeakyRelu;
        bool readsOutput = op is UnaryOp.Relu or UnaryOp.Sigmoid or UnaryOp.Tanh or UnaryOp.Exp or UnaryOp.Sqrt;
        if (readsInput && x.Length != n)
            throw new ArgumentException($"Unary {op} backward needs the forward input x ({n} values), got {x.Length}.", nameof(x));
        if (readsOutput && y.Length != n)
            throw new ArgumentException($"Unary {op} backward needs the forward output y ({n} values), got {y.Length}.", nameof(y));

        fixed (float* pdx = dx, pdy = dy, px = x, py = y)
        {
            switch (op)
            {
                case UnaryOp.Identity or UnaryOp.AddScalar: UnaryGradient<PassThrough>(pdx, pdy, px, py, parameter, n, accumulate); break;
                case UnaryOp.Neg or UnaryOp.RSubScalar: UnaryGradient<Negated>(pdx, pdy, px, py, parameter, n, accumulate); break;
                case UnaryOp.MulScalar: UnaryGradient<Scaled>(pdx, pdy, px, py, parameter, n, accumulate); break;
                case UnaryOp.Relu: UnaryGradient<ReluGradient>(pdx, pdy, px, py, parameter, n, accumulate); break;
                case UnaryOp.Sigmoid: UnaryGradient<SigmoidGradient>(pdx, pdy, px, py, parameter, n, accumulate); break;
                case UnaryOp.Tanh: UnaryGradient<TanhGradient>(pdx, pdy, px, py, parameter, n, accumulate); break;
                case UnaryOp.Exp: UnaryGradient<ExpGradient>(pdx, pdy, px, py, parameter, n, accumulate); break;
                case UnaryOp.Log: UnaryGradient<LogGradient>(pdx, pdy, px, py, parameter, n, accumulate); break;
                case UnaryOp.Abs: UnaryGradient<AbsGradient>(pdx, pdy, px, py, parameter, n, accumulate); break;
                case UnaryOp.RDivScalar: UnaryGradient<ReciprocalGradient>(pdx, pdy, px, py, parameter, n, accumulate); break;
                case UnaryOp.Sqrt: UnaryGradient<SqrtGradient>(pdx, pdy, px, py, parameter, n, accumulate); break;
                case UnaryOp.Pow: PowGradient(pdx, pdy, px, parameter, n, accumulate); break;
                case UnaryOp.LeakyRelu: CpuActivations.Backward<LeakyReluKernel>(pdx, pdy, px, n, parameter, parameter2, accumulate); break;
                case UnaryOp.Elu: CpuActivations.Backward<EluKernel>(pdx, pdy, px, n, parameter, parameter2, accumulate); break;
                case UnaryOp.Gelu: CpuActivations.Backward<GeluKernel>(pdx, pdy, px, n, parameter, parameter2, accumulate); break;
                case UnaryOp.GeluTanh: CpuActivations.Backward<GeluTanhKernel>(pdx, pdy, px, n, parameter, parameter2, accumulate); break;
                case UnaryOp.Silu: CpuActivations.Backward<SiluKernel>(pdx, pdy, px, n, parameter, parameter2, accumulate); break;
                case UnaryOp.Softplus: CpuActivations.Backward<SoftplusKernel>(pdx, pdy, px, n, parameter, parameter2, accumulate); break;
                case UnaryOp.Hardtanh: CpuActivations.Backward<HardtanhKernel>(pdx, pdy, px, n, parameter, parameter2, accumulate); break;
                default: throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown unary op.");
            }
        }
    }

    /// <summary>d/dx of one unary op, as a vector and a scalar (for the tail).</summary>
    private interface IUnaryGradient
    {
        static abstract Vector<float> Of(Vector<float> dy, Vector<float> x, Vector<float> y, Vector<float> parameter);
        static abstract float Of(float dy, float x, float y, float parameter);
    }

    private static void UnaryGradient<TOp>(float* dx, float* dy, float* x, float* y, float parameter, int n, bool accumulate)
        where TOp : struct, IUnaryGradient
    {
        // Ops that ignore x or y may receive empty spans (null pointers): read a harmless zero instead.
        float zero = 0f;
        int xStep = x == null ? 0 : 1, yStep = y == null ? 0 : 1;
        if (x == null) x = &zero;
        if (y == null) y = &zero;
        var p = new Vector<float>(parameter);
        int width = Vector<float>.Count, i = 0;
        for (; i <= n - width; i += width)
        {
            Vector<float> xv = xStep == 0 ? Vector<float>.Zero : Vector.Load(x + i);
            Vector<float> yv = yStep == 0 ? Vector<float>.Zero : Vector.Load(y + i);
            Vector<float> g = TOp.Of(Vector.Load(dy + i), xv, yv, p);
            Vector.Store(accumulate ? Vector.Load(dx + i) + g : g, dx + i);
        }
        for (; i < n; i++)
        {
            float g = TOp.Of(dy[i], x[i * xStep], y[i * yStep], parameter);
            dx[i] = accumulate ? dx[i] + g : g;
        }
    }

    /// <summary>PyTorch's pow_backward: dy·(p·x^(p−1)), and exactly zero for p = 0.</summary>
    private static void PowGradient(float* dx, float* dy, float* x, float exponent, int n, bool accumulate)
    {
        for (int i = 0; i < n; i++)
        {
            float g = exponent == 0f ? 0f : dy[i] * (exponent * MathF.Pow(x[i], exponent - 1f));
            dx[i] = accumulate ? dx[i] + g : g;
        }
    }

    private struct PassThrough : IUnaryGradient
    {
        public static Vector<float> Of(Vector<float> dy, Vector<float> x, Vector<float> y, Vector<float> p) => dy;
        public static float Of(float dy, float x, float y, float p) => dy;
    }

    private struct Negated : IUnaryGradient
    {
        public static Vector<float> Of(Vector<float> dy, Vector<float> x, Vector<float> y, Vector<float> p) => -dy;
        public static float Of(float dy, float x, float y, float p) => -dy;
    }

    private struct Scaled : IUnaryGradient
    {
        public static Vector<float> Of(Vector<float> dy, Vector<float> x, Vector<float> y, Vector<float> p) => dy * p;
        public static float Of(float dy, float x, float y, float p) => dy * p;
    }

    private struct ReluGradient : IUnaryGradient
    {
        public static Vector<float> Of(Vector<float> dy, Vector<float> x, Vector<float> y, Vector<float> p)
            => Vector.ConditionalSelect(Vector.GreaterThan(y, Vector<float>.Zero), dy, Vector<float>.Zero);
        public static float Of(float dy, float x, float y, float p) => y > 0f ? dy : 0f;
    }

    private struct SigmoidGradient : IUnaryGradient
    {
        public static Vector<float> Of(Vector<float> dy, Vector<float> x, Vector<float> y, Vector<float> p) => dy * (Vector<float>.One - y) * y;
        public static float Of(float dy, float x, float y, float p) => dy * (1f - y) * y;
    }

    private struct TanhGradient : IUnaryGradient
    {
        public static Vector<float> Of(Vector<float> dy, Vector<float> x, Vector<float> y, Vector<float> p) => dy * (Vector<float>.One - y * y);
        public static float Of(float dy, float x, float y, float p) => dy * (1f - y * y);
    }

    private struct ExpGradient : IUnaryGradient
    {
        public static Vector<float> Of(Vector<float> dy, Vector<float> x, Vector<float> y, Vector<float> p) => dy * y;
        public static float Of(float dy, float x, float y, float p) => dy * y;
    }

    private struct LogGradient : IUnaryGradient
    {
        public static Vector<float> Of(Vector<float> dy, Vector<float> x, Vector<float> y, Vector<float> p) => dy / x;
        public static float Of(float dy, float x, float y, float p) => dy / x;
    }

    /// <summary>sign(x) with sign(0) = 0 (PyTorch's abs backward).</summary>
    private struct AbsGradient : IUnaryGradient
    {
        public static Vector<float> Of(Vector<float> dy, Vector<float> x, Vector<float> y, Vector<float> p)
            => Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), dy,
                Vector.ConditionalSelect(Vector.LessThan(x, Vector<float>.Zero), -dy, Vector<float>.Zero));
        public static float Of(float dy, float x, float y, float p) => x > 0f ? dy : x < 0f ? -dy : 0f;
    }

    /// <summary>d(c/x)/dx = −c/x².</summary>
    private struct ReciprocalGradient : IUnaryGradient
    {
        public static Vector<float> Of(Vector<float> dy, Vector<float> x, Vector<float> y, Vector<float> p) => -dy * p / (x * x);
        public static float Of(float dy, float x, float y, float p) => -dy * p / (x * x);
    }

    /// <summary>d√x/dx = 1/(2√x), from the output as PyTorch does.</summary>
    private struct SqrtGradient : IUnaryGradient
    {
        public static Vector<float> Of(Vector<float> dy, Vector<float> x, Vector<float> y, Vector<float> p) => dy / (y + y);
        public static float Of(float dy, float x, float y, float p) => dy / (2f * y);
    }

    // ---- binary ------------------------------------------------------------------------------------

    /// <summary>
    /// a (aShape), b (bShape) -> z (zShape), equal ranks, each a/b dim 1 or equal to z's
    /// z = a ∘ b with NumPy broadcasting. Dimensions are first coalesced, so equal shapes become one flat
    /// vector op, a row vector b becomes [rows, cols] with b's row stride 0, and a scalar operand a vector-scalar op.
    /// </summary>
    public static void Binary_Forward(BinaryOp op, Span<float> z, ReadOnlySpan<float> a, ReadOnlySpan<int> aShape,
        ReadOnlySpan<float> b, ReadOnlySpan<int> bShape, ReadOnlySpan<int> zShape)
    {
        var walk = new BroadcastWalk(aShape, bShape, zShape, a.Length, b.Length, z.Length);
        fixed (float* pz = z, pa = a, pb = b)
        {
            long aOffset = 0, bOffset = 0;
            for (long zOffset = 0; zOffset < z.Length; zOffset += walk.InnerLength)
            {
                ForwardRow(op, new Span<float>(pz + zOffset, walk.InnerLength),
                    pa + aOffset, walk.InnerAFull, pb + bOffset, walk.InnerBFull);
                walk.Advance(ref aOffset, ref bOffset);
            }
        }
    }

    private static void ForwardRow(BinaryOp op, Span<float> z, float* a, bool aFull, float* b, bool bFull)
    {
        int length = z.Length;
        var aRow = new ReadOnlySpan<float>(a, length);
        var bRow = new ReadOnlySpan<float>(b, length);
        if (aFull && bFull)
        {
            switch (op)
            {
                case BinaryOp.Add: TensorPrimitives.Add(aRow, bRow, z); break;
                case BinaryOp.Sub: TensorPrimitives.Subtract(aRow, bRow, z); break;
                case BinaryOp.Mul: TensorPrimitives.Multiply(aRow, bRow, z); break;
                case BinaryOp.Div: TensorPrimitives.Divide(aRow, bRow, z); break;
                default: throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown binary op.");
            }
        }
        else if (aFull)
        {
            switch (op)
            {
                case BinaryOp.Add: TensorPrimitives.Add(aRow, *b, z); break;
                case BinaryOp.Sub: TensorPrimitives.Subtract(aRow, *b, z); break;
                case BinaryOp.Mul: TensorPrimitives.Multiply(aRow, *b, z); break;
                case BinaryOp.Div: TensorPrimitives.Divide(aRow, *b, z); break;
                default: throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown binary op.");
            }
        }
        else if (bFull)
        {
            switch (op)
            {
                case BinaryOp.Add: TensorPrimitives.Add(bRow, *a, z); break;
                case BinaryOp.Sub: TensorPrimitives.Subtract(*a, bRow, z); break;
                case BinaryOp.Mul: TensorPrimitives.Multiply(bRow, *a, z); break;
                case BinaryOp.Div: TensorPrimitives.Divide(*a, bRow, z); break;
                default: throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown binary op.");
            }
        }
        else
        {
            z.Fill(op switch
            {
                BinaryOp.Add => *a + *b,
                BinaryOp.Sub => *a - *b,
                BinaryOp.Mul => *a * *b,
                BinaryOp.Div => *a / *b,
                _ => throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown binary op."),
            });
        }
    }

    /// <summary>
    /// dz (zShape), a (aShape), b (bShape) -> dOperand (aShape when operand = 0, bShape when 1)
    /// dOperand (+)= Σ over the operand's broadcast axes of dz·∂z/∂operand.
    /// </summary>
    public static void Binary_Backward(BinaryOp op, int operand, Span<float> dOperand, ReadOnlySpan<float> dz,
        ReadOnlySpan<float> a, ReadOnlySpan<int> aShape, ReadOnlySpan<float> b, ReadOnlySpan<int> bShape,
        ReadOnlySpan<int> zShape, bool accumulate)
    {
        if (operand is not (0 or 1))
            throw new ArgumentOutOfRangeException(nameof(operand), operand, "The operand is 0 (a) or 1 (b).");
        // The gradient of Add and Sub never reads the operands, so a caller may pass them empty.
        bool readsOperands = op is BinaryOp.Mul or BinaryOp.Div;
        var walk = new BroadcastWalk(aShape, bShape, zShape, readsOperands ? a.Length : -1, readsOperands ? b.Length : -1, dz.Length);
        long operandLength = Product(operand == 0 ? aShape : bShape);
        if (dOperand.Length != operandLength)
            throw new ArgumentException($"dOperand has {dOperand.Length} values but operand {operand} has {operandLength}.", nameof(dOperand));
        if (!accumulate) dOperand.Clear();

        fixed (float* pd = dOperand, pdz = dz, pa = a, pb = b)
        {
            switch ((op, operand))
            {
                case (BinaryOp.Add, 0) or (BinaryOp.Add, 1) or (BinaryOp.Sub, 0): GradientWalk<PassThroughTerm>(walk, operand, pd, pdz, pa, pb, dz.Length); break;
                case (BinaryOp.Sub, 1): GradientWalk<NegatedTerm>(walk, operand, pd, pdz, pa, pb, dz.Length); break;
                case (BinaryOp.Mul, 0): GradientWalk<TimesBTerm>(walk, operand, pd, pdz, pa, pb, dz.Length); break;
                case (BinaryOp.Mul, 1): GradientWalk<TimesATerm>(walk, operand, pd, pdz, pa, pb, dz.Length); break;
                case (BinaryOp.Div, 0): GradientWalk<OverBTerm>(walk, operand, pd, pdz, pa, pb, dz.Length); break;
                case (BinaryOp.Div, 1): GradientWalk<QuotientTerm>(walk, operand, pd, pdz, pa, pb, dz.Length); break;
                default: throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown binary op.");
            }
        }
    }

    private static long Product(ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (int d in shape) count *= d;
        return count;
    }

    /// <summary>dz·∂z/∂operand for one (op, operand) pair.</summary>
    private interface IBinaryTerm
    {
        static abstract Vector<float> Of(Vector<float> dz, Vector<float> a, Vector<float> b);
        static abstract float Of(float dz, float a, float b);
    }

    private struct PassThroughTerm : IBinaryTerm
    {
        public static Vector<float> Of(Vector<float> dz, Vector<float> a, Vector<float> b) => dz;
        public static float Of(float dz, float a, float b) => dz;
    }

    private struct NegatedTerm : IBinaryTerm
    {
        public static Vector<float> Of(Vector<float> dz, Vector<float> a, Vector<float> b) => -dz;
        public static float Of(float dz, float a, float b) => -dz;
    }

    private struct TimesBTerm : IBinaryTerm
    {
        public static Vector<float> Of(Vector<float> dz, Vector<float> a, Vector<float> b) => dz * b;
        public static float Of(float dz, float a, float b) => dz * b;
    }

    private struct TimesATerm : IBinaryTerm
    {
        public static Vector<float> Of(Vector<float> dz, Vector<float> a, Vector<float> b) => dz * a;
        public static float Of(float dz, float a, float b) => dz * a;
    }

    private struct OverBTerm : IBinaryTerm
    {
        public static Vector<float> Of(Vector<float> dz, Vector<float> a, Vector<float> b) => dz / b;
        public static float Of(float dz, float a, float b) => dz / b;
    }

    /// <summary>∂(a/b)/∂b = −a/b².</summary>
    private struct QuotientTerm : IBinaryTerm
    {
        public static Vector<float> Of(Vector<float> dz, Vector<float> a, Vector<float> b) => -dz * a / (b * b);
        public static float Of(float dz, float a, float b) => -dz * a / (b * b);
    }

    private static void GradientWalk<TTerm>(BroadcastWalk walk, int operand, float* dOperand, float* dz, float* a, float* b, long zLength)
        where TTerm : struct, IBinaryTerm
    {
        float zero = 0f;
        bool readsA = a != null, readsB = b != null;
        long aOffset = 0, bOffset = 0;
        bool targetFull = operand == 0 ? walk.InnerAFull : walk.InnerBFull;
        for (long zOffset = 0; zOffset < zLength; zOffset += walk.InnerLength)
        {
            float* target = dOperand + (operand == 0 ? aOffset : bOffset);
            GradientRow<TTerm>(target, targetFull, dz + zOffset,
                readsA ? a + aOffset : &zero, readsA && walk.InnerAFull,
                readsB ? b + bOffset : &zero, readsB && walk.InnerBFull, walk.InnerLength);
            walk.Advance(ref aOffset, ref bOffset);
        }
    }

    /// <summary>One innermost row: a full target gets the terms added element by element, a broadcast
    /// target (stride 0) gets their sum.</summary>
    private static void GradientRow<TTerm>(float* target, bool targetFull, float* dz, float* a, bool aFull, float* b, bool bFull, int length)
        where TTerm : struct, IBinaryTerm
    {
        int width = Vector<float>.Count, j = 0;
        var aScalar = new Vector<float>(*a);
        var bScalar = new Vector<float>(*b);
        if (targetFull)
        {
            for (; j <= length - width; j += width)
            {
                Vector<float> term = TTerm.Of(Vector.Load(dz + j), aFull ? Vector.Load(a + j) : aScalar, bFull ? Vector.Load(b + j) : bScalar);
                Vector.Store(Vector.Load(target + j) + term, target + j);
            }
            for (; j < length; j++) target[j] += TTerm.Of(dz[j], aFull ? a[j] : *a, bFull ? b[j] : *b);
        }
        else
        {
            Vector<float> sums = Vector<float>.Zero;
            for (; j <= length - width; j += width)
                sums += TTerm.Of(Vector.Load(dz + j), aFull ? Vector.Load(a + j) : aScalar, bFull ? Vector.Load(b + j) : bScalar);
            float sum = Vector.Sum(sums);
            for (; j < length; j++) sum += TTerm.Of(dz[j], aFull ? a[j] : *a, bFull ? b[j] : *b);
            *target += sum;
        }
    }
}

/// <summary>
/// Walks z in rows of its innermost coalesced dimension and tracks the matching offsets into a and b.
/// Coalescing drops z's size-1 axes and merges neighbouring axes on which a and b each keep the same
/// broadcast state, so the walk has as few and as long rows as the shapes allow.
/// </summary>
internal unsafe struct BroadcastWalk
{
    private fixed int _sizes[CpuElementwise.MaxRank];
    private fixed int _counters[CpuElementwise.MaxRank];
    private fixed long _aStrides[CpuElementwise.MaxRank];
    private fixed long _bStrides[CpuElementwise.MaxRank];
    private readonly int _rank;
    public readonly int InnerLength;
    public readonly bool InnerAFull, InnerBFull;

    /// <summary>Validates the shapes against each other and against the data lengths (−1 skips a length check).</summary>
    public BroadcastWalk(ReadOnlySpan<int> aShape, ReadOnlySpan<int> bShape, ReadOnlySpan<int> zShape, long aLength, long bLength, long zLength)
    {
        int rank = zShape.Length;
        if (aShape.Length != rank || bShape.Length != rank)
            throw new ArgumentException($"Broadcast shapes must have equal ranks: a {Tensor.ShapeText(aShape)}, " +
                $"b {Tensor.ShapeText(bShape)}, z {Tensor.ShapeText(zShape)}.");
        if (rank > CpuElementwise.MaxRank) throw new ArgumentException($"Rank {rank} exceeds the supported {CpuElementwise.MaxRank}.");
        for (int d = 0; d < rank; d++)
        {
            if ((aShape[d] != zShape[d] && aShape[d] != 1) || (bShape[d] != zShape[d] && bShape[d] != 1))
                throw new ArgumentException($"Cannot broadcast a {Tensor.ShapeText(aShape)} and b " +
                    $"{Tensor.ShapeText(bShape)} to z {Tensor.ShapeText(zShape)} (axis {d}).");
        }
        // Checked: a wrapped count could match a short buffer and let the walk run past it.
        long aCount = SizeMath.Product("Broadcast", "operand a", aShape);
        long bCount = SizeMath.Product("Broadcast", "operand b", bShape);
        long zCount = SizeMath.Product("Broadcast", "result z", zShape);
        if ((aLength >= 0 && aLength != aCount) || (bLength >= 0 && bLength != bCount) || zLength != zCount)
            throw new ArgumentException($"Data lengths a {aLength}, b {bLength}, z {zLength} do not match the shapes " +
                $"{Tensor.ShapeText(aShape)}, {Tensor.ShapeText(bShape)}, {Tensor.ShapeText(zShape)}.");

        Span<bool> aFull = stackalloc bool[CpuElementwise.MaxRank];
        Span<bool> bFull = stackalloc bool[CpuElementwise.MaxRank];
        int kept = 0;
        for (int d = 0; d < rank; d++)
        {
            if (zShape[d] == 1) continue;
            bool af = aShape[d] != 1, bf = bShape[d] != 1;
            if (kept > 0 && aFull[kept - 1] == af && bFull[kept - 1] == bf)
            {
                _sizes[kept - 1] *= zShape[d];
                continue;
            }
            _sizes[kept] = zShape[d];
            aFull[kept] = af;
            bFull[kept] = bf;
            kept++;
        }
        if (kept == 0)
        {
            _sizes[0] = 1;
            aFull[0] = bFull[0] = true;
            kept = 1;
        }
        _rank = kept;
        long aStride = 1, bStride = 1;
        for (int d = kept - 1; d >= 0; d--)
        {
            _aStrides[d] = aFull[d] ? aStride : 0;
            _bStrides[d] = bFull[d] ? bStride : 0;
            if (aFull[d]) aStride *= _sizes[d];
            if (bFull[d]) bStride *= _sizes[d];
            _counters[d] = 0;
        }
        InnerLength = _sizes[kept - 1];
        InnerAFull = aFull[kept - 1];
        InnerBFull = bFull[kept - 1];
    }

    /// <summary>Moves the a and b offsets to the start of the next row (odometer over the outer axes).</summary>
    public void Advance(ref long aOffset, ref long bOffset)
    {
        for (int d = _rank - 2; d >= 0; d--)
        {
            aOffset += _aStrides[d];
            bOffset += _bStrides[d];
            if (++_counters[d] < _sizes[d]) return;
            _counters[d] = 0;
            aOffset -= _aStrides[d] * _sizes[d];
            bOffset -= _bStrides[d] * _sizes[d];
        }
    }
}
