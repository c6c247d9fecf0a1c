using ShapeNet.Samples;

namespace ShapeNet.Gpu.Tests;

/// <summary>The samples' <c>--device</c> option through <see cref="Program.Main"/> (registration, selection, messages), on a
/// machine without a usable GPU as CI's; where one is present the same commands run on it.</summary>
[Collection(GpuCollection.Name)]
public sealed class SampleDeviceOptionTests
{
    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        TextWriter oldOut = Console.Out, oldError = Console.Error;
        var output = new StringWriter();
        var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            return (Program.Main(args), output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldError);
            SampleDevice.Configure(Device.Cpu);
        }
    }

    private static string RunsFolder() => Directory.CreateTempSubdirectory("shapenet-device-").FullName;

    [Fact]
    public void Auto_without_a_gpu_says_why_in_one_line_and_trains_on_the_cpu()
    {
        (int code, string output, _) = Run("linear-regression", "--runs", RunsFolder());
        Assert.Equal(0, code);
        string[] notices = output.Split('\n').Where(line => line.StartsWith("CUDA unavailable: ", StringComparison.Ordinal)).ToArray();
        if (CudaMachine.SkipReason == null)
        {
            Assert.Empty(notices);
            Assert.Contains("device: cuda", output);
        }
        else
        {
            string notice = Assert.Single(notices).TrimEnd('\r');
            Assert.EndsWith("; using CPU", notice);
        }
    }

    [Fact]
    public void Explicit_cuda_without_a_gpu_exits_with_the_reason()
    {
        (int code, string output, string error) = Run("logistic-regression", "--epochs", "3", "--device", "cuda", "--runs", RunsFolder());
        if (CudaMachine.SkipReason == null)
        {
            Assert.Equal(0, code);
            Assert.Contains("device: cuda", output);
            return;
        }
        Assert.Equal(1, code);
        Assert.StartsWith("error: CUDA unavailable: ", error);
        Assert.DoesNotContain("LogisticModel", output); // the sample did not start
    }

    [Fact]
    public void Cpu_never_probes_and_an_unknown_device_is_rejected()
    {
        (int code, string output, _) = Run("linear-regression", "--device", "cpu", "--runs", RunsFolder());
        Assert.Equal(0, code);
        Assert.DoesNotContain("CUDA", output);
        (code, _, string error) = Run("linear-regression", "--device", "gpu");
        Assert.NotEqual(0, code);
        Assert.Contains("--device takes cpu, cuda or auto, not 'gpu'.", error);
    }
}
