namespace ShapeNet.Backends.Cpu;

/// <summary>
/// Large element-wise calls (every unary op and its gradient, same-shape binary ops and their gradients, 2×2/2 max
/// pooling) split over the CPU workers: each part runs the same span kernel on its own range (whole planes for pooling). Every
/// value depends only on the values at its own index (its own window), so the result has the same bits whatever the
/// split: the ranges start at multiples of <see cref="Alignment"/> floats, and the kernels compute every element alike.
/// Between two convolutions that already use both cores these passes ran on one (residual CNN training at 2 threads:
/// ~0.6 ms a step of ReLU, residual add and max pooling passes over 147,456-value maps). The caller checks the arguments
/// (its spans) first; a part never throws.
/// </summary>
internal static unsafe class CpuSplit
{
    /// <summary>Values below which a call stays on the calling thread (a fork–join costs a few microseconds).</summary>
    internal const long Threshold = 1 << 16;

    private const long Alignment = 64;

    private static UnaryOp s_unary;
    private static BinaryOp s_binary;
    private static float s_parameter, s_parameter2;
    private static float[]? s_a, s_b, s_c, s_d;
    private static long s_n;
    private static int s_operand, s_planes, s_height, s_width;
    private static bool s_accumulate;

    /// <summary>Binary ops on operands of one shape (no broadcasting).</summary>
    internal static bool Splits(BinaryOp op, ReadOnlySpan<int> aShape, ReadOnlySpan<int> bShape, ReadOnlySpan<int> zShape)
        => op is BinaryOp.Add or BinaryOp.Sub or BinaryOp.Mul or BinaryOp.Div && aShape.SequenceEqual(zShape) && bShape.SequenceEqual(zShape);

    /// <summary>Values [start, end) of part <paramref name="part"/>: equal shares, cut at multiples of <see cref="Alignment"/>.</summary>
    private static void Range(int part, int parts, long n, out int start, out int count)
    {
        long first = part == 0 ? 0 : n * part / parts / Alignment * Alignment;
        long last = part == parts - 1 ? n : n * (part + 1) / parts / Alignment * Alignment;
        (start, count) = ((int)first, (int)(last - first));
    }

    /// <summary>y = op(x) over n values, split (the caller holds the workers).</summary>
    internal static void UnaryForward(UnaryOp op, float parameter, float parameter2, float[] y, float[] x, long n)
    {
        (s_unary, s_parameter, s_parameter2, s_a, s_b, s_n) = (op, parameter, parameter2, y, x, n);
        CpuWorkers.RunAndRelease(&UnaryForwardPart);
        s_a = s_b = null;
    }

    private static void UnaryForwardPart(int part, int parts)
    {
        Range(part, parts, s_n, out int start, out int count);
        CpuElementwise.Unary_Forward(s_unary, s_parameter, s_a!.AsSpan(start, count), s_b!.AsSpan(start, count), s_parameter2);
    }

    /// <summary>dx (+)= dy · op'(x, y) over n values, split (x or y may be empty arrays when the op does not read them).</summary>
    internal static void UnaryBackward(UnaryOp op, float parameter, float parameter2, float[] dx, float[] dy, float[] x, float[] y, long n,
        bool accumulate)
    {
        (s_unary, s_parameter, s_parameter2, s_a, s_b, s_c, s_d, s_n, s_accumulate) = (op, parameter, parameter2, dx, dy, x, y, n, accumulate);
        CpuWorkers.RunAndRelease(&UnaryBackwardPart);
        s_a = s_b = s_c = s_d = null;
    }

    private static void UnaryBackwardPart(int part, int parts)
    {
        Range(part, parts, s_n, out int start, out int count);
        CpuElementwise.Unary_Backward(s_unary, s_parameter, s_a!.AsSpan(start, count), s_b!.AsSpan(start, count), Slice(s_c!, start, count),
            Slice(s_d!, start, count), s_accumulate, s_parameter2);
    }

    private static ReadOnlySpan<float> Slice(float[] array, int start, int count) => array.Length == 0 ? default : array.AsSpan(start, count);

    /// <summary>z = a op b over n values of one shape, split.</summary>
    internal static void BinaryForward(BinaryOp op, float[] z, float[] a, float[] b, long n)
    {
        (s_binary, s_a, s_b, s_c, s_n) = (op, z, a, b, n);
        CpuWorkers.RunAndRelease(&BinaryForwardPart);
        s_a = s_b = s_c = null;
    }

    private static void BinaryForwardPart(int part, int parts)
    {
        Range(part, parts, s_n, out int start, out int count);
        ReadOnlySpan<int> shape = [count];
        CpuElementwise.Binary_Forward(s_binary, s_a!.AsSpan(start, count), s_b!.AsSpan(start, count), shape, s_c!.AsSpan(start, count), shape, shape);
    }

    /// <summary>d(operand) (+)= ∂(a op b)/∂operand · dz over n values of one shape, split (a and b are read by Mul and Div only).</summary>
    internal static void BinaryBackward(BinaryOp op, int operand, float[] dOperand, float[] dz, float[] a, float[] b, long n, bool accumulate)
    {
        (s_binary, s_operand, s_a, s_b, s_c, s_d, s_n, s_accumulate) = (op, operand, dOperand, dz, a, b, n, accumulate);
        CpuWorkers.RunAndRelease(&BinaryBackwardPart);
        s_a = s_b = s_c = s_d = null;
    }

    private static void BinaryBackwardPart(int part, int parts)
    {
        Range(part, parts, s_n, out int start, out int count);
        ReadOnlySpan<int> shape = [count];
        bool reads = s_binary is BinaryOp.Mul or BinaryOp.Div;
        CpuElementwise.Binary_Backward(s_binary, s_operand, s_a!.AsSpan(start, count), s_b!.AsSpan(start, count),
            reads ? s_c!.AsSpan(start, count) : default, shape, reads ? s_d!.AsSpan(start, count) : default, shape, shape, s_accumulate);
    }

    /// <summary>2×2/2 max pooling (or its gradient) of <paramref name="planes"/> planes of height × width, split by planes:
    /// a = y, b = indices, c = x forward; a = dx, b = dy, c = indices backward.</summary>
    internal static void MaxPool2x2(bool backward, float[] a, float[] b, float[] c, int planes, int height, int width, bool accumulate)
    {
        (s_a, s_b, s_c, s_planes, s_height, s_width, s_accumulate) = (a, b, c, planes, height, width, accumulate);
        CpuWorkers.RunAndRelease(backward ? &MaxPoolBackwardPart : &MaxPoolForwardPart);
        s_a = s_b = s_c = null;
    }

    private static void Planes(int part, int parts, out int first, out int count)
    {
        first = (int)((long)s_planes * part / parts);
        count = (int)((long)s_planes * (part + 1) / parts) - first;
    }

    private static void MaxPoolForwardPart(int part, int parts)
    {
        Planes(part, parts, out int first, out int count);
        if (count == 0) return;
        int inPlane = s_height * s_width, outPlane = s_height / 2 * (s_width / 2);
        CpuPooling.MaxPool2d_Forward(s_a!.AsSpan(first * outPlane, count * outPlane), s_b!.AsSpan(first * outPlane, count * outPlane),
            s_c!.AsSpan(first * inPlane, count * inPlane), count, 1, s_height, s_width, 2, 2, 2, 2, 0, 0);
    }

    private static void MaxPoolBackwardPart(int part, int parts)
    {
        Planes(part, parts, out int first, out int count);
        if (count == 0) return;
        int inPlane = s_height * s_width, outPlane = s_height / 2 * (s_width / 2);
        CpuPooling.MaxPool2d_Backward(s_a!.AsSpan(first * inPlane, count * inPlane), s_b!.AsSpan(first * outPlane, count * outPlane),
            s_c!.AsSpan(first * outPlane, count * outPlane), count, 1, s_height, s_width, 2, 2, 2, 2, 0, 0, s_accumulate);
    }
}
