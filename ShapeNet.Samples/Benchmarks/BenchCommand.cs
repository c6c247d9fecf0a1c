using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace ShapeNet.Samples.Benchmarks;

/// <summary>
/// <c>bench</c>: sgemm GFLOP/s and the training-step throughput of the seed models, side by side with Debian's PyTorch
/// (torch_baseline.py, run in the same invocation when <c>/usr/bin/python3 -c "import torch"</c> works). Prints only
/// unless <c>--output</c> names a file: docs/performance.md comes from bench/TorchSharpCompare (libtorch 2.10).
/// </summary>
public static partial class BenchCommand
{
    private const string Python = "/usr/bin/python3";
    private const string ReproduceCommand = "dotnet run --project ShapeNet.Samples -c Release -- bench";

    public static Command Command()
    {
        var steps = new Option<int>("--steps") { Description = "Steps per timed window for the MNIST MLP (ten times as many for the tiny models), as torch_baseline.py --steps.", DefaultValueFactory = _ => 200 };
        var windows = new Option<int>("--windows") { Description = "Timed windows per model; the fastest is reported.", DefaultValueFactory = _ => 5 };
        var noTorch = new Option<bool>("--no-torch") { Description = "Do not run the PyTorch baseline." };
        var torch = new Option<string?>("--torch") { Description = "Path of torch_baseline.py (default: shared/bench/torch_baseline.py in a folder above the solution)." };
        var output = new Option<string>("--output") { Description = "Markdown report to write (replaced); '-' (the default) prints only. docs/performance.md is written by bench/TorchSharpCompare.", DefaultValueFactory = _ => "-" };
        var command = new Command("bench", "Training-step throughput of the seed models and sgemm GFLOP/s, against PyTorch eager CPU.")
        {
            steps, windows, noTorch, torch, output,
        };
        command.SetAction(result => Run(result.GetValue(steps), result.GetValue(windows), result.GetValue(noTorch),
            result.GetValue(torch), result.GetValue(output)!, Console.Out));
        return command;
    }

    public static int Run(int steps, int windows, bool noTorch, string? torchScript, string outputPath, TextWriter output)
    {
        if (steps < 1 || windows < 1) { output.WriteLine("--steps and --windows must be at least 1."); return 2; }
        string date = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        string machine = $"{CpuModel()}, {Environment.ProcessorCount} cores, " +
            $"{(System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? "AVX-512" : System.Runtime.Intrinsics.X86.Avx2.IsSupported ? "AVX2 (no AVX-512)" : "no AVX2")}, " +
            $"{RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}";
        string loadBefore = LoadAverage();
        output.WriteLine($"machine: {machine}");
        output.WriteLine($"date: {date}");

        var gemm = new List<(int Size, double Gflops)>();
        foreach (int size in GemmBenchmark.DefaultSizes)
        {
            double gflops = GemmBenchmark.Measure(size);
            gemm.Add((size, gflops));
            output.WriteLine($"sgemm {size,5}  {gflops,7:F1} GFLOP/s");
        }

        var results = new List<TrainResult>();
        foreach (TrainCase c in TrainBenchmark.SeedCases(steps))
        {
            TrainResult r = TrainBenchmark.Measure(c, windows, TimeSpan.FromSeconds(1));
            results.Add(r);
            output.WriteLine($"{r.Name,-18} batch {r.Batch,4}  {r.MicrosecondsPerStep,10:F1} us/step  {r.StepsPerSecond,9:F1} steps/s  {r.AllocatedBytesPerWindow} B allocated per window");
        }

        Dictionary<string, (double StepsPerSecond, int Batch)> torch = new();
        var torchGemm = new Dictionary<int, double>();
        string torchNote;
        if (noTorch) torchNote = "PyTorch not run (--no-torch).";
        else torchNote = RunTorch(torchScript, steps, torch, torchGemm, output);
        output.WriteLine(torchNote);

        string table = Table(results, torch);
        machine += $"; load average {loadBefore} at the start, {LoadAverage()} at the end (1, 5, 15 min)";
        output.WriteLine();
        output.Write(table);

        if (outputPath != "-")
        {
            string path = Path.IsPathRooted(outputPath) ? outputPath : Path.Combine(SolutionFolder() ?? Directory.GetCurrentDirectory(), outputPath);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, Report(machine, date, steps, windows, table, gemm, torchGemm, torch, results, torchNote) + KeptNotes(path));
            output.WriteLine($"wrote {path}");
        }
        return 0;
    }

    private static string Table(List<TrainResult> results, Dictionary<string, (double StepsPerSecond, int Batch)> torch)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| model | batch | ShapeNet µs/step | ShapeNet steps/s | PyTorch steps/s | ShapeNet / PyTorch |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (TrainResult r in results)
        {
            string theirs = "—", ratio = "—";
            if (torch.TryGetValue(r.Name, out var t))
            {
                theirs = t.StepsPerSecond.ToString("N0", CultureInfo.InvariantCulture);
                ratio = (r.StepsPerSecond / t.StepsPerSecond).ToString("F2", CultureInfo.InvariantCulture) + "×";
            }
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {r.Name} | {r.Batch} | {r.MicrosecondsPerStep:F1} | {r.StepsPerSecond:N0} | {theirs} | {ratio} |");
        }
        return sb.ToString();
    }

    /// <summary>The hand-written "## Notes" section of the existing report (before/after comparisons of a change), kept
    /// when the generated part is replaced; empty when there is none.</summary>
    private static string KeptNotes(string path)
    {
        if (!File.Exists(path)) return "";
        string existing = File.ReadAllText(path);
        int notes = existing.IndexOf("\n## Notes", StringComparison.Ordinal);
        return notes < 0 ? "" : Environment.NewLine + existing[(notes + 1)..];
    }

    private static string Report(string machine, string date, int steps, int windows, string table, List<(int Size, double Gflops)> gemm,
        Dictionary<int, double> torchGemm, Dictionary<string, (double StepsPerSecond, int Batch)> torch, List<TrainResult> results, string torchNote)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Performance");
        sb.AppendLine();
        sb.AppendLine("CPU training throughput of the seed models against PyTorch eager CPU, measured in the same run on the same machine");
        sb.AppendLine("by the `bench` sub-command. This file is generated: rerun the command to replace it (its Notes section is kept).");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"- Machine: {machine}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- Date: {date}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- ShapeNet: generated plan `TrainStep` (upload, forward, loss, backward, SGD momentum 0.5) on one fixed batch, " +
            $"after ≥ 1 s of warm-up; the fastest of {windows} windows of {steps} steps (MNIST MLP, basic CNN), {steps * 10} steps (tiny models) " +
            $"or {Math.Max(1, steps / 4)} steps (lecture-11 CNNs, the bi-GRU classifier), as torch_baseline.py counts them.");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- PyTorch: `torch_baseline.py --threads 2 --steps {steps}` (10 warm-up steps, one timed window). {torchNote}");
        sb.AppendLine("- The machine is shared and loaded by other builds: numbers are noisy, rerun to compare.");
        sb.AppendLine();
        sb.AppendLine("## Training steps");
        sb.AppendLine();
        sb.Append(table);
        sb.AppendLine();
        long maxAllocated = results.Max(r => r.AllocatedBytesPerWindow);
        sb.AppendLine(CultureInfo.InvariantCulture, $"Managed allocation per timed window (all models): at most {maxAllocated} bytes.");
        var others = torch.Where(t => !results.Any(r => r.Name == t.Key)).ToList();
        if (others.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Models PyTorch measured that ShapeNet did not:");
            sb.AppendLine();
            sb.AppendLine("| model | batch | PyTorch steps/s |");
            sb.AppendLine("|---|---:|---:|");
            foreach (var (name, (sps, batch)) in others) sb.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {batch} | {sps:N1} |");
        }
        sb.AppendLine();
        sb.AppendLine("## sgemm (C = A·B, square, float32)");
        sb.AppendLine();
        sb.AppendLine("| n | ShapeNet GFLOP/s | PyTorch GFLOP/s |");
        sb.AppendLine("|---:|---:|---:|");
        foreach (var (size, gflops) in gemm)
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {size} | {gflops:F1} | {(torchGemm.TryGetValue(size, out double t) ? t.ToString("F1", CultureInfo.InvariantCulture) : "—")} |");
        sb.AppendLine();
        sb.AppendLine("## Reproduce");
        sb.AppendLine();
        sb.AppendLine("```");
        sb.AppendLine(ReproduceCommand);
        sb.AppendLine("```");
        sb.AppendLine();
        sb.AppendLine("Options: `--steps N` (window length), `--windows N`, `--no-torch`, `--torch PATH` (torch_baseline.py), `--output PATH` (`-` prints only).");
        sb.AppendLine("PyTorch runs as `/usr/bin/python3` (Debian python3-torch); when it cannot import torch the PyTorch column is left empty.");
        return sb.ToString();
    }

    /// <summary>The first three fields of /proc/loadavg, or "unknown" where there is none.</summary>
    private static string LoadAverage()
    {
        try
        {
            return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }

    /// <summary>Runs torch_baseline.py and parses its lines into <paramref name="models"/> and <paramref name="gemm"/>; returns a note.</summary>
    private static string RunTorch(string? script, int steps, Dictionary<string, (double, int)> models, Dictionary<int, double> gemm, TextWriter output)
    {
        script ??= FindTorchBaseline();
        if (script is null || !File.Exists(script)) return $"PyTorch skipped: torch_baseline.py not found{(script is null ? "" : $" at {script}")} (use --torch PATH).";
        if (!File.Exists(Python) || Execute(Python, ["-c", "import torch"], out _) != 0) return $"PyTorch skipped: {Python} cannot import torch.";
        output.WriteLine($"running {Python} {script} --threads 2 --steps {steps} ...");
        if (Execute(Python, [script, "--threads", "2", "--steps", steps.ToString(CultureInfo.InvariantCulture)], out string text) != 0)
            return $"PyTorch skipped: torch_baseline.py failed: {text.Trim()}";
        foreach (string line in text.Split('\n'))
        {
            Match m = ModelLine().Match(line);
            if (m.Success)
            {
                models[m.Groups[1].Value] = (double.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
                continue;
            }
            m = GemmLine().Match(line);
            if (m.Success) gemm[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)] = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        }
        string version = Execute(Python, ["-c", "import torch; print(torch.__version__)"], out string v) == 0 ? v.Trim() : "?";
        string note = $"PyTorch {version} ran {script}.";
        // A distribution build without an optimised BLAS runs its GEMMs at a few GFLOP/s: say so next to its numbers.
        if (Execute(Python, ["-c", "import torch; print(torch.__config__.show())"], out string config) == 0 && config.Contains("BLAS_INFO=generic", StringComparison.Ordinal))
            note += " This PyTorch build has no optimised BLAS (BLAS_INFO=generic), so its GEMM-bound figures (MNIST MLP, sgemm) are far below " +
                "a pip/MKL or OpenBLAS build; design-brief.md's reference on a 2-core AMD EPYC is about 250 steps/s for the MNIST MLP, " +
                "7,000 for linear regression and ~95 GFLOP/s sgemm per core.";
        return note;
    }

    [GeneratedRegex(@"^(\S+)\s+batch\s+(\d+)\s+([\d.]+) us/step\s+([\d.]+) steps/s")]
    private static partial Regex ModelLine();

    [GeneratedRegex(@"^sgemm\s+(\d+)\s+([\d.]+) GFLOP/s")]
    private static partial Regex GemmLine();

    private static int Execute(string file, string[] arguments, out string stdout)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in arguments) info.ArgumentList.Add(a);
        try
        {
            using Process process = Process.Start(info)!;
            Task<string> error = process.StandardError.ReadToEndAsync();
            stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) stdout += error.Result;
            return process.ExitCode;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            stdout = e.Message;
            return -1;
        }
    }

    /// <summary>The folder holding ShapeNet.sln, searched upwards from the working directory and then from the program.</summary>
    private static string? SolutionFolder()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (DirectoryInfo? d = new(start); d != null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "ShapeNet.sln"))) return d.FullName;
        return null;
    }

    /// <summary>shared/bench/torch_baseline.py in the solution folder's parent or any folder above it
    /// (../shared from a checkout, ../../shared from a worktree under it).</summary>
    private static string? FindTorchBaseline()
    {
        for (DirectoryInfo? d = new(SolutionFolder() ?? Directory.GetCurrentDirectory()); d != null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "shared", "bench", "torch_baseline.py");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    private static string CpuModel()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("model name", StringComparison.Ordinal)) return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }
}
