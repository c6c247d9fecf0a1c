using ILGPU.Runtime;
using ShapeNet.Backends.Cpu;
using ShapeNet.Backends.Gpu;
using ShapeNet.Native;

namespace ShapeNet.Gpu.Tests;

/// <summary>
/// cuBLAS's column-major strided-batch SGEMM written out in C#, on the CPU accelerator's memory (its "device pointers" are host
/// pointers). With it, <see cref="CuBlasGemm"/> runs in CI exactly as on a GPU except for the library call itself: pointer
/// arithmetic on views, the row-major → column-major mapping, the stream binding and the epilogue kernel. It records the calls.
/// </summary>
public sealed unsafe class ManagedCuBlas(Accelerator accelerator) : ICuBlasApi
{
    private const int Handle = 0x0B1A5;

    public List<string> Calls { get; } = [];

    public IntPtr Create()
    {
        Calls.Add("cublasCreate_v2");
        return Handle;
    }

    public void Destroy(IntPtr handle)
    {
        Assert.Equal(Handle, handle);
        Calls.Add("cublasDestroy_v2");
    }

    public int Version(IntPtr handle) => 120405;

    public void SetStream(IntPtr handle, IntPtr stream)
    {
        Assert.Equal(IntPtr.Zero, stream); // a non-CUDA stream maps to the legacy default stream
        Calls.Add("cublasSetStream_v2");
    }

    public void SetMathMode(IntPtr handle, CuBlasNative.MathMode mode)
    {
        Assert.Equal(CuBlasNative.MathMode.CUBLAS_DEFAULT_MATH, mode);
        Calls.Add("cublasSetMathMode");
    }

    public void Sgemm(IntPtr handle, CuBlasNative.Operation transA, CuBlasNative.Operation transB, int m, int n, int k, float alpha,
        IntPtr a, int lda, long strideA, IntPtr b, int ldb, long strideB, float beta, IntPtr c, int ldc, long strideC, int batchCount)
    {
        Assert.Equal(Handle, handle);
        Calls.Add(batchCount == 1 ? "cublasSgemm_v2" : "cublasSgemmStridedBatched");
        accelerator.DefaultStream.Synchronize(); // the library would run in stream order
        float* pa = (float*)a, pb = (float*)b, pc = (float*)c;
        bool ta = transA == CuBlasNative.Operation.CUBLAS_OP_T, tb = transB == CuBlasNative.Operation.CUBLAS_OP_T;
        for (int batch = 0; batch < batchCount; batch++)
            for (int j = 0; j < n; j++)
                for (int i = 0; i < m; i++)
                {
                    float sum = 0f;
                    for (int p = 0; p < k; p++)
                    {
                        float av = ta ? pa[batch * strideA + p + (long)i * lda] : pa[batch * strideA + i + (long)p * lda];
                        float bv = tb ? pb[batch * strideB + j + (long)p * ldb] : pb[batch * strideB + p + (long)j * ldb];
                        sum += av * bv;
                    }
                    float* at = pc + batch * strideC + i + (long)j * ldc;
                    *at = alpha * sum + (beta == 0f ? 0f : beta * *at);
                }
    }
}

/// <summary>
/// cuDNN's legacy convolution calls answered by ShapeNet's CPU convolution on the CPU accelerator's memory: descriptors are
/// table entries, cudnnFind* reports a failed algorithm, one over the workspace limit and two usable ones (the chooser must
/// take the first usable), and every call checks that the workspace it gets holds the bytes the chosen algorithm asked for.
/// With it, <see cref="CuDnnConvolution"/> runs in CI except for the library calls themselves.
/// </summary>
public sealed unsafe class ManagedCuDnn(Accelerator accelerator) : ICuDnnApi
{
    private const int Handle = 0xC0D;
    private readonly Dictionary<IntPtr, int[]> _descriptors = [];
    private int _next = 100;

    public List<string> Calls { get; } = [];
    public int LiveDescriptors => _descriptors.Count;

    /// <summary>Bytes the usable algorithms ask for (the chosen one's is what the workspace must hold).</summary>
    public const int AlgorithmBytes = 4096;

    public IntPtr Create()
    {
        Calls.Add("cudnnCreate");
        return Handle;
    }

    public void Destroy(IntPtr handle) => Calls.Add("cudnnDestroy");
    public long Version() => 90100;
    public void SetStream(IntPtr handle, IntPtr stream) => Calls.Add("cudnnSetStream");

    private IntPtr Add(params int[] values)
    {
        IntPtr d = _next++;
        _descriptors.Add(d, values);
        return d;
    }

    public IntPtr CreateTensor(int n, int c, int h, int w) => Add(n, c, h, w);
    public void DestroyTensor(IntPtr descriptor) => Assert.True(_descriptors.Remove(descriptor));
    public IntPtr CreateFilter(int k, int c, int h, int w) => Add(k, c, h, w);
    public void DestroyFilter(IntPtr descriptor) => Assert.True(_descriptors.Remove(descriptor));
    public IntPtr CreateConvolution(int padH, int padW, int strideH, int strideW, int dilationH, int dilationW, int groups)
        => Add(padH, padW, strideH, strideW, dilationH, dilationW, groups);
    public void DestroyConvolution(IntPtr descriptor) => Assert.True(_descriptors.Remove(descriptor));

    private static int Results(Span<CuDnnNative.AlgoPerf> results)
    {
        results[0] = new CuDnnNative.AlgoPerf { Algo = 5, Status = 3, Memory = 0 };                         // failed
        results[1] = new CuDnnNative.AlgoPerf { Algo = 4, Status = 0, Memory = (nuint)(CuDnnConvolution.MaxWorkspaceBytes + 1) };
        results[2] = new CuDnnNative.AlgoPerf { Algo = 1, Status = 0, Memory = AlgorithmBytes };            // chosen
        results[3] = new CuDnnNative.AlgoPerf { Algo = 0, Status = 0, Memory = 0 };
        return 4;
    }

    public int FindForward(IntPtr handle, IntPtr x, IntPtr w, IntPtr convolution, IntPtr y, Span<CuDnnNative.AlgoPerf> results) => Results(results);
    public int FindBackwardData(IntPtr handle, IntPtr w, IntPtr dy, IntPtr convolution, IntPtr dx, Span<CuDnnNative.AlgoPerf> results) => Results(results);
    public int FindBackwardFilter(IntPtr handle, IntPtr x, IntPtr dy, IntPtr convolution, IntPtr dw, Span<CuDnnNative.AlgoPerf> results) => Results(results);

    private Conv2dGeometry Geometry(IntPtr xDesc, IntPtr wDesc, IntPtr convolution, int algo, IntPtr workspace, nuint bytes)
    {
        Assert.Equal(1, algo);
        Assert.True(workspace != IntPtr.Zero && bytes >= AlgorithmBytes, $"workspace of {bytes} bytes for an algorithm that needs {AlgorithmBytes}");
        int[] x = _descriptors[xDesc], w = _descriptors[wDesc], c = _descriptors[convolution];
        accelerator.DefaultStream.Synchronize();
        return new Conv2dGeometry(x[0], x[1], x[2], x[3], w[0], w[2], w[3], c[2], c[3], c[0], c[1], c[4], c[5], c[6]);
    }

    private static Span<float> Span(IntPtr p, long length) => new((void*)p, checked((int)length));

    public void Forward(IntPtr handle, float alpha, IntPtr xDesc, IntPtr x, IntPtr wDesc, IntPtr w, IntPtr convolution, int algo,
        IntPtr workspace, nuint workspaceBytes, float beta, IntPtr yDesc, IntPtr y)
    {
        Calls.Add("cudnnConvolutionForward");
        Conv2dGeometry g = Geometry(xDesc, wDesc, convolution, algo, workspace, workspaceBytes);
        Assert.Equal((1f, 0f), (alpha, beta));
        CpuConvolution.Conv2d_Forward(Span(y, g.OutputLength), Span(x, g.InputLength), Span(w, g.WeightLength), default,
            new float[CpuConvolution.WorkspaceLength(g)], g, ShapeNet.Backends.UnaryOp.Identity);
    }

    public void BackwardData(IntPtr handle, float alpha, IntPtr wDesc, IntPtr w, IntPtr dyDesc, IntPtr dy, IntPtr convolution, int algo,
        IntPtr workspace, nuint workspaceBytes, float beta, IntPtr dxDesc, IntPtr dx)
    {
        Calls.Add("cudnnConvolutionBackwardData");
        Conv2dGeometry g = Geometry(dxDesc, wDesc, convolution, algo, workspace, workspaceBytes);
        Assert.Equal(1f, alpha);
        Assert.True(beta is 0f or 1f);
        // The CPU backward writes dW too: it goes to a scratch array.
        CpuConvolution.Conv2d_Backward(Span(dx, g.InputLength), new float[g.WeightLength], default, Span(dy, g.OutputLength),
            new float[g.InputLength], Span(w, g.WeightLength), new float[CpuConvolution.WorkspaceLength(g)], g, beta == 1f, false);
    }

    public void BackwardFilter(IntPtr handle, float alpha, IntPtr xDesc, IntPtr x, IntPtr dyDesc, IntPtr dy, IntPtr convolution, int algo,
        IntPtr workspace, nuint workspaceBytes, float beta, IntPtr dwDesc, IntPtr dw)
    {
        Calls.Add("cudnnConvolutionBackwardFilter");
        Conv2dGeometry g = Geometry(xDesc, dwDesc, convolution, algo, workspace, workspaceBytes);
        Assert.Equal(1f, alpha);
        Assert.True(beta is 0f or 1f);
        CpuConvolution.Conv2d_Backward(default, Span(dw, g.WeightLength), default, Span(dy, g.OutputLength), Span(x, g.InputLength),
            new float[g.WeightLength], new float[CpuConvolution.WorkspaceLength(g)], g, false, beta == 1f);
    }
}
