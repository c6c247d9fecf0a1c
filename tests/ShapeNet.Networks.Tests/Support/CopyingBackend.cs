using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;

namespace ShapeNet.Networks.Tests.Support;

/// <summary>The CPU backend seen as a device backend: <see cref="Wrap"/> uploads a copy instead of sharing the host array
/// (<see cref="SharesHostMemory"/> is false), so a plan trains copies of the parameters and buffers and only
/// <see cref="NetworkPlan.CopyParametersToHost"/> and <see cref="NetworkPlan.CopyGradientsToHost"/> bring them back, as on a GPU.
/// Staged uploads go through a host array of its own, as a device backend's pinned buffer, and every descriptor a plan prepares
/// is recorded. Every other call is the CPU backend's.</summary>
internal sealed class CopyingBackend() : DelegatingBackend(CpuBackend.Instance)
{
    private float[] _staging = [];

    public override string Name => "cpu (copying)";

    public override bool SharesHostMemory => false;

    /// <summary>The descriptors <c>Prepare</c> received, with the capacity, in call order.</summary>
    public List<(object Descriptor, int Capacity)> Prepared { get; } = new();

    /// <summary>Uploads that went through the staging buffer.</summary>
    public int StagedUploads { get; private set; }

    public override DeviceBuffer Wrap(float[] host)
    {
        DeviceBuffer copy = Inner.Allocate(host.Length);
        Inner.Upload(host, copy);
        return copy;
    }

    public override Span<float> BeginUpload(DeviceBuffer destination, long destinationOffset, int count)
    {
        if (_staging.Length < count) _staging = new float[count];
        Span<float> staged = _staging.AsSpan(0, count);
        staged.Fill(float.NaN); // what was staged before must not leak into this upload
        return staged;
    }

    public override void EndUpload(DeviceBuffer destination, long destinationOffset, int count)
    {
        Inner.Upload(_staging.AsSpan(0, count), destination, destinationOffset);
        StagedUploads++;
    }

    public override void Prepare(in Conv2dDesc desc, int batchCapacity) => Prepared.Add((desc, batchCapacity));
    public override void Prepare(in Pool2dDesc desc, int batchCapacity) => Prepared.Add((desc, batchCapacity));
    public override void Prepare(in BatchNormDesc desc, int batchCapacity) => Prepared.Add((desc, batchCapacity));
    public override void Prepare(in LinearDesc desc, int rowCapacity) => Prepared.Add((desc, rowCapacity));
}
