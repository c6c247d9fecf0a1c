namespace ShapeNet.Backends;

/// <summary>
/// The device interface generated code calls. Every operand is a <see cref="DeviceBuffer"/> plus sizes; an op with a
/// configuration (Conv2d, pooling, BatchNorm, Linear) takes it as a descriptor (<see cref="Conv2dDesc"/>, <see cref="Pool2dDesc"/>,
/// <see cref="BatchNormDesc"/>, <see cref="LinearDesc"/>) created once per plan, plus the batch of the call:
/// generated code does no pointer arithmetic and reads nothing back to the host in the middle of a step,
/// so a device backend (CUDA) implements the same calls on device memory. The CPU backend is the reference.
/// Conventions (llm.c style): outputs first, then inputs, then sizes. Row-major, contiguous, float32.
/// Every method that writes a gradient takes <c>accumulate</c>: false overwrites (<c>=</c>), true adds (<c>+=</c>).
/// None of these methods allocates managed memory after the buffers exist.
/// </summary>
public interface IBackend
{
    /// <summary>The backend's short name as plans and messages print it (<c>cpu</c>, <c>cuda</c>, …).</summary>
    string Name { get; }

    // ---- memory -------------------------------------------------------------------------------
    /// <summary>A zero-filled buffer of <paramref name="length"/> floats.</summary>
    DeviceBuffer Allocate(long length);
    /// <summary>A buffer holding the host array: the CPU backend shares it (zero copy); a device backend
    /// uploads a copy, and <see cref="Download"/> brings values back.</summary>
    DeviceBuffer Wrap(float[] host);
    /// <summary>Copies all of <paramref name="source"/> into <paramref name="destination"/> from element
    /// <paramref name="destinationOffset"/>; throws when it does not fit.</summary>
    void Upload(ReadOnlySpan<float> source, DeviceBuffer destination, long destinationOffset = 0);
    /// <summary>Fills <paramref name="destination"/> from <paramref name="source"/>, starting at element
    /// <paramref name="sourceOffset"/>; on a device it waits for the queued work that writes the source first.</summary>
    void Download(DeviceBuffer source, Span<float> destination, long sourceOffset = 0);
    /// <summary>Sets elements <paramref name="offset"/> … <paramref name="offset"/> + <paramref name="count"/> − 1 of
    /// <paramref name="destination"/> to <paramref name="value"/> (zeroing a gradient before it accumulates, a running variance to 1).</summary>
    void Fill(DeviceBuffer destination, float value, long offset, long count);
    /// <summary>For r &lt; rows, i &lt; rowLength: dst[dstOffset + r*dstStride + i] (+)= src[srcOffset + r*srcStride + i].
    /// Concatenation, its backward and slicing along an axis are all this one call.</summary>
    void CopyRows(DeviceBuffer destination, long destinationOffset, long destinationStride,
                  DeviceBuffer source, long sourceOffset, long sourceStride,
                  long rowLength, long rows, bool accumulate);
    /// <summary>Waits until all queued work is done (no-op on the CPU).</summary>
    void Synchronize();
    /// <summary>Whether <see cref="DeviceBuffer"/>s are host memory that <see cref="Wrap"/> shares with the caller (the CPU backend):
    /// then a plan trains the network's own parameter arrays and has nothing to copy back. A device backend says false.</summary>
    bool SharesHostMemory { get; }

    // ---- staged uploads -----------------------------------------------------------------------
    /// <summary>Host memory the backend owns (pinned on a device) to write <paramref name="count"/> floats into, which
    /// <see cref="EndUpload"/> then sends to <paramref name="destination"/> from <paramref name="destinationOffset"/>: the
    /// caller fills the span directly (a data loader can write a batch straight into it), so an upload is one host copy. The
    /// span is valid until <see cref="EndUpload"/>; one upload is staged at a time. The CPU backend hands out the destination
    /// itself (no copy at all). A plan uploads its inputs, targets and output gradients this way.</summary>
    Span<float> BeginUpload(DeviceBuffer destination, long destinationOffset, int count);
    /// <summary>Sends the span of <see cref="BeginUpload"/> (same arguments) to the destination; on a device the copy may be
    /// asynchronous (queued on the backend's stream, before any later call that reads the destination).</summary>
    void EndUpload(DeviceBuffer destination, long destinationOffset, int count);

    // ---- plan-time preparation ----------------------------------------------------------------
    /// <summary>Called once per descriptor when a plan is built, before any call takes it, with the largest batch (for Linear,
    /// rows) the plan will pass: a device backend creates its own descriptors and chooses its algorithms here (cuDNN
    /// tensor, filter and convolution descriptors, the forward and backward algorithms), keyed on the descriptor's value,
    /// so the calls only look them up. The CPU backend needs nothing.</summary>
    void Prepare(in Conv2dDesc desc, int batchCapacity);
    /// <inheritdoc cref="Prepare(in Conv2dDesc, int)"/>
    void Prepare(in Pool2dDesc desc, int batchCapacity);
    /// <inheritdoc cref="Prepare(in Conv2dDesc, int)"/>
    void Prepare(in BatchNormDesc desc, int batchCapacity);
    /// <inheritdoc cref="Prepare(in Conv2dDesc, int)"/>
    void Prepare(in LinearDesc desc, int rowCapacity);

    // ---- int32 buffers (token ids, sequence lengths, class labels) -----------------------------
    /// <summary>A zero-filled buffer of <paramref name="length"/> int32 values (<see cref="DeviceBuffer.ElementType"/> Int32).
    /// Only the id, length and label operands of the calls below take one.</summary>
    DeviceBuffer AllocateInt32(long length);
    /// <summary><see cref="Upload"/> for an int32 buffer of <see cref="AllocateInt32"/>: ids, lengths or class labels.</summary>
    void UploadInt32(ReadOnlySpan<int> source, DeviceBuffer destination, long destinationOffset = 0);
    /// <summary><see cref="Download"/> for an int32 buffer of <see cref="AllocateInt32"/> (TopK's indices, for example).</summary>
    void DownloadInt32(DeviceBuffer source, Span<int> destination, long sourceOffset = 0);

    // ---- BLAS ---------------------------------------------------------------------------------
    /// <summary>y[yOffset + i] += alpha · x[xOffset + i] for i &lt; n (BLAS axpy). A plan adds each train step's batch-weighted loss
    /// to its loss sum on the device with it, so reading the loss is needed only when a caller asks.</summary>
    void Axpy(float alpha, DeviceBuffer x, long xOffset, DeviceBuffer y, long yOffset, long n);

    /// <summary>Row-major C = alpha·op(A)·op(B) + beta·C, op(A) is m×k, op(B) is k×n; strided batch.
    /// lda/ldb/ldc are row strides of A, B, C as stored.</summary>
    void Gemm(bool transposeA, bool transposeB, int m, int n, int k,
              float alpha, DeviceBuffer a, long aOffset, int lda,
              DeviceBuffer b, long bOffset, int ldb,
              float beta, DeviceBuffer c, long cOffset, int ldc,
              int batchCount = 1, long strideA = 0, long strideB = 0, long strideC = 0);

    // ---- linear (fused bias + activation) ------------------------------------------------------
    /// <summary>y[rows,out] = act(x[rows,in] · W[out,in]ᵀ + b[out]); act is <see cref="LinearDesc.Activation"/>.</summary>
    void Linear_Forward(DeviceBuffer y, DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? bias, in LinearDesc desc, int rows);
    /// <summary>dx (+)= dy·W; dW (+)= dyᵀ·x; db (+)= Σ_rows dy. dy is the gradient of the pre-activation.
    /// dx may be null (input needs no gradient).</summary>
    void Linear_Backward(DeviceBuffer? dx, DeviceBuffer dWeight, DeviceBuffer? dBias, DeviceBuffer dy, DeviceBuffer x, DeviceBuffer weight,
                         in LinearDesc desc, int rows, bool accumulateDx, bool accumulateParameters);

    // ---- convolution, pooling, normalisation, dropout (NCHW, PyTorch semantics) ----------------
    /// <summary>Floats of the workspace <see cref="Conv2d_Forward"/> and <see cref="Conv2d_Backward"/> take for this convolution
    /// on up to <paramref name="batch"/> samples (one buffer serves both; on the CPU: im2col column buffers for the samples
    /// processed at once and per-core partial weight gradients). A plan allocates it once, at its batch capacity; 0 means the
    /// calls may get null.</summary>
    long Conv2d_WorkspaceLength(in Conv2dDesc desc, int batch);

    /// <summary>y[N,outC,outH,outW] = act(conv2d(x[N,inC,H,W], W[outC,inC/groups,kH,kW]) + b[outC]); act is
    /// <see cref="Conv2dDesc.Activation"/>. workspace holds <see cref="Conv2d_WorkspaceLength"/> floats for at least this batch.</summary>
    void Conv2d_Forward(DeviceBuffer y, DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? bias, DeviceBuffer? workspace,
                        in Conv2dDesc desc, int batch);
    /// <summary>dx (+)= conv2d input gradient (dx may be null); dW (+)= weight gradient; db (+)= Σ_{N,outH,outW} dy (db may be null).
    /// dy is the gradient of the pre-activation output.</summary>
    void Conv2d_Backward(DeviceBuffer? dx, DeviceBuffer dWeight, DeviceBuffer? dBias, DeviceBuffer dy, DeviceBuffer x, DeviceBuffer weight,
                         DeviceBuffer? workspace, in Conv2dDesc desc, int batch, bool accumulateDx, bool accumulateParameters);
    /// <summary>y[N,C,outH,outW] = window maxima of x[N,C,H,W] (padding never wins); indices = the winner's ih·W + iw within its
    /// plane, as floats, for the backward.</summary>
    void MaxPool2d_Forward(DeviceBuffer y, DeviceBuffer indices, DeviceBuffer x, in Pool2dDesc desc, int batch);
    /// <summary>dx (+)= dy scattered to the positions in indices.</summary>
    void MaxPool2d_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer indices, in Pool2dDesc desc, int batch, bool accumulate);
    /// <summary>y = window means; the divisor counts padding when <see cref="Pool2dDesc.CountIncludePad"/> (PyTorch's default).</summary>
    void AvgPool2d_Forward(DeviceBuffer y, DeviceBuffer x, in Pool2dDesc desc, int batch);
    /// <summary>dx (+)= dy spread over each window by the forward's divisor.</summary>
    void AvgPool2d_Backward(DeviceBuffer dx, DeviceBuffer dy, in Pool2dDesc desc, int batch, bool accumulate);
    /// <summary>y[N,C] = mean of each plane of x[N,C,planeSize] (AdaptiveAvgPool2d(1)).</summary>
    void GlobalAvgPool_Forward(DeviceBuffer y, DeviceBuffer x, int batch, int channels, int planeSize);
    /// <summary>dx (+)= dy / planeSize broadcast over each plane.</summary>
    void GlobalAvgPool_Backward(DeviceBuffer dx, DeviceBuffer dy, int batch, int channels, int planeSize, bool accumulate);
    /// <summary>y = (x − mean)/√(var + eps)·weight + bias per channel of x[N,C,planeSize]. Training (or null running statistics):
    /// batch mean and biased variance, running = (1 − momentum)·running + momentum·batch with the unbiased variance.
    /// Evaluation: running statistics. saveMean/saveInvStd[C] keep the statistics used; weight/bias null means 1/0.</summary>
    void BatchNorm2d_Forward(DeviceBuffer y, DeviceBuffer saveMean, DeviceBuffer saveInvStd, DeviceBuffer? runningMean, DeviceBuffer? runningVar,
                             DeviceBuffer x, DeviceBuffer? weight, DeviceBuffer? bias, in BatchNormDesc desc, int batch, bool training);
    /// <summary>dx (+)= BatchNorm input gradient (through the batch statistics when training); dWeight (+)= Σ dy·x̂; dBias (+)= Σ dy.
    /// Null dx, dWeight or dBias are skipped.</summary>
    void BatchNorm2d_Backward(DeviceBuffer? dx, DeviceBuffer? dWeight, DeviceBuffer? dBias, DeviceBuffer dy, DeviceBuffer x,
                              DeviceBuffer saveMean, DeviceBuffer saveInvStd, DeviceBuffer? weight, in BatchNormDesc desc, int batch,
                              bool training, bool accumulateDx, bool accumulateParameters);
    /// <summary>Training-mode inverted dropout: mask = 1 where hash(seed, step, index) keeps the element (probability 1 − p), else 0;
    /// y = x·mask/(1 − p). The hash is specified in CpuDropout so every backend draws the same mask. Evaluation is the identity.</summary>
    void Dropout_Forward(DeviceBuffer y, DeviceBuffer mask, DeviceBuffer x, long n, float p, ulong seed, uint step);
    /// <summary>dx (+)= dy·mask/(1 − p).</summary>
    void Dropout_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer mask, long n, float p, bool accumulate);

    // ---- embedding and recurrent layers (PyTorch semantics; ids and lengths are Int32 buffers) ---
    /// <summary>ids (n) -> y (n,dim): y[r, :] = weight[ids[r], :] (<c>nn.Embedding</c>). Every id is checked before anything is
    /// read: one outside [0, num) throws, naming the value, its row and the limit.</summary>
    void Embedding_Forward(DeviceBuffer y, DeviceBuffer weight, DeviceBuffer ids, int n, int num, int dim);
    /// <summary>dWeight[ids[r], :] (+)= dy[r, :] for every row whose id is not <paramref name="paddingIdx"/> (−1 for none): the
    /// padding row gets no gradient. Without <paramref name="accumulate"/> rows no id selects become 0.</summary>
    void Embedding_Backward(DeviceBuffer dWeight, DeviceBuffer dy, DeviceBuffer ids, int n, int num, int dim, int paddingIdx, bool accumulate);
    /// <summary>ids (n) -> y (n,classes): one-hot rows as floats (<c>F.one_hot</c>); ids are checked as for Embedding.</summary>
    void OneHot_Forward(DeviceBuffer y, DeviceBuffer ids, int n, int classes);

    /// <summary>Floats of the reserve a recurrent stack's forward keeps for its backward on up to <paramref name="seqLength"/> steps
    /// of <paramref name="batch"/> examples: a pure function of the geometry, so a plan allocates it once at its capacity. Sized by
    /// the backend, like <see cref="Conv2d_WorkspaceLength"/>: the CPU and GPU backends lay it out alike
    /// (<see cref="Cpu.CpuRecurrent.ReserveLength"/>); a cuDNN backend would answer cudnnGetRNNTempSpaceSizes' reserve size.</summary>
    long Recurrent_ReserveLength(in RecurrentDescriptor descriptor, int seqLength, int batch);

    /// <summary>Floats of the scratch workspace of <see cref="Recurrent_Forward"/> and <see cref="Recurrent_Backward"/> (one serves
    /// both), sized by the backend (<see cref="Cpu.CpuRecurrent.WorkspaceLength"/> on the CPU and GPU backends).</summary>
    long Recurrent_WorkspaceLength(in RecurrentDescriptor descriptor, int seqLength, int batch);

    /// <summary>Binds a stack's parameter (or gradient) buffers, in PyTorch's <c>named_parameters()</c> order
    /// (<see cref="RecurrentDescriptor"/>), into one handle the recurrent calls take. Called once per plan, so the calls
    /// themselves allocate nothing; the buffers are checked against the descriptor's shapes here.</summary>
    RecurrentTensors Recurrent_Bind(in RecurrentDescriptor descriptor, ReadOnlySpan<DeviceBuffer> tensors);

    /// <summary>x (Seq,Batch,In) or (Batch,Seq,In), h0/c0 (L·D,Batch,H), lengths (Batch, Int32)
    /// -> output (Seq,Batch,D·H) or (Batch,Seq,D·H), hN/cN (L·D,Batch,H), reserve.
    /// The whole stack (<c>nn.RNN</c>/<c>nn.GRU</c>/<c>nn.LSTM</c>): every layer, both directions, dropout between layers when
    /// training (mask seed <paramref name="dropoutSeed"/> + layer, <paramref name="dropoutStep"/>). Null h0/c0 are zeros, null
    /// hN/cN are not written, null lengths means every example has seqLength steps (a length of 0 or past seqLength throws).
    /// A cell (<c>nn.GRUCell</c>) is a one-layer, one-direction stack at seqLength 1 (output = h').</summary>
    void Recurrent_Forward(in RecurrentDescriptor descriptor, DeviceBuffer output, DeviceBuffer? hN, DeviceBuffer? cN,
                           DeviceBuffer reserve, DeviceBuffer workspace, DeviceBuffer x, DeviceBuffer? h0, DeviceBuffer? c0,
                           RecurrentTensors parameters, DeviceBuffer? lengths, int seqLength, int batch, bool training,
                           ulong dropoutSeed, uint dropoutStep);
    /// <summary>Backward through time of <see cref="Recurrent_Forward"/> with the same arguments: dx, dh0, dc0 (+)= with
    /// accumulateDx (each may be null: not computed); parameter gradients (+)= with accumulateParameters. Null dOutput, dhN
    /// or dcN mean no gradient arrives there.</summary>
    void Recurrent_Backward(in RecurrentDescriptor descriptor, DeviceBuffer? dx, DeviceBuffer? dh0, DeviceBuffer? dc0,
                            RecurrentTensors parameterGradients, DeviceBuffer workspace, DeviceBuffer? dOutput, DeviceBuffer? dhN,
                            DeviceBuffer? dcN, DeviceBuffer reserve, DeviceBuffer x, RecurrentTensors parameters, DeviceBuffer? lengths,
                            int seqLength, int batch, bool training, bool accumulateDx, bool accumulateParameters);

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
    /// <summary>The <paramref name="k"/> largest (or smallest) values of x viewed as [outer, dim, inner] along the middle axis,
    /// sorted, into values [outer, k, inner], and their positions along it as whole-number floats into indices (torch.topk).</summary>
    void TopK_Forward(DeviceBuffer values, DeviceBuffer indices, DeviceBuffer x, int outer, int dim, int inner, int k, bool largest);
    /// <summary>dx (+)= dValues scattered to the positions in indices (zero elsewhere when not accumulating).</summary>
    void TopK_Backward(DeviceBuffer dx, DeviceBuffer dValues, DeviceBuffer indices, int outer, int dim, int inner, int k, bool accumulate);
    /// <summary>y (+)= x permuted: y's axis i is x's axis perm[i]. The backward of a permute is the permute
    /// by the inverse permutation with accumulate.</summary>
    void Permute(DeviceBuffer y, DeviceBuffer x, ReadOnlySpan<int> xShape, ReadOnlySpan<int> permutation, bool accumulate);

    // ---- indexing -----------------------------------------------------------------------------
    /// <summary>y[i] = x[i, indices[i]] for x [rows, cols] and class indices [rows] stored as floats: PyTorch's
    /// <c>x[range(rows), indices]</c>. An index that is not an integer in [0, cols) throws, naming the value, its row and cols.</summary>
    void Pick_Forward(DeviceBuffer y, DeviceBuffer x, DeviceBuffer indices, int rows, int cols);
    /// <summary>dx[i, indices[i]] (+)= dy[i], the scatter; without accumulate every other entry of dx becomes 0.</summary>
    void Pick_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer indices, int rows, int cols, bool accumulate);

    // ---- losses -------------------------------------------------------------------------------
    /// <summary>loss[0] = L(input[rows, cols], target). Cross-entropy and NLL take class indices [rows]
    /// stored as floats; the others take a target shaped like the input.</summary>
    void Loss_Forward(LossKind kind, Reduction reduction, DeviceBuffer loss, DeviceBuffer input, DeviceBuffer target,
                      int rows, int cols);
    /// <summary>dInput (+)= dLoss[0] · ∂L/∂input.</summary>
    void Loss_Backward(LossKind kind, Reduction reduction, DeviceBuffer dInput, DeviceBuffer dLoss,
                       DeviceBuffer input, DeviceBuffer target, int rows, int cols, bool accumulate);

    /// <summary>Cross-entropy or NLL with int32 class indices: loss[0] = L(input[rows, cols], targets[rows]). A target outside
    /// [0, cols) throws, naming the value, its row and the limit.</summary>
    void IndexLoss_Forward(LossKind kind, Reduction reduction, DeviceBuffer loss, DeviceBuffer input, DeviceBuffer targets, int rows, int cols);
    /// <summary>dInput (+)= dLoss[0] · ∂L/∂input of <see cref="IndexLoss_Forward"/>.</summary>
    void IndexLoss_Backward(LossKind kind, Reduction reduction, DeviceBuffer dInput, DeviceBuffer dLoss, DeviceBuffer input,
                            DeviceBuffer targets, int rows, int cols, bool accumulate);

    // ---- optimizers (PyTorch's update formulas, one call per parameter tensor) -----------------
    /// <summary>SGD on the first <paramref name="n"/> elements (<c>torch.optim.SGD</c>): g = ±gradient + weightDecay·p; with
    /// momentum μ ≠ 0, b = g on the first step, else μ·b + (1 − dampening)·g, and g = g + μ·b (Nesterov) or b; then p −= lr·g.
    /// <paramref name="momentumBuffer"/> may be null when momentum is 0.</summary>
    void Sgd_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer? momentumBuffer, long n,
                  float lr, float momentum, float dampening, float weightDecay, bool nesterov, bool maximize, bool firstStep);
    /// <summary>Adam (decoupledWeightDecay = false) and AdamW (true); step counts from 1; maxSquare for AMSGrad.</summary>
    void Adam_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer expAvg, DeviceBuffer expAvgSquare,
                   DeviceBuffer? maxExpAvgSquare, long n, float lr, float beta1, float beta2, float eps,
                   float weightDecay, bool decoupledWeightDecay, bool maximize, int step);
    /// <summary>Adagrad (<c>torch.optim.Adagrad</c>): g = ±gradient + weightDecay·p; clr = lr / (1 + (step − 1)·lrDecay);
    /// stateSum += g²; p −= clr·g / (√stateSum + eps). <paramref name="step"/> counts from 1.</summary>
    void Adagrad_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer stateSum, long n,
                      float lr, float lrDecay, float weightDecay, float eps, bool maximize, int step);
    /// <summary>RMSprop (<c>torch.optim.RMSprop</c>): g = ±gradient + weightDecay·p; squareAvg = α·squareAvg + (1 − α)·g²;
    /// the denominator is √(squareAvg − gradAvg²) + eps with gradAvg = α·gradAvg + (1 − α)·g when <paramref name="centered"/>,
    /// else √squareAvg + eps; with momentum μ &gt; 0, b = μ·b + g/denominator and p −= lr·b, without it p −= lr·g/denominator.
    /// <paramref name="gradAvg"/> may be null unless centered, <paramref name="momentumBuffer"/> unless momentum &gt; 0.</summary>
    void RmsProp_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer squareAvg, DeviceBuffer? gradAvg,
                      DeviceBuffer? momentumBuffer, long n, float lr, float alpha, float eps, float weightDecay,
                      float momentum, bool centered, bool maximize);
}

/// <summary>Memory owned by a backend. Opaque to generated code.</summary>
public abstract class DeviceBuffer : IDisposable
{
    /// <summary>Records the buffer's size and element type; a backend's subclass holds the memory itself.</summary>
    protected DeviceBuffer(long length, BufferElementType elementType = BufferElementType.Float32)
    {
        Length = length;
        ElementType = elementType;
    }

    /// <summary>Elements (floats or ints) the buffer holds.</summary>
    public long Length { get; }

    /// <summary>Float32 for values and gradients; Int32 for ids, lengths and labels (<see cref="IBackend.AllocateInt32"/>).</summary>
    public BufferElementType ElementType { get; }

    /// <summary>Frees the memory on a device; host buffers (the CPU backend's) have nothing to free, and the default does nothing.</summary>
    public virtual void Dispose()
    {
    }
}

/// <summary>What a <see cref="DeviceBuffer"/> holds.</summary>
public enum BufferElementType
{
    /// <summary>32-bit floats: values, gradients and optimizer state.</summary>
    Float32,
    /// <summary>32-bit integers: token ids, sequence lengths and class labels.</summary>
    Int32,
}

/// <summary>A recurrent stack's parameter (or gradient) buffers bound once by <see cref="IBackend.Recurrent_Bind"/>, in PyTorch's
/// order: opaque to generated code, each backend keeps what its kernels want (the CPU backend the host arrays).</summary>
public abstract class RecurrentTensors
{
    /// <summary>Binds the tensors to the stack <paramref name="descriptor"/> describes.</summary>
    protected RecurrentTensors(RecurrentDescriptor descriptor) => Descriptor = descriptor;

    /// <summary>The stack the tensors belong to.</summary>
    public RecurrentDescriptor Descriptor { get; }
}

/// <summary>The element-wise functions of <see cref="IBackend.Unary_Forward"/> and <see cref="IBackend.Unary_Backward"/>,
/// y = f(x) with up to two constants (<c>parameter</c>, <c>parameter2</c>) as noted.</summary>
public enum UnaryOp
{
    /// <summary>x (a copy).</summary>
    Identity,
    /// <summary>max(x, 0).</summary>
    Relu,
    /// <summary>1 / (1 + e^(−x)).</summary>
    Sigmoid,
    /// <summary>tanh x.</summary>
    Tanh,
    /// <summary>eˣ.</summary>
    Exp,
    /// <summary>The natural logarithm ln x.</summary>
    Log,
    /// <summary>|x| (gradient 0 at 0, as PyTorch's sign).</summary>
    Abs,
    /// <summary>−x.</summary>
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
    /// <summary>√x.</summary>
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

/// <summary>The broadcasting element-wise operations of <see cref="IBackend.Binary_Forward"/>: y = a ∘ b.</summary>
public enum BinaryOp
{
    /// <summary>a + b.</summary>
    Add,
    /// <summary>a − b.</summary>
    Sub,
    /// <summary>a · b.</summary>
    Mul,
    /// <summary>a / b.</summary>
    Div,
}

/// <summary>The reductions of <see cref="IBackend.Reduce_Forward"/> over the axes it is given.</summary>
public enum ReduceOp
{
    /// <summary>The sum of the reduced elements.</summary>
    Sum,
    /// <summary>The sum divided by the number of reduced elements.</summary>
    Mean,
}

/// <summary>The losses of <see cref="IBackend.Loss_Forward"/> and <see cref="IBackend.IndexLoss_Forward"/>, as PyTorch defines
/// them; the <see cref="Reduction"/> then averages, sums or keeps the per-element values.</summary>
public enum LossKind
{
    /// <summary>Mean squared error, (input − target)² (<c>nn.MSELoss</c>).</summary>
    Mse,
    /// <summary>Binary cross-entropy on probabilities, −(t·ln p + (1 − t)·ln(1 − p)), logs clamped at −100 (<c>nn.BCELoss</c>).</summary>
    Bce,
    /// <summary>Binary cross-entropy on logits with a stable log-sigmoid (<c>nn.BCEWithLogitsLoss</c>).</summary>
    BceWithLogits,
    /// <summary>Softmax cross-entropy of each row of logits against its class (<c>nn.CrossEntropyLoss</c>).</summary>
    CrossEntropy,
    /// <summary>Negative log-likelihood: minus the row's log-probability at its class (<c>nn.NLLLoss</c>).</summary>
    Nll,
}
