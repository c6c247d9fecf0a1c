using System.Diagnostics.CodeAnalysis;
using ShapeNet.Backends;
using ShapeNet.Native;

namespace ShapeNet;

/// <summary>Registers CUDA with <see cref="Devices"/>: a program that references ShapeNet.Runtime.Gpu calls
/// <see cref="Register"/> once at start-up, then <c>Devices.Select(Device.Auto)</c>.</summary>
public static class GpuDevice
{
    public static void Register() => Devices.Register(new CudaDeviceProvider());
}

/// <summary>
/// CUDA as a device: usable when the driver library loads, cuInit succeeds and a device is present. Probing never throws;
/// the reason is the library's own words. <paramref name="driverNames"/> replaces the sonames probed (tests).
/// This build has the CUDA kernels, bindings and selection but not yet the backend class over the new backend seam
/// (phase 2 of the GPU issue), so a machine with a usable GPU is told exactly that and runs on the CPU under Auto.
/// </summary>
public sealed class CudaDeviceProvider(IReadOnlyList<string>? driverNames = null) : IDeviceProvider
{
    public Device Device => Device.Cuda;

    public bool TryCreateBackend([NotNullWhen(true)] out IBackend? backend, [NotNullWhen(false)] out string? reason)
    {
        backend = null;
        CudaAvailability availability = CudaDriver.Probe(driverNames);
        reason = availability.Usable
            ? $"{availability.DeviceCount} CUDA device(s) found (driver {availability.DriverVersion / 1000}.{availability.DriverVersion % 1000 / 10}), " +
              "but this build has no CUDA backend class yet"
            : availability.Reason!;
        return false;
    }
}
