using Microsoft.ML.OnnxRuntime;

namespace ShapeNet.Onnx.Tests;

/// <summary>
/// <c>ExportOnnx(path)</c> writes the same bytes as <c>ToOnnx()</c>, for every sample and op-coverage network, at the
/// default and the newest opset, and ONNX Runtime opens each file. The files go to a temporary folder, or to
/// <c>SHAPENET_ONNX_OUT</c> when set: scripts/check-onnx.sh then runs Debian's python3-onnx checker on them.
/// </summary>
public sealed class ExportFileTests
{
    [Fact]
    public void Every_network_exports_a_file_onnx_runtime_opens()
    {
        string? requested = Environment.GetEnvironmentVariable("SHAPENET_ONNX_OUT");
        string folder = requested ?? Path.Combine(Path.GetTempPath(), $"shapenet-onnx-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            foreach ((string name, ExportCase c) in ExportCase.Samples.Concat(ExportCase.OpCoverage))
            {
                foreach (int opset in new[] { OnnxModelBuilder.DefaultOpset, OnnxModelBuilder.MaximumOpset })
                {
                    Module network = c.Create();
                    string path = Path.Combine(folder, $"{name}.opset{opset}.onnx");
                    byte[] bytes = c.Onnx(network, null, opset);
                    File.WriteAllBytes(path, bytes);
                    using var session = new InferenceSession(path);
                    if (c.Outputs is null)
                        Assert.Equal(["output"], session.OutputNames);
                    else   // a tuple: output_0, output_1, …
                        Assert.Equal(Enumerable.Range(0, Math.Max(2, session.OutputNames.Count)).Select(i => $"output_{i}"), session.OutputNames);
                }
            }
        }
        finally
        {
            if (requested is null) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void ExportOnnx_writes_the_bytes_of_ToOnnx()
    {
        var network = new ShapeNet.Samples.Cnn.InceptionCnn(7);
        string path = Path.Combine(Path.GetTempPath(), $"shapenet-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            network.ExportOnnx(path, batch: 8);
            Assert.Equal(network.ToOnnx(batch: 8), File.ReadAllBytes(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
