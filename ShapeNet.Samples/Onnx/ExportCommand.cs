using System.CommandLine;
using ShapeNet.Checkpoints;
using ShapeNet.Onnx;
using ShapeNet.Samples.BreastCancer;
using ShapeNet.Samples.Cnn;
using ShapeNet.Samples.LinearRegression;
using ShapeNet.Samples.LogisticRegression;
using ShapeNet.Samples.Mnist;
using ShapeNet.Samples.Recurrent;
using ShapeNet.Samples.Softmax;

namespace ShapeNet.Samples.Onnx;

/// <summary>
/// <c>export &lt;sample&gt; [--output model.onnx]</c>: loads a trained sample's checkpoint (<c>runs/&lt;sample&gt;/model.safetensors</c>,
/// which the sample writes at the end of its run) into its network and writes the network as an ONNX model with the
/// generated <c>ExportOnnx</c>; docs/onnx.md shows loading the file in ONNX Runtime from C# and Python.
/// </summary>
public static class ExportCommand
{
    /// <summary>A sample whose network can be exported: a fresh network, and its generated export.</summary>
    public sealed record Exportable(Func<Module> Create, Action<Module, string, int?, int> Export);

    private static Exportable Of<T>(Func<T> create, Action<T, string, int?, int> export) where T : Module =>
        new(() => create(), (m, path, batch, opset) => export((T)m, path, batch, opset));

    /// <summary>The samples that train a [Network] and save its checkpoint, by command name.</summary>
    public static readonly IReadOnlyDictionary<string, Exportable> Samples = new Dictionary<string, Exportable>(StringComparer.Ordinal)
    {
        ["mnist-mlp"] = Of(() => new MnistMlp(), (n, p, b, o) => n.ExportOnnx(p, b, o)),
        ["basic-cnn"] = Of(() => new BasicCnn(), (n, p, b, o) => n.ExportOnnx(p, b, o)),
        ["inception-cnn"] = Of(() => new InceptionCnn(), (n, p, b, o) => n.ExportOnnx(p, b, o)),
        ["resnet-cnn"] = Of(() => new ResNetCnn(), (n, p, b, o) => n.ExportOnnx(p, b, o)),
        ["deep-cnn"] = Of(() => new DeepCnn(), (n, p, b, o) => n.ExportOnnx(p, b, o)),
        [SoftmaxConciseSample.Name] = Of(() => new SoftmaxRegression(), (n, p, b, o) => n.ExportOnnx(p, b, o)),
        ["linear-regression"] = Of(() => new LinearModel(), (n, p, b, o) => n.ExportOnnx(p, b, o)),
        ["logistic-regression"] = Of(() => new LogisticModel(), (n, p, b, o) => n.ExportOnnx(p, b, o)),
        ["tabular"] = Of(() => new TabularModel(), (n, p, b, o) => n.ExportOnnx(p, b, o)),
        ["tabular-loader"] = Of(() => new TabularModel(), (n, p, b, o) => n.ExportOnnx(p, b, o)),
        ["word-language"] = Of(() => new LanguageClassifier(), (n, p, b, o) => n.ExportOnnx(p, b, o)),
        ["hello-rnncell"] = Of(() => new HelloRnnCell(), (n, p, b, o) => n.ExportOnnx(p, b, o)),
        ["hello-rnn"] = Of(() => new HelloRnn(), (n, p, b, o) => n.ExportOnnx(p, b, o)),
        ["hello-embedding"] = Of(() => new HelloEmbedding(), (n, p, b, o) => n.ExportOnnx(p, b, o)),
        ["hello-lstm"] = Of(() => new HelloLstm(), (n, p, b, o) => n.ExportOnnx(p, b, o)),
        ["hello-gru"] = Of(() => new HelloGru(), (n, p, b, o) => n.ExportOnnx(p, b, o)),
    };

    public sealed record Options(string Sample, string? Output = null, string? Checkpoint = null, int? Batch = null,
        int Opset = OnnxModelBuilder.DefaultOpset, string? RunsFolder = null);

    public static Command Command()
    {
        var sample = new Argument<string>("sample") { Description = "The trained sample: " + string.Join(", ", Samples.Keys) + "." };
        var output = new Option<string?>("--output") { Description = "The ONNX file to write (default: runs/<sample>/model.onnx)." };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "The checkpoint to load (default: runs/<sample>/model.safetensors)." };
        var batch = new Option<int?>("--batch") { Description = "A fixed batch size (default: a dynamic batch axis named 'batch')." };
        var opset = new Option<int>("--opset") { Description = "The ONNX opset, 17 to 21.", DefaultValueFactory = _ => OnnxModelBuilder.DefaultOpset };
        var runs = new Option<string?>("--runs") { Description = "The runs folder the sample wrote (default: runs)." };
        var command = new Command("export", "Exports a trained sample's network from its checkpoint as an ONNX model (docs/onnx.md).")
        {
            sample, output, checkpoint, batch, opset, runs,
        };
        command.SetAction(result => Run(new Options(result.GetValue(sample)!, result.GetValue(output), result.GetValue(checkpoint),
            result.GetValue(batch), result.GetValue(opset), result.GetValue(runs)), Console.Out, Console.Error));
        return command;
    }

    public static int Run(Options options, TextWriter output, TextWriter error)
    {
        if (!Samples.TryGetValue(options.Sample, out Exportable? exportable))
        {
            error.WriteLine($"'{options.Sample}' is not a sample with a network to export; choose one of {string.Join(", ", Samples.Keys)}.");
            return 2;
        }
        string folder = Path.Combine(options.RunsFolder ?? "runs", options.Sample);
        string checkpoint = options.Checkpoint ?? Path.Combine(folder, "model.safetensors");
        if (!File.Exists(checkpoint))
        {
            error.WriteLine($"No checkpoint at {checkpoint}: train the sample first (dotnet run --project ShapeNet.Samples -c Release -- {options.Sample}), " +
                            "or pass --checkpoint.");
            return 1;
        }
        Module network = exportable.Create();
        Checkpoint.Load(checkpoint, network);
        string path = options.Output ?? Path.Combine(folder, "model.onnx");
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        exportable.Export(network, path, options.Batch, options.Opset);
        string batchText = options.Batch is int b ? $"batch {b}" : "a dynamic batch axis";
        output.WriteLine($"{options.Sample}: {network.GetType().Name} ({network.ParameterCount:N0} parameters) from {checkpoint}");
        output.WriteLine($"wrote {path} ({new FileInfo(path).Length:N0} bytes, ONNX opset {options.Opset}, {batchText})");
        return 0;
    }
}
