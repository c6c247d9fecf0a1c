using System.Runtime.InteropServices;

namespace ShapeNet.Native;

/// <summary>
/// The cuDNN calls the GPU backend uses (legacy API, identical in cuDNN 8 and 9: libcudnn.so.9 still exports it): handle and
/// stream; tensor, filter, convolution, pooling and activation descriptors; convolution forward, backward-data and
/// backward-filter with algorithm search and workspace sizes, bias gradient; pooling and activation forward/backward;
/// batch-norm training, inference and backward. Every prototype and enum value is checked against cudnn_*.h of cuDNN 8.2
/// and 9.6 in docs/gpu.md. Status codes differ between 8 and 9 (9 renumbered them), so errors are named by
/// cudnnGetErrorString, which each version answers for its own codes. The RNN API is not bound: see docs/gpu.md.
/// </summary>
public static unsafe partial class CuDnnNative
{
    public const int CUDNN_STATUS_SUCCESS = 0;

    public enum DataType { CUDNN_DATA_FLOAT = 0, CUDNN_DATA_DOUBLE = 1, CUDNN_DATA_HALF = 2 }
    public enum TensorFormat { CUDNN_TENSOR_NCHW = 0, CUDNN_TENSOR_NHWC = 1 }
    public enum MathType { CUDNN_DEFAULT_MATH = 0, CUDNN_TENSOR_OP_MATH = 1, CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION = 2, CUDNN_FMA_MATH = 3 }
    public enum NanPropagation { CUDNN_NOT_PROPAGATE_NAN = 0, CUDNN_PROPAGATE_NAN = 1 }
    public enum ConvolutionMode { CUDNN_CONVOLUTION = 0, CUDNN_CROSS_CORRELATION = 1 }
    public enum PoolingMode
    {
        CUDNN_POOLING_MAX = 0, CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING = 1, CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING = 2,
        CUDNN_POOLING_MAX_DETERMINISTIC = 3,
    }
    public enum ActivationMode
    {
        CUDNN_ACTIVATION_SIGMOID = 0, CUDNN_ACTIVATION_RELU = 1, CUDNN_ACTIVATION_TANH = 2, CUDNN_ACTIVATION_CLIPPED_RELU = 3,
        CUDNN_ACTIVATION_ELU = 4, CUDNN_ACTIVATION_IDENTITY = 5,
    }
    public enum BatchNormMode { CUDNN_BATCHNORM_PER_ACTIVATION = 0, CUDNN_BATCHNORM_SPATIAL = 1, CUDNN_BATCHNORM_SPATIAL_PERSISTENT = 2 }
    public enum Determinism { CUDNN_NON_DETERMINISTIC = 0, CUDNN_DETERMINISTIC = 1 }
    public enum ConvolutionFwdAlgo
    {
        CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM = 0, CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM = 1, CUDNN_CONVOLUTION_FWD_ALGO_GEMM = 2,
        CUDNN_CONVOLUTION_FWD_ALGO_DIRECT = 3, CUDNN_CONVOLUTION_FWD_ALGO_FFT = 4, CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING = 5,
        CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD = 6, CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED = 7, CUDNN_CONVOLUTION_FWD_ALGO_COUNT = 8,
    }
    public enum ConvolutionBwdDataAlgo
    {
        CUDNN_CONVOLUTION_BWD_DATA_ALGO_0 = 0, CUDNN_CONVOLUTION_BWD_DATA_ALGO_1 = 1, CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT = 2,
        CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT_TILING = 3, CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD = 4,
        CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED = 5, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT = 6,
    }
    public enum ConvolutionBwdFilterAlgo
    {
        CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0 = 0, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1 = 1, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT = 2,
        CUDNN_CONVOLUTION_BWD_FILTER_ALGO_3 = 3, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD = 4,
        CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD_NONFUSED = 5, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT_TILING = 6,
        CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT = 7,
    }

    /// <summary>cudnnConvolutionFwdAlgoPerf_t, cudnnConvolutionBwdDataAlgoPerf_t and cudnnConvolutionBwdFilterAlgoPerf_t share
    /// this layout: algo, status (enums: int), float time, size_t memory, determinism, mathType, int reserved[3]; 48 bytes.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct AlgoPerf
    {
        public int Algo;
        public int Status;
        public float Time;
        public nuint Memory;
        public Determinism Determinism;
        public MathType MathType;
        public fixed int Reserved[3];
    }

    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnCreate(out IntPtr handle);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnDestroy(IntPtr handle);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnSetStream(IntPtr handle, IntPtr stream);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial IntPtr cudnnGetErrorString(int status);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial nuint cudnnGetVersion();

    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnCreateTensorDescriptor(out IntPtr tensorDesc);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnSetTensor4dDescriptor(IntPtr tensorDesc, TensorFormat format, DataType dataType, int n, int c, int h, int w);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnDestroyTensorDescriptor(IntPtr tensorDesc);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnCreateFilterDescriptor(out IntPtr filterDesc);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnSetFilter4dDescriptor(IntPtr filterDesc, DataType dataType, TensorFormat format, int k, int c, int h, int w);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnDestroyFilterDescriptor(IntPtr filterDesc);

    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnCreateConvolutionDescriptor(out IntPtr convDesc);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnSetConvolution2dDescriptor(IntPtr convDesc, int padH, int padW, int u, int v,
        int dilationH, int dilationW, ConvolutionMode mode, DataType computeType);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnSetConvolutionGroupCount(IntPtr convDesc, int groupCount);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnSetConvolutionMathType(IntPtr convDesc, MathType mathType);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnDestroyConvolutionDescriptor(IntPtr convDesc);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnGetConvolution2dForwardOutputDim(IntPtr convDesc, IntPtr inputTensorDesc, IntPtr filterDesc,
        out int n, out int c, out int h, out int w);

    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnFindConvolutionForwardAlgorithm(IntPtr handle, IntPtr xDesc, IntPtr wDesc, IntPtr convDesc,
        IntPtr yDesc, int requestedAlgoCount, out int returnedAlgoCount, AlgoPerf* perfResults);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnGetConvolutionForwardWorkspaceSize(IntPtr handle, IntPtr xDesc, IntPtr wDesc, IntPtr convDesc,
        IntPtr yDesc, ConvolutionFwdAlgo algo, out nuint sizeInBytes);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnConvolutionForward(IntPtr handle, float* alpha, IntPtr xDesc, IntPtr x, IntPtr wDesc, IntPtr w,
        IntPtr convDesc, ConvolutionFwdAlgo algo, IntPtr workSpace, nuint workSpaceSizeInBytes, float* beta, IntPtr yDesc, IntPtr y);

    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnFindConvolutionBackwardDataAlgorithm(IntPtr handle, IntPtr wDesc, IntPtr dyDesc, IntPtr convDesc,
        IntPtr dxDesc, int requestedAlgoCount, out int returnedAlgoCount, AlgoPerf* perfResults);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnGetConvolutionBackwardDataWorkspaceSize(IntPtr handle, IntPtr wDesc, IntPtr dyDesc, IntPtr convDesc,
        IntPtr dxDesc, ConvolutionBwdDataAlgo algo, out nuint sizeInBytes);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnConvolutionBackwardData(IntPtr handle, float* alpha, IntPtr wDesc, IntPtr w, IntPtr dyDesc, IntPtr dy,
        IntPtr convDesc, ConvolutionBwdDataAlgo algo, IntPtr workSpace, nuint workSpaceSizeInBytes, float* beta, IntPtr dxDesc, IntPtr dx);

    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnFindConvolutionBackwardFilterAlgorithm(IntPtr handle, IntPtr xDesc, IntPtr dyDesc, IntPtr convDesc,
        IntPtr dwDesc, int requestedAlgoCount, out int returnedAlgoCount, AlgoPerf* perfResults);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnGetConvolutionBackwardFilterWorkspaceSize(IntPtr handle, IntPtr xDesc, IntPtr dyDesc, IntPtr convDesc,
        IntPtr gradDesc, ConvolutionBwdFilterAlgo algo, out nuint sizeInBytes);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnConvolutionBackwardFilter(IntPtr handle, float* alpha, IntPtr xDesc, IntPtr x, IntPtr dyDesc, IntPtr dy,
        IntPtr convDesc, ConvolutionBwdFilterAlgo algo, IntPtr workSpace, nuint workSpaceSizeInBytes, float* beta, IntPtr dwDesc, IntPtr dw);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnConvolutionBackwardBias(IntPtr handle, float* alpha, IntPtr dyDesc, IntPtr dy, float* beta,
        IntPtr dbDesc, IntPtr db);

    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnCreatePoolingDescriptor(out IntPtr poolingDesc);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnSetPooling2dDescriptor(IntPtr poolingDesc, PoolingMode mode, NanPropagation maxpoolingNanOpt,
        int windowHeight, int windowWidth, int verticalPadding, int horizontalPadding, int verticalStride, int horizontalStride);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnDestroyPoolingDescriptor(IntPtr poolingDesc);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnPoolingForward(IntPtr handle, IntPtr poolingDesc, float* alpha, IntPtr xDesc, IntPtr x, float* beta,
        IntPtr yDesc, IntPtr y);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnPoolingBackward(IntPtr handle, IntPtr poolingDesc, float* alpha, IntPtr yDesc, IntPtr y,
        IntPtr dyDesc, IntPtr dy, IntPtr xDesc, IntPtr x, float* beta, IntPtr dxDesc, IntPtr dx);

    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnCreateActivationDescriptor(out IntPtr activationDesc);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnSetActivationDescriptor(IntPtr activationDesc, ActivationMode mode, NanPropagation reluNanOpt, double coef);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnDestroyActivationDescriptor(IntPtr activationDesc);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnActivationForward(IntPtr handle, IntPtr activationDesc, float* alpha, IntPtr xDesc, IntPtr x,
        float* beta, IntPtr yDesc, IntPtr y);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnActivationBackward(IntPtr handle, IntPtr activationDesc, float* alpha, IntPtr yDesc, IntPtr y,
        IntPtr dyDesc, IntPtr dy, IntPtr xDesc, IntPtr x, float* beta, IntPtr dxDesc, IntPtr dx);

    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnBatchNormalizationForwardTraining(IntPtr handle, BatchNormMode mode, float* alpha, float* beta,
        IntPtr xDesc, IntPtr x, IntPtr yDesc, IntPtr y, IntPtr bnScaleBiasMeanVarDesc, IntPtr bnScale, IntPtr bnBias, double exponentialAverageFactor,
        IntPtr resultRunningMean, IntPtr resultRunningVariance, double epsilon, IntPtr resultSaveMean, IntPtr resultSaveInvVariance);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnBatchNormalizationForwardInference(IntPtr handle, BatchNormMode mode, float* alpha, float* beta,
        IntPtr xDesc, IntPtr x, IntPtr yDesc, IntPtr y, IntPtr bnScaleBiasMeanVarDesc, IntPtr bnScale, IntPtr bnBias, IntPtr estimatedMean, IntPtr estimatedVariance,
        double epsilon);
    [LibraryImport(NativeLibraries.CuDnn)] internal static partial int cudnnBatchNormalizationBackward(IntPtr handle, BatchNormMode mode, float* alphaDataDiff, float* betaDataDiff,
        float* alphaParamDiff, float* betaParamDiff, IntPtr xDesc, IntPtr x, IntPtr dyDesc, IntPtr dy, IntPtr dxDesc, IntPtr dx, IntPtr dBnScaleBiasDesc, IntPtr bnScale,
        IntPtr dBnScaleResult, IntPtr dBnBiasResult, double epsilon, IntPtr savedMean, IntPtr savedInvVariance);

    public static readonly string[] EntryPoints =
    [
        "cudnnCreate", "cudnnDestroy", "cudnnSetStream", "cudnnGetErrorString", "cudnnGetVersion",
        "cudnnCreateTensorDescriptor", "cudnnSetTensor4dDescriptor", "cudnnDestroyTensorDescriptor",
        "cudnnCreateFilterDescriptor", "cudnnSetFilter4dDescriptor", "cudnnDestroyFilterDescriptor",
        "cudnnCreateConvolutionDescriptor", "cudnnSetConvolution2dDescriptor", "cudnnSetConvolutionGroupCount", "cudnnSetConvolutionMathType",
        "cudnnDestroyConvolutionDescriptor", "cudnnGetConvolution2dForwardOutputDim",
        "cudnnFindConvolutionForwardAlgorithm", "cudnnGetConvolutionForwardWorkspaceSize", "cudnnConvolutionForward",
        "cudnnFindConvolutionBackwardDataAlgorithm", "cudnnGetConvolutionBackwardDataWorkspaceSize", "cudnnConvolutionBackwardData",
        "cudnnFindConvolutionBackwardFilterAlgorithm", "cudnnGetConvolutionBackwardFilterWorkspaceSize", "cudnnConvolutionBackwardFilter",
        "cudnnConvolutionBackwardBias",
        "cudnnCreatePoolingDescriptor", "cudnnSetPooling2dDescriptor", "cudnnDestroyPoolingDescriptor", "cudnnPoolingForward", "cudnnPoolingBackward",
        "cudnnCreateActivationDescriptor", "cudnnSetActivationDescriptor", "cudnnDestroyActivationDescriptor", "cudnnActivationForward", "cudnnActivationBackward",
        "cudnnBatchNormalizationForwardTraining", "cudnnBatchNormalizationForwardInference", "cudnnBatchNormalizationBackward",
    ];

    /// <summary>cudnnGetErrorString's name for the status (each cuDNN version names its own codes).</summary>
    public static string ErrorName(int status)
    {
        IntPtr name = cudnnGetErrorString(status);
        return name != IntPtr.Zero ? Marshal.PtrToStringAnsi(name) ?? $"cudnnStatus_t {status}" : $"cudnnStatus_t {status}";
    }

    public static void Check(int status, string function)
    {
        if (status != CUDNN_STATUS_SUCCESS) throw new CuDnnException(function, ErrorName(status), status);
    }

    /// <summary>The PyTorch pooling mode for cuDNN: max (deterministic backward), or average counting padding or not.</summary>
    public static PoolingMode Pooling(bool max, bool countIncludePad)
        => max ? PoolingMode.CUDNN_POOLING_MAX_DETERMINISTIC
            : countIncludePad ? PoolingMode.CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING : PoolingMode.CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING;
}
