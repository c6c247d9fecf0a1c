using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ShapeNet.Backends.Gpu;

namespace ShapeNet.Gpu.Tests;

/// <summary>One ILGPU context and accelerator for the whole assembly (creating them and compiling kernels is the slow part):
/// ILGPU's CPU accelerator in CI (CPUDeviceKind.Nvidia gives it warps of 32 and groups up to 1024 threads, as a CUDA device), or
/// a real CUDA device for the GPU category (<see cref="OnGpuTests"/>), which runs the same parity tests on it.</summary>
public sealed class GpuFixture : IDisposable
{
    public GpuFixture() : this(cuda: false)
    {
    }

    internal GpuFixture(bool cuda)
    {
        IsCuda = cuda;
        if (cuda)
        {
            Context = Context.Create(builder => builder.Cuda().EnableAlgorithms());
            Accelerator = Context.CreateCudaAccelerator(0);
        }
        else
        {
            Context = Context.Create(builder => builder.CPU(CPUDeviceKind.Nvidia).EnableAlgorithms());
            Accelerator = Context.CreateCPUAccelerator(0);
        }
        Kernels = new GpuKernels(Accelerator);
        Backend = new GpuBackend(Kernels);
    }

    public Context Context { get; }
    public Accelerator Accelerator { get; }
    public GpuKernels Kernels { get; }

    /// <summary>Whether the accelerator is a real CUDA device (the GPU category) rather than ILGPU's CPU accelerator.</summary>
    public bool IsCuda { get; }

    /// <summary>The backend over the shared kernels (its arenas live as long as the test assembly).</summary>
    public GpuBackend Backend { get; }

    private GpuBackend? _vendor;

    /// <summary>A backend whose GEMMs go through <see cref="CuBlasGemm"/> and convolutions through <see cref="CuDnnConvolution"/>:
    /// on ILGPU's CPU accelerator with managed stand-ins for the two libraries' calls (<see cref="ManagedCuBlas"/>,
    /// <see cref="ManagedCuDnn"/>), on a GPU with the real libraries (cuDNN when installed).</summary>
    public GpuBackend VendorBackend
    {
        get
        {
            lock (this)
            {
                if (_vendor != null) return _vendor;
                var kernels = new GpuKernels(Accelerator);
                if (IsCuda)
                {
                    bool cudnn = ShapeNet.Native.NativeLibraries.Probe(ShapeNet.Native.NativeLibraries.CuDnn, ShapeNet.Native.NativeLibraries.CuDnnNames).Found;
                    return _vendor = new GpuBackend(kernels, new CuBlasGemm(kernels, ICuBlasApi.Native),
                        cudnn ? k => new CuDnnConvolution(k) : null);
                }
                CuBlas = new ManagedCuBlas(Accelerator);
                CuDnn = new ManagedCuDnn(Accelerator);
                return _vendor = new GpuBackend(kernels, new CuBlasGemm(kernels, CuBlas), k => new CuDnnConvolution(k, CuDnn));
            }
        }
    }

    public ManagedCuBlas? CuBlas { get; private set; }
    public ManagedCuDnn? CuDnn { get; private set; }

    public MemoryBuffer1D<float, Stride1D.Dense> Upload(float[] values)
    {
        var buffer = Accelerator.Allocate1D<float>(Math.Max(values.Length, 1));
        if (values.Length > 0) buffer.View.SubView(0, values.Length).CopyFromCPU(values);
        return buffer;
    }

    public float[] Download(MemoryBuffer1D<float, Stride1D.Dense> buffer, int length)
    {
        Accelerator.Synchronize();
        var values = new float[length];
        if (length > 0) buffer.View.SubView(0, length).CopyToCPU(values);
        return values;
    }

    public void Dispose()
    {
        Backend.Dispose();
        _vendor?.Dispose();
        Accelerator.Dispose();
        Context.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class GpuCollection : ICollectionFixture<GpuFixture>
{
    public const string Name = "ILGPU CPU accelerator";
}
