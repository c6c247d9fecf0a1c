using System.Runtime.InteropServices;

namespace ShapeNet.Native;

/// <summary>
/// The cuBLAS calls ShapeNet makes (cublas_api.h of CUDA 11.8, checked in docs/gpu.md). ILGPU.Algorithms' CuBlas wrapper
/// probes only libcublas.so.10–12, has no strided-batched GEMM and no TF32 math mode, so ShapeNet binds the few calls it
/// needs itself, with the same soname probing for CUDA 11, 12 and 13. cuBLAS is column-major: <see cref="RowMajor"/> maps a
/// row-major GEMM onto it.
/// </summary>
public static unsafe partial class CuBlasNative
{
    public enum Status
    {
        CUBLAS_STATUS_SUCCESS = 0,
        CUBLAS_STATUS_NOT_INITIALIZED = 1,
        CUBLAS_STATUS_ALLOC_FAILED = 3,
        CUBLAS_STATUS_INVALID_VALUE = 7,
        CUBLAS_STATUS_ARCH_MISMATCH = 8,
        CUBLAS_STATUS_MAPPING_ERROR = 11,
        CUBLAS_STATUS_EXECUTION_FAILED = 13,
        CUBLAS_STATUS_INTERNAL_ERROR = 14,
        CUBLAS_STATUS_NOT_SUPPORTED = 15,
        CUBLAS_STATUS_LICENSE_ERROR = 16,
    }

    public enum Operation
    {
        CUBLAS_OP_N = 0,
        CUBLAS_OP_T = 1,
    }

    public enum MathMode
    {
        CUBLAS_DEFAULT_MATH = 0,
        CUBLAS_TENSOR_OP_MATH = 1,
        CUBLAS_PEDANTIC_MATH = 2,
        /// <summary>TF32 tensor cores for float GEMMs (Ampere and later): ShapeNet's opt-in, off by default.</summary>
        CUBLAS_TF32_TENSOR_OP_MATH = 3,
    }

    [LibraryImport(NativeLibraries.CuBlas)]
    internal static partial Status cublasCreate_v2(out IntPtr handle);

    [LibraryImport(NativeLibraries.CuBlas)]
    internal static partial Status cublasDestroy_v2(IntPtr handle);

    [LibraryImport(NativeLibraries.CuBlas)]
    internal static partial Status cublasGetVersion_v2(IntPtr handle, out int version);

    [LibraryImport(NativeLibraries.CuBlas)]
    internal static partial Status cublasSetStream_v2(IntPtr handle, IntPtr stream);

    [LibraryImport(NativeLibraries.CuBlas)]
    internal static partial Status cublasSetMathMode(IntPtr handle, MathMode mode);

    [LibraryImport(NativeLibraries.CuBlas)]
    internal static partial IntPtr cublasGetStatusName(Status status);

    [LibraryImport(NativeLibraries.CuBlas)]
    internal static partial Status cublasSgemm_v2(IntPtr handle, Operation transa, Operation transb, int m, int n, int k,
        float* alpha, IntPtr a, int lda, IntPtr b, int ldb, float* beta, IntPtr c, int ldc);

    [LibraryImport(NativeLibraries.CuBlas)]
    internal static partial Status cublasSgemmStridedBatched(IntPtr handle, Operation transa, Operation transb, int m, int n, int k,
        float* alpha, IntPtr a, int lda, long strideA, IntPtr b, int ldb, long strideB, float* beta, IntPtr c, int ldc, long strideC, int batchCount);

    public static readonly string[] EntryPoints =
        ["cublasCreate_v2", "cublasDestroy_v2", "cublasGetVersion_v2", "cublasSetStream_v2", "cublasSetMathMode", "cublasGetStatusName",
         "cublasSgemm_v2", "cublasSgemmStridedBatched"];

    /// <summary>cublasGetStatusName's text (cuBLAS 11.4.2 and later), else ShapeNet's enum name.</summary>
    public static string ErrorName(Status status)
    {
        try
        {
            IntPtr name = cublasGetStatusName(status);
            if (name != IntPtr.Zero) return Marshal.PtrToStringAnsi(name) ?? status.ToString();
        }
        catch (EntryPointNotFoundException)
        {
        }
        return Enum.IsDefined(status) ? status.ToString() : $"cublasStatus_t {(int)status}";
    }

    public static void Check(Status status, string function)
    {
        if (status != Status.CUBLAS_STATUS_SUCCESS) throw new CuBlasException(function, ErrorName(status), (int)status);
    }

    /// <summary>The column-major call that computes row-major C = op(A)·op(B): a row-major matrix is its transpose in column
    /// order, so Cᵀ = op(B)ᵀ·op(A)ᵀ, i.e. cuBLAS with the operands swapped, m and n swapped, the same leading dimensions.</summary>
    public readonly record struct ColumnMajorGemm(Operation TransA, Operation TransB, int M, int N, int K, bool SwapOperands, int Lda, int Ldb);

    public static ColumnMajorGemm RowMajor(bool transposeA, bool transposeB, int m, int n, int k, int lda, int ldb)
        => new(transposeB ? Operation.CUBLAS_OP_T : Operation.CUBLAS_OP_N, transposeA ? Operation.CUBLAS_OP_T : Operation.CUBLAS_OP_N,
            n, m, k, SwapOperands: true, Lda: ldb, Ldb: lda);

    /// <summary>Row-major strided-batch C = alpha·op(A)·op(B) + beta·C on device pointers, queued on the handle's stream.</summary>
    public static void SgemmRowMajor(IntPtr handle, bool transposeA, bool transposeB, int m, int n, int k, float alpha, IntPtr a, int lda,
        long strideA, IntPtr b, int ldb, long strideB, float beta, IntPtr c, int ldc, long strideC, int batchCount)
    {
        ColumnMajorGemm g = RowMajor(transposeA, transposeB, m, n, k, lda, ldb);
        if (batchCount == 1)
            Check(cublasSgemm_v2(handle, g.TransA, g.TransB, g.M, g.N, g.K, &alpha, b, g.Lda, a, g.Ldb, &beta, c, ldc), "cublasSgemm_v2");
        else
            Check(cublasSgemmStridedBatched(handle, g.TransA, g.TransB, g.M, g.N, g.K, &alpha, b, g.Lda, strideB, a, g.Ldb, strideA, &beta, c, ldc,
                strideC, batchCount), "cublasSgemmStridedBatched");
    }
}
