using System.Diagnostics;
using System.Reflection;
using ShapeNet.Native;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace ShapeNet.Gpu.Tests;

/// <summary>Whether this machine can run the GPU category, and if not why (the driver's own words).</summary>
internal static class CudaMachine
{
    public static readonly string? SkipReason = Probe();

    private static string? Probe()
    {
        CudaAvailability cuda = CudaDriver.Probe();
        return cuda.Usable ? null : $"needs a usable NVIDIA GPU; here: {cuda.Reason}";
    }
}

/// <summary>A fact of the GPU category: skipped, with the reason in the test report, where no usable CUDA device is present.</summary>
public sealed class GpuFactAttribute : FactAttribute
{
    public GpuFactAttribute()
    {
        if (CudaMachine.SkipReason is string reason) Skip = reason;
    }
}

/// <summary>
/// The GPU category (<c>dotnet test --filter Category=Gpu</c>): on a machine with an NVIDIA GPU, every parity test that CI runs on
/// ILGPU's CPU accelerator runs again on the CUDA device, through ShapeNet's kernels and through cuBLAS/cuDNN (cuDNN when
/// installed): every IBackend call forward and backward, the recurrent cells, embedding, and every sample network's first 20
/// training steps. Elsewhere each test is skipped and the report says why ("needs a usable NVIDIA GPU; here: cuInit failed:
/// CUDA_ERROR_NO_DEVICE"). The seed models' train-step figures on a GPU come from <c>ShapeNet.Samples bench --device cuda</c>.
/// </summary>
[Trait("Category", "Gpu")]
public sealed class OnGpuTests(ITestOutputHelper log)
{
    private static readonly Type[] ParityClasses =
        [typeof(BackendParityTests), typeof(BackendIntegerRecurrentTests), typeof(RecurrentTests), typeof(SampleNetworkParityTests)];

    [GpuFact]
    public void Every_parity_test_passes_on_the_cuda_device()
    {
        Environment.SetEnvironmentVariable("SHAPENET_GPU_PARITY_STEPS", "20"); // every network, 20 steps (read by Networks())
        using var fixture = new GpuFixture(cuda: true);
        log.WriteLine($"device: {fixture.Accelerator.Name}; {fixture.VendorBackend.Kernels.Blas.Name}; {fixture.VendorBackend.Convolution.Name}");
        var failures = new List<string>();
        int passed = 0;
        foreach (Type type in ParityClasses)
            foreach ((MethodInfo method, object?[] arguments) in Cases(type))
            {
                string name = $"{type.Name}.{method.Name}({string.Join(", ", arguments)})";
                object instance = Activator.CreateInstance(type, [.. type.GetConstructors()[0].GetParameters()
                    .Select(p => p.ParameterType == typeof(GpuFixture) ? fixture : (object)log)])!;
                var clock = Stopwatch.StartNew();
                try
                {
                    method.Invoke(instance, arguments);
                    passed++;
                }
                catch (TargetInvocationException e)
                {
                    failures.Add($"{name}: {e.InnerException?.Message}");
                }
                log.WriteLine($"{name}: {clock.Elapsed.TotalMilliseconds:F0} ms");
            }
        log.WriteLine($"{passed} passed, {failures.Count} failed on {fixture.Accelerator.Name}");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    /// <summary>Each [Fact] with no arguments and each [Theory] row ([InlineData], [MemberData]) of a test class.</summary>
    internal static IEnumerable<(MethodInfo Method, object?[] Arguments)> Cases(Type type)
    {
        foreach (MethodInfo method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance))
        {
            if (method.GetCustomAttribute<TheoryAttribute>() != null)
            {
                foreach (DataAttribute data in method.GetCustomAttributes<DataAttribute>())
                    foreach (object?[] row in data.GetData(method)) yield return (method, row);
            }
            else if (method.GetCustomAttribute<FactAttribute>() != null)
            {
                yield return (method, []);
            }
        }
    }

    [Fact]
    public void The_gpu_category_walks_every_parity_case()
    {
        // Runs everywhere: what the GPU run will execute, row by row, from the same attributes CI runs on the CPU accelerator.
        var cases = ParityClasses.SelectMany(Cases).ToList();
        Assert.InRange(cases.Count(c => c.Method.Name == nameof(SampleNetworkParityTests.First_twenty_training_steps_match_the_cpu)), 11, 12);
        Assert.Equal(Enum.GetValues<ShapeNet.Backends.UnaryOp>().Length,
            cases.Count(c => c.Method.Name == nameof(BackendParityTests.Unary_forward_and_backward_match)));
        Assert.Equal(8, cases.Count(c => c.Method.Name == nameof(RecurrentTests.Cells_forward_and_backward_match_the_cpu)));
        log.WriteLine($"{cases.Count} parity cases; {CudaMachine.SkipReason ?? "a usable CUDA device is present: the GPU category runs"}");
    }
}
