// SCAFFOLD: the CPU kernel signatures, fixed so the tensor API and the backend can be written at once.
// The CPU backend helper deletes this file and implements each class, one family per file
// (Gemm.cs, Linear.cs, Elementwise.cs, Reduction.cs, Softmax.cs, Layout.cs, Loss.cs, Optimizers.cs),
// with exactly these signatures. Spans may alias (y and x the same memory) for element-wise kernels.
namespace ShapeNet.Backends.Cpu;

/// <summary>Row-major GEMM: C = alpha·op(A)·op(B) + beta·C; op(A) is m×k, op(B) is k×n. Uses both cores for large products.</summary>
public static class CpuGemm
{
    public static void Gemm(bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc) => throw new NotImplementedException();
}

public static class CpuLinear
{
    /// <summary>y[rows,out] = act(x[rows,in]·W[out,in]ᵀ + b); an empty bias span means no bias.</summary>
    public static void Linear_Forward(Span<float> y, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        int rows, int inFeatures, int outFeatures, UnaryOp activation) => throw new NotImplementedException();

    /// <summary>dx (+)= dy·W (skipped when dx is empty); dW (+)= dyᵀ·x; db (+)= Σ_rows dy (skipped when empty).</summary>
    public static void Linear_Backward(Span<float> dx, Span<float> dWeight, Span<float> dBias, ReadOnlySpan<float> dy,
        ReadOnlySpan<float> x, ReadOnlySpan<float> weight, int rows, int inFeatures, int outFeatures,
        bool accumulateDx, bool accumulateParameters) => throw new NotImplementedException();
}

public static class CpuElementwise
{
    public static void Unary_Forward(UnaryOp op, float parameter, Span<float> y, ReadOnlySpan<float> x) => throw new NotImplementedException();

    public static void Unary_Backward(UnaryOp op, float parameter, Span<float> dx, ReadOnlySpan<float> dy,
        ReadOnlySpan<float> x, ReadOnlySpan<float> y, bool accumulate) => throw new NotImplementedException();

    public static void Binary_Forward(BinaryOp op, Span<float> z, ReadOnlySpan<float> a, ReadOnlySpan<int> aShape,
        ReadOnlySpan<float> b, ReadOnlySpan<int> bShape, ReadOnlySpan<int> zShape) => throw new NotImplementedException();

    public static void Binary_Backward(BinaryOp op, int operand, Span<float> dOperand, ReadOnlySpan<float> dz,
        ReadOnlySpan<float> a, ReadOnlySpan<int> aShape, ReadOnlySpan<float> b, ReadOnlySpan<int> bShape,
        ReadOnlySpan<int> zShape, bool accumulate) => throw new NotImplementedException();
}

public static class CpuReduction
{
    public static void Reduce_Forward(ReduceOp op, Span<float> y, ReadOnlySpan<float> x, ReadOnlySpan<int> xShape,
        ReadOnlySpan<bool> reduceAxes) => throw new NotImplementedException();

    public static void Reduce_Backward(ReduceOp op, Span<float> dx, ReadOnlySpan<float> dy, ReadOnlySpan<int> xShape,
        ReadOnlySpan<bool> reduceAxes, bool accumulate) => throw new NotImplementedException();
}

public static class CpuSoftmax
{
    public static void Softmax_Forward(Span<float> y, ReadOnlySpan<float> x, int outer, int dim, int inner, bool log) => throw new NotImplementedException();

    public static void Softmax_Backward(Span<float> dx, ReadOnlySpan<float> dy, ReadOnlySpan<float> y, int outer, int dim, int inner,
        bool log, bool accumulate) => throw new NotImplementedException();
}

public static class CpuLayout
{
    public static void Permute(Span<float> y, ReadOnlySpan<float> x, ReadOnlySpan<int> xShape, ReadOnlySpan<int> permutation,
        bool accumulate) => throw new NotImplementedException();

    /// <summary>dst[r*dstStride + i] (+)= src[r*srcStride + i] (spans start at the offsets).</summary>
    public static void CopyRows(Span<float> destination, long destinationStride, ReadOnlySpan<float> source, long sourceStride,
        long rowLength, long rows, bool accumulate) => throw new NotImplementedException();
}

public static class CpuLoss
{
    /// <summary>The loss value. CrossEntropy/Nll: target holds class indices [rows] as floats.</summary>
    public static float Loss_Forward(LossKind kind, Reduction reduction, ReadOnlySpan<float> input, ReadOnlySpan<float> target,
        int rows, int cols) => throw new NotImplementedException();

    public static void Loss_Backward(LossKind kind, Reduction reduction, Span<float> dInput, float dLoss,
        ReadOnlySpan<float> input, ReadOnlySpan<float> target, int rows, int cols, bool accumulate) => throw new NotImplementedException();
}

public static class CpuOptimizers
{
    /// <summary>Empty optional spans mean "not used".</summary>
    public static void Sgd_Step(Span<float> parameter, ReadOnlySpan<float> gradient, Span<float> momentumBuffer,
        float lr, float momentum, float dampening, float weightDecay, bool nesterov, bool maximize, bool firstStep) => throw new NotImplementedException();

    public static void Adam_Step(Span<float> parameter, ReadOnlySpan<float> gradient, Span<float> expAvg, Span<float> expAvgSquare,
        Span<float> maxExpAvgSquare, float lr, float beta1, float beta2, float eps, float weightDecay,
        bool decoupledWeightDecay, bool maximize, int step) => throw new NotImplementedException();

    public static void Adagrad_Step(Span<float> parameter, ReadOnlySpan<float> gradient, Span<float> stateSum,
        float lr, float lrDecay, float weightDecay, float eps, bool maximize, int step) => throw new NotImplementedException();

    public static void RmsProp_Step(Span<float> parameter, ReadOnlySpan<float> gradient, Span<float> squareAvg, Span<float> gradAvg,
        Span<float> momentumBuffer, float lr, float alpha, float eps, float weightDecay, float momentum, bool centered, bool maximize) => throw new NotImplementedException();
}
