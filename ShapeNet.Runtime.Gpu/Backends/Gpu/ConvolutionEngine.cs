using ILGPU;
using ShapeNet.Backends.Cpu;
using ShapeNet.Native;

namespace ShapeNet.Backends.Gpu;

/// <summary>
/// The one seam for Conv2d (NCHW, PyTorch semantics): cuDNN on a CUDA machine that has it (<see cref="CuDnnConvolution"/>),
/// ShapeNet's im2col + GEMM (<see cref="GpuConvolution"/>, whose GEMMs go through <see cref="IGpuBlas"/>) everywhere else.
/// </summary>
public interface IGpuConvolution : IDisposable
{
    /// <summary>"cuDNN 9.1.0" or "ShapeNet im2col + GEMM".</summary>
    string Name { get; }

    /// <summary>Floats of workspace <see cref="Forward"/> and <see cref="Backward"/> take for this geometry (one buffer serves both).</summary>
    long WorkspaceLength(in Conv2dGeometry g);

    /// <summary>y = act(conv2d(x, W) + b); act is Identity or Relu; bias may be empty.</summary>
    void Forward(ArrayView<float> y, ArrayView<float> x, ArrayView<float> weight, ArrayView<float> bias, ArrayView<float> workspace,
        in Conv2dGeometry g, UnaryOp activation);

    /// <summary>dx (+)= input gradient (skipped when empty), dW (+)= weight gradient, db (+)= Σ dy (skipped when empty).</summary>
    void Backward(ArrayView<float> dx, ArrayView<float> dWeight, ArrayView<float> dBias, ArrayView<float> dy, ArrayView<float> x,
        ArrayView<float> weight, ArrayView<float> workspace, in Conv2dGeometry g, bool accumulateDx, bool accumulateParameters);
}

/// <summary>
/// The cuDNN entry points <see cref="CuDnnConvolution"/> calls, behind an interface so the code around them (descriptors per
/// geometry, algorithm choice within the workspace, alpha/beta for accumulation, the bias + activation epilogue, pointer
/// arithmetic) runs in CI against a managed stand-in on the CPU accelerator. <see cref="Native"/> is libcudnn.
/// </summary>
public interface ICuDnnApi
{
    IntPtr Create();
    void Destroy(IntPtr handle);
    long Version();
    void SetStream(IntPtr handle, IntPtr stream);
    IntPtr CreateTensor(int n, int c, int h, int w);
    void DestroyTensor(IntPtr descriptor);
    IntPtr CreateFilter(int k, int c, int h, int w);
    void DestroyFilter(IntPtr descriptor);
    IntPtr CreateConvolution(int padH, int padW, int strideH, int strideW, int dilationH, int dilationW, int groups);
    void DestroyConvolution(IntPtr descriptor);

    /// <summary>The algorithms cuDNN measured, fastest first (cudnnFind*Algorithm).</summary>
    int FindForward(IntPtr handle, IntPtr x, IntPtr w, IntPtr convolution, IntPtr y, Span<CuDnnNative.AlgoPerf> results);
    int FindBackwardData(IntPtr handle, IntPtr w, IntPtr dy, IntPtr convolution, IntPtr dx, Span<CuDnnNative.AlgoPerf> results);
    int FindBackwardFilter(IntPtr handle, IntPtr x, IntPtr dy, IntPtr convolution, IntPtr dw, Span<CuDnnNative.AlgoPerf> results);

    void Forward(IntPtr handle, float alpha, IntPtr xDesc, IntPtr x, IntPtr wDesc, IntPtr w, IntPtr convolution, int algo,
        IntPtr workspace, nuint workspaceBytes, float beta, IntPtr yDesc, IntPtr y);
    void BackwardData(IntPtr handle, float alpha, IntPtr wDesc, IntPtr w, IntPtr dyDesc, IntPtr dy, IntPtr convolution, int algo,
        IntPtr workspace, nuint workspaceBytes, float beta, IntPtr dxDesc, IntPtr dx);
    void BackwardFilter(IntPtr handle, float alpha, IntPtr xDesc, IntPtr x, IntPtr dyDesc, IntPtr dy, IntPtr convolution, int algo,
        IntPtr workspace, nuint workspaceBytes, float beta, IntPtr dwDesc, IntPtr dw);

    /// <summary>libcudnn (8 or 9) through ShapeNet's [LibraryImport] bindings; errors throw <see cref="CuDnnException"/> with the
    /// function and cudnnGetErrorString's name.</summary>
    public static ICuDnnApi Native { get; } = new NativeCuDnn();

    private sealed unsafe class NativeCuDnn : ICuDnnApi
    {
        private const CuDnnNative.DataType Float = CuDnnNative.DataType.CUDNN_DATA_FLOAT;
        private const CuDnnNative.TensorFormat Nchw = CuDnnNative.TensorFormat.CUDNN_TENSOR_NCHW;

        public IntPtr Create()
        {
            CuDnnNative.Check(CuDnnNative.cudnnCreate(out IntPtr handle), "cudnnCreate");
            return handle;
        }

        public void Destroy(IntPtr handle) => CuDnnNative.Check(CuDnnNative.cudnnDestroy(handle), "cudnnDestroy");
        public long Version() => (long)CuDnnNative.cudnnGetVersion();
        public void SetStream(IntPtr handle, IntPtr stream) => CuDnnNative.Check(CuDnnNative.cudnnSetStream(handle, stream), "cudnnSetStream");

        public IntPtr CreateTensor(int n, int c, int h, int w)
        {
            CuDnnNative.Check(CuDnnNative.cudnnCreateTensorDescriptor(out IntPtr d), "cudnnCreateTensorDescriptor");
            CuDnnNative.Check(CuDnnNative.cudnnSetTensor4dDescriptor(d, Nchw, Float, n, c, h, w), "cudnnSetTensor4dDescriptor");
            return d;
        }

        public void DestroyTensor(IntPtr descriptor)
            => CuDnnNative.Check(CuDnnNative.cudnnDestroyTensorDescriptor(descriptor), "cudnnDestroyTensorDescriptor");

        public IntPtr CreateFilter(int k, int c, int h, int w)
        {
            CuDnnNative.Check(CuDnnNative.cudnnCreateFilterDescriptor(out IntPtr d), "cudnnCreateFilterDescriptor");
            CuDnnNative.Check(CuDnnNative.cudnnSetFilter4dDescriptor(d, Float, Nchw, k, c, h, w), "cudnnSetFilter4dDescriptor");
            return d;
        }

        public void DestroyFilter(IntPtr descriptor)
            => CuDnnNative.Check(CuDnnNative.cudnnDestroyFilterDescriptor(descriptor), "cudnnDestroyFilterDescriptor");

        public IntPtr CreateConvolution(int padH, int padW, int strideH, int strideW, int dilationH, int dilationW, int groups)
        {
            CuDnnNative.Check(CuDnnNative.cudnnCreateConvolutionDescriptor(out IntPtr d), "cudnnCreateConvolutionDescriptor");
            // PyTorch's conv2d is a cross-correlation; full float32 math (no tensor-op conversion) unless asked.
            CuDnnNative.Check(CuDnnNative.cudnnSetConvolution2dDescriptor(d, padH, padW, strideH, strideW, dilationH, dilationW,
                CuDnnNative.ConvolutionMode.CUDNN_CROSS_CORRELATION, Float), "cudnnSetConvolution2dDescriptor");
            if (groups > 1) CuDnnNative.Check(CuDnnNative.cudnnSetConvolutionGroupCount(d, groups), "cudnnSetConvolutionGroupCount");
            CuDnnNative.Check(CuDnnNative.cudnnSetConvolutionMathType(d, CuDnnNative.MathType.CUDNN_FMA_MATH), "cudnnSetConvolutionMathType");
            return d;
        }

        public void DestroyConvolution(IntPtr descriptor)
            => CuDnnNative.Check(CuDnnNative.cudnnDestroyConvolutionDescriptor(descriptor), "cudnnDestroyConvolutionDescriptor");

        public int FindForward(IntPtr handle, IntPtr x, IntPtr w, IntPtr convolution, IntPtr y, Span<CuDnnNative.AlgoPerf> results)
        {
            fixed (CuDnnNative.AlgoPerf* p = results)
            {
                CuDnnNative.Check(CuDnnNative.cudnnFindConvolutionForwardAlgorithm(handle, x, w, convolution, y, results.Length, out int count, p),
                    "cudnnFindConvolutionForwardAlgorithm");
                return count;
            }
        }

        public int FindBackwardData(IntPtr handle, IntPtr w, IntPtr dy, IntPtr convolution, IntPtr dx, Span<CuDnnNative.AlgoPerf> results)
        {
            fixed (CuDnnNative.AlgoPerf* p = results)
            {
                CuDnnNative.Check(CuDnnNative.cudnnFindConvolutionBackwardDataAlgorithm(handle, w, dy, convolution, dx, results.Length, out int count, p),
                    "cudnnFindConvolutionBackwardDataAlgorithm");
                return count;
            }
        }

        public int FindBackwardFilter(IntPtr handle, IntPtr x, IntPtr dy, IntPtr convolution, IntPtr dw, Span<CuDnnNative.AlgoPerf> results)
        {
            fixed (CuDnnNative.AlgoPerf* p = results)
            {
                CuDnnNative.Check(CuDnnNative.cudnnFindConvolutionBackwardFilterAlgorithm(handle, x, dy, convolution, dw, results.Length, out int count, p),
                    "cudnnFindConvolutionBackwardFilterAlgorithm");
                return count;
            }
        }

        public void Forward(IntPtr handle, float alpha, IntPtr xDesc, IntPtr x, IntPtr wDesc, IntPtr w, IntPtr convolution, int algo,
            IntPtr workspace, nuint workspaceBytes, float beta, IntPtr yDesc, IntPtr y)
            => CuDnnNative.Check(CuDnnNative.cudnnConvolutionForward(handle, &alpha, xDesc, x, wDesc, w, convolution,
                (CuDnnNative.ConvolutionFwdAlgo)algo, workspace, workspaceBytes, &beta, yDesc, y), "cudnnConvolutionForward");

        public void BackwardData(IntPtr handle, float alpha, IntPtr wDesc, IntPtr w, IntPtr dyDesc, IntPtr dy, IntPtr convolution, int algo,
            IntPtr workspace, nuint workspaceBytes, float beta, IntPtr dxDesc, IntPtr dx)
            => CuDnnNative.Check(CuDnnNative.cudnnConvolutionBackwardData(handle, &alpha, wDesc, w, dyDesc, dy, convolution,
                (CuDnnNative.ConvolutionBwdDataAlgo)algo, workspace, workspaceBytes, &beta, dxDesc, dx), "cudnnConvolutionBackwardData");

        public void BackwardFilter(IntPtr handle, float alpha, IntPtr xDesc, IntPtr x, IntPtr dyDesc, IntPtr dy, IntPtr convolution, int algo,
            IntPtr workspace, nuint workspaceBytes, float beta, IntPtr dwDesc, IntPtr dw)
            => CuDnnNative.Check(CuDnnNative.cudnnConvolutionBackwardFilter(handle, &alpha, xDesc, x, dyDesc, dy, convolution,
                (CuDnnNative.ConvolutionBwdFilterAlgo)algo, workspace, workspaceBytes, &beta, dwDesc, dw), "cudnnConvolutionBackwardFilter");
    }
}

/// <summary>
/// Conv2d through cuDNN on the kernels' stream. Per geometry (batch included: the last, partial batch gets its own) the
/// descriptors are made once and each pass's algorithm is the fastest cudnnFind* reports that succeeded and fits
/// <see cref="MaxWorkspaceBytes"/>; the workspace the plan sizes with <see cref="WorkspaceLength"/> is the largest of the three.
/// Accumulation is cuDNN's beta = 1. Bias and ReLU run as ShapeNet's epilogue kernel after the forward, the bias gradient as
/// ShapeNet's reduction, so the arithmetic around cuDNN is the same as the im2col engine's.
/// </summary>
public sealed class CuDnnConvolution : IGpuConvolution
{
    /// <summary>The most workspace an algorithm may ask for (256 MiB).</summary>
    public const long MaxWorkspaceBytes = 256L << 20;

    private readonly GpuKernels _k;
    private readonly ICuDnnApi _api;
    private readonly Dictionary<Key, Entry> _entries = [];
    private IntPtr _handle;

    public CuDnnConvolution(GpuKernels kernels, ICuDnnApi? api = null)
    {
        _k = kernels;
        _api = api ?? ICuDnnApi.Native;
        _handle = _api.Create();
        try
        {
            _api.SetStream(_handle, CuBlasGemm.StreamPointer(kernels.Stream));
            long version = _api.Version();
            Name = version >= 90000
                ? $"cuDNN {version / 10000}.{version / 100 % 100}.{version % 100}"
                : $"cuDNN {version / 1000}.{version / 100 % 10}.{version % 100}";
        }
        catch
        {
            _api.Destroy(_handle);
            throw;
        }
    }

    public string Name { get; }

    /// <summary>Geometries whose descriptors and algorithms are held.</summary>
    public int GeometryCount => _entries.Count;

    public long WorkspaceLength(in Conv2dGeometry g) => (Prepare(g).WorkspaceBytes + sizeof(float) - 1) / sizeof(float);

    public void Forward(ArrayView<float> y, ArrayView<float> x, ArrayView<float> weight, ArrayView<float> bias, ArrayView<float> workspace,
        in Conv2dGeometry g, UnaryOp activation)
    {
        if (activation is not (UnaryOp.Identity or UnaryOp.Relu))
            throw new ArgumentException($"Conv2d fuses Identity or Relu, not {activation}.", nameof(activation));
        Entry e = Prepare(g);
        Check(g, x, weight, workspace, e);
        GpuKernels.Need(y, g.OutputLength, "Conv2d", "y");
        if (bias.Length > 0) GpuKernels.Need(bias, g.OutChannels, "Conv2d", "bias");
        if (g.OutputLength == 0) return;
        _api.Forward(_handle, 1f, e.X, CuBlasGemm.Pointer(x), e.W, CuBlasGemm.Pointer(weight), e.Convolution, e.ForwardAlgo,
            CuBlasGemm.Pointer(workspace), (nuint)e.WorkspaceBytes, 0f, e.Y, CuBlasGemm.Pointer(y));
        // y[n, c, p] = act(y + bias[c]): the GEMM epilogue over [N] × [outC, plane] with a bias per row.
        _k.Gemm.Epilogue(y, g.OutChannels, g.OutPlane, g.OutPlane, g.Batch, (long)g.OutChannels * g.OutPlane, bias,
            bias.Length > 0 ? GpuGemm.BiasMode.PerRow : GpuGemm.BiasMode.None, 0, activation);
    }

    public void Backward(ArrayView<float> dx, ArrayView<float> dWeight, ArrayView<float> dBias, ArrayView<float> dy, ArrayView<float> x,
        ArrayView<float> weight, ArrayView<float> workspace, in Conv2dGeometry g, bool accumulateDx, bool accumulateParameters)
    {
        Entry e = Prepare(g);
        Check(g, x, weight, workspace, e);
        GpuKernels.Need(dy, g.OutputLength, "Conv2d backward", "dy");
        GpuKernels.Need(dWeight, g.WeightLength, "Conv2d backward", "dWeight");
        if (dx.Length > 0) GpuKernels.Need(dx, g.InputLength, "Conv2d backward", "dx");
        if (dBias.Length > 0) GpuKernels.Need(dBias, g.OutChannels, "Conv2d backward", "dBias");
        if (g.Batch == 0)
        {
            if (!accumulateParameters)
            {
                _k.Elementwise.Fill(dWeight, 0f, g.WeightLength);
                if (dBias.Length > 0) _k.Elementwise.Fill(dBias, 0f, g.OutChannels);
            }
            return;
        }
        IntPtr ws = CuBlasGemm.Pointer(workspace);
        _api.BackwardFilter(_handle, 1f, e.X, CuBlasGemm.Pointer(x), e.Y, CuBlasGemm.Pointer(dy), e.Convolution, e.FilterAlgo, ws,
            (nuint)e.WorkspaceBytes, accumulateParameters ? 1f : 0f, e.W, CuBlasGemm.Pointer(dWeight));
        if (dx.Length > 0)
            _api.BackwardData(_handle, 1f, e.W, CuBlasGemm.Pointer(weight), e.Y, CuBlasGemm.Pointer(dy), e.Convolution, e.DataAlgo, ws,
                (nuint)e.WorkspaceBytes, accumulateDx ? 1f : 0f, e.X, CuBlasGemm.Pointer(dx));
        if (dBias.Length > 0)
            _k.Reduction.Reduce(ReduceOp.Sum, dBias, dy, [g.Batch, g.OutChannels, g.OutPlane], [true, false, true], accumulateParameters);
    }

    public void Dispose()
    {
        if (_handle == IntPtr.Zero) return;
        foreach (Entry e in _entries.Values)
        {
            _api.DestroyTensor(e.X);
            _api.DestroyTensor(e.Y);
            _api.DestroyFilter(e.W);
            _api.DestroyConvolution(e.Convolution);
        }
        _entries.Clear();
        IntPtr handle = _handle;
        _handle = IntPtr.Zero;
        _api.Destroy(handle);
    }

    private static void Check(in Conv2dGeometry g, ArrayView<float> x, ArrayView<float> weight, ArrayView<float> workspace, Entry e)
    {
        GpuKernels.Need(x, g.InputLength, "Conv2d", "x");
        GpuKernels.Need(weight, g.WeightLength, "Conv2d", "weight");
        if (e.WorkspaceBytes > 0) GpuKernels.Need(workspace, (e.WorkspaceBytes + sizeof(float) - 1) / sizeof(float), "Conv2d (cuDNN)", "workspace");
    }

    /// <summary>The descriptors and algorithms of a geometry, made on its first use (plan build or first step).</summary>
    private Entry Prepare(in Conv2dGeometry g)
    {
        ObjectDisposedException.ThrowIf(_handle == IntPtr.Zero, this);
        var key = new Key(g);
        if (_entries.TryGetValue(key, out Entry? entry)) return entry;
        IntPtr xd = _api.CreateTensor(g.Batch, g.InChannels, g.InHeight, g.InWidth);
        IntPtr yd = _api.CreateTensor(g.Batch, g.OutChannels, g.OutHeight, g.OutWidth);
        IntPtr wd = _api.CreateFilter(g.OutChannels, g.GroupInChannels, g.KernelH, g.KernelW);
        IntPtr cd = _api.CreateConvolution(g.PadH, g.PadW, g.StrideH, g.StrideW, g.DilationH, g.DilationW, g.Groups);
        Span<CuDnnNative.AlgoPerf> results = stackalloc CuDnnNative.AlgoPerf[8];
        (int fwd, long fwdBytes) = Choose(results[.._api.FindForward(_handle, xd, wd, cd, yd, results)], "forward", g);
        (int data, long dataBytes) = Choose(results[.._api.FindBackwardData(_handle, wd, yd, cd, xd, results)], "backward-data", g);
        (int filter, long filterBytes) = Choose(results[.._api.FindBackwardFilter(_handle, xd, yd, cd, wd, results)], "backward-filter", g);
        entry = new Entry(xd, yd, wd, cd, fwd, data, filter, Math.Max(fwdBytes, Math.Max(dataBytes, filterBytes)));
        _entries.Add(key, entry);
        return entry;
    }

    /// <summary>The fastest algorithm that succeeded and fits the workspace limit (cudnnFind* lists them fastest first).</summary>
    internal static (int Algo, long Bytes) Choose(ReadOnlySpan<CuDnnNative.AlgoPerf> results, string pass, in Conv2dGeometry g)
    {
        foreach (CuDnnNative.AlgoPerf r in results)
            if (r.Status == CuDnnNative.CUDNN_STATUS_SUCCESS && (long)r.Memory <= MaxWorkspaceBytes) return (r.Algo, (long)r.Memory);
        throw new InvalidOperationException($"cuDNN has no {pass} convolution algorithm for N{g.Batch} C{g.InChannels} {g.InHeight}×{g.InWidth} → " +
            $"{g.OutChannels} channels, kernel {g.KernelH}×{g.KernelW}, groups {g.Groups} within {MaxWorkspaceBytes >> 20} MiB of workspace " +
            $"({results.Length} tried).");
    }

    private readonly record struct Key(int Batch, int InChannels, int InHeight, int InWidth, int OutChannels, int KernelH, int KernelW,
        int StrideH, int StrideW, int PadH, int PadW, int DilationH, int DilationW, int Groups)
    {
        public Key(in Conv2dGeometry g) : this(g.Batch, g.InChannels, g.InHeight, g.InWidth, g.OutChannels, g.KernelH, g.KernelW,
            g.StrideH, g.StrideW, g.PadH, g.PadW, g.DilationH, g.DilationW, g.Groups)
        {
        }
    }

    private sealed record Entry(IntPtr X, IntPtr Y, IntPtr W, IntPtr Convolution, int ForwardAlgo, int DataAlgo, int FilterAlgo, long WorkspaceBytes);
}
