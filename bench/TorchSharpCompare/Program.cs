using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text;
using NetworkPlan = ShapeNet.NetworkPlan;
using Tensor = TorchSharp.torch.Tensor;
using ShapeNet.Backends.Cpu;
using ShapeNet.Samples.Benchmarks;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchSharpCompare;

/// <summary>
/// ShapeNet's generated plans against libtorch 2.10 (TorchSharp-cpu 0.107.0: MKL + oneDNN) in one process: for every
/// round, thread count and case, one timed window of each framework, the order alternating (A,B then B,A) so drift and
/// neighbours' load hit both alike. Prints the medians, their ratio and the range of the per-round ratios, and writes
/// docs/performance.md. See README.md beside this file.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        // libgomp reads OMP_WAIT_POLICY once, when libtorch loads; .NET's SetEnvironmentVariable does not reach the
        // native environment, so the program starts itself again with it set. ACTIVE (the default) makes idle OpenMP
        // threads spin, and a 2-thread libtorch run collapses 10–30× whenever another process wants a core.
        if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") != "PASSIVE")
            return Relaunch(args);

        var options = Options.Parse(args);
        if (options is null) return 2;
        return new Comparison(options).Run();
    }

    private static int Relaunch(string[] args)
    {
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("The program's own path is unknown.");
        var info = new ProcessStartInfo(self) { UseShellExecute = false };
        // Under `dotnet TorchSharpCompare.dll` the process is dotnet itself: pass the assembly again.
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") info.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (string a in args) info.ArgumentList.Add(a);
        info.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        using Process process = Process.Start(info)!;
        process.WaitForExit();
        return process.ExitCode;
    }
}

internal sealed record Options(int Rounds, double WindowSeconds, double WarmupSeconds, int[] Threads, string Output, string[] Only)
{
    public static Options? Parse(string[] args)
    {
        int rounds = 5;
        double window = 0.4, warmup = 0.6;
        int[] threads = [1, Math.Min(2, CpuBackend.MaxThreads)];
        string output = "docs/performance.md";
        string[] only = [];
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--rounds": rounds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--window": window = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--warmup": warmup = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--threads": threads = Next().Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture)).Distinct().ToArray(); break;
                case "--output": output = Next(); break;
                case "--only": only = Next().Split(','); break;
                default:
                    Console.Error.WriteLine($"Unknown option {args[i]}.");
                    Console.Error.WriteLine("Options: --rounds N (5) --window SECONDS (0.4) --warmup SECONDS (0.6) --threads 1,2 --output PATH|- (docs/performance.md) --only NAME,NAME");
                    return null;
            }
        }
        if (rounds < 1 || window <= 0 || threads.Any(t => t < 1 || t > CpuBackend.MaxThreads))
        {
            Console.Error.WriteLine($"--rounds must be ≥ 1, --window > 0, and each thread count 1 to {CpuBackend.MaxThreads}.");
            return null;
        }
        return new Options(rounds, window, warmup, threads, output, only);
    }
}

/// <summary>What a row measures: training steps/s, inference latency, or sgemm GFLOP/s.</summary>
internal enum Kind { Train, Inference, Gemm }

/// <summary>One row: the same work in both frameworks. A step is one call; <see cref="FlopsPerStep"/> only for sgemm.</summary>
internal sealed record Row(string Name, Kind Kind, int Batch, Action ShapeNet, Action Torch, double FlopsPerStep = 0, bool CountsAllocation = true);

internal sealed class Comparison(Options options)
{
    private readonly List<IDisposable> _owned = [];
    private long _maxAllocatedPerStep;

    public int Run()
    {
        string date = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        string load0 = LoadAverage();
        Console.WriteLine($"machine: {Machine.Description}");
        Console.WriteLine($"ShapeNet SIMD path: {Machine.ShapeNetPath}; TorchSharp {typeof(torch).Assembly.GetName().Version}, libtorch {torch.__version__}");
        Console.WriteLine($"load average at start: {load0}");
        torch.manual_seed(0);

        List<Row> rows = Rows();
        if (options.Only.Length > 0) rows = rows.Where(r => options.Only.Any(o => r.Name.StartsWith(o, StringComparison.Ordinal))).ToList();

        // Warm-up at every thread count: JIT tier-up, worker threads, packing buffers, libtorch's pools and oneDNN primitives.
        foreach (int t in options.Threads)
        {
            SetThreads(t);
            foreach (Row row in rows)
            {
                Window(row.ShapeNet, options.WarmupSeconds);
                Window(row.Torch, options.WarmupSeconds);
            }
        }

        // rates[row][thread][round] = (ShapeNet, libtorch) steps per second.
        var rates = rows.ToDictionary(r => r, _ => options.Threads.ToDictionary(t => t, _ => new List<(double Ours, double Theirs)>()));
        for (int round = 0; round < options.Rounds; round++)
        {
            foreach (int t in options.Threads)
            {
                SetThreads(t);
                for (int i = 0; i < rows.Count; i++)
                {
                    Row row = rows[i];
                    double ours, theirs;
                    if ((round + i) % 2 == 0)
                    {
                        ours = MeasureShapeNet(row);
                        theirs = Window(row.Torch, options.WindowSeconds);
                    }
                    else
                    {
                        theirs = Window(row.Torch, options.WindowSeconds);
                        ours = MeasureShapeNet(row);
                    }
                    rates[row][t].Add((ours, theirs));
                }
            }
            Console.WriteLine($"round {round + 1}/{options.Rounds} done, load average {LoadAverage()}");
        }
        string load1 = LoadAverage();

        string path = Path.IsPathRooted(options.Output) ? options.Output : Path.Combine(SolutionFolder() ?? Directory.GetCurrentDirectory(), options.Output);
        string? previous = options.Output == "-" ? null : path;
        string report = Report(rows, rates, date, load0, load1, KeptBlocks(previous));
        Console.WriteLine();
        Console.Write(report);
        if (options.Output != "-")
        {
            File.WriteAllText(path, report);
            Console.WriteLine($"wrote {path}");
        }
        foreach (IDisposable d in _owned) d.Dispose();
        return 0;
    }

    private static void SetThreads(int threads)
    {
        CpuBackend.Threads = threads;
        torch.set_num_threads(threads);
    }

    /// <summary>Steps per second over a window of at least <paramref name="seconds"/> and 2 steps: per second of the calling
    /// thread's CPU time when the run is single-threaded (both frameworks then compute on the calling thread only, so
    /// time the scheduler gives to other processes is not counted), per second of wall time otherwise.</summary>
    private static double Window(Action step, double seconds)
    {
        bool cpuClock = CpuBackend.Threads == 1;
        Func<double> clock = cpuClock ? ThreadCpuSeconds : WallSeconds;
        double start = clock();
        int steps = 0, batch = 1;
        double elapsed;
        do
        {
            // The clock is read after batches of steps, not after every step: CLOCK_THREAD_CPUTIME_ID is a system call
            // (about 1 µs on this VM), which would otherwise be timed with every sub-microsecond inference call. Each batch
            // aims at a quarter of the time left, so the window overshoots by at most about that.
            for (int i = 0; i < batch; i++) step();
            steps += batch;
            elapsed = clock() - start;
            batch = (int)Math.Clamp((seconds - elapsed) / (elapsed / steps) / 4, 1, steps);
        } while (elapsed < seconds || steps < 2);
        return steps / elapsed;
    }

    private static double WallSeconds() => Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds, Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out Timespec time);

    /// <summary>CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID).</summary>
    internal static double ThreadCpuSeconds()
    {
        if (ClockGetTime(3, out Timespec t) != 0) throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed.");
        return t.Seconds + t.Nanoseconds * 1e-9;
    }

    /// <summary>A ShapeNet window, counting the managed bytes the calling thread and the CPU worker threads allocate.</summary>
    private double MeasureShapeNet(Row row)
    {
        long thread = GC.GetAllocatedBytesForCurrentThread(), workers = CpuBackend.WorkerAllocatedBytes;
        int steps = 0;
        double rate = Window(() => { row.ShapeNet(); steps++; }, options.WindowSeconds);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - thread + CpuBackend.WorkerAllocatedBytes - workers;
        if (row.CountsAllocation) _maxAllocatedPerStep = Math.Max(_maxAllocatedPerStep, allocated / steps);
        return rate;
    }

    private List<Row> Rows()
    {
        var rows = new List<Row>();
        // Seed cases without a TorchSharp twin here (or without a fixed float batch) are listed, not timed.
        var cases = new List<TrainCase>();
        foreach (TrainCase c in TrainBenchmark.SeedCases(1))
        {
            if (TorchCase(c) is null || (c.Input.Length == 0 && c.Ids.Length == 0)) Console.WriteLine($"{c.Name}: no TorchSharp twin in TorchModels.cs yet, not compared");
            else cases.Add(c);
        }
        foreach (TrainCase c in cases)
        {
            NetworkPlan plan = c.CreatePlan();
            _owned.Add(plan);
            var (model, loss, x, y) = TorchCase(c)!.Value;
            var optimizer = torch.optim.SGD(model.parameters(), c.Name == "linear-regression" ? 0.03 : 0.01, momentum: 0.5);
            Action ours = c.Step is { } step ? () => step(plan) : () => plan.TrainStep(c.Input, c.Target, c.Batch);
            rows.Add(new Row(c.Name, Kind.Train, c.Batch, ours, () =>
            {
                using var scope = torch.NewDisposeScope();
                optimizer.zero_grad();
                Tensor l = loss.call(model.call(x), y);
                l.backward();
                optimizer.step();
            }));
        }
        // The CNNs again with ShapeNet's Winograd convolutions off (implicit GEMM / im2col), against the same libtorch step:
        // the before and after of the Winograd path in one run.
        foreach (TrainCase c in cases.Where(c => c.Name.EndsWith("-cnn", StringComparison.Ordinal)))
        {
            NetworkPlan plan = c.CreatePlan();
            _owned.Add(plan);
            var (model, loss, x, y) = TorchCase(c)!.Value;
            var optimizer = torch.optim.SGD(model.parameters(), 0.01, momentum: 0.5);
            rows.Add(new Row($"{c.Name} (no Winograd)", Kind.Train, c.Batch, () =>
            {
                CpuConvolution.UseWinograd = false;
                plan.TrainStep(c.Input, c.Target, c.Batch);
                CpuConvolution.UseWinograd = true;
            }, () =>
            {
                using var scope = torch.NewDisposeScope();
                optimizer.zero_grad();
                Tensor l = loss.call(model.call(x), y);
                l.backward();
                optimizer.step();
            }));
        }
        foreach (TrainCase c in cases)
        {
            var (model, _, x, _) = TorchCase(c)!.Value;
            model.eval();
            foreach (int batch in new[] { 1, 64 })
            {
                NetworkPlan plan = c.CreatePlan();
                _owned.Add(plan);
                if (c.Ids.Length > 0)
                {
                    if (plan.BatchCapacity < batch || batch > c.Batch) continue;
                    rows.Add(IdsInference(c, plan, model, batch));
                    continue;
                }
                int inputWidth = c.Input.Length / c.Batch;
                float[] input = c.Input.AsSpan(0, Math.Min(batch, c.Batch) * inputWidth).ToArray();
                if (batch > c.Batch) input = Enumerable.Range(0, batch).SelectMany(i => c.Input.AsSpan((i % c.Batch) * inputWidth, inputWidth).ToArray()).ToArray();
                if (plan.BatchCapacity < batch) continue;
                float[] output = new float[plan.OutputLength / plan.Batch * batch];
                long[] shape = [batch, .. x.shape.Skip(1)];
                Tensor xb = torch.tensor(input, shape);
                rows.Add(new Row($"{c.Name} b{batch}", Kind.Inference, batch, () => plan.Forward(input, output, batch), () =>
                {
                    using var scope = torch.NewDisposeScope();
                    using var noGrad = torch.no_grad();
                    model.call(xb);
                }));
            }
        }
        foreach (int n in new[] { 256, 512, 1024 })
        {
            var random = new Random(n);
            float[] a = Enumerable.Range(0, n * n).Select(_ => random.NextSingle() * 2 - 1).ToArray();
            float[] b = Enumerable.Range(0, n * n).Select(_ => random.NextSingle() * 2 - 1).ToArray();
            float[] c = new float[n * n];
            Tensor ta = torch.tensor(a, [n, n]), tb = torch.tensor(b, [n, n]), tc = torch.zeros(n, n);
            // addmm_ with beta 0 writes A·B into an existing C, as ShapeNet's GEMM does: no output allocation either side.
            rows.Add(new Row($"sgemm {n}", Kind.Gemm, n, () => CpuGemm.Gemm(false, false, n, n, n, 1f, a, n, b, n, 0f, c, n),
                () => tc.addmm_(ta, tb, beta: 0, alpha: 1), 2.0 * n * n * n));
            // On an AVX-512 machine, ShapeNet's AVX2 kernels too (what an AVX2-only CPU runs), against the same libtorch call.
            if (CpuGemm.BestKernel == GemmKernel.Avx512)
                rows.Add(new Row($"sgemm {n} (ShapeNet AVX2 path)", Kind.Gemm, n, () =>
                {
                    CpuGemm.Kernel = GemmKernel.Avx2;
                    CpuGemm.Gemm(false, false, n, n, n, 1f, a, n, b, n, 0f, c, n);
                    CpuGemm.Kernel = GemmKernel.Avx512;
                }, () => tc.addmm_(ta, tb, beta: 0, alpha: 1), 2.0 * n * n * n));
        }
        return rows;
    }

    /// <summary>Inference on integer ids laid out [Seq, Batch] (the GRU classifier): the first <paramref name="batch"/> examples of
    /// every step, uploaded as ints, forward, output downloaded; libtorch gets the same ids as a [Seq, batch] int64 tensor.</summary>
    private static Row IdsInference(TrainCase c, NetworkPlan plan, nn.Module<Tensor, Tensor> model, int batch)
    {
        int seq = c.Ids.Length / c.Batch;
        int[] ids = new int[seq * batch];
        for (int t = 0; t < seq; t++) c.Ids.AsSpan(t * c.Batch, batch).CopyTo(ids.AsSpan(t * batch));
        float[] output = new float[plan.OutputLength / plan.Batch * batch];
        Tensor xb = torch.tensor(ids.Select(v => (long)v).ToArray(), [seq, batch]);
        return new Row($"{c.Name} b{batch}", Kind.Inference, batch, () =>
        {
            plan.SetBatch(batch);
            plan.UploadInput(0, ids);
            plan.Forward();
            plan.DownloadOutput(output);
        }, () =>
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            model.call(xb);
        });
    }

    /// <summary>The libtorch model, loss and one fixed batch for a ShapeNet case: the same shapes, data and targets; null for
    /// a case with no twin yet.</summary>
    private static (nn.Module<Tensor, Tensor> Model, nn.Module<Tensor, Tensor, Tensor> Loss, Tensor X, Tensor Y)? TorchCase(TrainCase c)
    {
        int b = c.Batch;
        return c.Name switch
        {
            "linear-regression" => (nn.Linear(2, 1), nn.MSELoss(), torch.tensor(c.Input, [b, 2]), torch.tensor(c.Target, [b, 1])),
            "logistic-8" => (nn.Sequential(nn.Linear(8, 6), nn.Sigmoid(), nn.Linear(6, 4), nn.Sigmoid(), nn.Linear(4, 1), nn.Sigmoid()),
                nn.BCELoss(), torch.tensor(c.Input, [b, 8]), torch.tensor(c.Target, [b, 1])),
            "mnist-mlp" => (new TorchMlp(), nn.CrossEntropyLoss(), torch.tensor(c.Input, [b, 1, 28, 28]), Labels(c.Target)),
            "basic-cnn" => (new TorchBasicCnn(), nn.CrossEntropyLoss(), torch.tensor(c.Input, [b, 1, 28, 28]), Labels(c.Target)),
            "inception-cnn" => (new TorchInceptionCnn(), nn.CrossEntropyLoss(), torch.tensor(c.Input, [b, 1, 28, 28]), Labels(c.Target)),
            "resnet-cnn" => (new TorchResNetCnn(), nn.CrossEntropyLoss(), torch.tensor(c.Input, [b, 1, 28, 28]), Labels(c.Target)),
            "gru-classifier" => (new TorchGruClassifier(), nn.CrossEntropyLoss(),
                torch.tensor(c.Ids.Select(v => (long)v).ToArray(), [c.Ids.Length / b, b]), torch.tensor(c.Classes.Select(v => (long)v).ToArray())),
            _ => null,
        };
    }

    private static Tensor Labels(float[] target) => torch.tensor(target.Select(v => (long)v).ToArray());

    /// <summary>Every section of the previous report between <c>&lt;!-- name --&gt;</c> and <c>&lt;!-- /name --&gt;</c>, kept as it
    /// is and in its order: the cold-start section bench/ColdStart/coldstart.py writes, and notes written by hand (measurements
    /// of a change, before and after), which a rerun would otherwise drop.</summary>
    private static string KeptBlocks(string? path)
    {
        if (path is null || !File.Exists(path)) return "";
        string text = File.ReadAllText(path);
        var kept = new StringBuilder();
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text,
                     @"<!-- ([a-z0-9-]+) -->.*?<!-- /\1 -->", System.Text.RegularExpressions.RegexOptions.Singleline))
            kept.Append(m.Value).Append("\n\n");
        return kept.ToString();
    }

    private string Report(List<Row> rows, Dictionary<Row, Dictionary<int, List<(double Ours, double Theirs)>>> rates,
        string date, string load0, string load1, string coldStart)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Performance");
        sb.AppendLine();
        sb.AppendLine("ShapeNet's generated plans against **libtorch 2.10** (TorchSharp-cpu 0.107.0: MKL and oneDNN statically linked), both");
        sb.AppendLine("driven from C# in **one process**, interleaved. Generated by `bench/TorchSharpCompare` (see its README.md): rerun it to");
        sb.AppendLine("replace this file.");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"- Machine: {Machine.Description}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- SIMD: {Machine.Simd}. ShapeNet chooses its kernels at run time: **{Machine.ShapeNetPath}** here.");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- Date: {date}. Load average (1, 5, 15 min) at start {load0}, at end {load1}: the machine is shared with other builds, so figures are noisy; the per-round range shows how much.");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- Method: {options.Rounds} rounds; in each round, at each thread count, each row runs one ≥ {options.WindowSeconds:0.##} s window of ShapeNet and one of libtorch, the order alternating between rows and rounds (A,B / B,A). After ≥ {options.WarmupSeconds:0.##} s of warm-up per row and thread count. Threads: `CpuBackend.Threads` and `torch.set_num_threads`; libtorch runs with `OMP_WAIT_POLICY=PASSIVE`.");
        sb.AppendLine("- Clocks: at **1 thread** both frameworks compute on the calling thread only, so rates are per second of that thread's **CPU time** (`CLOCK_THREAD_CPUTIME_ID`): time the scheduler hands to other processes is not counted, which keeps 1-thread figures meaningful on a loaded machine (caches are still shared). At **2 threads** rates are per second of **wall time**, and on a machine whose load average exceeds its 2 cores they mostly measure the scheduler: every fork–join waits for the thread that was preempted last. The clock is read after batches of steps (each aiming at a quarter of the window's time left), not after every step: reading `CLOCK_THREAD_CPUTIME_ID` is a system call of about 1 µs here, which used to be timed with every call.");
        sb.AppendLine("- Training: one step = upload, forward, loss, backward, SGD (momentum 0.5) on one fixed batch of normal noise with random labels, the seed models of `shared/bench/torch_baseline.py` layer for layer. libtorch: `zero_grad`, forward, loss, `backward`, `step` inside a dispose scope.");
        sb.AppendLine("- Inference: one forward pass at batch 1 or 64 (ShapeNet `NetworkPlan.Forward`, libtorch `eval()` under `no_grad`), as latency per call.");
        sb.AppendLine("- sgemm: C = A·B, square float32, into an existing C (`CpuGemm.Gemm` beta 0; libtorch `addmm_` beta 0). On an AVX-512 machine the *ShapeNet AVX2 path* rows force ShapeNet's AVX2 kernels (`CpuGemm.Kernel`), what an AVX2-only CPU runs; libtorch is the same call (MKL chooses its own path).");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- Ratio: ShapeNet over libtorch (higher is better for ShapeNet), median over median; the range is the smallest and largest per-round ratio. The **best** line pairs each framework's better thread count (by median).");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- Managed allocation per ShapeNet training step and inference call (calling thread + CPU workers), largest over every window: {_maxAllocatedPerStep} bytes.");
        sb.AppendLine();
        Section(sb, "Training steps", "steps/s", rows.Where(r => r.Kind == Kind.Train), rates, rate => rate.ToString(rate >= 100 ? "N0" : "N1", CultureInfo.InvariantCulture));
        Section(sb, "Inference latency", "µs per call", rows.Where(r => r.Kind == Kind.Inference), rates, rate => (1e6 / rate).ToString(1e6 / rate >= 100 ? "N0" : "N1", CultureInfo.InvariantCulture));
        Section(sb, "sgemm", "GFLOP/s", rows.Where(r => r.Kind == Kind.Gemm), rates, null);
        double peak1 = Machine.MeasuredFmaPeakGflops();
        sb.AppendLine(CultureInfo.InvariantCulture, $"FMA peak of one core, measured by the program (16 independent {Machine.FmaWidth}-bit FMA chains in registers, on thread CPU time, best of 5): **{peak1:0.#} GFLOP/s** (the nominal {Machine.NominalGhz:0.##} GHz × 32 flops per cycle would be {Machine.NominalGhz * 32:0}: the core boosts above it). The sgemm medians as a fraction of it (of twice it at 2 threads):");
        sb.AppendLine();
        sb.AppendLine("| n | threads | ShapeNet | libtorch |");
        sb.AppendLine("|---:|---:|---:|---:|");
        foreach (Row row in rows.Where(r => r.Kind == Kind.Gemm && !r.Name.Contains("AVX2", StringComparison.Ordinal)))
            foreach (int t in options.Threads)
            {
                var list = rates[row][t];
                double ours = Median(list.Select(p => p.Ours)) * row.FlopsPerStep / 1e9, theirs = Median(list.Select(p => p.Theirs)) * row.FlopsPerStep / 1e9;
                double peak = peak1 * t;
                sb.AppendLine(CultureInfo.InvariantCulture, $"| {row.Batch} | {t} | {ours / peak:P0} | {theirs / peak:P0} |");
            }
        sb.AppendLine();
        sb.Append(coldStart);
        sb.AppendLine("## Reproduce");
        sb.AppendLine();
        sb.AppendLine("```");
        sb.AppendLine("dotnet run --project bench/TorchSharpCompare -c Release            # writes docs/performance.md");
        sb.AppendLine("dotnet run --project bench/TorchSharpCompare -c Release -- --rounds 3 --only sgemm --output -");
        sb.AppendLine("python3 bench/ColdStart/coldstart.py                                 # rewrites the cold-start section");
        sb.AppendLine("```");
        sb.AppendLine();
        sb.AppendLine("Options: `--rounds N`, `--window SECONDS`, `--warmup SECONDS`, `--threads 1,2`, `--only PREFIX,...`, `--output PATH` (`-` prints only).");
        sb.AppendLine("The project is not in ShapeNet.sln (`dotnet test` never builds it); it needs the TorchSharp-cpu package (~600 MB of libtorch).");
        sb.AppendLine();
        sb.AppendLine("## Notes");
        sb.AppendLine();
        sb.AppendLine("- Debian's PyTorch 1.13 (`/usr/bin/python3`, `shared/bench/torch_baseline.py`) is built with a generic BLAS: its GEMM runs at a");
        sb.AppendLine("  few GFLOP/s, so ratios against it overstate ShapeNet's lead on GEMM-bound models (the MNIST MLP read 41× there). It is");
        sb.AppendLine("  not a reference any more; `dotnet run --project ShapeNet.Samples -c Release -- bench` still prints it.");
        sb.AppendLine("- TorchSharp 0.107.0's `libLibTorchSharp.so` requires `GLIBCXX_3.4.32` (GCC 13's libstdc++), which Debian 12 lacks, for one");
        sb.AppendLine("  symbol it never calls. The benchmark's build marks that requirement weak in its own copy of the library");
        sb.AppendLine("  (`bench/weaken_version_need.py`, `bench/WeakenGlibcxx.targets`), nothing on the machine changes.");
        return sb.ToString();
    }

    private void Section(StringBuilder sb, string title, string unit, IEnumerable<Row> rows,
        Dictionary<Row, Dictionary<int, List<(double Ours, double Theirs)>>> rates, Func<double, string>? format)
    {
        var selected = rows.ToList();
        if (selected.Count == 0) return;
        bool latency = selected[0].Kind == Kind.Inference;
        string Show(Row row, double rate) => format is not null ? format(rate) : (rate * row.FlopsPerStep / 1e9).ToString("F1", CultureInfo.InvariantCulture);
        sb.AppendLine(CultureInfo.InvariantCulture, $"## {title} ({unit})");
        sb.AppendLine();
        sb.AppendLine("| case | threads | ShapeNet | libtorch 2.10 | ratio | per-round ratios |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|");
        foreach (Row row in selected)
        {
            var best = (Ours: 0.0, OursThreads: 0, Theirs: 0.0, TheirsThreads: 0);
            foreach (int t in options.Threads)
            {
                var list = rates[row][t];
                double ours = Median(list.Select(p => p.Ours)), theirs = Median(list.Select(p => p.Theirs));
                if (ours > best.Ours) (best.Ours, best.OursThreads) = (ours, t);
                if (theirs > best.Theirs) (best.Theirs, best.TheirsThreads) = (theirs, t);
                var ratios = list.Select(p => p.Ours / p.Theirs).ToList();
                sb.AppendLine(CultureInfo.InvariantCulture, $"| {row.Name} | {t} | {Show(row, ours)} | {Show(row, theirs)} | {ours / theirs:F2}× | {ratios.Min():F2}–{ratios.Max():F2}× |");
            }
            if (options.Threads.Length > 1)
            {
                var o = rates[row][best.OursThreads];
                var th = rates[row][best.TheirsThreads];
                var ratios = o.Zip(th, (a, b) => a.Ours / b.Theirs).ToList();
                sb.AppendLine(CultureInfo.InvariantCulture, $"| **{row.Name}** | **best** ({best.OursThreads} / {best.TheirsThreads}) | **{Show(row, best.Ours)}** | **{Show(row, best.Theirs)}** | **{best.Ours / best.Theirs:F2}×** | {ratios.Min():F2}–{ratios.Max():F2}× |");
            }
        }
        sb.AppendLine();
        if (latency) sb.AppendLine("Latency is 1 / calls per second; the ratio is libtorch's latency over ShapeNet's.");
        sb.AppendLine();
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static string LoadAverage()
    {
        try { return string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "?"; }
    }

    private static string? SolutionFolder()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (DirectoryInfo? d = new(start); d != null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "ShapeNet.sln"))) return d.FullName;
        return null;
    }
}

/// <summary>The CPU, its SIMD level and which of ShapeNet's kernel paths runs on it.</summary>
internal static class Machine
{
    public static string Model => CpuInfo("model name") ?? RuntimeInformation.ProcessArchitecture.ToString();

    public static double NominalGhz => double.TryParse(CpuInfo("cpu MHz"), CultureInfo.InvariantCulture, out double mhz) ? mhz / 1000 : double.NaN;

    public static int FmaWidth => Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? 512 : 256;

    /// <summary>GFLOP/s of one core on independent FMAs (no memory traffic): the ceiling a GEMM kernel can approach.</summary>
    public static double MeasuredFmaPeakGflops()
    {
        double best = 0;
        for (int i = 0; i < 5; i++) best = Math.Max(best, FmaBurst());
        return best;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static double FmaBurst()
    {
        const int Iterations = 2_000_000;
        double start = Comparison.ThreadCpuSeconds();
        double flops;
        if (FmaWidth == 512)
        {
            Vector512<float> m = Vector512.Create(0.999999f), a = Vector512.Create(1e-7f);
            Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
            Vector512<float> c8 = default, c9 = default, c10 = default, c11 = default, c12 = default, c13 = default, c14 = default, c15 = default;
            for (int i = 0; i < Iterations; i++)
            {
                c0 = Avx512F.FusedMultiplyAdd(c0, m, a); c1 = Avx512F.FusedMultiplyAdd(c1, m, a); c2 = Avx512F.FusedMultiplyAdd(c2, m, a); c3 = Avx512F.FusedMultiplyAdd(c3, m, a);
                c4 = Avx512F.FusedMultiplyAdd(c4, m, a); c5 = Avx512F.FusedMultiplyAdd(c5, m, a); c6 = Avx512F.FusedMultiplyAdd(c6, m, a); c7 = Avx512F.FusedMultiplyAdd(c7, m, a);
                c8 = Avx512F.FusedMultiplyAdd(c8, m, a); c9 = Avx512F.FusedMultiplyAdd(c9, m, a); c10 = Avx512F.FusedMultiplyAdd(c10, m, a); c11 = Avx512F.FusedMultiplyAdd(c11, m, a);
                c12 = Avx512F.FusedMultiplyAdd(c12, m, a); c13 = Avx512F.FusedMultiplyAdd(c13, m, a); c14 = Avx512F.FusedMultiplyAdd(c14, m, a); c15 = Avx512F.FusedMultiplyAdd(c15, m, a);
            }
            Sink = (c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15).ToScalar();
            flops = 2.0 * 16 * 16 * Iterations;
        }
        else
        {
            Vector256<float> m = Vector256.Create(0.999999f), a = Vector256.Create(1e-7f);
            Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
            Vector256<float> c8 = default, c9 = default, c10 = default, c11 = default, c12 = default, c13 = default, c14 = default, c15 = default;
            for (int i = 0; i < Iterations; i++)
            {
                c0 = Fma.MultiplyAdd(c0, m, a); c1 = Fma.MultiplyAdd(c1, m, a); c2 = Fma.MultiplyAdd(c2, m, a); c3 = Fma.MultiplyAdd(c3, m, a);
                c4 = Fma.MultiplyAdd(c4, m, a); c5 = Fma.MultiplyAdd(c5, m, a); c6 = Fma.MultiplyAdd(c6, m, a); c7 = Fma.MultiplyAdd(c7, m, a);
                c8 = Fma.MultiplyAdd(c8, m, a); c9 = Fma.MultiplyAdd(c9, m, a); c10 = Fma.MultiplyAdd(c10, m, a); c11 = Fma.MultiplyAdd(c11, m, a);
                c12 = Fma.MultiplyAdd(c12, m, a); c13 = Fma.MultiplyAdd(c13, m, a); c14 = Fma.MultiplyAdd(c14, m, a); c15 = Fma.MultiplyAdd(c15, m, a);
            }
            Sink = (c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15).ToScalar();
            flops = 2.0 * 16 * 8 * Iterations;
        }
        return flops / (Comparison.ThreadCpuSeconds() - start) / 1e9;
    }

    public static float Sink;

    public static string Description => $"{Model}, {Environment.ProcessorCount} cores at {NominalGhz:0.##} GHz (nominal), " +
        $"{RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}";

    public static string Simd
    {
        get
        {
            string[] flags = (CpuInfo("flags") ?? "").Split(' ');
            string[] avx512 = flags.Where(f => f.StartsWith("avx512", StringComparison.Ordinal)).Order().ToArray();
            return avx512.Length > 0 ? $"AVX-512 ({string.Join(' ', avx512)}), AVX2, FMA" : Avx2.IsSupported ? "AVX2, FMA (no AVX-512)" : "no AVX2";
        }
    }

    public static string ShapeNetPath => Avx512F.IsSupported && Vector512.IsHardwareAccelerated ? "AVX-512 (12×16 micro-kernel)"
        : Fma.IsSupported && Avx2.IsSupported ? "AVX2 + FMA (6×16 micro-kernel)" : "portable Vector<T>";

    private static string? CpuInfo(string key)
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith(key, StringComparison.Ordinal)) return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        return null;
    }
}
