namespace ShapeNet.Networks.Tests.Support;

/// <summary>Bytes a run of train steps allocates on the calling thread and on the CPU backend's worker threads (each
/// thread's own counter: the process-wide one would also count the test host's threads).</summary>
internal static class AllocationProbe
{
    public static (long Thread, long Workers) TrainSteps(NetworkPlan plan, float[] x, float[] labels, int batch, int steps)
    {
        long thread = GC.GetAllocatedBytesForCurrentThread();
        long workers = ShapeNet.Backends.Cpu.CpuBackend.WorkerAllocatedBytes;
        for (int i = 0; i < steps; i++) plan.TrainStep(x, labels, batch);
        return (GC.GetAllocatedBytesForCurrentThread() - thread, ShapeNet.Backends.Cpu.CpuBackend.WorkerAllocatedBytes - workers);
    }
}
