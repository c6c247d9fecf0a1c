using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ShapeNet.Networks.Tests.Networks;
using Xunit.Abstractions;

namespace ShapeNet.Onnx.Tests;

/// <summary>
/// Networks with the run-time <c>Seq</c> export with a symbolic <c>seq</c> axis (torch.onnx's <c>dynamic_axes</c>) beside
/// <c>batch</c>: one file per network, run in ONNX Runtime at sequence lengths 3 and 7 and batches 1 and 4, gives the plan's
/// inference output (tolerance: max |ort − plan| ≤ 1e-5 · max |plan|, as <see cref="OnnxRuntimeParityTests"/>). The files pass
/// Debian's python3-onnx checker (scripts/onnx_check.py: full_check, strict shape inference, a byte-exact round trip).
/// </summary>
public sealed class SeqOnnxTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-5;

    /// <summary>A network, its plan at (batch capacity, sequence capacity), its export, and the value range of each integer input
    /// (given the sequence length: lengths run from 1 to it).</summary>
    private sealed record Case(Func<Module> Create, Func<Module, NetworkPlan> Plan, Func<Module, byte[]> Onnx, Func<int, Dictionary<string, (int Low, int High)>> Ranges);

    private static Case Of<T>(Func<T> create, Func<T, NetworkPlan> plan, Func<T, byte[]> onnx, Func<int, Dictionary<string, (int, int)>>? ranges = null)
        where T : Module => new(() => create(), m => plan((T)m), m => onnx((T)m), ranges ?? (_ => new Dictionary<string, (int, int)>()));

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["SeqLanguageModelNet"] = Of(() => new SeqLanguageModelNet(1), n => n.CreatePlan(4, 8), n => n.ToOnnx(),
            _ => new() { ["ids"] = (0, 20) }),
        ["SeqPoolNet"] = Of(() => new SeqPoolNet(2), n => n.CreatePlan(4, 8), n => n.ToOnnx()),
        ["SeqRowsTaggerNet"] = Of(() => new SeqRowsTaggerNet(3), n => n.CreatePlan(4, 8), n => n.ToOnnx()),
        ["SeqBiGruNet"] = Of(() => new SeqBiGruNet(4), n => n.CreatePlan(4, 8), n => n.ToOnnx(),
            seq => new() { ["ids"] = (1, 32), ["lengths"] = (1, seq + 1) }),
        ["SeqTaggerNet"] = Of(() => new SeqTaggerNet(5), n => n.CreatePlan(4, 8), n => n.ToOnnx(),
            seq => new() { ["lengths"] = (1, seq + 1) }),
        ["SeqBatchFirstLstmNet"] = Of(() => new SeqBatchFirstLstmNet(6), n => n.CreatePlan(4, 8), n => n.ToOnnx()),
        ["SeqGruCellLoopNet"] = Of(() => new SeqGruCellLoopNet(7), n => n.CreatePlan(4, 8), n => n.ToOnnx()),
        ["SeqStructureNet"] = Of(() => new SeqStructureNet(8), n => n.CreatePlan(4, 8), n => n.ToOnnx()),
        ["SeqAttentionNet"] = Of(() => new SeqAttentionNet(9), n => n.CreatePlan(4, 8), n => n.ToOnnx()),
    };

    public static TheoryData<string> Names => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void One_file_matches_the_plan_at_two_sequence_lengths(string name)
    {
        Case c = Cases[name];
        Module network = c.Create();
        using var session = new InferenceSession(c.Onnx(network));
        using NetworkPlan plan = c.Plan(network);
        foreach (int seq in new[] { 3, 7 })
            foreach (int batch in new[] { 1, 4 })
                Compare(c, session, plan, seq, batch, $"{name} (seq {seq}, batch {batch})");
    }

    [Fact]
    public void The_sequence_axis_is_named_seq_and_the_token_rows_are_left_unknown()
    {
        using var session = new InferenceSession(new SeqLanguageModelNet(1).ToOnnx());
        NodeMetadata ids = session.InputMetadata["ids"];
        Assert.Equal([-1, -1], ids.Dimensions);
        Assert.Equal(["seq", "batch"], ids.SymbolicDimensions);
        NodeMetadata logits = session.OutputMetadata["output"];
        Assert.Equal([-1, 20], logits.Dimensions);   // [Seq·Batch, 20]: a product of run-time sizes has no name
        Assert.Equal("", logits.SymbolicDimensions[0]);
        using var tagger = new InferenceSession(new SeqRowsTaggerNet(1).ToOnnx(batch: 4));
        Assert.Equal([-1, 4, 3], tagger.InputMetadata["x"].Dimensions);   // a fixed batch leaves seq symbolic
        Assert.Equal("seq", tagger.InputMetadata["x"].SymbolicDimensions[0]);
    }

    [Fact]
    public void The_files_pass_the_python_onnx_checker()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"shapenet-seq-onnx-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var paths = new List<string>();
            foreach ((string name, Case c) in Cases)
            {
                string path = Path.Combine(folder, name + ".onnx");
                File.WriteAllBytes(path, c.Onnx(c.Create()));
                paths.Add(path);
            }
            string script = Path.Combine(RepositoryRoot(), "scripts", "onnx_check.py");
            var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(script);
            foreach (string p in paths) start.ArgumentList.Add(p);
            using Process process = Process.Start(start)!;
            string stdout = process.StandardOutput.ReadToEnd(), stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            output.WriteLine(stdout);
            Assert.True(process.ExitCode == 0, $"scripts/onnx_check.py failed ({process.ExitCode}):\n{stdout}\n{stderr}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ShapeNet.sln"))) return dir.FullName;
        throw new InvalidOperationException("The repository root (ShapeNet.sln) was not found above " + AppContext.BaseDirectory);
    }

    private void Compare(Case c, InferenceSession session, NetworkPlan plan, int seq, int batch, string what)
    {
        var random = new Random(seq * 100 + batch);
        var inputs = new List<OrtValue>();
        try
        {
            plan.SetSequence(seq);
            plan.SetBatch(batch);
            Dictionary<string, (int Low, int High)> ranges = c.Ranges(seq);
            int index = 0;
            foreach (string inputName in session.InputNames)
            {
                NodeMetadata metadata = session.InputMetadata[inputName];
                long[] shape = metadata.Dimensions.Select((d, i) => d >= 0 ? d : metadata.SymbolicDimensions[i] == "seq" ? seq : (long)batch).ToArray();
                long count = shape.Aggregate(1L, (a, d) => a * d);
                if (metadata.ElementDataType == TensorElementType.Int32)
                {
                    (int low, int high) = ranges[inputName];
                    int[] ids = new int[count];
                    for (int i = 0; i < ids.Length; i++) ids[i] = random.Next(low, high);
                    plan.UploadInput(index++, ids);
                    inputs.Add(OrtValue.CreateTensorValueFromMemory(ids, shape));
                    continue;
                }
                float[] data = new float[count];
                for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 2 - 1);
                plan.UploadInput(index++, data);
                inputs.Add(OrtValue.CreateTensorValueFromMemory(data, shape));
            }
            plan.Forward(training: false);
            float[] expected = plan.OutputToArray();
            using var options = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> results = session.Run(options, session.InputNames, inputs, session.OutputNames);
            float[] actual = results[0].GetTensorDataAsSpan<float>().ToArray();
            Assert.True(expected.Length == actual.Length, $"{what}: ONNX Runtime gave {actual.Length} values, the plan {expected.Length}");
            double scale = Math.Max(expected.Max(v => Math.Abs((double)v)), double.Epsilon);
            double maxDiff = expected.Zip(actual, (e, a) => Math.Abs((double)a - e)).Max();
            output.WriteLine($"{what}: max |ort − plan| = {maxDiff:G3}, relative {maxDiff / scale:G3} (max |plan| = {scale:G4})");
            Assert.True(maxDiff <= Tolerance * scale, $"{what}: max |ort − plan| = {maxDiff:G4}, relative {maxDiff / scale:G4} > {Tolerance:G}");
        }
        finally
        {
            foreach (OrtValue v in inputs) v.Dispose();
        }
    }
}
