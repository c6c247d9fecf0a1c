using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ShapeNet.Backends.Cpu;
using ShapeNet.Native;

namespace ShapeNet.Backends.Gpu;

/// <summary>A recurrent stack's parameter (or gradient) buffers on the GPU backend.</summary>
public sealed class GpuRecurrentTensors : RecurrentTensors
{
    internal GpuRecurrentTensors(RecurrentDescriptor descriptor, GpuBuffer[] buffers) : base(descriptor) => Buffers = buffers;

    /// <summary>The device buffers, in PyTorch's order.</summary>
    public IReadOnlyList<GpuBuffer> Buffers { get; }
}

/// <summary>
/// <see cref="IBackend"/> on an ILGPU accelerator: a CUDA GPU, or ILGPU's CPU accelerator (how CI runs every line of it without
/// a GPU). Buffers are views into arenas of device memory (a plan's buffers, allocated together, share one); every call queues
/// work on one stream and returns; the host waits only where it reads (<see cref="Download"/>, the loss, the outputs) or calls
/// <see cref="Synchronize"/>. Uploads go through pinned staging memory. GEMMs (Linear, the im2col convolution) go through
/// <see cref="IGpuBlas"/> (cuBLAS on CUDA), convolutions through <see cref="IGpuConvolution"/> (cuDNN on CUDA when installed,
/// else ShapeNet's im2col + GEMM); everything else is ShapeNet's own kernels (<see cref="GpuKernels"/>).
/// </summary>
public sealed class GpuBackend : IBackend, IDisposable
{
    /// <summary>Floats of the first arena; each further arena doubles it (or fits the request).</summary>
    internal const long FirstArenaLength = 1L << 22;

    private readonly Context? _ownedContext;
    private readonly List<GpuArena> _arenas = [];
    private readonly GpuStaging _staging;
    private GpuArena? _current;
    private long _nextArenaLength = FirstArenaLength;
    private MemoryBuffer1D<float, Stride1D.Dense>? _scratch;
    private MemoryBuffer1D<float, Stride1D.Dense>? _labels;
    private bool _disposed;
    private float[] _pickIndices = [];

    /// <summary>A backend over <paramref name="accelerator"/> and its default stream. <paramref name="blas"/> and
    /// <paramref name="convolution"/> default to ShapeNet's kernels; <see cref="CreateCuda"/> passes cuBLAS and cuDNN.</summary>
    public GpuBackend(Accelerator accelerator, IGpuBlas? blas = null, Func<GpuKernels, IGpuConvolution>? convolution = null,
        Context? ownedContext = null)
        : this(new GpuKernels(accelerator ?? throw new ArgumentNullException(nameof(accelerator))), blas, convolution, ownedContext)
    {
    }

    /// <summary>A backend over kernels already loaded (tests share one set across backends; loading compiles them).</summary>
    public GpuBackend(GpuKernels kernels, IGpuBlas? blas = null, Func<GpuKernels, IGpuConvolution>? convolution = null,
        Context? ownedContext = null)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        Accelerator accelerator = kernels.Accelerator;
        _ownedContext = ownedContext;
        Kernels = kernels;
        if (blas != null) Kernels.Blas = blas;
        Convolution = convolution?.Invoke(Kernels) ?? Kernels.Convolution;
        _staging = new GpuStaging(accelerator);
        Name = accelerator switch
        {
            CudaAccelerator cuda => $"cuda ({cuda.Name}, sm_{cuda.Architecture.Major}{cuda.Architecture.Minor}; {Kernels.Blas.Name}; {Convolution.Name})",
            CPUAccelerator => "gpu kernels on ILGPU's CPU accelerator",
            _ => $"gpu kernels on {accelerator.Name}",
        };
    }

    /// <summary>The CUDA backend on device <paramref name="deviceIndex"/>: ILGPU's CUDA accelerator (with the ILGPU.Algorithms
    /// intrinsics the kernels need), cuBLAS when a libcublas of CUDA 13/12/11 loads (else ShapeNet's GEMM kernel) and cuDNN 9/8
    /// when it loads (else the im2col convolution). <paramref name="notes"/> receives what was found.</summary>
    public static GpuBackend CreateCuda(int deviceIndex = 0, bool allowTf32 = false, Action<string>? notes = null)
    {
        Context context = Context.Create(builder => builder.Cuda().EnableAlgorithms());
        try
        {
            CudaAccelerator accelerator = context.CreateCudaAccelerator(deviceIndex);
            var kernels = new GpuKernels(accelerator);
            // Kernel launches, cuBLAS and cuDNN all use the accelerator's context, current on this thread.
            accelerator.Bind();
            IGpuBlas? blas = null;
            NativeLibraryProbe cublas = NativeLibraries.Probe(NativeLibraries.CuBlas, NativeLibraries.CuBlasNames);
            if (cublas.Found) blas = new CuBlasGemm(kernels, ICuBlasApi.Native, allowTf32);
            else notes?.Invoke($"cuBLAS: {cublas.NotFoundText}; GEMMs use ShapeNet's kernel");
            NativeLibraryProbe cudnn = NativeLibraries.Probe(NativeLibraries.CuDnn, NativeLibraries.CuDnnNames);
            Func<GpuKernels, IGpuConvolution>? convolution = null;
            if (cudnn.Found) convolution = k => new CuDnnConvolution(k);
            else notes?.Invoke($"cuDNN: {cudnn.NotFoundText}; convolutions use im2col + GEMM");
            return new GpuBackend(kernels, blas, convolution, context);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    public string Name { get; }

    /// <summary>The kernel families, the accelerator and the stream.</summary>
    public GpuKernels Kernels { get; }

    /// <summary>The convolution engine (cuDNN or ShapeNet's im2col + GEMM).</summary>
    public IGpuConvolution Convolution { get; }

    public Accelerator Accelerator => Kernels.Accelerator;

    /// <summary>Device memory held in arenas, in floats.</summary>
    public long ArenaFloats
    {
        get
        {
            long total = 0;
            foreach (GpuArena arena in _arenas)
                if (!arena.Freed) total += arena.Capacity;
            return total;
        }
    }

    /// <summary>Device allocations made for buffers (arenas) so far.</summary>
    public int ArenaCount { get; private set; }

    // ---- memory -------------------------------------------------------------------------------

    public DeviceBuffer Allocate(long length)
    {
        ArrayView<float> view = Carve(length);
        Kernels.Elementwise.Fill(view, 0f, length);
        return new GpuBuffer(_current!, view);
    }

    /// <summary>A device copy of <paramref name="host"/> (copied now, synchronously: plans wrap parameters once, when built).</summary>
    public DeviceBuffer Wrap(float[] host)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArrayView<float> view = Carve(host.Length);
        if (host.Length > 0) view.CopyFromCPU(Kernels.Stream, host);
        return new GpuBuffer(_current!, view);
    }

    public void Upload(ReadOnlySpan<float> source, DeviceBuffer destination, long destinationOffset = 0)
        => _staging.Upload(source, View(destination, destinationOffset, source.Length, "Upload"), Kernels.Stream, Synchronize);

    public void Download(DeviceBuffer source, Span<float> destination, long sourceOffset = 0)
    {
        ArrayView<float> view = View(source, sourceOffset, destination.Length, "Download");
        if (destination.Length > 0) view.SubView(0, destination.Length).CopyToCPU(Kernels.Stream, destination);
        Synchronize();
    }

    public void Fill(DeviceBuffer destination, float value, long offset, long count)
        => Kernels.Elementwise.Fill(View(destination, offset, count, "Fill"), value, count);

    public void CopyRows(DeviceBuffer destination, long destinationOffset, long destinationStride, DeviceBuffer source, long sourceOffset,
        long sourceStride, long rowLength, long rows, bool accumulate)
        => Kernels.Layout.CopyRows(Rest(destination, destinationOffset), destinationStride, Rest(source, sourceOffset), sourceStride,
            rowLength, rows, accumulate);

    /// <summary>False: buffers are device memory; a plan trains device copies and copies them back when asked.</summary>
    public bool SharesHostMemory => false;

    /// <summary>Pinned staging floats for the caller to fill; <see cref="EndUpload"/> queues their copy to the destination.</summary>
    public Span<float> BeginUpload(DeviceBuffer destination, long destinationOffset, int count)
    {
        View(destination, destinationOffset, count, "BeginUpload");
        return _staging.Begin(count, Synchronize);
    }

    public void EndUpload(DeviceBuffer destination, long destinationOffset, int count)
        => _staging.End(count, View(destination, destinationOffset, count, "EndUpload"), Kernels.Stream);

    /// <summary>Chooses the convolution engine's algorithms and workspace for the plan's largest batch (cuDNN: descriptors and
    /// cudnnFind* now, not during a step).</summary>
    public void Prepare(in Conv2dDesc desc, int batchCapacity) => Convolution.WorkspaceLength(desc.Geometry(batchCapacity));

    /// <summary>Nothing to prepare: pooling is ShapeNet's kernel.</summary>
    public void Prepare(in Pool2dDesc desc, int batchCapacity)
    {
    }

    /// <summary>Nothing to prepare: batch norm is ShapeNet's kernel.</summary>
    public void Prepare(in BatchNormDesc desc, int batchCapacity)
    {
    }

    /// <summary>Nothing to prepare: cuBLAS needs no per-shape state.</summary>
    public void Prepare(in LinearDesc desc, int rowCapacity)
    {
    }

    /// <summary>y[yOffset + i] += alpha·x[xOffset + i] for i &lt; n, on the stream (the plan's loss sum).</summary>
    public void Axpy(float alpha, DeviceBuffer x, long xOffset, DeviceBuffer y, long yOffset, long n)
        => Kernels.Elementwise.Axpy(alpha, View(x, xOffset, n, "Axpy"), View(y, yOffset, n, "Axpy"), n);

    /// <summary>Waits for the stream (and frees the staging memory for reuse).</summary>
    public void Synchronize()
    {
        Kernels.Stream.Synchronize();
        _staging.Reset();
    }

    // ---- int32 buffers --------------------------------------------------------------------------

    /// <summary>A zero-filled int32 buffer, carved from the float arena (4 bytes either way).</summary>
    public DeviceBuffer AllocateInt32(long length)
    {
        ArrayView<float> view = Carve(length);
        Kernels.Elementwise.Fill(view, 0f, length); // all-zero bits: int 0
        return new GpuIntBuffer(_current!, view.Cast<int>());
    }

    /// <summary>Queues the upload (through the pinned staging memory, as float uploads: the next upload may overwrite the
    /// host copy before the device has read it) and keeps the host copy the id, label and length checks read.</summary>
    public void UploadInt32(ReadOnlySpan<int> source, DeviceBuffer destination, long destinationOffset = 0)
    {
        GpuIntBuffer ints = Ints(destination);
        if (destinationOffset < 0 || destinationOffset + source.Length > ints.Length)
            throw new ArgumentOutOfRangeException(nameof(destinationOffset), destinationOffset,
                $"UploadInt32: values {destinationOffset}..{destinationOffset + source.Length} are outside a buffer of {ints.Length}.");
        if (source.IsEmpty) return;
        source.CopyTo(ints.Host.AsSpan(checked((int)destinationOffset)));
        _staging.Upload(MemoryMarshal.Cast<int, float>(source), ints.View.SubView(destinationOffset, source.Length).Cast<float>(), Kernels.Stream,
            Synchronize);
    }

    public void DownloadInt32(DeviceBuffer source, Span<int> destination, long sourceOffset = 0)
    {
        GpuIntBuffer ints = Ints(source);
        if (sourceOffset < 0 || sourceOffset + destination.Length > ints.Length)
            throw new ArgumentOutOfRangeException(nameof(sourceOffset), sourceOffset,
                $"DownloadInt32: values {sourceOffset}..{sourceOffset + destination.Length} are outside a buffer of {ints.Length}.");
        if (destination.Length > 0) ints.View.SubView(sourceOffset, destination.Length).CopyToCPU(Kernels.Stream, destination);
        Synchronize();
    }

    // ---- embedding ----------------------------------------------------------------------------------

    public void Embedding_Forward(DeviceBuffer y, DeviceBuffer weight, DeviceBuffer ids, int n, int num, int dim)
    {
        GpuEmbedding.CheckIds(IdSpan(ids, n), num, "Embedding");
        Kernels.Embedding.Embedding_Forward(View(y), Ints(ids).View, View(weight), n, num, dim);
    }

    public void Embedding_Backward(DeviceBuffer dWeight, DeviceBuffer dy, DeviceBuffer ids, int n, int num, int dim, int paddingIdx, bool accumulate)
    {
        GpuEmbedding.CheckIds(IdSpan(ids, n), num, "Embedding");
        Kernels.Embedding.Embedding_Backward(View(dWeight), View(dy), Ints(ids).View, n, num, dim, paddingIdx, accumulate);
    }

    public void OneHot_Forward(DeviceBuffer y, DeviceBuffer ids, int n, int classes)
    {
        if (classes < 1) throw new ArgumentOutOfRangeException(nameof(classes), classes, "OneHot needs at least one class.");
        GpuEmbedding.CheckIds(IdSpan(ids, n), classes, "OneHot");
        Kernels.Embedding.OneHot_Forward(View(y), Ints(ids).View, n, classes);
    }

    // ---- recurrent stacks ---------------------------------------------------------------------------
    // On the device (GpuRecurrentStack: one GEMM per step and layer direction, gate kernels, the CPU's reserve and workspace
    // layout). Lengths are checked on the host copy of their int32 buffer, with the CPU backend's messages.

    /// <summary>The CPU backend's layout (<see cref="CpuRecurrent.ReserveLength"/>): <see cref="RecurrentStack"/> keeps the same gates.</summary>
    public long Recurrent_ReserveLength(in RecurrentDescriptor descriptor, int seqLength, int batch)
        => CpuRecurrent.ReserveLength(descriptor, seqLength, batch);

    /// <summary>The CPU backend's workspace (<see cref="CpuRecurrent.WorkspaceLength"/>): projections, their gradients, running states.</summary>
    public long Recurrent_WorkspaceLength(in RecurrentDescriptor descriptor, int seqLength, int batch)
        => CpuRecurrent.WorkspaceLength(descriptor, seqLength, batch);

    public RecurrentTensors Recurrent_Bind(in RecurrentDescriptor descriptor, ReadOnlySpan<DeviceBuffer> tensors)
    {
        descriptor.Validate();
        if (tensors.Length != descriptor.ParameterTensorCount)
            throw new ArgumentException($"{descriptor} has {descriptor.ParameterTensorCount} parameter tensors, {tensors.Length} were given.",
                nameof(tensors));
        var buffers = new GpuBuffer[tensors.Length];
        for (int p = 0; p < buffers.Length; p++)
        {
            buffers[p] = Floats(tensors[p]);
            if (buffers[p].Length != descriptor.ParameterLength(p))
                throw new ArgumentException($"{descriptor}: {descriptor.ParameterName(p)} needs {descriptor.ParameterLength(p)} values, " +
                    $"its buffer holds {buffers[p].Length}.", nameof(tensors));
        }
        return new GpuRecurrentTensors(descriptor, buffers);
    }

    public void Recurrent_Forward(in RecurrentDescriptor descriptor, DeviceBuffer output, DeviceBuffer? hN, DeviceBuffer? cN,
        DeviceBuffer reserve, DeviceBuffer workspace, DeviceBuffer x, DeviceBuffer? h0, DeviceBuffer? c0, RecurrentTensors parameters,
        DeviceBuffer? lengths, int seqLength, int batch, bool training, ulong dropoutSeed, uint dropoutStep)
    {
        long rows = (long)seqLength * batch, states = StateLength(descriptor, batch);
        CheckRecurrent(descriptor, lengths, seqLength, batch, (x, rows * descriptor.InputSize, "x"), (output, rows * descriptor.OutputSize, "output"),
            (h0, states, "h0"), (hN, states, "hN"), (c0, states, "c0"), (cN, states, "cN"));
        Kernels.RecurrentStack.Forward(descriptor, View(output), Optional(hN), descriptor.HasCellState ? Optional(cN) : default, View(reserve),
            View(workspace), View(x), Optional(h0), descriptor.HasCellState ? Optional(c0) : default, RecurrentTensorsOf(parameters).Buffers,
            lengths == null ? default : Ints(lengths).View, seqLength, batch, training, dropoutSeed, dropoutStep);
    }

    public void Recurrent_Backward(in RecurrentDescriptor descriptor, DeviceBuffer? dx, DeviceBuffer? dh0, DeviceBuffer? dc0,
        RecurrentTensors parameterGradients, DeviceBuffer workspace, DeviceBuffer? dOutput, DeviceBuffer? dhN, DeviceBuffer? dcN,
        DeviceBuffer reserve, DeviceBuffer x, RecurrentTensors parameters, DeviceBuffer? lengths, int seqLength, int batch, bool training,
        bool accumulateDx, bool accumulateParameters)
    {
        long rows = (long)seqLength * batch, states = StateLength(descriptor, batch);
        CheckRecurrent(descriptor, lengths, seqLength, batch, (x, rows * descriptor.InputSize, "x"), (dx, rows * descriptor.InputSize, "dx"),
            (dOutput, rows * descriptor.OutputSize, "dOutput"), (dh0, states, "dh0"), (dhN, states, "dhN"), (dc0, states, "dc0"), (dcN, states, "dcN"));
        Kernels.RecurrentStack.Backward(descriptor, Optional(dx), Optional(dh0), descriptor.HasCellState ? Optional(dc0) : default,
            RecurrentTensorsOf(parameterGradients).Buffers, View(workspace), Optional(dOutput), Optional(dhN),
            descriptor.HasCellState ? Optional(dcN) : default, View(reserve), View(x), RecurrentTensorsOf(parameters).Buffers,
            lengths == null ? default : Ints(lengths).View, seqLength, batch, training, accumulateDx, accumulateParameters);
    }

    /// <summary>Operand sizes, cell-state operands only for LSTM, and lengths in [1, seqLength] (the CPU backend's messages).</summary>
    private static void CheckRecurrent(in RecurrentDescriptor d, DeviceBuffer? lengths, int seqLength, int batch,
        params ReadOnlySpan<(DeviceBuffer? Buffer, long Length, string Name)> operands)
    {
        d.Validate();
        if (seqLength < 1) throw new ArgumentOutOfRangeException(nameof(seqLength), seqLength, $"{d}: the sequence length must be at least 1.");
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, $"{d}: the batch must be at least 1.");
        foreach ((DeviceBuffer? buffer, long length, string name) in operands)
        {
            if (buffer == null) continue;
            if (!d.HasCellState && name is "c0" or "cN" or "dc0" or "dcN")
                throw new ArgumentException($"{d.Mode} has no cell state: {name} must be null.", name);
            if (Floats(buffer).Length < length)
                throw new ArgumentException($"{d.Mode}: {name} needs {length} floats, its buffer holds {buffer.Length}.", name);
        }
        if (lengths == null) return;
        ReadOnlySpan<int> values = IdSpan(lengths, batch);
        for (int e = 0; e < batch; e++)
        {
            int length = values[e];
            if (length < 1)
                throw new ArgumentOutOfRangeException(nameof(lengths), length, $"Example {e} has length {length}: every sequence needs at least one step.");
            if (length > seqLength)
                throw new ArgumentOutOfRangeException(nameof(lengths), length,
                    $"Example {e} has length {length}, more than the padded sequence length {seqLength}.");
        }
    }

    // ---- GEMM and linear ------------------------------------------------------------------------

    public void Gemm(bool transposeA, bool transposeB, int m, int n, int k, float alpha, DeviceBuffer a, long aOffset, int lda,
        DeviceBuffer b, long bOffset, int ldb, float beta, DeviceBuffer c, long cOffset, int ldc,
        int batchCount = 1, long strideA = 0, long strideB = 0, long strideC = 0)
        => Kernels.Blas.Gemm(transposeA, transposeB, m, n, k, alpha, Rest(a, aOffset), lda, Rest(b, bOffset), ldb, beta, Rest(c, cOffset), ldc,
            batchCount, strideA, strideB, strideC, default, GpuGemm.BiasMode.None, 0, UnaryOp.Identity);

    public void Linear_Forward(DeviceBuffer y, DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? bias, in LinearDesc desc, int rows)
        => Kernels.Linear.Linear_Forward(View(y), View(x), View(weight), Optional(bias), rows, desc.InFeatures, desc.OutFeatures, desc.Activation);

    public void Linear_Backward(DeviceBuffer? dx, DeviceBuffer dWeight, DeviceBuffer? dBias, DeviceBuffer dy, DeviceBuffer x,
        DeviceBuffer weight, in LinearDesc desc, int rows, bool accumulateDx, bool accumulateParameters)
        => Kernels.Linear.Linear_Backward(Optional(dx), View(dWeight), Optional(dBias), View(dy), View(x), View(weight),
            rows, desc.InFeatures, desc.OutFeatures, accumulateDx, accumulateParameters);

    // ---- convolution, pooling, normalisation, dropout ---------------------------------------------

    /// <summary>The convolution engine's workspace for this geometry: im2col's one-sample column block, or the largest workspace
    /// of the cuDNN algorithms chosen for it (choosing them here, when the plan is built).</summary>
    public long Conv2d_WorkspaceLength(in Conv2dDesc desc, int batch) => Convolution.WorkspaceLength(desc.Geometry(batch));

    public void Conv2d_Forward(DeviceBuffer y, DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? bias, DeviceBuffer? workspace,
        in Conv2dDesc desc, int batch)
    {
        Conv2dGeometry g = desc.Geometry(batch);
        Convolution.Forward(View(y), View(x), View(weight), Optional(bias), Workspace(workspace, g), g, desc.Activation);
    }

    public void Conv2d_Backward(DeviceBuffer? dx, DeviceBuffer dWeight, DeviceBuffer? dBias, DeviceBuffer dy, DeviceBuffer x,
        DeviceBuffer weight, DeviceBuffer? workspace, in Conv2dDesc desc, int batch, bool accumulateDx, bool accumulateParameters)
    {
        Conv2dGeometry g = desc.Geometry(batch);
        Convolution.Backward(Optional(dx), View(dWeight), Optional(dBias), View(dy), View(x), View(weight), Workspace(workspace, g), g,
            accumulateDx, accumulateParameters);
    }

    public void MaxPool2d_Forward(DeviceBuffer y, DeviceBuffer indices, DeviceBuffer x, in Pool2dDesc desc, int batch)
        => Kernels.Pooling.MaxPool2d_Forward(View(y), View(indices), View(x), batch, desc.Channels, desc.Height, desc.Width,
            desc.KernelH, desc.KernelW, desc.StrideH, desc.StrideW, desc.PadH, desc.PadW);

    public void MaxPool2d_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer indices, in Pool2dDesc desc, int batch, bool accumulate)
        => Kernels.Pooling.MaxPool2d_Backward(View(dx), View(dy), View(indices), batch, desc.Channels, desc.Height, desc.Width,
            desc.KernelH, desc.KernelW, desc.StrideH, desc.StrideW, desc.PadH, desc.PadW, accumulate);

    public void AvgPool2d_Forward(DeviceBuffer y, DeviceBuffer x, in Pool2dDesc desc, int batch)
        => Kernels.Pooling.AvgPool2d_Forward(View(y), View(x), batch, desc.Channels, desc.Height, desc.Width, desc.KernelH, desc.KernelW,
            desc.StrideH, desc.StrideW, desc.PadH, desc.PadW, desc.CountIncludePad);

    public void AvgPool2d_Backward(DeviceBuffer dx, DeviceBuffer dy, in Pool2dDesc desc, int batch, bool accumulate)
        => Kernels.Pooling.AvgPool2d_Backward(View(dx), View(dy), batch, desc.Channels, desc.Height, desc.Width, desc.KernelH, desc.KernelW,
            desc.StrideH, desc.StrideW, desc.PadH, desc.PadW, desc.CountIncludePad, accumulate);

    public void GlobalAvgPool_Forward(DeviceBuffer y, DeviceBuffer x, int batch, int channels, int planeSize)
        => Kernels.Pooling.GlobalAvgPool_Forward(View(y), View(x), batch, channels, planeSize);

    public void GlobalAvgPool_Backward(DeviceBuffer dx, DeviceBuffer dy, int batch, int channels, int planeSize, bool accumulate)
        => Kernels.Pooling.GlobalAvgPool_Backward(View(dx), View(dy), batch, channels, planeSize, accumulate);

    public void BatchNorm2d_Forward(DeviceBuffer y, DeviceBuffer saveMean, DeviceBuffer saveInvStd, DeviceBuffer? runningMean,
        DeviceBuffer? runningVar, DeviceBuffer x, DeviceBuffer? weight, DeviceBuffer? bias, in BatchNormDesc desc, int batch, bool training)
        => Kernels.Normalization.BatchNorm2d_Forward(View(y), View(saveMean), View(saveInvStd), Optional(runningMean), Optional(runningVar),
            View(x), Optional(weight), Optional(bias), batch, desc.Channels, desc.PlaneSize, training, desc.Momentum, desc.Eps);

    public void BatchNorm2d_Backward(DeviceBuffer? dx, DeviceBuffer? dWeight, DeviceBuffer? dBias, DeviceBuffer dy, DeviceBuffer x,
        DeviceBuffer saveMean, DeviceBuffer saveInvStd, DeviceBuffer? weight, in BatchNormDesc desc, int batch,
        bool training, bool accumulateDx, bool accumulateParameters)
        => Kernels.Normalization.BatchNorm2d_Backward(Optional(dx), Optional(dWeight), Optional(dBias), View(dy), View(x), View(saveMean),
            View(saveInvStd), Optional(weight), batch, desc.Channels, desc.PlaneSize, training, accumulateDx, accumulateParameters);

    public void Dropout_Forward(DeviceBuffer y, DeviceBuffer mask, DeviceBuffer x, long n, float p, ulong seed, uint step)
        => Kernels.Dropout.Dropout_Forward(View(y), View(mask), View(x), n, p, seed, step);

    public void Dropout_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer mask, long n, float p, bool accumulate)
        => Kernels.Dropout.Dropout_Backward(View(dx), View(dy), View(mask), n, p, accumulate);

    // ---- element-wise, reductions, layout -----------------------------------------------------------

    public void Unary_Forward(UnaryOp op, float parameter, DeviceBuffer y, DeviceBuffer x, long n, float parameter2 = 0)
        => Kernels.Elementwise.Unary_Forward(op, parameter, View(y), View(x), n, parameter2);

    public void Unary_Backward(UnaryOp op, float parameter, DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer x, DeviceBuffer y, long n,
        bool accumulate, float parameter2 = 0)
        => Kernels.Elementwise.Unary_Backward(op, parameter, View(dx), View(dy), View(x), View(y), n, accumulate, parameter2);

    public void Binary_Forward(BinaryOp op, DeviceBuffer z, DeviceBuffer a, ReadOnlySpan<int> aShape, DeviceBuffer b,
        ReadOnlySpan<int> bShape, ReadOnlySpan<int> zShape)
        => Kernels.Elementwise.Binary_Forward(op, View(z), View(a), aShape, View(b), bShape, zShape);

    public void Binary_Backward(BinaryOp op, int operand, DeviceBuffer dOperand, DeviceBuffer dz, DeviceBuffer a, ReadOnlySpan<int> aShape,
        DeviceBuffer b, ReadOnlySpan<int> bShape, ReadOnlySpan<int> zShape, bool accumulate)
        => Kernels.Elementwise.Binary_Backward(op, operand, View(dOperand), View(dz), View(a), aShape, View(b), bShape, zShape, accumulate);

    public void Reduce_Forward(ReduceOp op, DeviceBuffer y, DeviceBuffer x, ReadOnlySpan<int> xShape, ReadOnlySpan<bool> reduceAxes)
        => Kernels.Reduction.Reduce_Forward(op, View(y), View(x), xShape, reduceAxes);

    public void Reduce_Backward(ReduceOp op, DeviceBuffer dx, DeviceBuffer dy, ReadOnlySpan<int> xShape, ReadOnlySpan<bool> reduceAxes,
        bool accumulate)
        => Kernels.Reduction.Reduce_Backward(op, View(dx), View(dy), xShape, reduceAxes, accumulate);

    public void Softmax_Forward(DeviceBuffer y, DeviceBuffer x, int outer, int dim, int inner, bool log)
        => Kernels.Softmax.Softmax_Forward(View(y), View(x), outer, dim, inner, log);

    public void Softmax_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer y, int outer, int dim, int inner, bool log, bool accumulate)
        => Kernels.Softmax.Softmax_Backward(View(dx), View(dy), View(y), outer, dim, inner, log, accumulate);

    public void TopK_Forward(DeviceBuffer values, DeviceBuffer indices, DeviceBuffer x, int outer, int dim, int inner, int k, bool largest)
        => Kernels.TopK.TopK_Forward(View(values), View(indices), View(x), outer, dim, inner, k, largest);

    public void TopK_Backward(DeviceBuffer dx, DeviceBuffer dValues, DeviceBuffer indices, int outer, int dim, int inner, int k, bool accumulate)
        => Kernels.TopK.TopK_Backward(View(dx), View(dValues), View(indices), outer, dim, inner, k, accumulate);

    public void Permute(DeviceBuffer y, DeviceBuffer x, ReadOnlySpan<int> xShape, ReadOnlySpan<int> permutation, bool accumulate)
        => Kernels.Layout.Permute(View(y), View(x), xShape, permutation, accumulate);

    // ---- losses and optimizers ----------------------------------------------------------------------

    /// <summary>Cross-entropy/NLL with int32 labels: checked on the host copy (the CPU backend's message), widened to floats on the
    /// device, then the float-label kernels.</summary>
    public void IndexLoss_Forward(LossKind kind, Reduction reduction, DeviceBuffer loss, DeviceBuffer input, DeviceBuffer targets, int rows, int cols)
        => Kernels.Loss.Loss_Forward(kind, reduction, View(loss), View(input), FloatLabels(kind, targets, rows, cols), rows, cols);

    public void IndexLoss_Backward(LossKind kind, Reduction reduction, DeviceBuffer dInput, DeviceBuffer dLoss, DeviceBuffer input,
        DeviceBuffer targets, int rows, int cols, bool accumulate)
        => Kernels.Loss.Loss_Backward(kind, reduction, View(dInput), View(dLoss), View(input), FloatLabels(kind, targets, rows, cols), rows, cols,
            accumulate);

    public void Pick_Forward(DeviceBuffer y, DeviceBuffer x, DeviceBuffer indices, int rows, int cols)
    {
        CheckPickIndices(indices, rows, cols);
        Kernels.Pick.Pick_Forward(View(y), View(x), View(indices), rows, cols);
    }

    public void Pick_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer indices, int rows, int cols, bool accumulate)
    {
        CheckPickIndices(indices, rows, cols);
        Kernels.Pick.Pick_Backward(View(dx), View(dy), View(indices), rows, cols, accumulate);
    }

    /// <summary>A kernel cannot throw, so Pick's indices are read back (a synchronising download of <paramref name="rows"/>
    /// floats into a reused host array) and checked with the CPU backend's rule and message before the launch.</summary>
    private void CheckPickIndices(DeviceBuffer indices, int rows, int cols)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "Pick: rows must be ≥ 0.");
        if (_pickIndices.Length < rows) _pickIndices = new float[Math.Max(rows, 64)];
        Span<float> host = _pickIndices.AsSpan(0, rows);
        Download(indices, host);
        for (int r = 0; r < rows; r++) CpuPick.Index(host, r, cols);
    }

    public void Loss_Forward(LossKind kind, Reduction reduction, DeviceBuffer loss, DeviceBuffer input, DeviceBuffer target, int rows, int cols)
        => Kernels.Loss.Loss_Forward(kind, reduction, View(loss), View(input), View(target), rows, cols);

    public void Loss_Backward(LossKind kind, Reduction reduction, DeviceBuffer dInput, DeviceBuffer dLoss, DeviceBuffer input,
        DeviceBuffer target, int rows, int cols, bool accumulate)
        => Kernels.Loss.Loss_Backward(kind, reduction, View(dInput), View(dLoss), View(input), View(target), rows, cols, accumulate);

    public void Sgd_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer? momentumBuffer, long n, float lr, float momentum,
        float dampening, float weightDecay, bool nesterov, bool maximize, bool firstStep)
        => Kernels.Optimizers.Sgd_Step(View(parameter), View(gradient), Optional(momentumBuffer), n, lr, momentum, dampening, weightDecay,
            nesterov, maximize, firstStep);

    public void Adam_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer expAvg, DeviceBuffer expAvgSquare,
        DeviceBuffer? maxExpAvgSquare, long n, float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupledWeightDecay,
        bool maximize, int step)
        => Kernels.Optimizers.Adam_Step(View(parameter), View(gradient), View(expAvg), View(expAvgSquare), Optional(maxExpAvgSquare), n,
            lr, beta1, beta2, eps, weightDecay, decoupledWeightDecay, maximize, step);

    public void Adagrad_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer stateSum, long n, float lr, float lrDecay,
        float weightDecay, float eps, bool maximize, int step)
        => Kernels.Optimizers.Adagrad_Step(View(parameter), View(gradient), View(stateSum), n, lr, lrDecay, weightDecay, eps, maximize, step);

    public void RmsProp_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer squareAvg, DeviceBuffer? gradAvg,
        DeviceBuffer? momentumBuffer, long n, float lr, float alpha, float eps, float weightDecay, float momentum, bool centered, bool maximize)
        => Kernels.Optimizers.RmsProp_Step(View(parameter), View(gradient), View(squareAvg), Optional(gradAvg), Optional(momentumBuffer), n,
            lr, alpha, eps, weightDecay, momentum, centered, maximize);

    // ---- helpers ------------------------------------------------------------------------------------

    /// <summary>Frees every arena, the staging memory, cuBLAS/cuDNN handles and (for <see cref="CreateCuda"/>) the accelerator.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Synchronize();
        foreach (GpuArena arena in _arenas) arena.Free();
        _arenas.Clear();
        _scratch?.Dispose();
        _labels?.Dispose();
        _staging.Dispose();
        if (!ReferenceEquals(Convolution, Kernels.Convolution)) Convolution.Dispose();
        Kernels.Blas.Dispose();
        if (_ownedContext != null)
        {
            Kernels.Accelerator.Dispose();
            _ownedContext.Dispose();
        }
    }

    private ArrayView<float> Carve(long length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), length, "A buffer length cannot be negative.");
        if (_current != null && _current.TryCarve(length, out ArrayView<float> view)) return view;
        long capacity = Math.Max(_nextArenaLength, length);
        _nextArenaLength = Math.Min(_nextArenaLength * 2, 1L << 28);
        _arenas.RemoveAll(a => a.Freed);
        _current = new GpuArena(Kernels.Accelerator, capacity);
        _arenas.Add(_current);
        ArenaCount++;
        if (!_current.TryCarve(length, out view)) throw new InvalidOperationException($"A new arena of {capacity} floats cannot hold {length}.");
        return view;
    }

    /// <summary>The workspace the convolution engine needs: the plan's when it is large enough (sized by the plan with
    /// <see cref="IGpuConvolution.WorkspaceLength"/>), else the backend's own scratch, grown on first use of a geometry.</summary>
    private ArrayView<float> Workspace(DeviceBuffer? workspace, in Conv2dGeometry g)
    {
        long needed = Convolution.WorkspaceLength(g);
        if (workspace is GpuBuffer gpu && gpu.View.Length >= needed) return gpu.View;
        if (_scratch == null || _scratch.Length < needed)
        {
            _scratch?.Dispose();
            _scratch = Kernels.Accelerator.Allocate1D<float>(Math.Max(needed, 1));
        }
        return _scratch.View;
    }

    private ArrayView<float> FloatLabels(LossKind kind, DeviceBuffer targets, int rows, int cols)
    {
        if (kind is not (LossKind.CrossEntropy or LossKind.Nll))
            throw new ArgumentException($"Integer targets are class indices: cross-entropy or NLL, not {kind}.", nameof(kind));
        ReadOnlySpan<int> labels = IdSpan(targets, rows);
        for (int r = 0; r < labels.Length; r++)
            if ((uint)labels[r] >= (uint)cols)
                throw new ArgumentOutOfRangeException(nameof(targets), labels[r],
                    $"{kind}: target {labels[r]} of row {r} is outside [0, {cols}): the input has {cols} classes.");
        if (_labels == null || _labels.Length < rows)
        {
            _labels?.Dispose();
            _labels = Kernels.Accelerator.Allocate1D<float>(Math.Max(rows, 64));
        }
        Kernels.Elementwise.Widen(_labels.View, Ints(targets).View, rows);
        return _labels.View;
    }

    private static GpuBuffer Floats(DeviceBuffer buffer)
        => buffer as GpuBuffer ?? throw new ArgumentException(
            $"The GPU backend got a {buffer?.GetType().Name ?? "null"}, not a GpuBuffer of floats (a buffer of another backend, or an int32 buffer?).",
            nameof(buffer));

    private static GpuIntBuffer Ints(DeviceBuffer buffer)
        => buffer as GpuIntBuffer ?? throw new ArgumentException(
            $"The GPU backend needs an int32 buffer (AllocateInt32) here, not a {buffer?.GetType().Name ?? "null"}.", nameof(buffer));

    /// <summary>The host copy of the first <paramref name="n"/> ids, labels or lengths.</summary>
    private static ReadOnlySpan<int> IdSpan(DeviceBuffer buffer, int n)
    {
        GpuIntBuffer ints = Ints(buffer);
        if (n < 0 || n > ints.Length)
            throw new ArgumentOutOfRangeException(nameof(n), n, $"{n} ids do not fit an int32 buffer of {ints.Length}.");
        return ints.Host.AsSpan(0, n);
    }

    private static long StateLength(in RecurrentDescriptor d, int batch) => (long)d.NumLayers * d.Directions * batch * d.HiddenSize;

    private static GpuRecurrentTensors RecurrentTensorsOf(RecurrentTensors tensors)
        => tensors as GpuRecurrentTensors ?? throw new ArgumentException(
            $"The GPU backend got {tensors?.GetType().Name ?? "null"}: bind the tensors with its Recurrent_Bind.", nameof(tensors));

    private static ArrayView<float> View(DeviceBuffer buffer)
        => buffer is GpuBuffer gpu ? gpu.View
            : throw new ArgumentException($"The GPU backend got a {buffer?.GetType().Name ?? "null"}, not a GpuBuffer (a buffer of another backend?).",
                nameof(buffer));

    private static ArrayView<float> Optional(DeviceBuffer? buffer) => buffer == null ? default : View(buffer);

    private static ArrayView<float> Rest(DeviceBuffer buffer, long offset)
    {
        ArrayView<float> view = View(buffer);
        if (offset < 0 || offset > view.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"Offset {offset} is outside a buffer of {view.Length} floats.");
        return view.SubView(offset, view.Length - offset);
    }

    private static ArrayView<float> View(DeviceBuffer buffer, long offset, long count, string op)
    {
        ArrayView<float> view = View(buffer);
        if (offset < 0 || count < 0 || offset + count > view.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), offset,
                $"{op}: floats {offset}..{offset + count} are outside a buffer of {view.Length}.");
        return view.SubView(offset, count);
    }
}
