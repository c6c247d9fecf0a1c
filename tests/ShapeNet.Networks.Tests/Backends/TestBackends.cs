using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Generator.Tests.Emit;
using ShapeNet.Networks.Tests.Support;
using ShapeNet.Samples.Benchmarks;

namespace ShapeNet.Networks.Tests.Backends;

/// <summary>What a backend implements, by family of <see cref="IBackend"/> calls.</summary>
[Flags]
public enum KernelFamily
{
    /// <summary>Allocate, Upload/Download, staged uploads, Fill, CopyRows, Axpy.</summary>
    Memory = 1,
    /// <summary>Gemm and Linear.</summary>
    Dense = 2,
    /// <summary>Conv2d, max/average/global pooling, BatchNorm2d, Dropout.</summary>
    Convolution = 4,
    /// <summary>Unary, Binary (broadcast), Reduce, Softmax, Permute, TopK, Pick.</summary>
    Elementwise = 8,
    /// <summary>Loss_Forward/Loss_Backward.</summary>
    Losses = 16,
    /// <summary>Sgd, Adam, Adagrad, RmsProp steps.</summary>
    Optimizers = 32,
    /// <summary>Int32 buffers (AllocateInt32, UploadInt32/DownloadInt32), Embedding, OneHot and the int-label losses.</summary>
    Integer = 64,
    /// <summary>Recurrent stacks: Recurrent_ReserveLength/WorkspaceLength, Recurrent_Bind, Recurrent_Forward/Backward.</summary>
    Recurrent = 128,
    All = Memory | Dense | Convolution | Elementwise | Losses | Optimizers | Integer | Recurrent,
}

/// <summary>
/// Every <see cref="IBackend"/> the kernel suite (<see cref="BackendKernelTests"/>) runs over, by name (theory data must be
/// serialisable). A new backend joins the whole suite by adding one line here: the GPU backend adds itself on ILGPU's CPU
/// accelerator. The suite lives in this project because it sees every test-only backend: its own <see cref="CopyingBackend"/>
/// (the CPU as a device: copies, its own staging buffer), the samples' profiler <see cref="TimingBackend"/> (a decorator) and
/// the emitter tests' <see cref="ReferenceBackend"/> (linked; naive loops in double, an independent implementation: the oracle
/// of every float family; it has no int32 buffers nor recurrent calls, said below) and the GPU backend on ILGPU's CPU
/// accelerator (<see cref="GpuTestBackend"/>; ~1 M elements/s, so the suite's shapes stay small).
/// </summary>
public static class TestBackends
{
    private static readonly (string Name, Func<IBackend> Create, KernelFamily Implements)[] Backends =
    [
        ("cpu", () => CpuBackend.Instance, KernelFamily.All),
        ("cpu-copying", () => new CopyingBackend(), KernelFamily.All),
        ("timing-cpu", () => new TimingBackend(CpuBackend.Instance), KernelFamily.All),
        ("reference", () => ReferenceBackend.Instance, KernelFamily.All & ~KernelFamily.Integer & ~KernelFamily.Recurrent),
        ("gpu-ilgpu-cpu", () => GpuTestBackend.Instance, KernelFamily.All),
    ];

    /// <summary>A fresh instance of backend <paramref name="name"/>.</summary>
    public static IBackend Create(string name) => Backends.Single(b => b.Name == name).Create();

    /// <summary>Theory data: the name of every backend that implements <paramref name="family"/>.</summary>
    public static IEnumerable<object[]> Implementing(KernelFamily family) =>
        Backends.Where(b => (b.Implements & family) == family).Select(b => new object[] { b.Name });

    /// <summary>The names of all backends.</summary>
    public static IEnumerable<string> Names => Backends.Select(b => b.Name);
}
