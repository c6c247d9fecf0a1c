using ShapeNet.Backends.Cpu;
using Xunit.Sdk;

namespace ShapeNet.Runtime.Tests.Support;

/// <summary>
/// The bytes a piece of work allocates once warm, on the calling thread and on the CPU backend's worker threads (each thread's
/// own counter: the process-wide one would also count the test host's threads). <see cref="Measure"/> runs the work in windows
/// until one allocates nothing on either (at most <see cref="MaxWindows"/>): an allocation per call shows in every window and
/// fails; a one-off allocation the runtime makes for itself only costs one more window.
/// <para>The one-off seen: .NET's tiered PGO allocates once on the thread that first runs a method's instrumented code, which the
/// runtime installs after about 30 calls, so after any short warm-up, and on a worker thread when the method runs in a worker's
/// part. Measured (2-core Zen 5, .NET 10): a deep-CNN train loop saw 6,192 bytes in one window on a worker, inside the implicit
/// convolution's part, in 4 of 10 fresh processes, and in none of 10 with <c>DOTNET_TieredPGO=0</c>; a CI run saw 98,352 bytes
/// (in a test host with many more compiled methods), and an earlier one 320 bytes on the calling thread in the GEMM test, likely
/// the same. None of them recurred in a later window.</para>
/// </summary>
public sealed class AllocationWindows
{
    /// <summary>Most windows run before the measurement gives up.</summary>
    public const int MaxWindows = 4;

    private readonly List<(long Thread, long Workers)> _windows = [];

    private AllocationWindows() { }

    /// <summary>Every window measured, in order; the last is the first that allocated nothing, or the fourth.</summary>
    public IReadOnlyList<(long Thread, long Workers)> Windows => _windows;

    /// <summary>Bytes the last window allocated on the calling thread.</summary>
    public long Thread => _windows[^1].Thread;

    /// <summary>Bytes the last window allocated on the CPU backend's worker threads.</summary>
    public long Workers => _windows[^1].Workers;

    /// <summary>Whether a window allocated nothing on either.</summary>
    public bool Steady => Thread == 0 && Workers == 0;

    /// <summary>Runs <paramref name="window"/> until one run allocates nothing on the calling thread and the workers. A test
    /// that runs in parallel with others measures the calling thread only (<paramref name="workers"/> false): the workers run
    /// every test's kernels.</summary>
    public static AllocationWindows Measure(Action window, bool workers = true)
    {
        var result = new AllocationWindows();
        // Room for every window before the first is measured: growing the list is not the work's allocation.
        result._windows.Capacity = MaxWindows;
        for (int i = 0; i < MaxWindows; i++)
        {
            long thread = GC.GetAllocatedBytesForCurrentThread(), workerBytes = workers ? CpuBackend.WorkerAllocatedBytes : 0;
            window();
            result._windows.Add((GC.GetAllocatedBytesForCurrentThread() - thread, workers ? CpuBackend.WorkerAllocatedBytes - workerBytes : 0));
            if (result.Steady) break;
        }
        return result;
    }

    /// <summary>Fails, naming <paramref name="what"/> and every window, unless a window allocated nothing.</summary>
    public void AssertSteady(string what)
    {
        if (!Steady) throw new XunitException($"{what}: every window allocated (bytes on the calling thread + on the workers): {this}.");
    }

    /// <summary>The windows as "calling thread + workers" byte counts, e.g. "0 + 6,192; 0 + 0".</summary>
    public override string ToString() => string.Join("; ", _windows.Select(w => $"{w.Thread:N0} + {w.Workers:N0}"));
}
