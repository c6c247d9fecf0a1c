using System.Reflection;
using System.Runtime.InteropServices;

namespace ShapeNet.Native;

/// <summary>
/// Finds NVIDIA's libraries by their sonames and serves them to the <c>[LibraryImport]</c> bindings, which name logical
/// libraries (<see cref="Cuda"/>, <see cref="CuBlas"/>, <see cref="CuDnn"/>) that an import resolver maps to the handle
/// loaded here. A library that is absent makes its calls throw <see cref="DllNotFoundException"/>; callers probe first.
/// </summary>
public static class NativeLibraries
{
    public const string Cuda = "shapenet-cuda";
    public const string CuBlas = "shapenet-cublas";
    public const string CuDnn = "shapenet-cudnn";

    /// <summary>The CUDA driver API (the driver package installs it; the toolkit is not needed).</summary>
    public static readonly string[] CudaNames = OperatingSystem.IsWindows() ? ["nvcuda.dll"] : ["libcuda.so.1"];

    /// <summary>cuBLAS of CUDA 13, 12 and 11, newest first (the soname carries the major version).</summary>
    public static readonly string[] CuBlasNames = OperatingSystem.IsWindows()
        ? ["cublas64_13.dll", "cublas64_12.dll", "cublas64_11.dll"]
        : ["libcublas.so.13", "libcublas.so.12", "libcublas.so.11"];

    /// <summary>cuDNN 9 and 8, newest first.</summary>
    public static readonly string[] CuDnnNames = OperatingSystem.IsWindows()
        ? ["cudnn64_9.dll", "cudnn64_8.dll"]
        : ["libcudnn.so.9", "libcudnn.so.8"];

    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, NativeLibraryProbe> Loaded = [];
    private static bool s_resolverSet;

    /// <summary>Loads the first of <paramref name="candidates"/> that the loader finds, or says which were tried.</summary>
    public static NativeLibraryProbe Probe(string logicalName, IReadOnlyList<string> candidates)
    {
        lock (Gate)
        {
            if (!s_resolverSet)
            {
                NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
                s_resolverSet = true;
            }
            // The runtime keeps the first handle it resolves for a library name, so a logical name is bound once per process.
            Loaded.TryGetValue(logicalName, out NativeLibraryProbe? bound);
            if (bound != null && candidates.Contains(bound.LoadedName!)) return bound with { Candidates = candidates };
            foreach (string name in candidates)
                if (NativeLibrary.TryLoad(name, out IntPtr handle))
                {
                    if (bound != null)
                        throw new InvalidOperationException($"{logicalName} is already bound to {bound.LoadedName}; cannot switch to {name} in this process.");
                    return Loaded[logicalName] = new NativeLibraryProbe(name, handle, candidates);
                }
            return new NativeLibraryProbe(null, IntPtr.Zero, candidates);
        }
    }

    /// <summary>Whether the loaded library exports <paramref name="symbol"/> (the toolchain script checks every binding).</summary>
    public static bool Exports(NativeLibraryProbe library, string symbol)
        => library.Found && NativeLibrary.TryGetExport(library.Handle, symbol, out _);

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        lock (Gate)
            return Loaded.TryGetValue(libraryName, out NativeLibraryProbe? probe) ? probe.Handle : IntPtr.Zero;
    }
}

/// <summary>The outcome of probing for a library: the soname that loaded, or the names that were tried.</summary>
public sealed record NativeLibraryProbe(string? LoadedName, IntPtr Handle, IReadOnlyList<string> Candidates)
{
    public bool Found => LoadedName != null;

    /// <summary>"libcuda.so.1 not found" or "none of libcublas.so.13, libcublas.so.12, libcublas.so.11 found".</summary>
    public string NotFoundText => Candidates.Count == 1 ? $"{Candidates[0]} not found" : $"none of {string.Join(", ", Candidates)} found";
}
