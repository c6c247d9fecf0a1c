using System.Runtime.InteropServices;

namespace ShapeNet.Native;

/// <summary>The few CUDA driver API calls ShapeNet makes itself (ILGPU drives contexts, streams, memory and launches): enough
/// to say why CUDA is unusable before ILGPU is asked for a device. Signatures as in cuda.h; see docs/gpu.md.</summary>
public static partial class CudaDriver
{
    /// <summary>CUresult values ShapeNet names itself (cuda.h); any other code is named by cuGetErrorName.</summary>
    public enum CuResult
    {
        CUDA_SUCCESS = 0,
        CUDA_ERROR_INVALID_VALUE = 1,
        CUDA_ERROR_OUT_OF_MEMORY = 2,
        CUDA_ERROR_NOT_INITIALIZED = 3,
        CUDA_ERROR_DEINITIALIZED = 4,
        CUDA_ERROR_NO_DEVICE = 100,
        CUDA_ERROR_INVALID_DEVICE = 101,
        CUDA_ERROR_SYSTEM_DRIVER_MISMATCH = 803,
        CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE = 804,
        CUDA_ERROR_UNKNOWN = 999,
    }

    [LibraryImport(NativeLibraries.Cuda)]
    internal static partial CuResult cuInit(uint flags);

    [LibraryImport(NativeLibraries.Cuda)]
    internal static partial CuResult cuDriverGetVersion(out int driverVersion);

    [LibraryImport(NativeLibraries.Cuda)]
    internal static partial CuResult cuDeviceGetCount(out int count);

    [LibraryImport(NativeLibraries.Cuda)]
    internal static partial CuResult cuGetErrorName(CuResult error, out IntPtr name);

    /// <summary>The entry points bound above, for the export check.</summary>
    public static readonly string[] EntryPoints = ["cuInit", "cuDriverGetVersion", "cuDeviceGetCount", "cuGetErrorName"];

    /// <summary>The library's name for a result (cuGetErrorName), or ShapeNet's when the driver does not know it.</summary>
    public static string ErrorName(CuResult result)
    {
        if (cuGetErrorName(result, out IntPtr name) == CuResult.CUDA_SUCCESS && name != IntPtr.Zero)
            return Marshal.PtrToStringAnsi(name) ?? result.ToString();
        return Enum.IsDefined(result) ? result.ToString() : $"CUresult {(int)result}";
    }

    /// <summary>Throws <see cref="CudaException"/> naming the function and the driver's error name.</summary>
    public static void Check(CuResult result, string function)
    {
        if (result != CuResult.CUDA_SUCCESS) throw new CudaException(function, ErrorName(result), (int)result);
    }

    /// <summary>Loads the driver from <paramref name="candidates"/> (default: libcuda.so.1 / nvcuda.dll), initialises it and
    /// counts devices. Never throws: a missing library or a failing call becomes the reason.</summary>
    public static CudaAvailability Probe(IReadOnlyList<string>? candidates = null)
    {
        NativeLibraryProbe library = NativeLibraries.Probe(NativeLibraries.Cuda, candidates ?? NativeLibraries.CudaNames);
        if (!library.Found) return new CudaAvailability(false, library.NotFoundText, 0, 0);
        try
        {
            CuResult init = cuInit(0);
            if (init != CuResult.CUDA_SUCCESS) return new CudaAvailability(false, $"cuInit failed: {ErrorName(init)}", 0, 0);
            Check(cuDriverGetVersion(out int version), "cuDriverGetVersion");
            Check(cuDeviceGetCount(out int count), "cuDeviceGetCount");
            return count > 0
                ? new CudaAvailability(true, null, count, version)
                : new CudaAvailability(false, "cuDeviceGetCount found no device (CUDA_ERROR_NO_DEVICE)", 0, version);
        }
        catch (Exception e) when (e is CudaException or EntryPointNotFoundException)
        {
            return new CudaAvailability(false, e.Message, 0, 0);
        }
    }
}

/// <summary>Whether CUDA can run, and if not why (<see cref="Reason"/>: "libcuda.so.1 not found", "cuInit failed: CUDA_ERROR_NO_DEVICE").</summary>
public sealed record CudaAvailability(bool Usable, string? Reason, int DeviceCount, int DriverVersion);

/// <summary>A failed CUDA, cuBLAS or cuDNN call: the function and the library's name for the error.</summary>
public class NvidiaLibraryException(string library, string function, string errorName, int code)
    : Exception($"{function} failed: {errorName} ({library} status {code})")
{
    public string Function { get; } = function;
    public string ErrorName { get; } = errorName;
    public int Code { get; } = code;
}

public sealed class CudaException(string function, string errorName, int code) : NvidiaLibraryException("CUDA", function, errorName, code);
public sealed class CuBlasException(string function, string errorName, int code) : NvidiaLibraryException("cuBLAS", function, errorName, code);
public sealed class CuDnnException(string function, string errorName, int code) : NvidiaLibraryException("cuDNN", function, errorName, code);
