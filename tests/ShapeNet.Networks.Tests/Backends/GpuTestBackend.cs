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
/// arena is 16 MB. A backend is used by one thread at a time: every test class that uses it joins
/// <see cref="GpuTestBackendCollection"/>, so xunit runs them one after another.
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

/// <summary>The test classes that share <see cref="GpuTestBackend.Instance"/> (one stream, one arena): never run in parallel.</summary>
[CollectionDefinition(Name)]
public sealed class GpuTestBackendCollection
{
    public const string Name = "shared GPU test backend";
}
