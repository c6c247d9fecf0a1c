using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics.X86;
using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Data;

namespace ShapeNet.Samples.Benchmarks;

/// <summary>
/// <c>rnn-bench</c>: the train step of lecture 13's bi-GRU classifier (Embedding(128, 100) → GRU(100, 100, 2 layers,
/// bidirectional) → Linear(200, 10) on the top layer's two final states, cross-entropy, Adam) wired by hand from the span
/// kernels, next to Debian's PyTorch running the same model on the same batches (rnn_torch_baseline.py), in interleaved
/// windows. Batches are consecutive runs of 64 words of data/word-language/train.tsv (lengths 3–14), padded to the batch's
/// longest word, longest first; PyTorch packs them (<c>pack_padded_sequence</c>) and, as a second figure, runs them padded.
/// Prints figures; writes no file (the generated-plan figure for docs/performance.md comes with the DSL).
/// </summary>
public static class RecurrentBenchmark
{
    private const string Python = "/usr/bin/python3";

    public static Command Command()
    {
        var steps = new Option<int>("--steps") { Description = "Train steps per timed window.", DefaultValueFactory = _ => 30 };
        var rounds = new Option<int>("--rounds") { Description = "Interleaved rounds (ShapeNet, PyTorch packed, PyTorch padded); medians are reported.", DefaultValueFactory = _ => 5 };
        var noTorch = new Option<bool>("--no-torch") { Description = "Do not run PyTorch." };
        var command = new Command("rnn-bench", "Train-step throughput of lecture 13's bi-GRU classifier (span kernels, hand-wired) against PyTorch, interleaved.")
        {
            steps, rounds, noTorch,
        };
        command.SetAction(result => Run(result.GetValue(steps), result.GetValue(rounds), result.GetValue(noTorch), Console.Out));
        return command;
    }

    public static int Run(int steps, int rounds, bool noTorch, TextWriter output)
    {
        if (steps < 1 || rounds < 1) { output.WriteLine("--steps and --rounds must be at least 1."); return 2; }
        output.WriteLine($"machine: {Environment.ProcessorCount} cores, AVX2 {Avx2.IsSupported}, AVX-512F {Avx512F.IsSupported}");
        WordLanguageData data = WordLanguageData.Load(WordLanguageSplit.Train);
        var step = new BiGruTrainStep(data);
        for (int i = 0; i < 5; i++) step.Run();
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        step.Run();
        output.WriteLine($"ShapeNet step allocates {GC.GetAllocatedBytesForCurrentThread() - allocated} bytes after warm-up; loss {step.Loss:F4}");

        string repository = Path.GetFullPath(Path.Combine(WordLanguageData.DefaultFolder, "..", ".."));
        string script = Path.Combine(repository, "ShapeNet.Samples", "Benchmarks", "rnn_torch_baseline.py");
        bool torch = !noTorch && File.Exists(Python) && File.Exists(script);
        var ours = new List<double>();
        var packed = new List<double>();
        var padded = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < steps; i++) step.Run();
            ours.Add(steps / Stopwatch.GetElapsedTime(start).TotalSeconds);
            string line = $"round {r + 1}: ShapeNet {ours[^1],6:F1} steps/s";
            if (torch)
            {
                packed.Add(RunTorch(script, data.Count, steps, packed: true));
                padded.Add(RunTorch(script, data.Count, steps, packed: false));
                line += $"   PyTorch packed {packed[^1],6:F1}   padded {padded[^1],6:F1}";
            }
            output.WriteLine(line);
        }
        output.WriteLine($"median: ShapeNet {Median(ours):F1} steps/s" +
            (torch ? $", PyTorch {TorchVersion()} packed {Median(packed):F1}, padded {Median(padded):F1} steps/s" : " (PyTorch not run)"));
        return 0;
    }

    private static double Median(List<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static double RunTorch(string script, int words, int steps, bool packed)
    {
        string args = $"\"{script}\" --data \"{WordLanguageData.DefaultFolder}\" --steps {steps} --batches {words / BiGruTrainStep.Batch}" +
            (packed ? "" : " --padded");
        using var process = Process.Start(new ProcessStartInfo(Python, args) { RedirectStandardOutput = true, UseShellExecute = false })!;
        string text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        foreach (string line in text.Split('\n'))
            if (line.StartsWith("steps/s ", StringComparison.Ordinal))
                return double.Parse(line["steps/s ".Length..], CultureInfo.InvariantCulture);
        throw new InvalidOperationException($"{script} printed no figure: {text}");
    }

    private static string TorchVersion()
    {
        using var process = Process.Start(new ProcessStartInfo(Python, "-c \"import torch; print(torch.__version__)\"") { RedirectStandardOutput = true })!;
        string version = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return version;
    }

    /// <summary>One hand-wired train step on the span kernels; every buffer is allocated once.</summary>
    private sealed class BiGruTrainStep
    {
        public const int Batch = 64;
        private const int Vocab = 128, Embed = 100, Hidden = 100, Classes = 10, Seq = WordLanguageData.MaxLength;
        private const float Lr = 0.001f;

        private readonly WordLanguageData _data;
        private readonly RecurrentDescriptor _gru = new(RecurrentMode.Gru, Embed, Hidden, 2, Bidirectional: true);
        private readonly float[][] _parameters, _gradients, _expAvg, _expAvgSquare;
        private readonly float[][] _gruParameters, _gruGradients;
        private readonly int[] _indices = new int[Batch], _ids = new int[Seq * Batch], _lengths = new int[Batch], _labels = new int[Batch];
        private readonly float[] _floatLabels = new float[Batch];
        private readonly float[] _x = new float[Seq * Batch * Embed], _dx = new float[Seq * Batch * Embed];
        private readonly float[] _sequence = new float[Seq * Batch * 2 * Hidden], _hN = new float[4 * Batch * Hidden], _dhN = new float[4 * Batch * Hidden];
        private readonly float[] _reserve, _workspace;
        private readonly float[] _features = new float[Batch * 2 * Hidden], _dFeatures = new float[Batch * 2 * Hidden];
        private readonly float[] _logits = new float[Batch * Classes], _dLogits = new float[Batch * Classes];
        private int _batch, _step;

        public BiGruTrainStep(WordLanguageData data)
        {
            _data = data;
            var init = new ParameterInit(0);
            var embedding = new EmbeddingLayer(init, "embedding", Vocab, Embed, paddingIdx: 0);
            var gru = new GruLayer(init, "gru", Embed, Hidden, numLayers: 2, bidirectional: true);
            var fc = new LinearLayer(init, "fc", 2 * Hidden, Classes);
            Parameter[] all = [embedding.Weight, .. gru.Parameters, fc.Weight, fc.Bias!];
            _parameters = all.Select(p => p.Value.Data).ToArray();
            _gradients = all.Select(p => p.Grad.Data).ToArray();
            _expAvg = all.Select(p => new float[p.Value.Numel]).ToArray();
            _expAvgSquare = all.Select(p => new float[p.Value.Numel]).ToArray();
            _gruParameters = _parameters[1..^2];
            _gruGradients = _gradients[1..^2];
            _reserve = new float[CpuRecurrent.ReserveLength(_gru, Seq, Batch)];
            _workspace = new float[CpuRecurrent.WorkspaceLength(_gru, Seq, Batch)];
        }

        public float Loss { get; private set; }

        public void Run()
        {
            int first = _batch * Batch, seq = 0;
            _batch = (_batch + 1) % (_data.Count / Batch);
            for (int b = 0; b < Batch; b++)
            {
                _indices[b] = first + b;
                seq = Math.Max(seq, _data.Word(first + b).Length);
            }
            Span<int> ids = _ids.AsSpan(0, seq * Batch);
            _data.FillBatch(_indices, ids, _lengths, _labels, seq, sortByLength: true);
            for (int b = 0; b < Batch; b++) _floatLabels[b] = _labels[b];
            float[] table = _parameters[0], fcWeight = _parameters[^2], fcBias = _parameters[^1];
            Span<float> x = _x.AsSpan(0, seq * Batch * Embed), dx = _dx.AsSpan(0, x.Length);
            Span<float> sequence = _sequence.AsSpan(0, seq * Batch * 2 * Hidden);

            CpuEmbedding.Embedding_Forward(x, table, ids, Vocab, Embed);
            CpuRecurrent.Recurrent_Forward(_gru, sequence, _hN, default, _reserve, _workspace, x, default, default, _gruParameters, _lengths,
                seq, Batch, training: true);
            for (int b = 0; b < Batch; b++)
            {
                _hN.AsSpan((2 * Batch + b) * Hidden, Hidden).CopyTo(_features.AsSpan(b * 2 * Hidden));
                _hN.AsSpan((3 * Batch + b) * Hidden, Hidden).CopyTo(_features.AsSpan(b * 2 * Hidden + Hidden));
            }
            CpuLinear.Linear_Forward(_logits, _features, fcWeight, fcBias, Batch, 2 * Hidden, Classes, UnaryOp.Identity);
            Loss = CpuLoss.Loss_Forward(LossKind.CrossEntropy, Reduction.Mean, _logits, _floatLabels, Batch, Classes);

            CpuLoss.Loss_Backward(LossKind.CrossEntropy, Reduction.Mean, _dLogits, 1f, _logits, _floatLabels, Batch, Classes, accumulate: false);
            CpuLinear.Linear_Backward(_dFeatures, _gradients[^2], _gradients[^1], _dLogits, _features, fcWeight, Batch, 2 * Hidden, Classes,
                accumulateDx: false, accumulateParameters: false);
            _dhN.AsSpan(0, 2 * Batch * Hidden).Clear();
            for (int b = 0; b < Batch; b++)
            {
                _dFeatures.AsSpan(b * 2 * Hidden, Hidden).CopyTo(_dhN.AsSpan((2 * Batch + b) * Hidden));
                _dFeatures.AsSpan(b * 2 * Hidden + Hidden, Hidden).CopyTo(_dhN.AsSpan((3 * Batch + b) * Hidden));
            }
            CpuRecurrent.Recurrent_Backward(_gru, dx, default, default, _gruGradients, _workspace, default, _dhN, default, _reserve, x,
                _gruParameters, _lengths, seq, Batch, training: true, accumulateDx: false, accumulateParameters: false);
            CpuEmbedding.Embedding_Backward(_gradients[0], dx, ids, Vocab, Embed, paddingIdx: 0, accumulate: false);

            _step++;
            for (int p = 0; p < _parameters.Length; p++)
                CpuOptimizers.Adam_Step(_parameters[p], _gradients[p], _expAvg[p], _expAvgSquare[p], default, Lr, 0.9f, 0.999f, 1e-8f, 0f,
                    decoupledWeightDecay: false, maximize: false, _step);
        }
    }
}
