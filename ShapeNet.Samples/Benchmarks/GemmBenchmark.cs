using System.Diagnostics;
using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;

namespace ShapeNet.Samples.Benchmarks;

/// <summary>Single-precision GEMM throughput of the CPU backend on square, non-transposed products.</summary>
public static class GemmBenchmark
{
    /// <summary>The sizes torch_baseline.py measures.</summary>
    public static readonly int[] DefaultSizes = [256, 1024];

    /// <summary>Minimum measured time per size: enough repetitions to average out timer and scheduling noise.</summary>
    private static readonly TimeSpan MeasureTime = TimeSpan.FromSeconds(1);

    public static void Run(TextWriter output)
    {
        output.WriteLine($"CPU backend sgemm (C = A·B, square, float32), {Environment.ProcessorCount} cores");
        foreach (int size in DefaultSizes) output.WriteLine($"sgemm {size,6} {Measure(size),6:F1} GFLOP/s");
    }

    /// <summary>GFLOP/s of C = A·B at <paramref name="size"/>: the best of several timed batches after warm-up.</summary>
    public static double Measure(int size)
    {
        IBackend backend = CpuBackend.Instance;
        var random = new Random(size);
        DeviceBuffer a = backend.Wrap(RandomMatrix(random, size));
        DeviceBuffer b = backend.Wrap(RandomMatrix(random, size));
        DeviceBuffer c = backend.Allocate((long)size * size);

        // Warm-up: tier-up of the kernels, worker threads started, packing buffers allocated.
        for (int i = 0; i < 3; i++) Multiply(backend, a, b, c, size);

        // The best of several timed batches, the usual way to report peak kernel throughput.
        double bestSeconds = double.MaxValue;
        var total = Stopwatch.StartNew();
        int repetitions = Math.Max(1, (int)(2e8 / ((double)size * size * size)));
        while (total.Elapsed < MeasureTime)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < repetitions; i++) Multiply(backend, a, b, c, size);
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds / repetitions;
            bestSeconds = Math.Min(bestSeconds, seconds);
        }
        return 2.0 * size * size * size / bestSeconds / 1e9;
    }

    private static void Multiply(IBackend backend, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, int size)
        => backend.Gemm(false, false, size, size, size, 1f, a, 0, size, b, 0, size, 0f, c, 0, size);

    private static float[] RandomMatrix(Random random, int size)
    {
        var values = new float[size * size];
        for (int i = 0; i < values.Length; i++) values[i] = random.NextSingle() * 2f - 1f;
        return values;
    }
}
