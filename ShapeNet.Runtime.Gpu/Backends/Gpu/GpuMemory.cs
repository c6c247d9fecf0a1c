using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;

namespace ShapeNet.Backends.Gpu;

/// <summary>A backend buffer on the device: a view into one of the backend's arenas.</summary>
public sealed class GpuBuffer : DeviceBuffer
{
    private GpuArena? _arena;

    internal GpuBuffer(GpuArena arena, ArrayView<float> view) : base(view.Length)
    {
        _arena = arena;
        View = view;
    }

    /// <summary>The buffer's floats on the device.</summary>
    public ArrayView<float> View { get; }

    /// <summary>Returns the buffer's share of its arena; the arena's device memory is freed when its last buffer is.</summary>
    public override void Dispose()
    {
        _arena?.Release();
        _arena = null;
    }
}

/// <summary>
/// A backend buffer of int32 values (token ids, sequence lengths, class labels) on the device, with the host copy of what was
/// uploaded: only <see cref="GpuBackend.UploadInt32"/> writes these buffers (no kernel does), so the copy is always current and
/// ids, labels and lengths are checked on the host, with the CPU backend's messages, without waiting for the device.
/// </summary>
public sealed class GpuIntBuffer : DeviceBuffer
{
    private GpuArena? _arena;

    internal GpuIntBuffer(GpuArena arena, ArrayView<int> view) : base(view.Length, BufferElementType.Int32)
    {
        _arena = arena;
        View = view;
        Host = new int[view.Length];
    }

    /// <summary>The buffer's ints on the device.</summary>
    public ArrayView<int> View { get; }

    /// <summary>What the device holds (kept by every upload).</summary>
    internal int[] Host { get; }

    public override void Dispose()
    {
        _arena?.Release();
        _arena = null;
    }
}

/// <summary>
/// One block of device memory that buffers are carved from, front to back (each aligned to 256 bytes, as cuBLAS and cuDNN
/// like). A plan's buffers are allocated together when it is built, so they land in one arena: one device allocation per
/// plan instead of one per tensor. The arena counts its live buffers and frees its memory with the last of them.
/// </summary>
internal sealed class GpuArena
{
    /// <summary>Floats per alignment unit (256 bytes).</summary>
    public const int Alignment = 64;

    private readonly MemoryBuffer1D<float, Stride1D.Dense> _memory;
    private long _used;
    private int _live;

    public GpuArena(Accelerator accelerator, long capacity)
    {
        _memory = accelerator.Allocate1D<float>(Math.Max(capacity, Alignment));
        Capacity = _memory.Length;
    }

    public long Capacity { get; }
    public long Used => _used;
    public bool Freed { get; private set; }

    /// <summary>Carves <paramref name="length"/> floats, or returns false when the arena is full.</summary>
    public bool TryCarve(long length, out ArrayView<float> view)
    {
        long start = (_used + Alignment - 1) / Alignment * Alignment;
        if (Freed || start + length > Capacity)
        {
            view = default;
            return false;
        }
        _used = start + length;
        _live++;
        view = _memory.View.SubView(start, length);
        return true;
    }

    public void Release()
    {
        if (--_live > 0 || Freed) return;
        Freed = true;
        _memory.Dispose();
    }

    /// <summary>Frees the memory whatever still points into it (the backend's own disposal).</summary>
    public void Free()
    {
        if (Freed) return;
        Freed = true;
        _memory.Dispose();
    }
}

/// <summary>
/// Pinned (page-locked) host memory that uploads pass through: a span is copied into it and an asynchronous copy to the device
/// is queued on the stream, so an upload does not wait for the device. The space is reused once the stream has been
/// synchronised (every loss or output read does that); when it fills up before, the upload synchronises first.
/// </summary>
internal sealed class GpuStaging : IDisposable
{
    private readonly Accelerator _accelerator;
    private PageLockedArray1D<float>? _host;
    private long _used;

    public GpuStaging(Accelerator accelerator) => _accelerator = accelerator;

    /// <summary>Floats of pinned memory held (grows to the largest uploads seen; no allocation once a step has run).</summary>
    public long Capacity => _host?.Length ?? 0;

    /// <summary>Queues source → destination on the stream; <paramref name="synchronize"/> waits for the stream when the pinned
    /// memory is still in use by earlier copies.</summary>
    public void Upload(ReadOnlySpan<float> source, ArrayView<float> destination, AcceleratorStream stream, Action synchronize)
    {
        long length = source.Length;
        if (length == 0) return;
        if (_pending >= 0) throw new InvalidOperationException("Upload during a staged upload (BeginUpload without EndUpload).");
        Reserve(length, synchronize);
        Span<float> pinned = _host!.Span.Slice(checked((int)_used), source.Length);
        source.CopyTo(pinned);
        destination.SubView(0, length).CopyFromCPUUnsafeAsync(stream, ref pinned[0], length);
        _used += length;
    }

    /// <summary>Pinned floats for the caller to fill (the backend seam's staged upload): valid until <see cref="End"/>.</summary>
    public Span<float> Begin(int count, Action synchronize)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "An upload cannot have a negative length.");
        if (_pending >= 0) throw new InvalidOperationException("BeginUpload: the previous staged upload was not ended (one at a time).");
        Reserve(count, synchronize);
        _pending = count;
        return count == 0 ? default : _host!.Span.Slice(checked((int)_used), count);
    }

    /// <summary>Queues the copy of the span <see cref="Begin"/> handed out to <paramref name="destination"/>.</summary>
    public void End(int count, ArrayView<float> destination, AcceleratorStream stream)
    {
        if (_pending != count)
            throw new InvalidOperationException(_pending < 0 ? "EndUpload without BeginUpload."
                : $"EndUpload of {count} floats after BeginUpload of {_pending}: pass the same arguments.");
        _pending = -1;
        if (count == 0) return;
        destination.SubView(0, count).CopyFromCPUUnsafeAsync(stream, ref _host!.Span[checked((int)_used)], count);
        _used += count;
    }

    private int _pending = -1;

    private void Reserve(long length, Action synchronize)
    {
        if (_host != null && _used + length <= _host.Length) return;
        synchronize();
        if (_host == null || length > _host.Length)
        {
            _host?.Dispose();
            // Room for a few uploads of this size between synchronisations (input and target of a step).
            _host = _accelerator.AllocatePageLocked1D<float>(Math.Max(4 * length, 1 << 16));
        }
    }

    /// <summary>Called after the stream was synchronised: every earlier copy has read its pinned floats.</summary>
    public void Reset() => _used = 0;

    public void Dispose()
    {
        _host?.Dispose();
        _host = null;
    }
}
