using Microsoft.ML.OnnxRuntime;
using ShapeNet.Checkpoints;
using ShapeNet.Samples.Cnn;
using ShapeNet.Samples.Onnx;
using ShapeNet.Samples.Recurrent;

namespace ShapeNet.Onnx.Tests;

/// <summary><c>ShapeNet.Samples -- export &lt;sample&gt;</c>: the checkpoint's weights are what the file holds, and a missing
/// checkpoint or an unknown sample is a clear error.</summary>
public sealed class ExportCommandTests : IDisposable
{
    private readonly string _runs = Path.Combine(Path.GetTempPath(), $"shapenet-export-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_runs)) Directory.Delete(_runs, recursive: true);
    }

    [Fact]
    public void Export_writes_the_checkpoints_network()
    {
        var trained = new BasicCnn(seed: 99);
        Directory.CreateDirectory(Path.Combine(_runs, "basic-cnn"));
        Checkpoint.Save(Path.Combine(_runs, "basic-cnn", "model.safetensors"), trained);
        string path = Path.Combine(_runs, "exported", "basic.onnx");
        var output = new StringWriter();

        int exit = ExportCommand.Run(new ExportCommand.Options("basic-cnn", Output: path, RunsFolder: _runs), output, TextWriter.Null);

        Assert.Equal(0, exit);
        Assert.Equal(trained.ToOnnx(), File.ReadAllBytes(path));
        Assert.Contains("basic-cnn: BasicCnn (8,490 parameters) from ", output.ToString());
        using var session = new InferenceSession(path);
        Assert.Equal(["x"], session.InputNames);
    }

    [Fact]
    public void Export_defaults_to_the_runs_folder_and_takes_a_fixed_batch()
    {
        Directory.CreateDirectory(Path.Combine(_runs, "resnet-cnn"));
        var trained = new ResNetCnn(seed: 5);
        Checkpoint.Save(Path.Combine(_runs, "resnet-cnn", "model.safetensors"), trained);

        int exit = ExportCommand.Run(new ExportCommand.Options("resnet-cnn", Batch: 32, Opset: 18, RunsFolder: _runs), TextWriter.Null, TextWriter.Null);

        Assert.Equal(0, exit);
        Assert.Equal(trained.ToOnnx(batch: 32, opset: 18), File.ReadAllBytes(Path.Combine(_runs, "resnet-cnn", "model.onnx")));
    }

    [Fact]
    public void The_hello_samples_export_from_the_checkpoints_they_save()
    {
        // A real run: the sample trains and saves runs/<variant>/model.safetensors, export reads it back.
        foreach (string name in new[] { "hello-rnncell", "hello-lstm" })
        {
            Assert.Equal(0, HelloSample.Run(name, TextWriter.Null, runsFolder: _runs));
            Assert.Equal(0, ExportCommand.Run(new ExportCommand.Options(name, RunsFolder: _runs), TextWriter.Null, TextWriter.Null));
            Module trained = ExportCommand.Samples[name].Create();
            Checkpoint.Load(Path.Combine(_runs, name, "model.safetensors"), trained);
            byte[] expected = trained switch
            {
                HelloRnnCell cell => cell.ToOnnx(),
                HelloLstm lstm => lstm.ToOnnx(),
                _ => throw new InvalidOperationException(name),
            };
            Assert.Equal(expected, File.ReadAllBytes(Path.Combine(_runs, name, "model.onnx")));
        }
    }

    [Fact]
    public void A_missing_checkpoint_says_how_to_make_it()
    {
        var error = new StringWriter();
        int exit = ExportCommand.Run(new ExportCommand.Options("deep-cnn", RunsFolder: _runs), TextWriter.Null, error);
        Assert.Equal(1, exit);
        Assert.Equal($"No checkpoint at {Path.Combine(_runs, "deep-cnn", "model.safetensors")}: train the sample first " +
                     "(dotnet run --project ShapeNet.Samples -c Release -- deep-cnn), or pass --checkpoint." + Environment.NewLine, error.ToString());
    }

    [Fact]
    public void An_unknown_sample_lists_the_exportable_ones()
    {
        var error = new StringWriter();
        int exit = ExportCommand.Run(new ExportCommand.Options("autograd", RunsFolder: _runs), TextWriter.Null, error);
        Assert.Equal(2, exit);
        Assert.StartsWith("'autograd' is not a sample with a network to export; choose one of mnist-mlp, basic-cnn,", error.ToString());
    }
}
