using System.CommandLine;
using ShapeNet.Samples.Autograd;
using ShapeNet.Samples.Benchmarks;
using ShapeNet.Samples.BreastCancer;
using ShapeNet.Samples.Cnn;
using ShapeNet.Samples.GradientDescent;
using ShapeNet.Samples.LinearModelSearch;
using ShapeNet.Samples.LinearRegression;
using ShapeNet.Samples.LogisticRegression;
using ShapeNet.Samples.Mnist;
using ShapeNet.Samples.Onnx;
using ShapeNet.Samples.Optimizers;
using ShapeNet.Samples.Probability;
using ShapeNet.Samples.Preprocessing;
using ShapeNet.Samples.Quadratic;
using ShapeNet.Samples.Recurrent;
using ShapeNet.Samples.Softmax;

namespace ShapeNet.Samples;

/// <summary>The seed curriculum as one command-line program, a sub-command per sample.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("ShapeNet samples: the PyTorch tutorial and Dive into Deep Learning seed models, trained with generated code.");
        root.Subcommands.Add(LinearModelSample.Command());
        root.Subcommands.Add(GradientDescentSample.Command());
        root.Subcommands.Add(QuadraticSample.Command());
        root.Subcommands.Add(LinearRegressionSample.Command());
        root.Subcommands.Add(OptimizersSample.Command());
        root.Subcommands.Add(LogisticRegressionSample.Command());
        root.Subcommands.Add(AutogradSample.Command());
        root.Subcommands.Add(ProbabilitySample.Command());
        root.Subcommands.Add(TabularSample.Command());
        root.Subcommands.Add(PreprocessSample.Command());
        root.Subcommands.Add(SoftmaxScratchSample.Command());
        root.Subcommands.Add(SoftmaxConciseSample.Command());
        root.Subcommands.Add(MnistMlpSample.Command());
        root.Subcommands.Add(BasicCnnSample.Command());
        root.Subcommands.Add(InceptionCnnSample.Command());
        root.Subcommands.Add(ResNetCnnSample.Command());
        root.Subcommands.Add(DeepCnnSample.Command());
        root.Subcommands.Add(ExportCommand.Command());
        foreach (System.CommandLine.Command hello in HelloSample.Commands()) root.Subcommands.Add(hello);
        root.Subcommands.Add(WordLanguageSample.Command());
        root.Subcommands.Add(BenchCommand.Command());
        root.Subcommands.Add(ProfileCommand.Command());
        root.Subcommands.Add(RecurrentBenchmark.Command());
        root.Subcommands.Add(GpuBenchCommand.Command());
        var device = new Option<string>("--device")
        {
            Description = "cpu, cuda or auto (CUDA when usable, else the CPU with a line saying why). Samples that build a network plan " +
                          "run it there; eager-tensor samples and the benchmarks run on the CPU.",
            DefaultValueFactory = _ => "auto",
            Recursive = true,
        };
        device.Validators.Add(result =>
        {
            try
            {
                Devices.Parse(result.GetValueOrDefault<string>());
            }
            catch (ArgumentException)
            {
                result.AddError($"--device takes cpu, cuda or auto, not '{result.GetValueOrDefault<string>()}'.");
            }
        });
        root.Options.Add(device);
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count == 0)
        {
            GpuDevice.Register();
            SampleDevice.Configure(Devices.Parse(parse.GetValue(device)!));
            if (SampleDevice.Requested == Device.Cuda)
            {
                try
                {
                    _ = SampleDevice.Choice;
                }
                catch (InvalidOperationException e)
                {
                    Console.Error.WriteLine($"error: {e.Message}");
                    return 1;
                }
            }
        }
        return parse.Invoke();
    }
}
