using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ShapeNet.Backends.Gpu;

namespace ShapeNet.Networks.Tests.Backends;

/// <summary>
/// The GPU backend as the kernel suite sees it: <see cref="GpuBackend"/> on ILGPU's CPU accelerator (CPUDeviceKind.Nvidia, which
/// emulates a CUDA device's warps of 32 and groups of up to 1024 threads, as tests/ShapeNet.Gpu.Tests' fixture does), with
/// ShapeNet's own GEMM and convolution kernels where a GPU would call cuBLAS and cuDNN. One context, accelerator and backend
/// for the test classes of <see cref="GpuTestBackendCollection"/>: creating them and compiling each kernel on first use is the
/// slow part, and a backend's first arena is 16 MB. A backend is used by one thread at a time, so those classes run one after
/// another; the collection's fixture disposes the backend (and the accelerator's threads) when the last of them is done, so
/// nothing of it is left running while other tests measure time or allocations.
/// </summary>
public static class GpuTestBackend
{
    private static readonly object Gate = new();
    private static GpuBackend? s_instance;

    /// <summary>The shared backend (created on first use).</summary>
    public static GpuBackend Instance
    {
        get
        {
            lock (Gate)
            {
                if (s_instance != null) return s_instance;
                Context context = Context.Create(builder => builder.CPU(CPUDeviceKind.Nvidia).EnableAlgorithms());
                Accelerator accelerator = context.CreateCPUAccelerator(0);
                return s_instance = new GpuBackend(new GpuKernels(accelerator), ownedContext: context);
            }
        }
    }

    /// <summary>Disposes the shared backend, its accelerator and context (a later <see cref="Instance"/> creates them again).</summary>
    public static void Release()
    {
        lock (Gate)
        {
            s_instance?.Dispose();
            s_instance = null;
        }
    }
}

/// <summary>Releases <see cref="GpuTestBackend"/> when the collection's last test class is done.</summary>
public sealed class GpuTestBackendFixture : IDisposable
{
    public void Dispose() => GpuTestBackend.Release();
}

/// <summary>The test classes that share <see cref="GpuTestBackend.Instance"/> (one stream, one arena): never run in parallel.</summary>
[CollectionDefinition(Name)]
public sealed class GpuTestBackendCollection : ICollectionFixture<GpuTestBackendFixture>
{
    public const string Name = "shared GPU test backend";
}
