using System.CommandLine;
using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;

namespace ShapeNet.Samples.Benchmarks;

/// <summary>
/// <c>gpu-bench</c>: each seed model's train step (the <c>bench</c> command's cases: batch, loss, optimizer and data as
/// torch_baseline.py) on the CUDA backend, next to the same step on the CPU backend. It needs a usable NVIDIA GPU; without one
/// it prints the reason and exits with 1. Figures only: nothing is asserted.
/// </summary>
public static class GpuBenchCommand
{
    public static Command Command()
    {
        var steps = new Option<int>("--steps") { Description = "Steps per timed window for the MLP and the basic CNN (as bench).", DefaultValueFactory = _ => 50 };
        var windows = new Option<int>("--windows") { Description = "Timed windows per model; the fastest is reported.", DefaultValueFactory = _ => 3 };
        var command = new Command("gpu-bench", "Train-step time of each seed model on the CUDA backend next to the CPU backend.") { steps, windows };
        command.SetAction(result => Run(result.GetValue(steps), result.GetValue(windows), Console.Out));
        return command;
    }

    public static int Run(int steps, int windows, TextWriter output)
    {
        DeviceChoice choice;
        try
        {
            choice = Devices.Select(Device.Cuda);
        }
        catch (InvalidOperationException e)
        {
            output.WriteLine($"gpu-bench needs a GPU: {e.Message}");
            return 1;
        }
        output.WriteLine($"device: {choice.Backend.Name}");
        string load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";
        output.WriteLine($"cpu: {Environment.ProcessorCount} logical cores; load average {load}");
        output.WriteLine("| model | batch | GPU µs/step | GPU steps/s | CPU µs/step | GPU speed-up |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|");
        IReadOnlyList<TrainCase> gpu = TrainBenchmark.SeedCases(steps, choice.Backend), cpu = TrainBenchmark.SeedCases(steps, CpuBackend.Instance);
        for (int i = 0; i < gpu.Count; i++)
        {
            TrainResult g = TrainBenchmark.Measure(gpu[i], windows, TimeSpan.FromSeconds(1));
            TrainResult c = TrainBenchmark.Measure(cpu[i], windows, TimeSpan.FromSeconds(1));
            output.WriteLine($"| {g.Name} | {g.Batch} | {g.MicrosecondsPerStep:F1} | {g.StepsPerSecond:F0} | {c.MicrosecondsPerStep:F1} | " +
                $"{c.MicrosecondsPerStep / g.MicrosecondsPerStep:F2}× |");
        }
        (choice.Backend as IDisposable)?.Dispose();
        return 0;
    }
}
