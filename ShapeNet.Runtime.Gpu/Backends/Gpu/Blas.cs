using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ShapeNet.Native;

namespace ShapeNet.Backends.Gpu;

/// <summary>
/// The one seam between ShapeNet's GEMM callers (Linear, the im2col convolution, the recurrent cells) and whoever multiplies:
/// cuBLAS on a CUDA accelerator (<see cref="CuBlasGemm"/>), ShapeNet's own kernel anywhere else (<see cref="KernelGemm"/>,
/// ILGPU's CPU accelerator in CI). Row-major strided-batch C = act(alpha·op(A)·op(B) + beta·C + bias); views start at each
/// operand's first element; work is queued on the kernels' stream.
/// </summary>
public interface IGpuBlas : IDisposable
{
    /// <summary>"cuBLAS 12.4.5" or "ShapeNet GEMM kernel".</summary>
    string Name { get; }

    void Gemm(bool transposeA, bool transposeB, int m, int n, int k, float alpha, ArrayView<float> a, int lda,
        ArrayView<float> b, int ldb, float beta, ArrayView<float> c, int ldc, int batchCount, long strideA, long strideB, long strideC,
        ArrayView<float> bias, GpuGemm.BiasMode biasMode, long strideBias, UnaryOp activation);
}

/// <summary>ShapeNet's own GEMM kernel (<see cref="GpuGemm"/>) with its fused epilogue.</summary>
public sealed class KernelGemm(GpuKernels kernels) : IGpuBlas
{
    public string Name => "ShapeNet GEMM kernel";

    public void Gemm(bool transposeA, bool transposeB, int m, int n, int k, float alpha, ArrayView<float> a, int lda,
        ArrayView<float> b, int ldb, float beta, ArrayView<float> c, int ldc, int batchCount, long strideA, long strideB, long strideC,
        ArrayView<float> bias, GpuGemm.BiasMode biasMode, long strideBias, UnaryOp activation)
        => kernels.Gemm.Gemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, biasMode, activation,
            batchCount, strideA, strideB, strideC, kernels.TiledGemm, strideBias);

    public void Dispose()
    {
    }
}

/// <summary>
/// The cuBLAS entry points <see cref="CuBlasGemm"/> calls, behind an interface so the code around them (pointer arithmetic on
/// views, the row-major mapping, stream binding, the epilogue) runs in CI: the tests give it a managed column-major GEMM that
/// works on the CPU accelerator's memory, whose "device pointers" are host pointers. <see cref="Native"/> is the real library.
/// </summary>
public interface ICuBlasApi
{
    IntPtr Create();
    void Destroy(IntPtr handle);
    int Version(IntPtr handle);
    void SetStream(IntPtr handle, IntPtr stream);
    void SetMathMode(IntPtr handle, CuBlasNative.MathMode mode);

    /// <summary>cublasSgemmStridedBatched's arguments (column-major); batchCount 1 may call cublasSgemm_v2.</summary>
    void Sgemm(IntPtr handle, CuBlasNative.Operation transA, CuBlasNative.Operation transB, int m, int n, int k, float alpha,
        IntPtr a, int lda, long strideA, IntPtr b, int ldb, long strideB, float beta, IntPtr c, int ldc, long strideC, int batchCount);

    /// <summary>libcublas through ShapeNet's [LibraryImport] bindings (<see cref="CuBlasNative"/>); errors throw
    /// <see cref="CuBlasException"/> naming the function and cuBLAS's status name.</summary>
    public static ICuBlasApi Native { get; } = new NativeCuBlas();

    private sealed unsafe class NativeCuBlas : ICuBlasApi
    {
        public IntPtr Create()
        {
            CuBlasNative.Check(CuBlasNative.cublasCreate_v2(out IntPtr handle), "cublasCreate_v2");
            return handle;
        }

        public void Destroy(IntPtr handle) => CuBlasNative.Check(CuBlasNative.cublasDestroy_v2(handle), "cublasDestroy_v2");

        public int Version(IntPtr handle)
        {
            CuBlasNative.Check(CuBlasNative.cublasGetVersion_v2(handle, out int version), "cublasGetVersion_v2");
            return version;
        }

        public void SetStream(IntPtr handle, IntPtr stream) => CuBlasNative.Check(CuBlasNative.cublasSetStream_v2(handle, stream), "cublasSetStream_v2");

        public void SetMathMode(IntPtr handle, CuBlasNative.MathMode mode)
            => CuBlasNative.Check(CuBlasNative.cublasSetMathMode(handle, mode), "cublasSetMathMode");

        public void Sgemm(IntPtr handle, CuBlasNative.Operation transA, CuBlasNative.Operation transB, int m, int n, int k, float alpha,
            IntPtr a, int lda, long strideA, IntPtr b, int ldb, long strideB, float beta, IntPtr c, int ldc, long strideC, int batchCount)
        {
            if (batchCount == 1)
                CuBlasNative.Check(CuBlasNative.cublasSgemm_v2(handle, transA, transB, m, n, k, &alpha, a, lda, b, ldb, &beta, c, ldc), "cublasSgemm_v2");
            else
                CuBlasNative.Check(CuBlasNative.cublasSgemmStridedBatched(handle, transA, transB, m, n, k, &alpha, a, lda, strideA, b, ldb, strideB,
                    &beta, c, ldc, strideC, batchCount), "cublasSgemmStridedBatched");
        }
    }
}

/// <summary>
/// GEMM through cuBLAS on the kernels' stream: the row-major call maps onto column-major cuBLAS with the operands swapped
/// (<see cref="CuBlasNative.RowMajor"/>); bias and activation, which cuBLAS has not, run as ShapeNet's epilogue kernel after it
/// on the same stream. Scalars are host pointers (the default pointer mode). TF32 tensor cores only when asked.
/// </summary>
public sealed class CuBlasGemm : IGpuBlas
{
    private readonly GpuKernels _k;
    private readonly ICuBlasApi _api;
    private IntPtr _handle;

    public CuBlasGemm(GpuKernels kernels, ICuBlasApi api, bool allowTf32 = false)
    {
        _k = kernels;
        _api = api;
        _handle = api.Create();
        try
        {
            api.SetStream(_handle, StreamPointer(kernels.Stream));
            api.SetMathMode(_handle, allowTf32 ? CuBlasNative.MathMode.CUBLAS_TF32_TENSOR_OP_MATH : CuBlasNative.MathMode.CUBLAS_DEFAULT_MATH);
            int version = api.Version(_handle);
            Name = $"cuBLAS {version / 10000}.{version / 100 % 100}.{version % 100}{(allowTf32 ? " (TF32)" : "")}";
        }
        catch
        {
            api.Destroy(_handle);
            throw;
        }
    }

    public string Name { get; }

    public void Gemm(bool transposeA, bool transposeB, int m, int n, int k, float alpha, ArrayView<float> a, int lda,
        ArrayView<float> b, int ldb, float beta, ArrayView<float> c, int ldc, int batchCount, long strideA, long strideB, long strideC,
        ArrayView<float> bias, GpuGemm.BiasMode biasMode, long strideBias, UnaryOp activation)
    {
        if (m < 0 || n < 0 || k < 0 || batchCount < 1)
            throw new ArgumentException($"GEMM sizes m {m}, n {n}, k {k} must be non-negative and batchCount {batchCount} positive.");
        ObjectDisposedException.ThrowIf(_handle == IntPtr.Zero, this);
        int aRows = transposeA ? k : m, aCols = transposeA ? m : k, bRows = transposeB ? n : k, bCols = transposeB ? k : n;
        GpuGemm.CheckOperand("A", a, aRows, aCols, lda, batchCount, strideA);
        GpuGemm.CheckOperand("B", b, bRows, bCols, ldb, batchCount, strideB);
        GpuGemm.CheckOperand("C", c, m, n, ldc, batchCount, strideC);
        if ((long)m * n == 0) return;
        if (k == 0)
        {
            // cuBLAS with k = 0 scales C by beta; ShapeNet's kernels do the same through the epilogue path below.
            _k.Gemm.Gemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, biasMode, activation,
                batchCount, strideA, strideB, strideC, _k.TiledGemm, strideBias);
            return;
        }
        CuBlasNative.ColumnMajorGemm g = CuBlasNative.RowMajor(transposeA, transposeB, m, n, k, lda, ldb);
        _api.Sgemm(_handle, g.TransA, g.TransB, g.M, g.N, g.K, alpha, Pointer(b), g.Lda, strideB, Pointer(a), g.Ldb, strideA, beta,
            Pointer(c), ldc, strideC, batchCount);
        _k.Gemm.Epilogue(c, m, n, ldc, batchCount, strideC, bias, biasMode, strideBias, activation);
    }

    /// <summary>The device address of a view's first element (the CPU accelerator's is a host address).</summary>
    public static IntPtr Pointer(ArrayView<float> view)
        => view.Length == 0 ? IntPtr.Zero : view.LoadEffectiveAddressAsPtr();

    /// <summary>The CUDA stream handle of an ILGPU stream; zero (the legacy default stream) for other accelerators.</summary>
    public static IntPtr StreamPointer(AcceleratorStream stream) => stream is CudaStream cuda ? cuda.StreamPtr : IntPtr.Zero;

    public void Dispose()
    {
        if (_handle == IntPtr.Zero) return;
        IntPtr handle = _handle;
        _handle = IntPtr.Zero;
        _api.Destroy(handle);
    }
}
