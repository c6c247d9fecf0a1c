namespace ShapeNet.Backends;

/// <summary>
/// The device interface generated code calls. Every operand is a <see cref="DeviceBuffer"/> plus sizes:
/// generated code does no pointer arithmetic and reads nothing back to the host in the middle of a step,
/// so a device backend (CUDA) implements the same calls on device memory. The CPU backend is the reference.
/// Conventions (llm.c style): outputs first, then inputs, then sizes. Row-major, contiguous, float32.
/// Every method that writes a gradient takes <c>accumulate</c>: false overwrites (<c>=</c>), true adds (<c>+=</c>).
/// None of these methods allocates managed memory after the buffers exist.
/// </summary>
public interface IBackend
{
    string Name { get; }

    // ---- memory -------------------------------------------------------------------------------
    /// <summary>A zero-filled buffer of <paramref name="length"/> floats.</summary>
    DeviceBuffer Allocate(long length);
    /// <summary>A buffer holding the host array: the CPU backend shares it (zero copy); a device backend
    /// uploads a copy, and <see cref="Download"/> brings values back.</summary>
    DeviceBuffer Wrap(float[] host);
    void Upload(ReadOnlySpan<float> source, DeviceBuffer destination, long destinationOffset = 0);
    void Download(DeviceBuffer source, Span<float> destination, long sourceOffset = 0);
    void Fill(DeviceBuffer destination, float value, long offset, long count);
    /// <summary>For r &lt; rows, i &lt; rowLength: dst[dstOffset + r*dstStride + i] (+)= src[srcOffset + r*srcStride + i].
    /// Concatenation, its backward and slicing along an axis are all this one call.</summary>
    void CopyRows(DeviceBuffer destination, long destinationOffset, long destinationStride,
                  DeviceBuffer source, long sourceOffset, long sourceStride,
                  long rowLength, long rows, bool accumulate);
    /// <summary>Waits until all queued work is done (no-op on the CPU).</summary>
    void Synchronize();

    // ---- GEMM ---------------------------------------------------------------------------------
    /// <summary>Row-major C = alpha·op(A)·op(B) + beta·C, op(A) is m×k, op(B) is k×n; strided batch.
    /// lda/ldb/ldc are row strides of A, B, C as stored.</summary>
    void Gemm(bool transposeA, bool transposeB, int m, int n, int k,
              float alpha, DeviceBuffer a, long aOffset, int lda,
              DeviceBuffer b, long bOffset, int ldb,
              float beta, DeviceBuffer c, long cOffset, int ldc,
              int batchCount = 1, long strideA = 0, long strideB = 0, long strideC = 0);

    // ---- linear (fused bias + activation) ------------------------------------------------------
    /// <summary>y[rows,out] = act(x[rows,in] · W[out,in]ᵀ + b[out]); act is Identity, Relu, Sigmoid or Tanh.</summary>
    void Linear_Forward(DeviceBuffer y, DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? bias,
                        int rows, int inFeatures, int outFeatures, UnaryOp activation);
    /// <summary>dx (+)= dy·W; dW (+)= dyᵀ·x; db (+)= Σ_rows dy. dy is the gradient of the pre-activation.
    /// dx may be null (input needs no gradient).</summary>
    void Linear_Backward(DeviceBuffer? dx, DeviceBuffer dWeight, DeviceBuffer? dBias,
                         DeviceBuffer dy, DeviceBuffer x, DeviceBuffer weight,
                         int rows, int inFeatures, int outFeatures, bool accumulateDx, bool accumulateParameters);

    // ---- convolution, pooling, normalisation, dropout (NCHW, PyTorch semantics) ----------------
    /// <summary>Floats of the workspace <see cref="Conv2d_Forward"/> and <see cref="Conv2d_Backward"/> take for these sizes
    /// (one buffer serves both): im2col column buffers for the samples processed at once and per-core partial weight
    /// gradients. A plan allocates it once; 0 means the calls may get null.</summary>
    static long Conv2d_WorkspaceLength(int batch, int inChannels, int inHeight, int inWidth, int outChannels, int kernelH, int kernelW,
        int strideH, int strideW, int padH, int padW, int dilationH, int dilationW, int groups)
        => Cpu.CpuConvolution.WorkspaceLength(new Cpu.Conv2dGeometry(batch, inChannels, inHeight, inWidth, outChannels, kernelH, kernelW,
            strideH, strideW, padH, padW, dilationH, dilationW, groups));

    /// <summary>Output height or width of a convolution: floor((size + 2·pad − dilation·(kernel − 1) − 1) / stride) + 1.</summary>
    static int Conv2d_OutputSize(int size, int kernel, int stride, int pad, int dilation)
        => Cpu.Conv2dGeometry.OutputSize(size, kernel, stride, pad, dilation);

    /// <summary>Output height or width of max and average pooling (ceil_mode = false): floor((size + 2·pad − kernel) / stride) + 1.</summary>
    static int Pool2d_OutputSize(int size, int kernel, int stride, int pad) => Cpu.CpuPooling.OutputSize(size, kernel, stride, pad);

    /// <summary>y[N,outC,outH,outW] = act(conv2d(x[N,inC,H,W], W[outC,inC/groups,kH,kW]) + b[outC]); act is Identity or Relu.
    /// workspace holds <see cref="Conv2d_WorkspaceLength"/> floats.</summary>
    void Conv2d_Forward(DeviceBuffer y, DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? bias, DeviceBuffer? workspace,
                        int batch, int inChannels, int inHeight, int inWidth, int outChannels, int kernelH, int kernelW,
                        int strideH, int strideW, int padH, int padW, int dilationH, int dilationW, int groups, UnaryOp activation);
    /// <summary>dx (+)= conv2d input gradient (dx may be null); dW (+)= weight gradient; db (+)= Σ_{N,outH,outW} dy (db may be null).
    /// dy is the gradient of the pre-activation output.</summary>
    void Conv2d_Backward(DeviceBuffer? dx, DeviceBuffer dWeight, DeviceBuffer? dBias, DeviceBuffer dy, DeviceBuffer x, DeviceBuffer weight,
                         DeviceBuffer? workspace, int batch, int inChannels, int inHeight, int inWidth, int outChannels, int kernelH, int kernelW,
                         int strideH, int strideW, int padH, int padW, int dilationH, int dilationW, int groups,
                         bool accumulateDx, bool accumulateParameters);
    /// <summary>y[N,C,outH,outW] = window maxima of x[N,C,H,W] (padding never wins); indices = the winner's ih·W + iw within its
    /// plane, as floats, for the backward.</summary>
    void MaxPool2d_Forward(DeviceBuffer y, DeviceBuffer indices, DeviceBuffer x, int batch, int channels, int height, int width,
                           int kernelH, int kernelW, int strideH, int strideW, int padH, int padW);
    /// <summary>dx (+)= dy scattered to the positions in indices.</summary>
    void MaxPool2d_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer indices, int batch, int channels, int height, int width,
                            int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, bool accumulate);
    /// <summary>y = window means; the divisor counts padding when <paramref name="countIncludePad"/> (PyTorch's default).</summary>
    void AvgPool2d_Forward(DeviceBuffer y, DeviceBuffer x, int batch, int channels, int height, int width,
                           int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, bool countIncludePad);
    /// <summary>dx (+)= dy spread over each window by the forward's divisor.</summary>
    void AvgPool2d_Backward(DeviceBuffer dx, DeviceBuffer dy, int batch, int channels, int height, int width,
                            int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, bool countIncludePad, bool accumulate);
    /// <summary>y[N,C] = mean of each plane of x[N,C,planeSize] (AdaptiveAvgPool2d(1)).</summary>
    void GlobalAvgPool_Forward(DeviceBuffer y, DeviceBuffer x, int batch, int channels, int planeSize);
    /// <summary>dx (+)= dy / planeSize broadcast over each plane.</summary>
    void GlobalAvgPool_Backward(DeviceBuffer dx, DeviceBuffer dy, int batch, int channels, int planeSize, bool accumulate);
    /// <summary>y = (x − mean)/√(var + eps)·weight + bias per channel of x[N,C,planeSize]. Training (or null running statistics):
    /// batch mean and biased variance, running = (1 − momentum)·running + momentum·batch with the unbiased variance.
    /// Evaluation: running statistics. saveMean/saveInvStd[C] keep the statistics used; weight/bias null means 1/0.</summary>
    void BatchNorm2d_Forward(DeviceBuffer y, DeviceBuffer saveMean, DeviceBuffer saveInvStd, DeviceBuffer? runningMean, DeviceBuffer? runningVar,
                             DeviceBuffer x, DeviceBuffer? weight, DeviceBuffer? bias, int batch, int channels, int planeSize,
                             bool training, float momentum, float eps);
    /// <summary>dx (+)= BatchNorm input gradient (through the batch statistics when training); dWeight (+)= Σ dy·x̂; dBias (+)= Σ dy.
    /// Null dx, dWeight or dBias are skipped.</summary>
    void BatchNorm2d_Backward(DeviceBuffer? dx, DeviceBuffer? dWeight, DeviceBuffer? dBias, DeviceBuffer dy, DeviceBuffer x,
                              DeviceBuffer saveMean, DeviceBuffer saveInvStd, DeviceBuffer? weight, int batch, int channels, int planeSize,
                              bool training, bool accumulateDx, bool accumulateParameters);
    /// <summary>Training-mode inverted dropout: mask = 1 where hash(seed, step, index) keeps the element (probability 1 − p), else 0;
    /// y = x·mask/(1 − p). The hash is specified in CpuDropout so every backend draws the same mask. Evaluation is the identity.</summary>
    void Dropout_Forward(DeviceBuffer y, DeviceBuffer mask, DeviceBuffer x, long n, float p, ulong seed, uint step);
    /// <summary>dx (+)= dy·mask/(1 − p).</summary>
    void Dropout_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer mask, long n, float p, bool accumulate);

    // ---- element-wise -------------------------------------------------------------------------
    /// <summary>y = f(x) over n elements; <paramref name="parameter"/> is the exponent, the scalar or the activation's first
    /// constant, <paramref name="parameter2"/> the second of the activations that have two (Softplus, Hardtanh): see <see cref="UnaryOp"/>.</summary>
    void Unary_Forward(UnaryOp op, float parameter, DeviceBuffer y, DeviceBuffer x, long n, float parameter2 = 0);
    /// <summary>dx (+)= dy · f'(x); x is the forward input and y its output (a kernel uses whichever it needs).</summary>
    void Unary_Backward(UnaryOp op, float parameter, DeviceBuffer dx, DeviceBuffer dy,
                        DeviceBuffer x, DeviceBuffer y, long n, bool accumulate, float parameter2 = 0);
    /// <summary>z = a ∘ b with NumPy broadcasting. All three shapes have the same rank (left-padded with 1),
    /// each dimension of a and b is either equal to z's or 1.</summary>
    void Binary_Forward(BinaryOp op, DeviceBuffer z, DeviceBuffer a, ReadOnlySpan<int> aShape,
                        DeviceBuffer b, ReadOnlySpan<int> bShape, ReadOnlySpan<int> zShape);
    /// <summary>Gradient of z = a ∘ b w.r.t. operand 0 (a) or 1 (b), summed over the operand's broadcast axes:
    /// dOperand (+)= reduce(dz · ∂z/∂operand).</summary>
    void Binary_Backward(BinaryOp op, int operand, DeviceBuffer dOperand, DeviceBuffer dz,
                         DeviceBuffer a, ReadOnlySpan<int> aShape, DeviceBuffer b, ReadOnlySpan<int> bShape,
                         ReadOnlySpan<int> zShape, bool accumulate);

    // ---- reductions and layout ----------------------------------------------------------------
    /// <summary>y = sum or mean of x over the axes flagged in <paramref name="reduceAxes"/>; y is laid out as
    /// x with those axes of size 1 (keepDim and not-keepDim share the data layout).</summary>
    void Reduce_Forward(ReduceOp op, DeviceBuffer y, DeviceBuffer x, ReadOnlySpan<int> xShape, ReadOnlySpan<bool> reduceAxes);
    /// <summary>dx (+)= broadcast(dy) (divided by the reduced count for Mean).</summary>
    void Reduce_Backward(ReduceOp op, DeviceBuffer dx, DeviceBuffer dy, ReadOnlySpan<int> xShape,
                         ReadOnlySpan<bool> reduceAxes, bool accumulate);
    /// <summary>Softmax (or log-softmax) of x viewed as [outer, dim, inner] along the middle axis.</summary>
    void Softmax_Forward(DeviceBuffer y, DeviceBuffer x, int outer, int dim, int inner, bool log);
    /// <summary>dx (+)= softmax backward from dy and the forward output y.</summary>
    void Softmax_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer y, int outer, int dim, int inner,
                          bool log, bool accumulate);
    /// <summary>y (+)= x permuted: y's axis i is x's axis perm[i]. The backward of a permute is the permute
    /// by the inverse permutation with accumulate.</summary>
    void Permute(DeviceBuffer y, DeviceBuffer x, ReadOnlySpan<int> xShape, ReadOnlySpan<int> permutation, bool accumulate);

    // ---- losses -------------------------------------------------------------------------------
    /// <summary>loss[0] = L(input[rows, cols], target). Cross-entropy and NLL take class indices [rows]
    /// stored as floats; the others take a target shaped like the input.</summary>
    void Loss_Forward(LossKind kind, Reduction reduction, DeviceBuffer loss, DeviceBuffer input, DeviceBuffer target,
                      int rows, int cols);
    /// <summary>dInput (+)= dLoss[0] · ∂L/∂input.</summary>
    void Loss_Backward(LossKind kind, Reduction reduction, DeviceBuffer dInput, DeviceBuffer dLoss,
                       DeviceBuffer input, DeviceBuffer target, int rows, int cols, bool accumulate);

    // ---- optimizers (PyTorch's update formulas, one call per parameter tensor) -----------------
    void Sgd_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer? momentumBuffer, long n,
                  float lr, float momentum, float dampening, float weightDecay, bool nesterov, bool maximize, bool firstStep);
    /// <summary>Adam (decoupledWeightDecay = false) and AdamW (true); step counts from 1; maxSquare for AMSGrad.</summary>
    void Adam_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer expAvg, DeviceBuffer expAvgSquare,
                   DeviceBuffer? maxExpAvgSquare, long n, float lr, float beta1, float beta2, float eps,
                   float weightDecay, bool decoupledWeightDecay, bool maximize, int step);
    void Adagrad_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer stateSum, long n,
                      float lr, float lrDecay, float weightDecay, float eps, bool maximize, int step);
    void RmsProp_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer squareAvg, DeviceBuffer? gradAvg,
                      DeviceBuffer? momentumBuffer, long n, float lr, float alpha, float eps, float weightDecay,
                      float momentum, bool centered, bool maximize);
}

/// <summary>Memory owned by a backend. Opaque to generated code.</summary>
public abstract class DeviceBuffer : IDisposable
{
    protected DeviceBuffer(long length) => Length = length;

    public long Length { get; }

    public virtual void Dispose()
    {
    }
}

public enum UnaryOp
{
    Identity,
    Relu,
    Sigmoid,
    Tanh,
    Exp,
    Log,
    Abs,
    Neg,
    /// <summary>x^p, p = parameter.</summary>
    Pow,
    /// <summary>x + c, c = parameter.</summary>
    AddScalar,
    /// <summary>x · c, c = parameter.</summary>
    MulScalar,
    /// <summary>c − x, c = parameter.</summary>
    RSubScalar,
    /// <summary>c / x, c = parameter.</summary>
    RDivScalar,
    Sqrt,
    /// <summary>x if x &gt; 0 else slope·x, slope = parameter (PyTorch's <c>leaky_relu</c>).</summary>
    LeakyRelu,
    /// <summary>x if x &gt; 0 else α·(eˣ − 1), α = parameter (<c>elu</c>).</summary>
    Elu,
    /// <summary>x·Φ(x) = x·(1 + erf(x/√2))/2 (<c>gelu</c>, <c>approximate='none'</c>).</summary>
    Gelu,
    /// <summary>x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))/2 (<c>gelu</c>, <c>approximate='tanh'</c>).</summary>
    GeluTanh,
    /// <summary>x·σ(x) (<c>silu</c>).</summary>
    Silu,
    /// <summary>log(1 + e^(β·x))/β, or x where β·x &gt; threshold; β = parameter, threshold = parameter2 (<c>softplus</c>).</summary>
    Softplus,
    /// <summary>min(max(x, lo), hi), lo = parameter, hi = parameter2 (<c>hardtanh</c>).</summary>
    Hardtanh,
}

public enum BinaryOp
{
    Add,
    Sub,
    Mul,
    Div,
}

public enum ReduceOp
{
    Sum,
    Mean,
}

public enum LossKind
{
    Mse,
    Bce,
    BceWithLogits,
    CrossEntropy,
    Nll,
}
