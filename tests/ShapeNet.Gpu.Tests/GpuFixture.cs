using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ShapeNet.Backends.Gpu;

namespace ShapeNet.Gpu.Tests;

/// <summary>One ILGPU context and CPU accelerator for the whole assembly (creating them and compiling kernels is the slow
/// part). CPUDeviceKind.Nvidia gives the accelerator warps of 32 and groups up to 1024 threads, as a CUDA device.</summary>
public sealed class GpuFixture : IDisposable
{
    public GpuFixture()
    {
        Context = Context.Create(builder => builder.CPU(CPUDeviceKind.Nvidia).EnableAlgorithms());
        Accelerator = Context.CreateCPUAccelerator(0);
        Kernels = new GpuKernels(Accelerator);
        Backend = new GpuBackend(Kernels);
    }

    /// <summary>The backend over the shared kernels (its arenas live as long as the test assembly).</summary>
    public GpuBackend Backend { get; }

    private GpuBackend? _vendor;

    /// <summary>A backend whose GEMMs go through <see cref="CuBlasGemm"/> and convolutions through <see cref="CuDnnConvolution"/>,
    /// with managed stand-ins for the two libraries' calls (<see cref="ManagedCuBlas"/>, <see cref="ManagedCuDnn"/>).</summary>
    public GpuBackend VendorBackend
    {
        get
        {
            lock (this)
            {
                if (_vendor != null) return _vendor;
                var kernels = new GpuKernels(Accelerator);
                CuBlas = new ManagedCuBlas(Accelerator);
                CuDnn = new ManagedCuDnn(Accelerator);
                return _vendor = new GpuBackend(kernels, new CuBlasGemm(kernels, CuBlas), k => new CuDnnConvolution(k, CuDnn));
            }
        }
    }

    public ManagedCuBlas? CuBlas { get; private set; }
    public ManagedCuDnn? CuDnn { get; private set; }

    public Context Context { get; }
    public CPUAccelerator Accelerator { get; }
    public GpuKernels Kernels { get; }

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
