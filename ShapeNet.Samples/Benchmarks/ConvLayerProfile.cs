using System.Diagnostics;
using System.Globalization;
using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;

namespace ShapeNet.Samples.Benchmarks;

/// <summary>
/// <c>profile --layers</c>: every convolution and pooling geometry of the lecture-11 CNNs at batch 64, called directly on the
/// span kernels with the flags the generated plans pass (first layer without dx, 1×1 branches accumulating dx), best of many
/// repetitions. Isolates the kernels from the rest of the step for before/after comparisons.
/// </summary>
public static class ConvLayerProfile
{
    private sealed record Layer(string Net, int InC, int Size, int OutC, int Kernel, int Pad, bool Dx, bool AccumulateDx, UnaryOp Activation = UnaryOp.Identity);

    private static readonly Layer[] Layers =
    [
        new("basic", 1, 28, 10, 5, 0, false, false),
        new("basic", 10, 12, 20, 5, 0, true, false),
        new("incep", 1, 28, 10, 5, 0, false, false),
        new("incep", 10, 12, 16, 1, 0, true, true),
        new("incep", 10, 12, 24, 1, 0, true, false),
        new("incep", 16, 12, 24, 5, 2, true, false),
        new("incep", 16, 12, 24, 3, 1, true, false),
        new("incep", 24, 12, 24, 3, 1, true, false),
        new("incep", 88, 12, 20, 5, 0, true, false),
        new("incep", 20, 4, 16, 1, 0, true, true),
        new("incep", 20, 4, 24, 1, 0, true, false),
        new("incep", 16, 4, 24, 5, 2, true, false),
        new("incep", 16, 4, 24, 3, 1, true, false),
        new("incep", 24, 4, 24, 3, 1, true, false),
        new("resnet", 1, 28, 16, 5, 0, false, false),
        new("resnet", 16, 12, 16, 3, 1, true, false, UnaryOp.Relu),
        new("resnet", 16, 12, 32, 5, 0, true, false),
        new("resnet", 32, 4, 32, 3, 1, true, false, UnaryOp.Relu),
    ];

    public static void Run(TextWriter output, int milliseconds)
    {
        const int batch = 64;
        var random = new Random(1);
        output.WriteLine($"{"layer",-38} {"fwd ms",7} {"bwd ms",7} {"fwd GF/s",8} {"bwd GF/s",8}");
        double totalF = 0, totalB = 0;
        // SHAPENET_PROFILE_LAYER=text times only the layers whose name contains it (for a sampling profiler on one layer).
        string? only = Environment.GetEnvironmentVariable("SHAPENET_PROFILE_LAYER");
        foreach (Layer l in Layers)
        {
            if (only != null && !$"{l.Net} {l.InC}→{l.OutC} k{l.Kernel}".Contains(only, StringComparison.Ordinal)) continue;
            var g = new Conv2dGeometry(batch, l.InC, l.Size, l.Size, l.OutC, l.Kernel, l.Kernel, 1, 1, l.Pad, l.Pad, 1, 1, 1);
            float[] x = Values(random, (int)g.InputLength), w = Values(random, g.WeightLength), b = Values(random, l.OutC);
            float[] y = new float[g.OutputLength], dy = Values(random, (int)g.OutputLength), dx = new float[g.InputLength];
            float[] dw = new float[g.WeightLength], db = new float[l.OutC], ws = new float[CpuConvolution.WorkspaceLength(g)];
            double f = Best(() => CpuConvolution.Conv2d_Forward(y, x, w, b, ws, g, l.Activation), milliseconds);
            double bw = Best(() => CpuConvolution.Conv2d_Backward(l.Dx ? dx : default, dw, db, dy, x, w, ws, g, l.AccumulateDx, false), milliseconds);
            double macs = (double)batch * l.OutC * g.OutPlane * l.InC * l.Kernel * l.Kernel;
            totalF += f; totalB += bw;
            string name = $"{l.Net} {l.InC}→{l.OutC} k{l.Kernel} p{l.Pad} {l.Size}×{l.Size}{(l.Dx ? "" : " (no dx)")}";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-38} {f * 1e3,7:F3} {bw * 1e3,7:F3} {2 * macs / f / 1e9,8:F1} {2 * macs * (l.Dx ? 2 : 1) / bw / 1e9,8:F1}"));
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"total",-38} {totalF * 1e3,7:F3} {totalB * 1e3,7:F3}"));
        if (only != null) return;
        foreach (var (c, h, k, s, p, avg) in new[] { (10, 24, 2, 2, 0, false), (16, 24, 2, 2, 0, false), (20, 8, 2, 2, 0, false), (10, 12, 3, 1, 1, true), (20, 4, 3, 1, 1, true) })
        {
            int o = (h + 2 * p - k) / s + 1;
            float[] x = Values(random, batch * c * h * h), y = new float[batch * c * o * o], idx = new float[y.Length];
            float[] dy = Values(random, y.Length), dx = new float[x.Length];
            double f, bw;
            if (avg)
            {
                f = Best(() => CpuPooling.AvgPool2d_Forward(y, x, batch, c, h, h, k, k, s, s, p, p, true), milliseconds);
                bw = Best(() => CpuPooling.AvgPool2d_Backward(dx, dy, batch, c, h, h, k, k, s, s, p, p, true, false), milliseconds);
            }
            else
            {
                f = Best(() => CpuPooling.MaxPool2d_Forward(y, idx, x, batch, c, h, h, k, k, s, s, p, p), milliseconds);
                bw = Best(() => CpuPooling.MaxPool2d_Backward(dx, dy, idx, batch, c, h, h, k, k, s, s, p, p, false), milliseconds);
            }
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{(avg ? "AvgPool" : "MaxPool") + $" k{k} s{s} p{p} {c}×{h}×{h}",-38} {f * 1e3,7:F3} {bw * 1e3,7:F3}"));
        }
    }

    private delegate void Pass();

    /// <summary>CPU time per pass of the whole process, averaged (the machine is shared: wall time is inflated by other
    /// processes, CPU time is not; run with DOTNET_PROCESSOR_COUNT=1 to time the kernels on one core). With
    /// SHAPENET_PROFILE_WALL=1 the best wall time instead.</summary>
    private static double Best(Action pass, int milliseconds)
    {
        for (int i = 0; i < 3; i++) pass();
        bool wall = Environment.GetEnvironmentVariable("SHAPENET_PROFILE_WALL") == "1";
        double best = double.MaxValue;
        using var process = Process.GetCurrentProcess();
        TimeSpan cpuStart = process.TotalProcessorTime;
        int passes = 0;
        var total = Stopwatch.StartNew();
        while (total.ElapsedMilliseconds < milliseconds || passes < 5)
        {
            long start = Stopwatch.GetTimestamp();
            pass();
            passes++;
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        process.Refresh();
        return wall ? best : (process.TotalProcessorTime - cpuStart).TotalSeconds / passes;
    }

    private static float[] Values(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = random.NextSingle() * 2f - 1f;
        return values;
    }
}
