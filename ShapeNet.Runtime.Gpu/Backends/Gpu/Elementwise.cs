using ILGPU;
using ILGPU.Runtime;

namespace ShapeNet.Backends.Gpu;

/// <summary>
/// Unary and broadcasting binary element-wise kernels (mirror of <c>Cpu/Elementwise.cs</c>), plus fill. One thread per
/// output element. The op is a kernel argument (a uniform branch), so one compiled kernel serves every op.
/// Binary backward sums over the operand's broadcast axes per output element (no atomics: deterministic).
/// </summary>
public sealed class GpuElementwise
{
    private readonly GpuKernels _k;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, int, float, float> _unaryForward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, float, int> _unaryBackward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, Walk> _binaryForward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, ReductionWalk, int> _binaryBackward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, float> _fill;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<int>> _widen;
    private readonly Action<AcceleratorStream, Index1D, float, ArrayView<float>, ArrayView<float>> _axpy;

    internal GpuElementwise(GpuKernels k)
    {
        _k = k;
        Accelerator a = k.Accelerator;
        _unaryForward = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, int, float, float>(UnaryForwardKernel);
        _unaryBackward = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, float, int>(UnaryBackwardKernel);
        _binaryForward = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, Walk>(BinaryForwardKernel);
        _binaryBackward = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, ReductionWalk, int>(BinaryBackwardKernel);
        _fill = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, float>(FillKernel);
        _widen = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<int>>(WidenKernel);
        _axpy = a.LoadAutoGroupedKernel<Index1D, float, ArrayView<float>, ArrayView<float>>(AxpyKernel);
    }

    /// <summary>x (n) -> y (n): y = f(x); parameter is the exponent (Pow), the scalar c or an activation's first constant,
    /// parameter2 its second (Softplus, Hardtanh).</summary>
    public void Unary_Forward(UnaryOp op, float parameter, ArrayView<float> y, ArrayView<float> x, long n, float parameter2 = 0)
    {
        CheckOp(op);
        GpuKernels.Need(y, n, "Unary", op, "y");
        GpuKernels.Need(x, n, "Unary", op, "x");
        int count = GpuKernels.Count(n, "Unary", op);
        if (count > 0) _unaryForward(_k.Stream, count, y, x, (int)op, parameter, parameter2);
    }

    /// <summary>dy (n), x (n), y (n) -> dx (n): dx (+)= dy·f'(x). Relu, Sigmoid, Tanh, Exp and Sqrt read y; Log, Abs,
    /// Pow, RDivScalar and the activations LeakyRelu … Hardtanh read x; the others neither (their view may be empty).</summary>
    public void Unary_Backward(UnaryOp op, float parameter, ArrayView<float> dx, ArrayView<float> dy, ArrayView<float> x,
        ArrayView<float> y, long n, bool accumulate, float parameter2 = 0)
    {
        CheckOp(op);
        GpuKernels.Need(dx, n, "Unary backward", op, "dx");
        GpuKernels.Need(dy, n, "Unary backward", op, "dy");
        if (op is UnaryOp.Log or UnaryOp.Abs or UnaryOp.Pow or UnaryOp.RDivScalar or >= UnaryOp.LeakyRelu) GpuKernels.Need(x, n, "Unary backward", op, "x");
        if (op is UnaryOp.Relu or UnaryOp.Sigmoid or UnaryOp.Tanh or UnaryOp.Exp or UnaryOp.Sqrt) GpuKernels.Need(y, n, "Unary backward", op, "y");
        int count = GpuKernels.Count(n, "Unary backward", op);
        if (count > 0) _unaryBackward(_k.Stream, count, dx, dy, x, y, (int)op, parameter, parameter2, accumulate ? 1 : 0);
    }

    /// <summary>a (aShape), b (bShape) -> z (zShape): z = a ∘ b with NumPy broadcasting (equal ranks, each axis 1 or z's).</summary>
    public void Binary_Forward(BinaryOp op, ArrayView<float> z, ArrayView<float> a, ReadOnlySpan<int> aShape,
        ArrayView<float> b, ReadOnlySpan<int> bShape, ReadOnlySpan<int> zShape)
    {
        CheckOp(op);
        Walk.CheckBroadcast(aShape, bShape, zShape);
        GpuKernels.Need(z, Walk.Product(zShape), "Binary", op, "z");
        GpuKernels.Need(a, Walk.Product(aShape), "Binary", op, "a");
        GpuKernels.Need(b, Walk.Product(bShape), "Binary", op, "b");
        int count = GpuKernels.Count(Walk.Product(zShape), "Binary", op);
        if (count > 0) _binaryForward(_k.Stream, count, z, a, b, (int)op, Walk.Broadcast(aShape, bShape, zShape));
    }

    /// <summary>dz (zShape), a, b -> dOperand (aShape for operand 0, bShape for 1): dOperand (+)= Σ over the operand's
    /// broadcast axes of dz·∂z/∂operand. Add and Sub read neither operand (their views may be empty).</summary>
    public void Binary_Backward(BinaryOp op, int operand, ArrayView<float> dOperand, ArrayView<float> dz,
        ArrayView<float> a, ReadOnlySpan<int> aShape, ArrayView<float> b, ReadOnlySpan<int> bShape, ReadOnlySpan<int> zShape, bool accumulate)
    {
        CheckOp(op);
        if (operand is not (0 or 1))
            throw new ArgumentOutOfRangeException(nameof(operand), operand, "The operand is 0 (a) or 1 (b).");
        Walk.CheckBroadcast(aShape, bShape, zShape);
        ReadOnlySpan<int> ownShape = operand == 0 ? aShape : bShape, otherShape = operand == 0 ? bShape : aShape;
        GpuKernels.Need(dOperand, Walk.Product(ownShape), "Binary backward", op, "dOperand");
        GpuKernels.Need(dz, Walk.Product(zShape), "Binary backward", op, "dz");
        if (op is BinaryOp.Mul or BinaryOp.Div)
        {
            GpuKernels.Need(a, Walk.Product(aShape), "Binary backward", op, "a");
            GpuKernels.Need(b, Walk.Product(bShape), "Binary backward", op, "b");
        }
        int count = GpuKernels.Count(Walk.Product(ownShape), "Binary backward", op);
        if (count == 0) return;
        ArrayView<float> own = operand == 0 ? a : b, other = operand == 0 ? b : a;
        // term code: op·2 + operand
        _binaryBackward(_k.Stream, count, dOperand, dz, own, other, (int)op * 2 + operand,
            ReductionWalk.Create(ownShape, otherShape, zShape), accumulate ? 1 : 0);
    }

    /// <summary>destination[0, count) = value.</summary>
    /// <summary>y[i] = (float)x[i] for i &lt; count (int32 class labels to the float labels the loss kernels read).</summary>
    public void Widen(ArrayView<float> y, ArrayView<int> x, long count)
    {
        GpuKernels.Need(y, count, "Widen", "y");
        if (x.Length < count) throw new ArgumentException($"Widen: x needs {count} values, the view has {x.Length}.", nameof(x));
        int n = GpuKernels.Count(count, "Widen");
        if (n > 0) _widen(_k.Stream, n, y, x);
    }

    /// <summary>y (+)= alpha·x over n elements (BLAS axpy: the plan's loss sum on the device).</summary>
    public void Axpy(float alpha, ArrayView<float> x, ArrayView<float> y, long n)
    {
        GpuKernels.Need(x, n, "Axpy", "x");
        GpuKernels.Need(y, n, "Axpy", "y");
        int count = GpuKernels.Count(n, "Axpy");
        if (count > 0) _axpy(_k.Stream, count, alpha, x, y);
    }

    [Kernel]
    internal static void AxpyKernel(Index1D i, float alpha, ArrayView<float> x, ArrayView<float> y) => y[i] += alpha * x[i];

    [Kernel]
    internal static void WidenKernel(Index1D i, ArrayView<float> y, ArrayView<int> x) => y[i] = x[i];

    public void Fill(ArrayView<float> destination, float value, long count)
    {
        GpuKernels.Need(destination, count, "Fill", "destination");
        int n = GpuKernels.Count(count, "Fill");
        if (n > 0) _fill(_k.Stream, n, destination, value);
    }

    private static void CheckOp(UnaryOp op)
    {
        if (op is < UnaryOp.Identity or > UnaryOp.Hardtanh) throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown unary op.");
    }

    private static void CheckOp(BinaryOp op)
    {
        if (op is < BinaryOp.Add or > BinaryOp.Div) throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown binary op.");
    }

    // ---- device code ---------------------------------------------------------------------------

    [Kernel]
    internal static void UnaryForwardKernel(Index1D i, ArrayView<float> y, ArrayView<float> x, int op, float c, float c2)
    {
        float v = x[i];
        if ((UnaryOp)op >= UnaryOp.LeakyRelu)
        {
            y[i] = DeviceActivations.Forward((UnaryOp)op, v, c, c2);
            return;
        }
        y[i] = (UnaryOp)op switch
        {
            UnaryOp.Identity => v,
            UnaryOp.Relu => DeviceMath.Relu(v),
            UnaryOp.Sigmoid => DeviceMath.Sigmoid(v),
            UnaryOp.Tanh => DeviceMath.Tanh(v),
            UnaryOp.Exp => MathF.Exp(v),
            UnaryOp.Log => MathF.Log(v),
            UnaryOp.Abs => MathF.Abs(v),
            UnaryOp.Neg => -v,
            UnaryOp.Pow => MathF.Pow(v, c),
            UnaryOp.AddScalar => v + c,
            UnaryOp.MulScalar => v * c,
            UnaryOp.RSubScalar => c - v,
            UnaryOp.RDivScalar => c / v,
            _ => MathF.Sqrt(v),
        };
    }

    [Kernel]
    internal static void UnaryBackwardKernel(Index1D i, ArrayView<float> dx, ArrayView<float> dy, ArrayView<float> x,
        ArrayView<float> y, int op, float c, float c2, int accumulate)
    {
        float g = dy[i];
        switch ((UnaryOp)op)
        {
            case >= UnaryOp.LeakyRelu:
                g *= DeviceActivations.Derivative((UnaryOp)op, x[i], c, c2);
                break;
            case UnaryOp.Identity:
            case UnaryOp.AddScalar:
                break;
            case UnaryOp.Neg:
            case UnaryOp.RSubScalar:
                g = -g;
                break;
            case UnaryOp.MulScalar:
                g *= c;
                break;
            case UnaryOp.Relu:
                g = y[i] > 0f ? g : 0f;
                break;
            case UnaryOp.Sigmoid:
                g = g * (1f - y[i]) * y[i];
                break;
            case UnaryOp.Tanh:
                g *= 1f - y[i] * y[i];
                break;
            case UnaryOp.Exp:
                g *= y[i];
                break;
            case UnaryOp.Log:
                g /= x[i];
                break;
            case UnaryOp.Abs:
                g = x[i] > 0f ? g : x[i] < 0f ? -g : 0f;
                break;
            case UnaryOp.RDivScalar:
                g = -g * c / (x[i] * x[i]);
                break;
            case UnaryOp.Pow:
                // PyTorch's pow_backward: exactly zero for exponent 0.
                g = c == 0f ? 0f : g * (c * MathF.Pow(x[i], c - 1f));
                break;
            default:
                g /= 2f * y[i];
                break;
        }
        dx[i] = accumulate != 0 ? dx[i] + g : g;
    }

    [Kernel]
    internal static void BinaryForwardKernel(Index1D i, ArrayView<float> z, ArrayView<float> a, ArrayView<float> b, int op, Walk walk)
    {
        walk.Offsets(i, out long aOffset, out long bOffset);
        float av = a[aOffset], bv = b[bOffset];
        z[i] = (BinaryOp)op switch
        {
            BinaryOp.Add => av + bv,
            BinaryOp.Sub => av - bv,
            BinaryOp.Mul => av * bv,
            _ => av / bv,
        };
    }

    /// <summary>Element i of the operand: Σ over the reduced axes of dz·∂z/∂operand. term = op·2 + operand.</summary>
    [Kernel]
    internal static void BinaryBackwardKernel(Index1D i, ArrayView<float> dOperand, ArrayView<float> dz, ArrayView<float> own,
        ArrayView<float> other, int term, ReductionWalk walk, int accumulate)
    {
        walk.Kept.Offsets(i, out long zBase, out long otherBase);
        long reduced = walk.Reduced.Count;
        bool readsOperands = term >= 4;
        float ownValue = readsOperands ? own[i] : 0f;
        float sum = 0f;
        for (long r = 0; r < reduced; r++)
        {
            walk.Reduced.Offsets(r, out long zOffset, out long otherOffset);
            float d = dz[zBase + zOffset];
            float otherValue = readsOperands ? other[otherBase + otherOffset] : 0f;
            sum += term switch
            {
                0 or 1 or 2 => d,                           // Add (a, b), Sub (a)
                3 => -d,                                    // Sub (b)
                4 or 5 => d * otherValue,                   // Mul: dz·b for a, dz·a for b
                6 => d / otherValue,                        // Div (a): dz/b
                _ => -d * otherValue / (ownValue * ownValue), // Div (b): −dz·a/b²
            };
        }
        dOperand[i] = accumulate != 0 ? dOperand[i] + sum : sum;
    }

    [Kernel]
    internal static void FillKernel(Index1D i, ArrayView<float> destination, float value) => destination[i] = value;
}
