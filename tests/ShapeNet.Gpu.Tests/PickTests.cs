using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;

namespace ShapeNet.Gpu.Tests;

/// <summary>Pick through <see cref="Backends.Gpu.GpuBackend"/> against <see cref="CpuBackend"/>: the gather and the scatter
/// (accumulate false and true onto a non-zero start) bit-exact, and an index outside [0, cols) stops the call with the CPU
/// backend's message before anything is launched.</summary>
[Collection(GpuCollection.Name)]
public sealed class PickTests(GpuFixture gpu)
{
    private readonly IBackend _cpu = CpuBackend.Instance;

    private static float[] Read(IBackend backend, DeviceBuffer buffer)
    {
        var values = new float[buffer.Length];
        backend.Download(buffer, values);
        return values;
    }

    [Fact]
    public void Pick_forward_and_backward_match_the_cpu()
    {
        const int rows = 37, cols = 11;
        float[] x = Parity.Random(rows * cols, 41), dy = Parity.Random(rows, 42), start = Parity.Random(rows * cols, 43);
        float[] indices = Enumerable.Range(0, rows).Select(i => (float)(i * 7 % cols)).ToArray();
        var g = gpu.Backend;
        DeviceBuffer yCpu = _cpu.Allocate(rows), yGpu = g.Allocate(rows);
        _cpu.Pick_Forward(yCpu, _cpu.Wrap(x), _cpu.Wrap(indices), rows, cols);
        g.Pick_Forward(yGpu, g.Wrap((float[])x.Clone()), g.Wrap((float[])indices.Clone()), rows, cols);
        Parity.Exact(Read(_cpu, yCpu), Read(g, yGpu), $"Pick forward [{rows}, {cols}]");
        foreach (bool accumulate in new[] { false, true })
        {
            DeviceBuffer dxCpu = _cpu.Wrap((float[])start.Clone()), dxGpu = g.Wrap((float[])start.Clone());
            _cpu.Pick_Backward(dxCpu, _cpu.Wrap(dy), _cpu.Wrap(indices), rows, cols, accumulate);
            g.Pick_Backward(dxGpu, g.Wrap((float[])dy.Clone()), g.Wrap((float[])indices.Clone()), rows, cols, accumulate);
            Parity.Exact(Read(_cpu, dxCpu), Read(g, dxGpu), $"Pick backward [{rows}, {cols}] accumulate={accumulate}");
        }
    }

    [Fact]
    public void An_index_outside_the_columns_is_named_as_on_the_cpu()
    {
        var g = gpu.Backend;
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            g.Pick_Forward(g.Allocate(3), g.Allocate(6), g.Wrap([0f, 2f, 1f]), 3, 2));
        Assert.Contains("Pick: the index in row 1 is 2, but it must be an integer in [0, 2)", e.Message);
    }
}
