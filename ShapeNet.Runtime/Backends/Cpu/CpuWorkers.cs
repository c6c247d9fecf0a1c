using System.Runtime.CompilerServices;

namespace ShapeNet.Backends.Cpu;

/// <summary>
/// A persistent pool of background threads that run the parts of one parallel kernel at a time.
/// Kernels hand over a static function pointer and publish their operands in static fields before
/// <see cref="RunAndRelease"/>, so a parallel call allocates nothing and captures nothing.
/// The calling thread runs part 0 itself; worker w runs part w. Only one kernel owns the pool at a time:
/// a caller that fails <see cref="TryAcquire"/> runs its whole kernel on its own thread instead of waiting.
/// Kernels validate their arguments before dispatching, so a part never throws on a worker thread.
/// </summary>
internal static unsafe class CpuWorkers
{
    /// <summary>Most parts a parallel kernel can be split into (the caller plus one per worker thread).</summary>
    public static readonly int PartCount = Math.Clamp(Environment.ProcessorCount, 1, 16);

    private static readonly ManualResetEventSlim s_done = CreateDoneEvent();
    private static readonly ManualResetEventSlim[] s_start = CreateWorkers();

    /// <summary>How long the calling thread spins for the workers to finish, and a worker for its next part, before it
    /// blocks: long enough to catch parts that end together, and the next kernel of a forward pass, on an idle machine;
    /// short enough not to burn the time slice a preempted thread needs when the machine is oversubscribed (a spinning
    /// thread and the one it waits for share one scheduling group). Both spins yield the CPU now and then (<see cref="SpinsPerYield"/>).</summary>
    private static readonly long s_spinTicks = System.Diagnostics.Stopwatch.Frequency / 20_000;   // 50 µs

    /// <summary>Spin steps between two yields of a spinning thread. A step (<c>Thread.SpinWait(1)</c> and a clock read) is
    /// about 70 ns here, a yield about 1.3 µs (a system call in a VM): yielding every 32 steps (~2 µs) gave back the whole
    /// gain of spinning, every 256 (~18 µs, at most three yields per spin) keeps it.</summary>
    private const int SpinsPerYield = 256;
    private static delegate*<int, int, void> s_body;
    private static int s_threads = PartCount;
    private static int s_parts;

    /// <summary>Threads a parallel kernel uses, 1 to <see cref="PartCount"/> (default: all). 1 runs every kernel on the
    /// calling thread. Set it between steps, not while a kernel runs on another thread.</summary>
    public static int Threads
    {
        get => Volatile.Read(ref s_threads);
        set
        {
            if (value < 1 || value > PartCount)
                throw new ArgumentOutOfRangeException(nameof(value), value, $"The CPU backend can use 1 to {PartCount} threads on this machine, not {value}.");
            Volatile.Write(ref s_threads, value);
        }
    }
    private static int s_owned;
    private static int s_pending;
    private static readonly long[] s_allocatedBytes = new long[Math.Max(0, PartCount - 1)];

    /// <summary>Bytes the worker threads have allocated so far, as each measured after its last part of work:
    /// an exact count for allocation tests, unlike the process-wide counter that sees every thread.</summary>
    public static long WorkerAllocatedBytes
    {
        get
        {
            long total = 0;
            for (int w = 0; w < s_allocatedBytes.Length; w++) total += Volatile.Read(ref s_allocatedBytes[w]);
            return total;
        }
    }

    /// <summary>Claims the pool; false when another thread is running a parallel kernel right now.</summary>
    public static bool TryAcquire() => Threads > 1 && Interlocked.CompareExchange(ref s_owned, 1, 0) == 0;

    /// <summary>Runs body(part, <see cref="Threads"/>) for every part, part 0 on the calling thread, returns when all
    /// are done and releases the pool. The caller must hold the pool (<see cref="TryAcquire"/>).</summary>
    public static void RunAndRelease(delegate*<int, int, void> body)
    {
        int parts = Threads;
        s_body = body;
        s_parts = parts;
        Volatile.Write(ref s_pending, parts - 1);
        // Set() is a full fence: the workers see the body and every operand field written before it.
        for (int w = 0; w < parts - 1; w++) s_start[w].Set();
        try
        {
            body(0, parts);
        }
        finally
        {
            // Even if part 0 throws, the workers still read the operands: wait for them before handing the pool back.
            WaitForWorkers();
            s_body = null;
            Volatile.Write(ref s_owned, 0);
        }
    }

    /// <summary>Spins briefly, then blocks on <see cref="s_done"/>, which the last worker to finish sets. A Set left over
    /// from an earlier call only causes one more check: the count, not the event, says when the parts are done.</summary>
    private static void WaitForWorkers()
    {
        if (Volatile.Read(ref s_pending) == 0) return;
        long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + s_spinTicks;
        for (int spins = 1; Volatile.Read(ref s_pending) != 0; spins++)
        {
            if (System.Diagnostics.Stopwatch.GetTimestamp() < deadline)
            {
                SpinOnce(spins);
                continue;
            }
            s_done.Wait();
            s_done.Reset();
        }
    }

    /// <summary>One step of a short spin: a pause, and every <see cref="SpinsPerYield"/> steps a yield of the CPU. The
    /// exponential back-off of <see cref="SpinWait"/> (and of the events' own spin) reaches a yield within ten steps and
    /// then yields at every step, so a part that ended while its waiter was in the system call was noticed late: the
    /// batch-1 MLP forward, two parallel dot-product kernels of 3–10 µs, spent about 3 µs of its ~21 in hand-overs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SpinOnce(int spins)
    {
        if (spins % SpinsPerYield == 0) Thread.Yield();
        else Thread.SpinWait(1);
    }

    private static ManualResetEventSlim CreateDoneEvent()
    {
        var done = new ManualResetEventSlim(false, spinCount: 1);
        // The first blocking wait creates the event's lock object: do it now, so a training step never allocates it.
        done.Wait(1);
        return done;
    }

    private static ManualResetEventSlim[] CreateWorkers()
    {
        var events = new ManualResetEventSlim[PartCount - 1];
        for (int w = 0; w < events.Length; w++)
        {
            events[w] = new ManualResetEventSlim(false, spinCount: 2000);
            // As for s_done: a worker's first blocking wait would create the event's lock object (24 bytes) inside a
            // training step when the machine is loaded; create it here, before any step.
            events[w].Wait(1);
            var thread = new Thread(WorkerLoop) { IsBackground = true, Name = $"ShapeNet CPU worker {w + 1}" };
            thread.Start(w + 1);
        }
        return events;
    }

    private static void WorkerLoop(object? state)
    {
        int part = (int)state!;
        ManualResetEventSlim start = s_start[part - 1];
        while (true)
        {
            // The next kernel usually follows within microseconds (the layers of a forward pass): watch for it with a short
            // spin before the event's own wait, whose back-off yields at every step and would notice it late.
            long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + s_spinTicks;
            for (int spins = 1; !start.IsSet && System.Diagnostics.Stopwatch.GetTimestamp() < deadline; spins++) SpinOnce(spins);
            start.Wait();
            start.Reset();
            s_body(part, s_parts);
            Volatile.Write(ref s_allocatedBytes[part - 1], GC.GetAllocatedBytesForCurrentThread());
            if (Interlocked.Decrement(ref s_pending) == 0) s_done.Set();
        }
    }
}
