using System.Diagnostics.CodeAnalysis;
using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;

namespace ShapeNet;

/// <summary>Where a network runs: the CPU, an NVIDIA GPU through CUDA, or CUDA when it is usable and the CPU otherwise.</summary>
public enum Device
{
    /// <summary>The CPU backend (the reference, always available).</summary>
    Cpu,
    /// <summary>An NVIDIA GPU through CUDA; selecting it fails, with the reason, when CUDA is unusable.</summary>
    Cuda,
    /// <summary>CUDA when it is usable, else the CPU (with a notice saying why).</summary>
    Auto,
}

/// <summary>
/// A device other than the CPU, supplied by the assembly that implements it. ShapeNet.Runtime never references the GPU
/// assembly (the CPU path must not load ILGPU, which is not AOT-compatible): a program that wants CUDA references
/// ShapeNet.Runtime.Gpu and calls its <c>GpuDevice.Register()</c>, which hands <see cref="Devices"/> a provider.
/// </summary>
public interface IDeviceProvider
{
    /// <summary>The device this provider supplies.</summary>
    Device Device { get; }

    /// <summary>Creates the device's backend, or says in a few words why the device is unusable
    /// ("libcuda.so.1 not found", "cuInit failed: CUDA_ERROR_NO_DEVICE").</summary>
    bool TryCreateBackend([NotNullWhen(true)] out IBackend? backend, [NotNullWhen(false)] out string? reason);
}

/// <summary>The outcome of choosing a device: the device that runs, its backend, and the line to print when
/// <see cref="Device.Auto"/> fell back to the CPU.</summary>
public sealed record DeviceChoice(Device Device, IBackend Backend, string? Notice);

/// <summary>Device selection for programs and samples (<c>--device cpu|cuda|auto</c>).</summary>
public static class Devices
{
    private static readonly Lock Gate = new();
    private static IDeviceProvider[] s_providers = [];

    /// <summary>Makes a device available to <see cref="Select(Device)"/> (a later registration for the same device wins).</summary>
    public static void Register(IDeviceProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        lock (Gate) s_providers = [.. s_providers.Where(p => p.Device != provider.Device), provider];
    }

    /// <summary>Chooses with the registered providers.</summary>
    public static DeviceChoice Select(Device requested)
    {
        IDeviceProvider[] providers;
        lock (Gate) providers = s_providers;
        return Select(requested, providers);
    }

    /// <summary>
    /// Cpu runs on the CPU. Cuda runs on CUDA or throws <see cref="InvalidOperationException"/> with the reason. Auto runs on
    /// CUDA when it is usable, else on the CPU with <see cref="DeviceChoice.Notice"/> = "CUDA unavailable: reason; using CPU".
    /// </summary>
    public static DeviceChoice Select(Device requested, IReadOnlyList<IDeviceProvider> providers)
    {
        if (requested == Device.Cpu) return new DeviceChoice(Device.Cpu, CpuBackend.Instance, null);
        if (requested is not (Device.Cuda or Device.Auto)) throw new ArgumentOutOfRangeException(nameof(requested), requested, "Unknown device.");
        IDeviceProvider? cuda = providers.LastOrDefault(p => p.Device == Device.Cuda);
        string reason;
        if (cuda == null) reason = "ShapeNet.Runtime.Gpu is not registered (reference it and call GpuDevice.Register())";
        else if (cuda.TryCreateBackend(out IBackend? backend, out string? why)) return new DeviceChoice(Device.Cuda, backend, null);
        else reason = why;
        if (requested == Device.Cuda) throw new InvalidOperationException($"CUDA unavailable: {reason}.");
        return new DeviceChoice(Device.Cpu, CpuBackend.Instance, $"CUDA unavailable: {reason}; using CPU");
    }

    /// <summary>"cpu", "cuda" or "auto" (any case), as the samples' --device takes them.</summary>
    public static Device Parse(string text) => text?.Trim().ToLowerInvariant() switch
    {
        "cpu" => Device.Cpu,
        "cuda" => Device.Cuda,
        "auto" => Device.Auto,
        _ => throw new ArgumentException($"--device takes cpu, cuda or auto, not '{text}'.", nameof(text)),
    };
}
