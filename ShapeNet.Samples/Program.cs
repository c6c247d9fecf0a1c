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
        root.Subcommands.Add(BenchCommand.Command());
        root.Subcommands.Add(ProfileCommand.Command());
        root.Subcommands.Add(RecurrentBenchmark.Command());
        return root.Parse(args).Invoke();
    }
}
