using ShapeNet.Backends;

namespace ShapeNet.Samples;

/// <summary>
/// The device of every sample (<c>--device cpu|cuda|auto</c>, default auto; a recursive option of the root command; code that
/// calls a sample's Run directly, as the tests do, gets the CPU unless it calls <see cref="Configure"/>). The
/// backend is chosen on first use, so samples that build no plan (eager tensors, data preparation) never probe CUDA and print
/// nothing. Auto without a usable GPU prints one line saying why and runs on the CPU; an explicit cuda without one is an error
/// that <see cref="Program.Main"/> reports before the sample starts. The CPU path never touches ShapeNet.Runtime.Gpu beyond the
/// registration: <see cref="Devices"/> asks the provider only when a plan wants a backend.
/// </summary>
public static class SampleDevice
{
    private static readonly Lock Gate = new();
    private static Device s_requested = Device.Cpu; // Main configures the command line's choice (default auto)
    private static TextWriter s_notices = Console.Out;
    private static DeviceChoice? s_choice;

    /// <summary>Sets the device the next <see cref="Backend"/> resolves (and forgets an earlier choice).</summary>
    public static void Configure(Device device, TextWriter? notices = null)
    {
        lock (Gate)
        {
            s_requested = device;
            s_notices = notices ?? Console.Out;
            s_choice = null;
        }
    }

    /// <summary>The device asked for.</summary>
    public static Device Requested
    {
        get
        {
            lock (Gate) return s_requested;
        }
    }

    /// <summary>Resolves the device now: throws InvalidOperationException with the reason for an unusable explicit cuda.</summary>
    public static DeviceChoice Choice
    {
        get
        {
            lock (Gate)
            {
                if (s_choice != null) return s_choice;
                s_choice = Devices.Select(s_requested);
                if (s_choice.Notice != null) s_notices.WriteLine(s_choice.Notice);
                else if (s_choice.Device != Device.Cpu) s_notices.WriteLine($"device: {s_choice.Backend.Name}");
                return s_choice;
            }
        }
    }

    /// <summary>The backend plans are built on.</summary>
    public static IBackend Backend => Choice.Backend;
}
