using System.Diagnostics;
using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;

namespace ShapeNet.Samples.Benchmarks;

/// <summary>
/// Throughput of the CPU backend's Conv2d on the two convolutions of the basic MNIST CNN (lecture 10) at batch 64:
/// Conv2d(1,10,k5) on 28×28 and Conv2d(10,20,k5) on 12×12. Backward is what training runs: the first layer's input
/// needs no gradient (dx skipped), the second's does. FLOPs count 2 per multiply-add of the convolution proper.
/// </summary>
public static class ConvBenchmark
{
    private const int Batch = 64;

    private sealed record Layer(string Name, int InC, int Size, int OutC, int Kernel, bool InputGradient)
    {
        public int OutSize => Size - Kernel + 1;
        /// <summary>Multiply-adds of one pass (forward, weight gradient or input gradient).</summary>
        public double MultiplyAdds => (double)Batch * OutC * OutSize * OutSize * InC * Kernel * Kernel;
    }

    private static readonly Layer[] Layers =
    [
        new("conv1 (1→10, k5, 28×28)", 1, 28, 10, 5, InputGradient: false),
        new("conv2 (10→20, k5, 12×12)", 10, 12, 20, 5, InputGradient: true),
    ];

    /// <summary>Minimum measured time per pass: enough repetitions to average out timer and scheduling noise.</summary>
    private static readonly TimeSpan MeasureTime = TimeSpan.FromSeconds(1);

    public static void Run(TextWriter output)
    {
        IBackend backend = CpuBackend.Instance;
        output.WriteLine($"CPU backend Conv2d (im2col + sgemm, float32), basic CNN at batch {Batch}, {Environment.ProcessorCount} cores");
        double totalFlops = 0, totalSeconds = 0, totalCpu = 0;
        foreach (Layer layer in Layers)
        {
            var random = new Random(layer.InC);
            DeviceBuffer x = backend.Wrap(RandomValues(random, Batch * layer.InC * layer.Size * layer.Size));
            DeviceBuffer weight = backend.Wrap(RandomValues(random, layer.OutC * layer.InC * layer.Kernel * layer.Kernel));
            DeviceBuffer bias = backend.Wrap(RandomValues(random, layer.OutC));
            DeviceBuffer y = backend.Allocate((long)Batch * layer.OutC * layer.OutSize * layer.OutSize);
            DeviceBuffer dy = backend.Wrap(RandomValues(random, Batch * layer.OutC * layer.OutSize * layer.OutSize));
            DeviceBuffer? dx = layer.InputGradient ? backend.Allocate((long)Batch * layer.InC * layer.Size * layer.Size) : null;
            DeviceBuffer dWeight = backend.Allocate(layer.OutC * layer.InC * layer.Kernel * layer.Kernel);
            DeviceBuffer dBias = backend.Allocate(layer.OutC);
            var desc = new Conv2dDesc(layer.InC, layer.Size, layer.Size, layer.OutC, layer.Kernel, layer.Kernel, activation: UnaryOp.Relu);
            DeviceBuffer workspace = backend.Allocate(backend.Conv2d_WorkspaceLength(desc, Batch));

            void Forward() => backend.Conv2d_Forward(y, x, weight, bias, workspace, desc, Batch);
            void Backward() => backend.Conv2d_Backward(dx, dWeight, dBias, dy, x, weight, workspace, desc, Batch, accumulateDx: false, accumulateParameters: false);

            double forwardFlops = 2 * layer.MultiplyAdds, backwardFlops = 2 * layer.MultiplyAdds * (layer.InputGradient ? 2 : 1);
            (double forwardSeconds, double forwardCpu) = BestSeconds(Forward);
            (double backwardSeconds, double backwardCpu) = BestSeconds(Backward);
            output.WriteLine($"{layer.Name,-26} forward  {Figures(forwardFlops, forwardSeconds, forwardCpu)}");
            output.WriteLine($"{layer.Name,-26} backward {Figures(backwardFlops, backwardSeconds, backwardCpu)}" +
                (layer.InputGradient ? " (dW + dx)" : " (dW only)"));
            totalFlops += forwardFlops + backwardFlops;
            totalSeconds += forwardSeconds + backwardSeconds;
            totalCpu += forwardCpu + backwardCpu;
        }
        output.WriteLine($"{"both convs, fwd + bwd",-26}          {Figures(totalFlops, totalSeconds, totalCpu)}");
    }

    /// <summary>Wall-clock throughput, and throughput per core-second of CPU time (the kernel's own efficiency, which a
    /// loaded machine distorts less than the wall clock).</summary>
    private static string Figures(double flops, double seconds, double cpuSeconds)
        => $"{seconds * 1e3,7:F2} ms {flops / seconds / 1e9,6:F1} GFLOP/s   {flops / cpuSeconds / 1e9,6:F1} GFLOP/s per CPU-second";

    /// <summary>The best wall time per pass over several timed batches, and the process CPU time per pass averaged over all
    /// of them (the CPU clock ticks too coarsely for a per-batch minimum), after a warm-up (tier-up, worker threads, packing).</summary>
    private static (double Wall, double Cpu) BestSeconds(Action pass)
    {
        for (int i = 0; i < 3; i++) pass();
        double bestWall = double.MaxValue;
        int passes = 0;
        using var process = Process.GetCurrentProcess();
        TimeSpan cpuStart = process.TotalProcessorTime;
        var total = Stopwatch.StartNew();
        while (total.Elapsed < MeasureTime)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < Repetitions; i++) pass();
            bestWall = Math.Min(bestWall, Stopwatch.GetElapsedTime(start).TotalSeconds / Repetitions);
            passes += Repetitions;
        }
        process.Refresh();
        return (bestWall, (process.TotalProcessorTime - cpuStart).TotalSeconds / passes);
    }

    private const int Repetitions = 5;

    private static float[] RandomValues(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = random.NextSingle() * 2f - 1f;
        return values;
    }
}
