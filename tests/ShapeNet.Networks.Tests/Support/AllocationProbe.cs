using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Networks.Tests.Support;

/// <summary>Bytes windows of train steps allocate on the calling thread and on the CPU backend's worker threads, until a window
/// allocates nothing (<see cref="AllocationWindows"/>).</summary>
internal static class AllocationProbe
{
    public static AllocationWindows TrainSteps(NetworkPlan plan, float[] x, float[] labels, int batch, int steps)
        => AllocationWindows.Measure(() =>
        {
            for (int i = 0; i < steps; i++) plan.TrainStep(x, labels, batch);
        });
}
