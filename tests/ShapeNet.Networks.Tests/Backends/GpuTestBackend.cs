using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ShapeNet.Backends.Gpu;

namespace ShapeNet.Networks.Tests.Backends;

/// <summary>
/// The GPU backend as the kernel suite sees it: <see cref="GpuBackend"/> on ILGPU's CPU accelerator (CPUDeviceKind.Nvidia, which
/// emulates a CUDA device's warps of 32 and groups of up to 1024 threads, as tests/ShapeNet.Gpu.Tests' fixture does), with
/// ShapeNet's own GEMM and convolution kernels where a GPU would call cuBLAS and cuDNN. One context, accelerator and backend
/// for the whole test assembly: creating them and compiling each kernel on first use is the slow part, and a backend's first
/// arena is 16 MB. The kernel suite's theories run one after another (one test class), so sharing it is safe.
/// </summary>
public static class GpuTestBackend
{
    private static readonly Lazy<GpuBackend> Shared = new(() =>
    {
        Context context = Context.Create(builder => builder.CPU(CPUDeviceKind.Nvidia).EnableAlgorithms());
        Accelerator accelerator = context.CreateCPUAccelerator(0);
        return new GpuBackend(new GpuKernels(accelerator), ownedContext: context);
    });

    /// <summary>The shared backend (created on first use).</summary>
    public static GpuBackend Instance => Shared.Value;
}
