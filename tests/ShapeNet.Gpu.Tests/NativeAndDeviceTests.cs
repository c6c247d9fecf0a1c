using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Native;

namespace ShapeNet.Gpu.Tests;

/// <summary>
/// The binding layer as far as it runs without a GPU: library probing and its reasons, device selection, enum values and
/// struct layouts against the headers (docs/gpu.md), the row-major → column-major GEMM mapping, and — where the libraries are
/// installed (scripts/verify-gpu-toolchain.sh sets SHAPENET_EXPECT_DRIVER=1) — the real driver's answer and every export.
/// </summary>
public sealed class NativeAndDeviceTests
{
    private static bool DriverExpected => Environment.GetEnvironmentVariable("SHAPENET_EXPECT_DRIVER") == "1";

    [Fact]
    public void A_missing_driver_library_is_named_as_the_reason()
    {
        CudaAvailability availability = CudaDriver.Probe(["libshapenet-absent-cuda.so.1"]);
        Assert.False(availability.Usable);
        Assert.Equal("libshapenet-absent-cuda.so.1 not found", availability.Reason);
    }

    [Fact]
    public void Probing_several_sonames_lists_them_when_none_loads()
    {
        NativeLibraryProbe probe = NativeLibraries.Probe("shapenet-test-absent", ["libshapenet-absent.so.13", "libshapenet-absent.so.12"]);
        Assert.False(probe.Found);
        Assert.Equal("none of libshapenet-absent.so.13, libshapenet-absent.so.12 found", probe.NotFoundText);
    }

    [Fact]
    public void The_real_driver_probe_says_why_cuda_is_unusable_here()
    {
        // No machine of this project has a GPU: with Debian's libcuda1 installed the driver answers cuInit with
        // CUDA_ERROR_NO_DEVICE; without it the library is missing.
        CudaAvailability availability = CudaDriver.Probe();
        Assert.False(availability.Usable, "a GPU was found: this test describes the GPU-less machines");
        string expectedDriverAnswer = "cuInit failed: CUDA_ERROR_NO_DEVICE";
        if (DriverExpected) Assert.Equal(expectedDriverAnswer, availability.Reason);
        else Assert.True(availability.Reason is "libcuda.so.1 not found" || availability.Reason == expectedDriverAnswer, availability.Reason);
    }

    [Fact]
    public void Auto_falls_back_to_the_cpu_with_one_line_saying_why()
    {
        var provider = new CudaDeviceProvider(["libshapenet-absent-cuda.so.1"]);
        DeviceChoice choice = Devices.Select(Device.Auto, [provider]);
        Assert.Equal(Device.Cpu, choice.Device);
        Assert.Same(CpuBackend.Instance, choice.Backend);
        Assert.Equal("CUDA unavailable: libshapenet-absent-cuda.so.1 not found; using CPU", choice.Notice);
    }

    [Fact]
    public void Auto_with_the_real_driver_names_the_drivers_answer()
    {
        DeviceChoice choice = Devices.Select(Device.Auto, [new CudaDeviceProvider()]);
        Assert.Equal(Device.Cpu, choice.Device);
        Assert.StartsWith("CUDA unavailable: ", choice.Notice);
        Assert.EndsWith("; using CPU", choice.Notice);
        if (DriverExpected) Assert.Equal("CUDA unavailable: cuInit failed: CUDA_ERROR_NO_DEVICE; using CPU", choice.Notice);
    }

    [Fact]
    public void Explicit_cuda_is_an_error_carrying_the_reason()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            Devices.Select(Device.Cuda, [new CudaDeviceProvider(["libshapenet-absent-cuda.so.1"])]));
        Assert.Equal("CUDA unavailable: libshapenet-absent-cuda.so.1 not found.", error.Message);
    }

    [Fact]
    public void Without_a_registered_gpu_assembly_auto_says_how_to_register_it()
    {
        DeviceChoice choice = Devices.Select(Device.Auto, []);
        Assert.Equal(Device.Cpu, choice.Device);
        Assert.Equal("CUDA unavailable: ShapeNet.Runtime.Gpu is not registered (reference it and call GpuDevice.Register()); using CPU", choice.Notice);
        Assert.Null(Devices.Select(Device.Cpu, []).Notice);
    }

    [Theory]
    [InlineData("cpu", Device.Cpu)]
    [InlineData("CUDA", Device.Cuda)]
    [InlineData(" auto ", Device.Auto)]
    public void Device_names_parse(string text, Device expected) => Assert.Equal(expected, Devices.Parse(text));

    [Fact]
    public void An_unknown_device_name_lists_the_choices()
        => Assert.Equal("--device takes cpu, cuda or auto, not 'gpu'. (Parameter 'text')", Assert.Throws<ArgumentException>(() => Devices.Parse("gpu")).Message);

    [Fact]
    public void Errors_carry_the_function_and_the_librarys_error_name()
    {
        var error = new CuBlasException("cublasSgemm_v2", "CUBLAS_STATUS_INVALID_VALUE", 7);
        Assert.Equal("cublasSgemm_v2 failed: CUBLAS_STATUS_INVALID_VALUE (cuBLAS status 7)", error.Message);
        Assert.Equal("cuDNN", new CuDnnException("cudnnConvolutionForward", "CUDNN_STATUS_BAD_PARAM", 2000).Message.Split('(')[1].Split(' ')[0]);
    }

    [Fact]
    public void Enum_values_are_the_headers()
    {
        // cuda.h (CUDA 11.8)
        Assert.Equal(0, (int)CudaDriver.CuResult.CUDA_SUCCESS);
        Assert.Equal(3, (int)CudaDriver.CuResult.CUDA_ERROR_NOT_INITIALIZED);
        Assert.Equal(100, (int)CudaDriver.CuResult.CUDA_ERROR_NO_DEVICE);
        Assert.Equal(101, (int)CudaDriver.CuResult.CUDA_ERROR_INVALID_DEVICE);
        Assert.Equal(803, (int)CudaDriver.CuResult.CUDA_ERROR_SYSTEM_DRIVER_MISMATCH);
        Assert.Equal(999, (int)CudaDriver.CuResult.CUDA_ERROR_UNKNOWN);
        // cublas_api.h
        Assert.Equal(1, (int)CuBlasNative.Operation.CUBLAS_OP_T);
        Assert.Equal(3, (int)CuBlasNative.MathMode.CUBLAS_TF32_TENSOR_OP_MATH);
        Assert.Equal(7, (int)CuBlasNative.Status.CUBLAS_STATUS_INVALID_VALUE);
        Assert.Equal(16, (int)CuBlasNative.Status.CUBLAS_STATUS_LICENSE_ERROR);
        // cudnn_ops*.h / cudnn_graph.h / cudnn_cnn*.h (cuDNN 8.2 and 9.6 agree on these)
        Assert.Equal(3, (int)CuDnnNative.PoolingMode.CUDNN_POOLING_MAX_DETERMINISTIC);
        Assert.Equal(2, (int)CuDnnNative.PoolingMode.CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING);
        Assert.Equal(1, (int)CuDnnNative.BatchNormMode.CUDNN_BATCHNORM_SPATIAL);
        Assert.Equal(1, (int)CuDnnNative.ConvolutionMode.CUDNN_CROSS_CORRELATION);
        Assert.Equal(5, (int)CuDnnNative.ActivationMode.CUDNN_ACTIVATION_IDENTITY);
        Assert.Equal(8, (int)CuDnnNative.ConvolutionFwdAlgo.CUDNN_CONVOLUTION_FWD_ALGO_COUNT);
        Assert.Equal(6, (int)CuDnnNative.ConvolutionBwdDataAlgo.CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT);
        Assert.Equal(7, (int)CuDnnNative.ConvolutionBwdFilterAlgo.CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT);
        Assert.Equal(3, (int)CuDnnNative.MathType.CUDNN_FMA_MATH);
        Assert.Equal(0, (int)CuDnnNative.TensorFormat.CUDNN_TENSOR_NCHW);
        Assert.Equal(0, (int)CuDnnNative.DataType.CUDNN_DATA_FLOAT);
    }

    [Fact]
    public void The_algorithm_performance_struct_has_the_c_layout()
    {
        // typedef struct { algo; cudnnStatus_t status; float time; size_t memory; cudnnDeterminism_t determinism;
        //                  cudnnMathType_t mathType; int reserved[3]; } — 4 + 4 + 4 (+4 padding) + 8 + 4 + 4 + 12 (+4 padding) on 64-bit.
        Assert.Equal(48, Unsafe.SizeOf<CuDnnNative.AlgoPerf>());
        Assert.Equal(48, Marshal.SizeOf<CuDnnNative.AlgoPerf>());
        Assert.Equal(8, (int)Marshal.OffsetOf<CuDnnNative.AlgoPerf>(nameof(CuDnnNative.AlgoPerf.Time)));
        Assert.Equal(16, (int)Marshal.OffsetOf<CuDnnNative.AlgoPerf>(nameof(CuDnnNative.AlgoPerf.Memory)));
        Assert.Equal(24, (int)Marshal.OffsetOf<CuDnnNative.AlgoPerf>(nameof(CuDnnNative.AlgoPerf.Determinism)));
        Assert.Equal(28, (int)Marshal.OffsetOf<CuDnnNative.AlgoPerf>(nameof(CuDnnNative.AlgoPerf.MathType)));
        Assert.Equal(32, (int)Marshal.OffsetOf<CuDnnNative.AlgoPerf>(nameof(CuDnnNative.AlgoPerf.Reserved)));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void The_row_major_gemm_maps_onto_column_major_cublas(bool transposeA, bool transposeB)
    {
        // Run the mapped arguments through a plain column-major GEMM (cuBLAS's definition) and compare with the row-major CPU GEMM.
        const int m = 5, n = 4, k = 3;
        int lda = (transposeA ? m : k) + 1, ldb = (transposeB ? k : n) + 2, ldc = n + 1;
        float[] a = Parity.Random((transposeA ? k : m) * lda, 171), b = Parity.Random((transposeB ? n : k) * ldb, 172);
        float[] expected = new float[m * ldc], actual = new float[m * ldc];
        CpuGemm.Gemm(transposeA, transposeB, m, n, k, 1f, a, lda, b, ldb, 0f, expected, ldc);
        CuBlasNative.ColumnMajorGemm g = CuBlasNative.RowMajor(transposeA, transposeB, m, n, k, lda, ldb);
        Assert.True(g.SwapOperands);
        float[] first = g.SwapOperands ? b : a, second = g.SwapOperands ? a : b;
        for (int j = 0; j < g.N; j++)
            for (int i = 0; i < g.M; i++)
            {
                float sum = 0f;
                for (int p = 0; p < g.K; p++)
                {
                    float x = g.TransA == CuBlasNative.Operation.CUBLAS_OP_N ? first[i + p * g.Lda] : first[p + i * g.Lda];
                    float y = g.TransB == CuBlasNative.Operation.CUBLAS_OP_N ? second[p + j * g.Ldb] : second[j + p * g.Ldb];
                    sum += x * y;
                }
                actual[i + j * ldc] = sum;
            }
        Parity.Close(expected, actual, $"row-major GEMM through the column-major mapping {(transposeA ? "T" : "N")}{(transposeB ? "T" : "N")}");
    }

    [Fact]
    public void Every_bound_entry_point_resolves_where_the_library_is_installed()
    {
        NativeLibraryProbe cuda = NativeLibraries.Probe(NativeLibraries.Cuda, NativeLibraries.CudaNames);
        NativeLibraryProbe cublas = NativeLibraries.Probe(NativeLibraries.CuBlas, NativeLibraries.CuBlasNames);
        NativeLibraryProbe cudnn = NativeLibraries.Probe(NativeLibraries.CuDnn, NativeLibraries.CuDnnNames);
        if (DriverExpected)
        {
            Assert.True(cuda.Found, cuda.NotFoundText);
            Assert.True(cublas.Found, cublas.NotFoundText);
        }
        var missing = new List<string>();
        foreach ((NativeLibraryProbe library, string[] symbols) in new[] { (cuda, CudaDriver.EntryPoints), (cublas, CuBlasNative.EntryPoints), (cudnn, CuDnnNative.EntryPoints) })
        {
            if (!library.Found)
            {
                Assert.StartsWith(library.Candidates.Count == 1 ? library.Candidates[0] : "none of ", library.NotFoundText);
                continue;
            }
            missing.AddRange(symbols.Where(s => !NativeLibraries.Exports(library, s)).Select(s => $"{library.LoadedName}: {s}"));
        }
        Assert.True(missing.Count == 0, "Unresolved entry points: " + string.Join(", ", missing));
    }
}

public sealed class AssemblySplitTests
{
    [Fact]
    public void The_cpu_runtime_references_neither_ilgpu_nor_the_gpu_assembly()
    {
        string[] references = typeof(ShapeNet.Backends.Cpu.CpuBackend).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();
        Assert.DoesNotContain(references, name => name.StartsWith("ILGPU", StringComparison.Ordinal) || name == "ShapeNet.Runtime.Gpu");
    }
}
