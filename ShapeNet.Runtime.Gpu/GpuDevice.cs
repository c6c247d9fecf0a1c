using System.Diagnostics.CodeAnalysis;
using ShapeNet.Backends;
using ShapeNet.Backends.Gpu;
using ShapeNet.Native;

namespace ShapeNet;

/// <summary>Registers CUDA with <see cref="Devices"/>: a program that references ShapeNet.Runtime.Gpu calls
/// <see cref="Register"/> once at start-up, then <c>Devices.Select(Device.Auto)</c>.</summary>
public static class GpuDevice
{
    public static void Register() => Devices.Register(new CudaDeviceProvider());
}

/// <summary>
/// CUDA as a device: usable when the driver library loads, cuInit succeeds and a device is present; then the backend is a
/// <see cref="GpuBackend"/> on device 0 (cuBLAS and cuDNN when their libraries load, ShapeNet's kernels otherwise). Probing never
/// throws; the reason is the library's own words, and a failure while creating the backend (ILGPU's context, a cuBLAS or cuDNN
/// handle) becomes the reason too, with the function and error name the exception carries. <paramref name="driverNames"/>
/// replaces the sonames probed (tests); <paramref name="notes"/> receives what was found (cuBLAS/cuDNN absent).
/// </summary>
public sealed class CudaDeviceProvider(IReadOnlyList<string>? driverNames = null, Action<string>? notes = null) : IDeviceProvider
{
    public Device Device => Device.Cuda;

    /// <summary>Opts into TF32 tensor-core GEMMs (Ampere and later); off by default: full float32 as on the CPU.</summary>
    public bool AllowTf32 { get; init; }

    public bool TryCreateBackend([NotNullWhen(true)] out IBackend? backend, [NotNullWhen(false)] out string? reason)
    {
        backend = null;
        CudaAvailability availability = CudaDriver.Probe(driverNames);
        if (!availability.Usable)
        {
            reason = availability.Reason!;
            return false;
        }
        try
        {
            backend = GpuBackend.CreateCuda(0, AllowTf32, notes);
            reason = null;
            return true;
        }
        catch (Exception e) when (e is NvidiaLibraryException or DllNotFoundException or EntryPointNotFoundException or InvalidOperationException
                                       or NotSupportedException or ILGPU.Runtime.AcceleratorException)
        {
            reason = $"{availability.DeviceCount} CUDA device(s) found (driver {availability.DriverVersion / 1000}.{availability.DriverVersion % 1000 / 10}), " +
                     $"but the backend could not start: {e.Message}";
            return false;
        }
    }
}
