using System.Reflection;
using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ShapeNet.Backends.Gpu;

namespace ShapeNet.Gpu.Tests;

/// <summary>
/// Every ShapeNet kernel compiles to PTX for sm_70, sm_80 and sm_90 with no GPU present (ILGPU's PTX backend needs no
/// driver). PTX ISA 7.8 is the oldest that knows sm_90 (CUDA 11.8), so the same text assembles with Debian's CUDA 11.8 ptxas
/// (scripts/verify-gpu-toolchain.sh, which sets SHAPENET_PTX_DIR to get the files).
/// </summary>
public sealed class PtxTests
{
    public static readonly CudaArchitecture[] Architectures = [CudaArchitecture.SM_70, CudaArchitecture.SM_80, CudaArchitecture.SM_90];

    public static IEnumerable<MethodInfo> KernelMethods()
        => typeof(GpuKernels).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Where(m => m.GetCustomAttributes().Any(a => a.GetType().Name == "KernelAttribute"))
            .OrderBy(m => m.DeclaringType!.Name).ThenBy(m => m.Name);

    [Fact]
    public void Every_kernel_family_has_kernels_and_every_kernel_is_listed()
    {
        string[] families = KernelMethods().Select(m => m.DeclaringType!.Name).Distinct().ToArray();
        Assert.Equal(["GpuConvolution", "GpuDropout", "GpuElementwise", "GpuEmbedding", "GpuGemm", "GpuLayout", "GpuLoss", "GpuNormalization",
            "GpuOptimizers", "GpuPick", "GpuPooling", "GpuRecurrent", "GpuRecurrentStack", "GpuReduction", "GpuSoftmax", "GpuTopK"], families);
        // A kernel is a static method whose first parameter is an Index1D or that ILGPU launches with a KernelConfig; every
        // method whose name ends in Kernel must carry the attribute, or this test would not compile it.
        var unmarked = typeof(GpuKernels).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
            .Where(m => m.Name.EndsWith("Kernel", StringComparison.Ordinal) && !KernelMethods().Contains(m)).Select(m => m.Name).ToArray();
        Assert.Empty(unmarked);
    }

    /// <summary>ILGPU writes the lowest architecture that has every capability it may use (CudaCapabilityContext: at most
    /// sm_80 in 1.5.3), so a request for sm_90 gives sm_80 PTX, which the driver compiles for the sm_90 device at load.</summary>
    private static string TargetOf(CudaArchitecture requested)
        => (requested > CudaArchitecture.SM_80 ? CudaArchitecture.SM_80 : requested).ToString().ToLowerInvariant();

    [Fact]
    public void Every_kernel_compiles_to_ptx_for_sm70_sm80_and_sm90()
    {
        string? directory = Environment.GetEnvironmentVariable("SHAPENET_PTX_DIR");
        if (directory != null) Directory.CreateDirectory(directory);
        using var context = Context.Create(builder => builder.EnableAlgorithms());
        var failures = new List<string>();
        int compiled = 0;
        foreach (CudaArchitecture architecture in Architectures)
        {
            var backend = new PTXBackend(context, architecture, CudaInstructionSet.ISA_78, null);
            foreach (MethodInfo kernel in KernelMethods())
            {
                bool implicitlyGrouped = kernel.GetParameters()[0].ParameterType == typeof(Index1D);
                var entry = implicitlyGrouped ? EntryPointDescription.FromImplicitlyGroupedKernel(kernel) : EntryPointDescription.FromExplicitlyGroupedKernel(kernel);
                string name = $"{kernel.DeclaringType!.Name}.{kernel.Name} for {architecture}";
                try
                {
                    var ptx = ((PTXCompiledKernel)backend.Compile(entry, new KernelSpecialization())).PTXAssembly;
                    if (!ptx.Contains($".target {TargetOf(architecture)}\n", StringComparison.Ordinal) || !ptx.Contains(".visible .entry Kernel_", StringComparison.Ordinal))
                        failures.Add($"{name}: the PTX lacks \".target {TargetOf(architecture)}\" or its entry point");
                    if (directory != null)
                        File.WriteAllText(Path.Combine(directory, $"{architecture.ToString().ToLowerInvariant()}.{kernel.DeclaringType!.Name}.{kernel.Name}.ptx"), ptx);
                    compiled++;
                }
                catch (Exception e)
                {
                    failures.Add($"{name}: {e.GetBaseException().Message}");
                }
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} kernel compilations failed:\n" + string.Join("\n", failures));
        Assert.Equal(KernelMethods().Count() * Architectures.Length, compiled);
    }
}
