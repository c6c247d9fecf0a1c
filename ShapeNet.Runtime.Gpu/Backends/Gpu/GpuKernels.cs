using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;

namespace ShapeNet.Backends.Gpu;

/// <summary>
/// ShapeNet's own device kernels on one ILGPU accelerator and stream: one family per file, named as the CPU backend's
/// (<c>Cpu/Pooling.cs</c> ↔ <c>Gpu/Pooling.cs</c>). Each family loads its kernels on first use. Operands are
/// <see cref="ArrayView{T}"/>s of floats (sub-views carry offsets), sizes as in the CPU span kernels, outputs first.
/// Every launch is queued on <see cref="Stream"/>; nothing here synchronises.
/// The same kernels run on CUDA (compiled to PTX) and on ILGPU's CPU accelerator, which emulates groups, shared memory and
/// barriers: that is how CI runs them without a GPU.
/// </summary>
public sealed class GpuKernels
{
    private GpuElementwise? _elementwise;
    private GpuReduction? _reduction;
    private GpuSoftmax? _softmax;
    private GpuTopK? _topK;
    private GpuLoss? _loss;
    private GpuOptimizers? _optimizers;
    private GpuPooling? _pooling;
    private GpuNormalization? _normalization;
    private GpuDropout? _dropout;
    private GpuLayout? _layout;
    private GpuGemm? _gemm;
    private GpuConvolution? _convolution;
    private GpuLinear? _linear;
    private GpuEmbedding? _embedding;
    private GpuRecurrent? _recurrent;
    private GpuRecurrentStack? _recurrentStack;
    private GpuPick? _pick;
    private IGpuBlas? _blas;

    public GpuKernels(Accelerator accelerator, AcceleratorStream? stream = null)
    {
        Accelerator = accelerator ?? throw new ArgumentNullException(nameof(accelerator));
        Stream = stream ?? accelerator.DefaultStream;
        // Threads of a group for the kernels that reduce inside a group (losses, batch-norm statistics). ILGPU's CPU
        // accelerator runs one OS thread per group thread and pays for every barrier, so it gets a narrow group there.
        ReductionGroupSize = accelerator is CPUAccelerator ? 32 : 256;
        TiledGemm = accelerator is not CPUAccelerator;
    }

    public Accelerator Accelerator { get; }
    public AcceleratorStream Stream { get; }

    /// <summary>Threads per group of the group-reduction kernels (a power of two, at most <see cref="MaxGroupSize"/>).</summary>
    public int ReductionGroupSize { get; }

    /// <summary>Whether <see cref="GpuGemm"/> uses the shared-memory tiled kernel (a GPU) or the one-thread-per-output kernel
    /// (ILGPU's CPU accelerator, where every barrier of the tiled kernel costs a thread rendezvous). Both are tested.</summary>
    public bool TiledGemm { get; init; }

    /// <summary>The largest group the group-reduction kernels' shared memory holds.</summary>
    internal const int MaxGroupSize = 256;

    public GpuElementwise Elementwise => _elementwise ??= new GpuElementwise(this);
    public GpuReduction Reduction => _reduction ??= new GpuReduction(this);
    public GpuSoftmax Softmax => _softmax ??= new GpuSoftmax(this);
    public GpuTopK TopK => _topK ??= new GpuTopK(this);
    public GpuLoss Loss => _loss ??= new GpuLoss(this);
    public GpuOptimizers Optimizers => _optimizers ??= new GpuOptimizers(this);
    public GpuPooling Pooling => _pooling ??= new GpuPooling(this);
    public GpuNormalization Normalization => _normalization ??= new GpuNormalization(this);
    public GpuDropout Dropout => _dropout ??= new GpuDropout(this);
    public GpuLayout Layout => _layout ??= new GpuLayout(this);
    public GpuGemm Gemm => _gemm ??= new GpuGemm(this);
    public GpuConvolution Convolution => _convolution ??= new GpuConvolution(this);
    public GpuLinear Linear => _linear ??= new GpuLinear(this);
    public GpuEmbedding Embedding => _embedding ??= new GpuEmbedding(this);
    public GpuRecurrent Recurrent => _recurrent ??= new GpuRecurrent(this);
    public GpuRecurrentStack RecurrentStack => _recurrentStack ??= new GpuRecurrentStack(this);
    public GpuPick Pick => _pick ??= new GpuPick(this);

    /// <summary>Who multiplies for Linear, the im2col convolution and the recurrent cells: ShapeNet's GEMM kernel unless set
    /// (the backend sets cuBLAS on a CUDA accelerator).</summary>
    public IGpuBlas Blas
    {
        get => _blas ??= new KernelGemm(this);
        set => _blas = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>An element count as a kernel index (ILGPU's 1-D index is 32-bit).</summary>
    internal static int Count(long n, string what)
        => n is >= 0 and <= int.MaxValue ? (int)n
            : throw new ArgumentOutOfRangeException(what, n, $"{what}: {n} elements; device kernels index up to {int.MaxValue}.");

    /// <summary>As <see cref="Count(long, string)"/>, the op named by a kind (formatted only on failure: launches allocate nothing).</summary>
    internal static int Count<TDetail>(long n, string what, TDetail detail) where TDetail : struct
        => n is >= 0 and <= int.MaxValue ? (int)n
            : throw new ArgumentOutOfRangeException(what, n, $"{what} {detail}: {n} elements; device kernels index up to {int.MaxValue}.");

    /// <summary>As <see cref="Need(ArrayView{float}, long, string, string)"/>, the op named by a kind (formatted only on failure).</summary>
    internal static void Need<TDetail>(ArrayView<float> view, long needed, string op, TDetail detail, string operand) where TDetail : struct
    {
        if (view.Length < needed)
            throw new ArgumentException($"{op} {detail}: {operand} needs {needed} values, the view has {view.Length}.", operand);
    }

    /// <summary>Checks that a view holds at least <paramref name="needed"/> floats and names the operand otherwise.</summary>
    internal static void Need(ArrayView<float> view, long needed, string op, string operand)
    {
        if (view.Length < needed)
            throw new ArgumentException($"{op}: {operand} needs {needed} values, the view has {view.Length}.", operand);
    }
}

/// <summary>Marks a device kernel: the PTX test compiles every method carrying it for sm_70, sm_80 and sm_90.
/// Implicitly grouped kernels take an <see cref="Index1D"/> first; the others are launched with a <see cref="KernelConfig"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class KernelAttribute : Attribute
{
}
