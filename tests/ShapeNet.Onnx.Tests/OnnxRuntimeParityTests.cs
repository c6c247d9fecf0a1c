using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit.Abstractions;

namespace ShapeNet.Onnx.Tests;

/// <summary>
/// Each network exported to ONNX and run in ONNX Runtime (CPU provider) gives the plan's inference output. Tolerance:
/// max |ort − plan| ≤ 1e-5 · max |plan| (relative to the output's largest magnitude; both compute in float32 with their
/// own summation orders). BatchNorm statistics and affine parameters are set away from their initial 0/1 first, so the
/// running statistics are really exercised; failures print the max difference, where it is, and the scale.
/// </summary>
public sealed class OnnxRuntimeParityTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-5;

    [Theory]
    [MemberData(nameof(ExportCase.SampleNames), MemberType = typeof(ExportCase))]
    public void Sample_network_matches_onnx_runtime_at_batch_1_and_64(string name) => CheckBatches(name, batch: null, OnnxModelBuilder.DefaultOpset);

    [Theory]
    [MemberData(nameof(ExportCase.OpCoverageNames), MemberType = typeof(ExportCase))]
    public void Op_coverage_network_matches_onnx_runtime_at_batch_1_and_64(string name) => CheckBatches(name, batch: null, OnnxModelBuilder.DefaultOpset);

    [Theory]
    [InlineData("AllOpsNet")]   // reductions take their axes as an input from opset 18
    [InlineData("NestedBatchNorm")]
    [InlineData("InceptionCnn")]
    [InlineData("ActivationNet")]
    [InlineData("PickNet")]
    [InlineData("LstmStatesNet")]
    public void Newest_supported_opset_matches_onnx_runtime(string name) => CheckBatches(name, batch: null, OnnxModelBuilder.MaximumOpset);

    [Fact]
    public void Fixed_batch_export_has_static_dimensions_and_runs()
    {
        ExportCase c = ExportCase.Find("BasicCnn");
        Module network = Prepare(c);
        using var session = new InferenceSession(c.Onnx(network, 64, OnnxModelBuilder.DefaultOpset));
        Assert.Equal([64, 1, 28, 28], session.InputMetadata["x"].Dimensions);
        Assert.Equal([64, 10], session.OutputMetadata["output"].Dimensions);
        Compare(c, network, session, 64, "BasicCnn (batch 64 fixed)");
    }

    [Fact]
    public void Fixed_batch_export_of_a_recurrent_network_runs()
    {
        ExportCase c = ExportCase.Find("LanguageClassifier");
        Module network = Prepare(c);
        using var session = new InferenceSession(c.Onnx(network, 64, OnnxModelBuilder.DefaultOpset));
        Assert.Equal([14, 64], session.InputMetadata["ids"].Dimensions);
        Assert.Equal([64], session.InputMetadata["lengths"].Dimensions);
        Assert.Equal([64, 10], session.OutputMetadata["output"].Dimensions);
        Compare(c, network, session, 64, "LanguageClassifier (batch 64 fixed)");
    }

    [Fact]
    public void Dynamic_batch_axis_is_named_batch()
    {
        ExportCase c = ExportCase.Find("MnistMlp");
        using var session = new InferenceSession(c.Onnx(c.Create(), null, OnnxModelBuilder.DefaultOpset));
        NodeMetadata input = session.InputMetadata["x"];
        Assert.Equal([-1, 784], input.Dimensions);
        Assert.Equal("batch", input.SymbolicDimensions[0]);
        Assert.Equal("batch", session.OutputMetadata["output"].SymbolicDimensions[0]);
    }

    private void CheckBatches(string name, int? batch, int opset)
    {
        ExportCase c = ExportCase.Find(name);
        Module network = Prepare(c);
        byte[] model = c.Onnx(network, batch, opset);
        using var session = new InferenceSession(model);
        foreach (int b in new[] { 1, 64 }) Compare(c, network, session, b, $"{name} (opset {opset}, batch {b})");
    }

    /// <summary>The network with BatchNorm statistics and affine parameters away from 0 and 1.</summary>
    private static Module Prepare(ExportCase c)
    {
        Module network = c.Create();
        var random = new Random(42);
        foreach (ModuleBuffer buffer in network.Buffers)
        {
            float[] data = buffer.Value.Data;
            if (buffer.Name.EndsWith(".running_mean", StringComparison.Ordinal))
                for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() - 0.5);
            else if (buffer.Name.EndsWith(".running_var", StringComparison.Ordinal))
                for (int i = 0; i < data.Length; i++) data[i] = (float)(0.5 + random.NextDouble() * 1.5);
        }
        foreach (Parameter p in network.Parameters)
        {
            if (p.Shape.Length != 1) continue;
            float[] data = p.Value.Data;
            for (int i = 0; i < data.Length; i++) data[i] += (float)(random.NextDouble() - 0.5) * 0.4f;
        }
        return network;
    }

    private void Compare(ExportCase c, Module network, InferenceSession session, int batch, string what)
    {
        using NetworkPlan plan = c.Plan(network, 64);
        var random = new Random(batch);
        var inputs = new List<OrtValue>();
        var arrays = new List<Array>();
        try
        {
            plan.SetBatch(batch);
            int index = 0;
            foreach (string inputName in session.InputNames)
            {
                NodeMetadata metadata = session.InputMetadata[inputName];
                long[] shape = metadata.Dimensions.Select(d => d < 0 ? (long)batch : d).ToArray();
                long count = shape.Aggregate(1L, (a, d) => a * d);
                (int Low, int High)? range = c.IntegerRanges is { } ranges && ranges.TryGetValue(inputName, out var r) ? r : null;
                if (metadata.ElementDataType == TensorElementType.Int32)
                {
                    (int low, int high) = range ?? throw new InvalidOperationException($"{what}: no value range for the integer input {inputName}");
                    int[] ids = new int[count];
                    for (int i = 0; i < ids.Length; i++) ids[i] = random.Next(low, high);
                    plan.UploadInput(index++, ids);
                    inputs.Add(OrtValue.CreateTensorValueFromMemory(ids, shape));
                    arrays.Add(ids);
                    continue;
                }
                float[] data = new float[count];
                for (int i = 0; i < data.Length; i++)
                    data[i] = range is { } whole ? random.Next(whole.Low, whole.High) : (float)(random.NextDouble() * 2 - 1);
                plan.UploadInput(index++, data);
                inputs.Add(OrtValue.CreateTensorValueFromMemory(data, shape));
                arrays.Add(data);
            }
            plan.Forward(training: false);
            float[][] expected = c.Outputs is null ? [plan.OutputToArray()] : c.Outputs(plan, arrays, batch);

            using var options = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> results = session.Run(options, session.InputNames, inputs, session.OutputNames);
            Assert.True(expected.Length == results.Count, $"{what}: ONNX Runtime gave {results.Count} outputs, the plan {expected.Length}");
            for (int k = 0; k < expected.Length; k++)
                CompareOutput($"{what}, {session.OutputNames[k]}", expected[k], results[k].GetTensorDataAsSpan<float>().ToArray());
        }
        finally
        {
            foreach (OrtValue v in inputs) v.Dispose();
        }
    }

    private void CompareOutput(string what, float[] expected, float[] actual)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: ONNX Runtime gave {actual.Length} values, the plan {expected.Length}");
        double scale = Math.Max(expected.Max(v => Math.Abs((double)v)), double.Epsilon);
        int worst = 0;
        double maxDiff = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs((double)actual[i] - expected[i]);
            if (d > maxDiff || double.IsNaN(d))
            {
                maxDiff = d;
                worst = i;
            }
        }
        output.WriteLine($"{what}: max |ort − plan| = {maxDiff:G3}, relative {maxDiff / scale:G3} (max |plan| = {scale:G4})");
        Assert.True(maxDiff <= Tolerance * scale,
            $"{what}: max |ort − plan| = {maxDiff:G4} at {worst} (ort {actual[worst]:R}, plan {expected[worst]:R}), " +
            $"relative {maxDiff / scale:G4} > {Tolerance:G} of max |plan| = {scale:G4}");
    }
}
