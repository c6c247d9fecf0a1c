namespace ShapeNet.Backends.Cpu;

/// <summary>Host memory for the CPU backend: a plain float array, shared with the caller when wrapped.</summary>
public sealed class CpuBuffer : DeviceBuffer
{
    /// <summary>Wraps <paramref name="array"/> without copying: the buffer is the array.</summary>
    public CpuBuffer(float[] array) : base(array.Length) => Array = array;

    /// <summary>The host array the kernels read and write.</summary>
    public float[] Array { get; }
}

/// <summary>Host memory of int32 values (ids, lengths, labels) for the CPU backend.</summary>
public sealed class CpuIntBuffer : DeviceBuffer
{
    /// <summary>Wraps <paramref name="array"/> without copying: the buffer is the array.</summary>
    public CpuIntBuffer(int[] array) : base(array.Length, BufferElementType.Int32) => Array = array;

    /// <summary>The host array of int32 values.</summary>
    public int[] Array { get; }
}

/// <summary>A recurrent stack's tensors as the span kernels take them: the host arrays in PyTorch's order.</summary>
public sealed class CpuRecurrentTensors : RecurrentTensors
{
    /// <summary>The stack's tensors as <paramref name="arrays"/>, one host array per tensor in the order of
    /// <see cref="RecurrentDescriptor"/> (PyTorch's <c>named_parameters()</c>).</summary>
    public CpuRecurrentTensors(RecurrentDescriptor descriptor, float[][] arrays) : base(descriptor) => Arrays = arrays;

    /// <summary>The host arrays, in PyTorch's order.</summary>
    public float[][] Arrays { get; }
}

/// <summary>
/// The reference backend. A thin adapter: each call turns (buffer, offset, size) into spans and hands them to the
/// static span kernels (CpuGemm, CpuLinear, CpuElementwise, ...), which hold all the arithmetic. Large element-wise and
/// max-pooling calls are the one scheduling decision made here: they go to <see cref="CpuSplit"/>, which runs the same span
/// kernels over the workers.
/// </summary>
public sealed class CpuBackend : IBackend
{
    /// <summary>The one CPU backend (it holds no state of its own; <see cref="Threads"/> is process-wide).</summary>
    public static CpuBackend Instance { get; } = new();

    /// <summary>Managed bytes the backend's worker threads have allocated so far, each read on its own thread after its
    /// last part of work. With <c>GC.GetAllocatedBytesForCurrentThread</c> on the calling thread it gives an exact
    /// allocation count for a step, which the process-wide counter (it sees every thread of the host) cannot.</summary>
    public static long WorkerAllocatedBytes => CpuWorkers.WorkerAllocatedBytes;

    /// <summary>Threads the CPU kernels use, 1 to <see cref="MaxThreads"/> (default: all cores, at most 16). 1 runs every
    /// kernel on the calling thread. Results are bit-identical run to run for a given thread count; a different count
    /// splits some reductions differently. Set it between steps, not while a step runs on another thread.</summary>
    public static int Threads
    {
        get => CpuWorkers.Threads;
        set => CpuWorkers.Threads = value;
    }

    /// <summary>The most threads <see cref="Threads"/> accepts on this machine: the core count, at most 16.</summary>
    public static int MaxThreads => CpuWorkers.PartCount;

    private CpuBackend()
    {
    }

    /// <inheritdoc/>
    public string Name => "cpu";

    /// <inheritdoc/>
    public DeviceBuffer Allocate(long length) => new CpuBuffer(new float[checked((int)length)]);

    /// <inheritdoc/>
    public DeviceBuffer Wrap(float[] host) => new CpuBuffer(host ?? throw new ArgumentNullException(nameof(host)));

    /// <inheritdoc/>
    public void Upload(ReadOnlySpan<float> source, DeviceBuffer destination, long destinationOffset = 0)
        => source.CopyTo(Span(destination, destinationOffset, source.Length));

    /// <inheritdoc/>
    public void Download(DeviceBuffer source, Span<float> destination, long sourceOffset = 0)
        => Span(source, sourceOffset, destination.Length).CopyTo(destination);

    /// <inheritdoc/>
    public void Fill(DeviceBuffer destination, float value, long offset, long count) => Span(destination, offset, count).Fill(value);

    /// <inheritdoc/>
    public void CopyRows(DeviceBuffer destination, long destinationOffset, long destinationStride,
        DeviceBuffer source, long sourceOffset, long sourceStride, long rowLength, long rows, bool accumulate)
        => CpuLayout.CopyRows(Rest(destination, destinationOffset), destinationStride, Rest(source, sourceOffset), sourceStride,
            rowLength, rows, accumulate);

    /// <inheritdoc/>
    public void Synchronize()
    {
    }

    /// <summary>True: buffers are the host arrays.</summary>
    public bool SharesHostMemory => true;

    /// <summary>The destination itself: the caller writes in place, nothing is copied twice.</summary>
    public Span<float> BeginUpload(DeviceBuffer destination, long destinationOffset, int count) => Span(destination, destinationOffset, count);

    /// <summary>Nothing to send: <see cref="BeginUpload"/> handed out the destination. The range is still checked, as every backend
    /// checks it, so a call that would fail on a device fails here too.</summary>
    public void EndUpload(DeviceBuffer destination, long destinationOffset, int count) => _ = Span(destination, destinationOffset, count);

    /// <summary>Nothing to prepare: the span kernels choose their path per call from the geometry.</summary>
    public void Prepare(in Conv2dDesc desc, int batchCapacity)
    {
    }

    /// <inheritdoc cref="Prepare(in Conv2dDesc, int)"/>
    public void Prepare(in Pool2dDesc desc, int batchCapacity)
    {
    }

    /// <inheritdoc cref="Prepare(in Conv2dDesc, int)"/>
    public void Prepare(in BatchNormDesc desc, int batchCapacity)
    {
    }

    /// <inheritdoc cref="Prepare(in Conv2dDesc, int)"/>
    public void Prepare(in LinearDesc desc, int rowCapacity)
    {
    }

    /// <inheritdoc/>
    public DeviceBuffer AllocateInt32(long length) => new CpuIntBuffer(new int[checked((int)length)]);

    /// <inheritdoc/>
    public void UploadInt32(ReadOnlySpan<int> source, DeviceBuffer destination, long destinationOffset = 0)
        => source.CopyTo(IntSpan(destination, destinationOffset, source.Length));

    /// <inheritdoc/>
    public void DownloadInt32(DeviceBuffer source, Span<int> destination, long sourceOffset = 0)
        => IntSpan(source, sourceOffset, destination.Length).CopyTo(destination);

    /// <inheritdoc/>
    public void Embedding_Forward(DeviceBuffer y, DeviceBuffer weight, DeviceBuffer ids, int n, int num, int dim)
        => CpuEmbedding.Embedding_Forward(Span(y, 0, (long)n * dim), Span(weight, 0, (long)num * dim), IntSpan(ids, 0, n), num, dim);

    /// <inheritdoc/>
    public void Embedding_Backward(DeviceBuffer dWeight, DeviceBuffer dy, DeviceBuffer ids, int n, int num, int dim, int paddingIdx, bool accumulate)
        => CpuEmbedding.Embedding_Backward(Span(dWeight, 0, (long)num * dim), Span(dy, 0, (long)n * dim), IntSpan(ids, 0, n), num, dim,
            paddingIdx, accumulate);

    /// <inheritdoc/>
    public void OneHot_Forward(DeviceBuffer y, DeviceBuffer ids, int n, int classes)
        => CpuEmbedding.OneHot_Forward(Span(y, 0, (long)n * classes), IntSpan(ids, 0, n), classes);

    /// <inheritdoc/>
    public long Recurrent_ReserveLength(in RecurrentDescriptor descriptor, int seqLength, int batch)
        => CpuRecurrent.ReserveLength(descriptor, seqLength, batch);

    /// <inheritdoc/>
    public long Recurrent_WorkspaceLength(in RecurrentDescriptor descriptor, int seqLength, int batch)
        => CpuRecurrent.WorkspaceLength(descriptor, seqLength, batch);

    /// <inheritdoc/>
    public RecurrentTensors Recurrent_Bind(in RecurrentDescriptor descriptor, ReadOnlySpan<DeviceBuffer> tensors)
    {
        descriptor.Validate();
        if (tensors.Length != descriptor.ParameterTensorCount)
            throw new ArgumentException($"{descriptor} has {descriptor.ParameterTensorCount} parameter tensors, {tensors.Length} were given.",
                nameof(tensors));
        var arrays = new float[tensors.Length][];
        for (int p = 0; p < arrays.Length; p++)
        {
            arrays[p] = Array(tensors[p]);
            if (arrays[p].Length != descriptor.ParameterLength(p))
                throw new ArgumentException($"{descriptor}: {descriptor.ParameterName(p)} needs {descriptor.ParameterLength(p)} values, " +
                    $"its buffer holds {arrays[p].Length}.", nameof(tensors));
        }
        return new CpuRecurrentTensors(descriptor, arrays);
    }

    /// <inheritdoc/>
    public void Recurrent_Forward(in RecurrentDescriptor descriptor, DeviceBuffer output, DeviceBuffer? hN, DeviceBuffer? cN,
        DeviceBuffer reserve, DeviceBuffer workspace, DeviceBuffer x, DeviceBuffer? h0, DeviceBuffer? c0, RecurrentTensors parameters,
        DeviceBuffer? lengths, int seqLength, int batch, bool training, ulong dropoutSeed, uint dropoutStep)
    {
        long rows = (long)seqLength * batch, states = (long)descriptor.NumLayers * descriptor.Directions * batch * descriptor.HiddenSize;
        CpuRecurrent.Recurrent_Forward(descriptor, Span(output, 0, rows * descriptor.OutputSize), Optional(hN, states), Optional(cN, states),
            Array(reserve), Array(workspace), Span(x, 0, rows * descriptor.InputSize), Optional(h0, states), Optional(c0, states),
            Tensors(descriptor, parameters), lengths == null ? default : IntSpan(lengths, 0, batch), seqLength, batch, training,
            dropoutSeed, dropoutStep);
    }

    /// <inheritdoc/>
    public void Recurrent_Backward(in RecurrentDescriptor descriptor, DeviceBuffer? dx, DeviceBuffer? dh0, DeviceBuffer? dc0,
        RecurrentTensors parameterGradients, DeviceBuffer workspace, DeviceBuffer? dOutput, DeviceBuffer? dhN, DeviceBuffer? dcN,
        DeviceBuffer reserve, DeviceBuffer x, RecurrentTensors parameters, DeviceBuffer? lengths, int seqLength, int batch, bool training,
        bool accumulateDx, bool accumulateParameters)
    {
        long rows = (long)seqLength * batch, states = (long)descriptor.NumLayers * descriptor.Directions * batch * descriptor.HiddenSize;
        CpuRecurrent.Recurrent_Backward(descriptor, Optional(dx, rows * descriptor.InputSize), Optional(dh0, states), Optional(dc0, states),
            Tensors(descriptor, parameterGradients), Array(workspace), Optional(dOutput, rows * descriptor.OutputSize), Optional(dhN, states),
            Optional(dcN, states), Array(reserve), Span(x, 0, rows * descriptor.InputSize), Tensors(descriptor, parameters),
            lengths == null ? default : IntSpan(lengths, 0, batch), seqLength, batch, training, accumulateDx, accumulateParameters);
    }

    /// <inheritdoc/>
    public void Axpy(float alpha, DeviceBuffer x, long xOffset, DeviceBuffer y, long yOffset, long n)
    {
        Span<float> ys = Span(y, yOffset, n);
        System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(Span(x, xOffset, n), alpha, ys, ys);
    }

    /// <inheritdoc/>
    public void Gemm(bool transposeA, bool transposeB, int m, int n, int k, float alpha, DeviceBuffer a, long aOffset, int lda,
        DeviceBuffer b, long bOffset, int ldb, float beta, DeviceBuffer c, long cOffset, int ldc,
        int batchCount = 1, long strideA = 0, long strideB = 0, long strideC = 0)
    {
        for (int batch = 0; batch < batchCount; batch++)
            CpuGemm.Gemm(transposeA, transposeB, m, n, k, alpha, Rest(a, aOffset + batch * strideA), lda,
                Rest(b, bOffset + batch * strideB), ldb, beta, Rest(c, cOffset + batch * strideC), ldc);
    }

    /// <inheritdoc/>
    public void Linear_Forward(DeviceBuffer y, DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? bias, in LinearDesc desc, int rows)
        => CpuLinear.Linear_Forward(Span(y, 0, Rows(rows, desc.OutFeatures)), Span(x, 0, Rows(rows, desc.InFeatures)), Span(weight, 0, desc.WeightLength),
            Optional(bias, desc.OutFeatures), rows, desc.InFeatures, desc.OutFeatures, desc.Activation);

    /// <inheritdoc/>
    public void Linear_Backward(DeviceBuffer? dx, DeviceBuffer dWeight, DeviceBuffer? dBias, DeviceBuffer dy, DeviceBuffer x,
        DeviceBuffer weight, in LinearDesc desc, int rows, bool accumulateDx, bool accumulateParameters)
    {
        long inLength = Rows(rows, desc.InFeatures);
        CpuLinear.Linear_Backward(Optional(dx, inLength), Span(dWeight, 0, desc.WeightLength), Optional(dBias, desc.OutFeatures),
            Span(dy, 0, Rows(rows, desc.OutFeatures)), Span(x, 0, inLength), Span(weight, 0, desc.WeightLength),
            rows, desc.InFeatures, desc.OutFeatures, accumulateDx, accumulateParameters);
    }

    /// <inheritdoc/>
    public long Conv2d_WorkspaceLength(in Conv2dDesc desc, int batch) => CpuConvolution.WorkspaceLength(desc.Geometry(batch));

    /// <inheritdoc/>
    public void Conv2d_Forward(DeviceBuffer y, DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? bias, DeviceBuffer? workspace,
        in Conv2dDesc desc, int batch)
    {
        Conv2dGeometry g = desc.Geometry(batch);
        CpuConvolution.Conv2d_Forward(Span(y, 0, g.OutputLength), Span(x, 0, g.InputLength), Span(weight, 0, g.WeightLength),
            Optional(bias, g.OutChannels), Workspace(workspace), g, desc.Activation);
    }

    /// <inheritdoc/>
    public void Conv2d_Backward(DeviceBuffer? dx, DeviceBuffer dWeight, DeviceBuffer? dBias, DeviceBuffer dy, DeviceBuffer x, DeviceBuffer weight,
        DeviceBuffer? workspace, in Conv2dDesc desc, int batch, bool accumulateDx, bool accumulateParameters)
    {
        Conv2dGeometry g = desc.Geometry(batch);
        CpuConvolution.Conv2d_Backward(Optional(dx, g.InputLength), Span(dWeight, 0, g.WeightLength), Optional(dBias, g.OutChannels),
            Span(dy, 0, g.OutputLength), Span(x, 0, g.InputLength), Span(weight, 0, g.WeightLength), Workspace(workspace), g,
            accumulateDx, accumulateParameters);
    }

    /// <inheritdoc/>
    public void MaxPool2d_Forward(DeviceBuffer y, DeviceBuffer indices, DeviceBuffer x, in Pool2dDesc desc, int batch)
    {
        long pooled = Rows(batch, desc.OutputLength), input = Rows(batch, desc.InputLength);
        Span<float> ys = Span(y, 0, pooled), ids = Span(indices, 0, pooled), xs = Span(x, 0, input);
        if (SplitsPool(desc, input) && CpuWorkers.TryAcquire())
        {
            CpuSplit.MaxPool2x2(false, Array(y), Array(indices), Array(x), batch * desc.Channels, desc.Height, desc.Width, accumulate: false);
            return;
        }
        CpuPooling.MaxPool2d_Forward(ys, ids, xs, batch, desc.Channels, desc.Height, desc.Width, desc.KernelH, desc.KernelW, desc.StrideH,
            desc.StrideW, desc.PadH, desc.PadW);
    }

    /// <summary>2×2/2 max pooling over at least <see cref="CpuSplit.Threshold"/> input values: split over the workers by planes.</summary>
    private static bool SplitsPool(in Pool2dDesc desc, long input)
        => input >= CpuSplit.Threshold && desc.KernelH == 2 && desc.KernelW == 2 && desc.StrideH == 2 && desc.StrideW == 2 && desc.PadH == 0
            && desc.PadW == 0 && desc.Height >= 2 && desc.Width >= 2;

    /// <inheritdoc/>
    public void MaxPool2d_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer indices, in Pool2dDesc desc, int batch, bool accumulate)
    {
        long pooled = Rows(batch, desc.OutputLength), input = Rows(batch, desc.InputLength);
        Span<float> dxs = Span(dx, 0, input), dys = Span(dy, 0, pooled), ids = Span(indices, 0, pooled);
        if (SplitsPool(desc, input) && CpuWorkers.TryAcquire())
        {
            CpuSplit.MaxPool2x2(true, Array(dx), Array(dy), Array(indices), batch * desc.Channels, desc.Height, desc.Width, accumulate);
            return;
        }
        CpuPooling.MaxPool2d_Backward(dxs, dys, ids, batch, desc.Channels, desc.Height, desc.Width, desc.KernelH, desc.KernelW, desc.StrideH,
            desc.StrideW, desc.PadH, desc.PadW, accumulate);
    }

    /// <inheritdoc/>
    public void AvgPool2d_Forward(DeviceBuffer y, DeviceBuffer x, in Pool2dDesc desc, int batch)
        => CpuPooling.AvgPool2d_Forward(Span(y, 0, Rows(batch, desc.OutputLength)), Span(x, 0, Rows(batch, desc.InputLength)),
            batch, desc.Channels, desc.Height, desc.Width, desc.KernelH, desc.KernelW, desc.StrideH, desc.StrideW, desc.PadH, desc.PadW,
            desc.CountIncludePad);

    /// <inheritdoc/>
    public void AvgPool2d_Backward(DeviceBuffer dx, DeviceBuffer dy, in Pool2dDesc desc, int batch, bool accumulate)
        => CpuPooling.AvgPool2d_Backward(Span(dx, 0, Rows(batch, desc.InputLength)), Span(dy, 0, Rows(batch, desc.OutputLength)),
            batch, desc.Channels, desc.Height, desc.Width, desc.KernelH, desc.KernelW, desc.StrideH, desc.StrideW, desc.PadH, desc.PadW,
            desc.CountIncludePad, accumulate);

    /// <inheritdoc/>
    public void GlobalAvgPool_Forward(DeviceBuffer y, DeviceBuffer x, int batch, int channels, int planeSize)
        => CpuPooling.GlobalAvgPool_Forward(Span(y, 0, (long)batch * channels), Span(x, 0, (long)batch * channels * planeSize),
            batch, channels, planeSize);

    /// <inheritdoc/>
    public void GlobalAvgPool_Backward(DeviceBuffer dx, DeviceBuffer dy, int batch, int channels, int planeSize, bool accumulate)
        => CpuPooling.GlobalAvgPool_Backward(Span(dx, 0, (long)batch * channels * planeSize), Span(dy, 0, (long)batch * channels),
            batch, channels, planeSize, accumulate);

    /// <inheritdoc/>
    public void BatchNorm2d_Forward(DeviceBuffer y, DeviceBuffer saveMean, DeviceBuffer saveInvStd, DeviceBuffer? runningMean,
        DeviceBuffer? runningVar, DeviceBuffer x, DeviceBuffer? weight, DeviceBuffer? bias, in BatchNormDesc desc, int batch, bool training)
    {
        long count = Rows(batch, desc.SampleLength);
        int channels = desc.Channels;
        CpuNormalization.BatchNorm2d_Forward(Span(y, 0, count), Span(saveMean, 0, channels), Span(saveInvStd, 0, channels),
            Optional(runningMean, channels), Optional(runningVar, channels), Span(x, 0, count), Optional(weight, channels),
            Optional(bias, channels), batch, channels, desc.PlaneSize, training, desc.Momentum, desc.Eps);
    }

    /// <inheritdoc/>
    public void BatchNorm2d_Backward(DeviceBuffer? dx, DeviceBuffer? dWeight, DeviceBuffer? dBias, DeviceBuffer dy, DeviceBuffer x,
        DeviceBuffer saveMean, DeviceBuffer saveInvStd, DeviceBuffer? weight, in BatchNormDesc desc, int batch,
        bool training, bool accumulateDx, bool accumulateParameters)
    {
        long count = Rows(batch, desc.SampleLength);
        int channels = desc.Channels;
        CpuNormalization.BatchNorm2d_Backward(Optional(dx, count), Optional(dWeight, channels), Optional(dBias, channels),
            Span(dy, 0, count), Span(x, 0, count), Span(saveMean, 0, channels), Span(saveInvStd, 0, channels), Optional(weight, channels),
            batch, channels, desc.PlaneSize, training, accumulateDx, accumulateParameters);
    }

    /// <inheritdoc/>
    public void Dropout_Forward(DeviceBuffer y, DeviceBuffer mask, DeviceBuffer x, long n, float p, ulong seed, uint step)
        => CpuDropout.Dropout_Forward(Span(y, 0, n), Span(mask, 0, n), Span(x, 0, n), p, seed, step);

    /// <inheritdoc/>
    public void Dropout_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer mask, long n, float p, bool accumulate)
        => CpuDropout.Dropout_Backward(Span(dx, 0, n), Span(dy, 0, n), Span(mask, 0, n), p, accumulate);

    /// <inheritdoc/>
    public void Unary_Forward(UnaryOp op, float parameter, DeviceBuffer y, DeviceBuffer x, long n, float parameter2 = 0)
    {
        Span<float> ys = Span(y, 0, n), xs = Span(x, 0, n);
        if (n >= CpuSplit.Threshold && CpuWorkers.TryAcquire())
        {
            CpuSplit.UnaryForward(op, parameter, parameter2, Array(y), Array(x), n);
            return;
        }
        CpuElementwise.Unary_Forward(op, parameter, ys, xs, parameter2);
    }

    /// <inheritdoc/>
    public void Unary_Backward(UnaryOp op, float parameter, DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer x, DeviceBuffer y,
        long n, bool accumulate, float parameter2 = 0)
    {
        Span<float> dxs = Span(dx, 0, n), dys = Span(dy, 0, n), xs = Span(x, 0, n), ys = Span(y, 0, n);
        if (n >= CpuSplit.Threshold && CpuWorkers.TryAcquire())
        {
            CpuSplit.UnaryBackward(op, parameter, parameter2, Array(dx), Array(dy), Array(x), Array(y), n, accumulate);
            return;
        }
        CpuElementwise.Unary_Backward(op, parameter, dxs, dys, xs, ys, accumulate, parameter2);
    }

    /// <inheritdoc/>
    public void Binary_Forward(BinaryOp op, DeviceBuffer z, DeviceBuffer a, ReadOnlySpan<int> aShape, DeviceBuffer b,
        ReadOnlySpan<int> bShape, ReadOnlySpan<int> zShape)
    {
        long n = Count(zShape);
        Span<float> zs = Span(z, 0, n), aSpan = Span(a, 0, Count(aShape)), bSpan = Span(b, 0, Count(bShape));
        if (n >= CpuSplit.Threshold && CpuSplit.Splits(op, aShape, bShape, zShape) && CpuWorkers.TryAcquire())
        {
            CpuSplit.BinaryForward(op, Array(z), Array(a), Array(b), n);
            return;
        }
        CpuElementwise.Binary_Forward(op, zs, aSpan, aShape, bSpan, bShape, zShape);
    }

    /// <inheritdoc/>
    public void Binary_Backward(BinaryOp op, int operand, DeviceBuffer dOperand, DeviceBuffer dz, DeviceBuffer a,
        ReadOnlySpan<int> aShape, DeviceBuffer b, ReadOnlySpan<int> bShape, ReadOnlySpan<int> zShape, bool accumulate)
    {
        long n = Count(zShape);
        Span<float> ds = Span(dOperand, 0, Count(operand == 0 ? aShape : bShape)), dzs = Span(dz, 0, n);
        Span<float> aSpan = Span(a, 0, Count(aShape)), bSpan = Span(b, 0, Count(bShape));
        if (n >= CpuSplit.Threshold && operand is 0 or 1 && CpuSplit.Splits(op, aShape, bShape, zShape) && CpuWorkers.TryAcquire())
        {
            CpuSplit.BinaryBackward(op, operand, Array(dOperand), Array(dz), Array(a), Array(b), n, accumulate);
            return;
        }
        CpuElementwise.Binary_Backward(op, operand, ds, dzs, aSpan, aShape, bSpan, bShape, zShape, accumulate);
    }

    /// <inheritdoc/>
    public void Reduce_Forward(ReduceOp op, DeviceBuffer y, DeviceBuffer x, ReadOnlySpan<int> xShape, ReadOnlySpan<bool> reduceAxes)
        => CpuReduction.Reduce_Forward(op, Span(y, 0, ReducedCount(xShape, reduceAxes)), Span(x, 0, Count(xShape)), xShape, reduceAxes);

    /// <inheritdoc/>
    public void Reduce_Backward(ReduceOp op, DeviceBuffer dx, DeviceBuffer dy, ReadOnlySpan<int> xShape,
        ReadOnlySpan<bool> reduceAxes, bool accumulate)
        => CpuReduction.Reduce_Backward(op, Span(dx, 0, Count(xShape)), Span(dy, 0, ReducedCount(xShape, reduceAxes)),
            xShape, reduceAxes, accumulate);

    /// <inheritdoc/>
    public void Softmax_Forward(DeviceBuffer y, DeviceBuffer x, int outer, int dim, int inner, bool log)
    {
        long count = (long)outer * dim * inner;
        CpuSoftmax.Softmax_Forward(Span(y, 0, count), Span(x, 0, count), outer, dim, inner, log);
    }

    /// <inheritdoc/>
    public void Softmax_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer y, int outer, int dim, int inner, bool log, bool accumulate)
    {
        long count = (long)outer * dim * inner;
        CpuSoftmax.Softmax_Backward(Span(dx, 0, count), Span(dy, 0, count), Span(y, 0, count), outer, dim, inner, log, accumulate);
    }

    /// <inheritdoc/>
    public void TopK_Forward(DeviceBuffer values, DeviceBuffer indices, DeviceBuffer x, int outer, int dim, int inner, int k, bool largest)
    {
        long kept = (long)outer * k * inner;
        CpuTopK.Forward(Span(values, 0, kept), Span(indices, 0, kept), Span(x, 0, (long)outer * dim * inner), outer, dim, inner, k, largest);
    }

    /// <inheritdoc/>
    public void TopK_Backward(DeviceBuffer dx, DeviceBuffer dValues, DeviceBuffer indices, int outer, int dim, int inner, int k, bool accumulate)
    {
        long kept = (long)outer * k * inner;
        CpuTopK.Backward(Span(dx, 0, (long)outer * dim * inner), Span(dValues, 0, kept), Span(indices, 0, kept), outer, dim, inner, k, accumulate);
    }

    /// <inheritdoc/>
    public void Permute(DeviceBuffer y, DeviceBuffer x, ReadOnlySpan<int> xShape, ReadOnlySpan<int> permutation, bool accumulate)
    {
        long count = Count(xShape);
        CpuLayout.Permute(Span(y, 0, count), Span(x, 0, count), xShape, permutation, accumulate);
    }

    /// <inheritdoc/>
    public void Pick_Forward(DeviceBuffer y, DeviceBuffer x, DeviceBuffer indices, int rows, int cols)
        => CpuPick.Pick_Forward(Span(y, 0, rows), Span(x, 0, (long)rows * cols), Span(indices, 0, rows), rows, cols);

    /// <inheritdoc/>
    public void Pick_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer indices, int rows, int cols, bool accumulate)
        => CpuPick.Pick_Backward(Span(dx, 0, (long)rows * cols), Span(dy, 0, rows), Span(indices, 0, rows), rows, cols, accumulate);

    /// <inheritdoc/>
    public void Loss_Forward(LossKind kind, Reduction reduction, DeviceBuffer loss, DeviceBuffer input, DeviceBuffer target, int rows, int cols)
        => Array(loss)[0] = CpuLoss.Loss_Forward(kind, reduction, Span(input, 0, (long)rows * cols),
            Span(target, 0, TargetCount(kind, rows, cols)), rows, cols);

    /// <inheritdoc/>
    public void Loss_Backward(LossKind kind, Reduction reduction, DeviceBuffer dInput, DeviceBuffer dLoss, DeviceBuffer input,
        DeviceBuffer target, int rows, int cols, bool accumulate)
        => CpuLoss.Loss_Backward(kind, reduction, Span(dInput, 0, (long)rows * cols), Array(dLoss)[0],
            Span(input, 0, (long)rows * cols), Span(target, 0, TargetCount(kind, rows, cols)), rows, cols, accumulate);

    /// <inheritdoc/>
    public void IndexLoss_Forward(LossKind kind, Reduction reduction, DeviceBuffer loss, DeviceBuffer input, DeviceBuffer targets, int rows, int cols)
        => Array(loss)[0] = CpuLoss.IndexLoss_Forward(kind, reduction, Span(input, 0, (long)rows * cols), IntSpan(targets, 0, rows), rows, cols);

    /// <inheritdoc/>
    public void IndexLoss_Backward(LossKind kind, Reduction reduction, DeviceBuffer dInput, DeviceBuffer dLoss, DeviceBuffer input,
        DeviceBuffer targets, int rows, int cols, bool accumulate)
        => CpuLoss.IndexLoss_Backward(kind, reduction, Span(dInput, 0, (long)rows * cols), Array(dLoss)[0], Span(input, 0, (long)rows * cols),
            IntSpan(targets, 0, rows), rows, cols, accumulate);

    /// <inheritdoc/>
    public void Sgd_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer? momentumBuffer, long n, float lr, float momentum,
        float dampening, float weightDecay, bool nesterov, bool maximize, bool firstStep)
        => CpuOptimizers.Sgd_Step(Span(parameter, 0, n), Span(gradient, 0, n), Optional(momentumBuffer, n),
            lr, momentum, dampening, weightDecay, nesterov, maximize, firstStep);

    /// <inheritdoc/>
    public void Adam_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer expAvg, DeviceBuffer expAvgSquare,
        DeviceBuffer? maxExpAvgSquare, long n, float lr, float beta1, float beta2, float eps, float weightDecay,
        bool decoupledWeightDecay, bool maximize, int step)
        => CpuOptimizers.Adam_Step(Span(parameter, 0, n), Span(gradient, 0, n), Span(expAvg, 0, n), Span(expAvgSquare, 0, n),
            Optional(maxExpAvgSquare, n), lr, beta1, beta2, eps, weightDecay, decoupledWeightDecay, maximize, step);

    /// <inheritdoc/>
    public void Adagrad_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer stateSum, long n, float lr, float lrDecay,
        float weightDecay, float eps, bool maximize, int step)
        => CpuOptimizers.Adagrad_Step(Span(parameter, 0, n), Span(gradient, 0, n), Span(stateSum, 0, n),
            lr, lrDecay, weightDecay, eps, maximize, step);

    /// <inheritdoc/>
    public void RmsProp_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer squareAvg, DeviceBuffer? gradAvg,
        DeviceBuffer? momentumBuffer, long n, float lr, float alpha, float eps, float weightDecay, float momentum, bool centered, bool maximize)
        => CpuOptimizers.RmsProp_Step(Span(parameter, 0, n), Span(gradient, 0, n), Span(squareAvg, 0, n), Optional(gradAvg, n),
            Optional(momentumBuffer, n), lr, alpha, eps, weightDecay, momentum, centered, maximize);

    private static float[] Array(DeviceBuffer buffer)
        => buffer is CpuBuffer cpu ? cpu.Array
            : throw new ArgumentException($"The CPU backend got a {buffer.GetType().Name}, not a CpuBuffer.", nameof(buffer));

    private static Span<int> IntSpan(DeviceBuffer buffer, long offset, long length)
        => (buffer is CpuIntBuffer ints ? ints.Array
            : throw new ArgumentException($"The CPU backend needs an int32 buffer (AllocateInt32) here, not a {buffer.GetType().Name}.", nameof(buffer)))
            .AsSpan(checked((int)offset), checked((int)length));

    private static ReadOnlySpan<float[]> Tensors(in RecurrentDescriptor descriptor, RecurrentTensors tensors)
    {
        if (tensors is not CpuRecurrentTensors cpu)
            throw new ArgumentException($"The CPU backend got {tensors.GetType().Name}: bind the tensors with its Recurrent_Bind.", nameof(tensors));
        if (cpu.Descriptor != descriptor)
            throw new ArgumentException($"The tensors were bound for {cpu.Descriptor}, the call is for {descriptor}.", nameof(tensors));
        return cpu.Arrays;
    }

    private static Span<float> Span(DeviceBuffer buffer, long offset, long length) => Array(buffer).AsSpan(checked((int)offset), checked((int)length));

    /// <summary>The buffer from <paramref name="offset"/> to its end: for strided operands whose extent the kernel checks itself.</summary>
    private static Span<float> Rest(DeviceBuffer buffer, long offset) => Array(buffer).AsSpan(checked((int)offset));

    private static Span<float> Optional(DeviceBuffer? buffer, long length) => buffer == null ? default : Span(buffer, 0, length);

    /// <summary>The whole workspace buffer: the kernel checks it against the length it needs and names the sizes.</summary>
    private static Span<float> Workspace(DeviceBuffer? workspace) => workspace == null ? default : Array(workspace);

    /// <summary>rows × per-row floats, checked; rows must be at least 1.</summary>
    private static long Rows(int rows, long perRow)
    {
        if (rows < 1) throw new ArgumentOutOfRangeException(nameof(rows), rows, "The batch (or row count) of a call must be at least 1.");
        return checked(rows * perRow);
    }

    private static long Count(ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (int d in shape) count *= d;
        return count;
    }

    private static long ReducedCount(ReadOnlySpan<int> xShape, ReadOnlySpan<bool> reduceAxes)
    {
        long count = 1;
        for (int d = 0; d < xShape.Length; d++)
            if (d >= reduceAxes.Length || !reduceAxes[d]) count *= xShape[d];
        return count;
    }

    private static long TargetCount(LossKind kind, int rows, int cols)
        => kind is LossKind.CrossEntropy or LossKind.Nll ? rows : (long)rows * cols;
}
