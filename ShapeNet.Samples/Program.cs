using System.CommandLine;
using ShapeNet.Samples.Benchmarks;
using ShapeNet.Samples.Mnist;

namespace ShapeNet.Samples;

/// <summary>The seed curriculum as one command-line program, a sub-command per sample.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("ShapeNet samples: the PyTorch tutorial and Dive into Deep Learning seed models, trained with generated code.");
        root.Subcommands.Add(MnistMlpSample.Command());
        root.Subcommands.Add(BenchCommand.Command());
        return root.Parse(args).Invoke();
    }
}
