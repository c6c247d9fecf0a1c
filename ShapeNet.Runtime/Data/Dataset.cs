namespace ShapeNet.Data;

/// <summary>
/// A map-style dataset (PyTorch's <c>torch.utils.data.Dataset</c>): a fixed number of samples, each a features
/// tensor and a target tensor of fixed shapes, copied into caller-owned memory so reading allocates nothing.
/// </summary>
/// <remarks>
/// A <see cref="DataLoader"/> with prefetch calls <see cref="Get"/> from its worker thread, so implementations
/// must allow reads from a thread other than the one that created them (they are never called concurrently).
/// </remarks>
public interface IDataset
{
    /// <summary>Number of samples.</summary>
    int Count { get; }

    /// <summary>The shape of one sample's features, without the sample axis (<c>[1, 28, 28]</c> for MNIST).</summary>
    ReadOnlySpan<int> FeatureShape { get; }

    /// <summary>The shape of one sample's target, without the sample axis (<c>[]</c> for a class index).</summary>
    ReadOnlySpan<int> TargetShape { get; }

    /// <summary>
    /// Copies sample <paramref name="index"/> into <paramref name="features"/> and <paramref name="target"/>, whose
    /// lengths are the element counts of <see cref="FeatureShape"/> and <see cref="TargetShape"/>.
    /// </summary>
    void Get(int index, Span<float> features, Span<float> target);
}

/// <summary>
/// A dataset over two tensors whose first axis is the sample axis (PyTorch's <c>TensorDataset</c>):
/// sample <c>i</c> is <c>(features[i], targets[i])</c>.
/// </summary>
public sealed class TensorDataset : IDataset
{
    private readonly int[] _featureShape;
    private readonly int[] _targetShape;
    private readonly int _featureLength;
    private readonly int _targetLength;

    /// <summary>
    /// Wraps <paramref name="features"/> <c>[n, ...]</c> and <paramref name="targets"/> <c>[n, ...]</c> (not copied).
    /// </summary>
    /// <exception cref="ArgumentException">A tensor is a scalar, or the two disagree on <c>n</c>.</exception>
    public TensorDataset(Tensor features, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(targets);
        if (features.Rank == 0 || targets.Rank == 0)
            throw new ArgumentException(
                $"A TensorDataset needs a sample axis first in both tensors; got features {Tensor.ShapeText(features.ShapeSpan)} and targets {Tensor.ShapeText(targets.ShapeSpan)}.");
        if (features.Size(0) != targets.Size(0))
            throw new ArgumentException(
                $"Features {Tensor.ShapeText(features.ShapeSpan)} and targets {Tensor.ShapeText(targets.ShapeSpan)} disagree on the number of samples " +
                $"(the first axis): {features.Size(0)} vs {targets.Size(0)}.", nameof(targets));
        Features = features;
        Targets = targets;
        _featureShape = features.ShapeSpan[1..].ToArray();
        _targetShape = targets.ShapeSpan[1..].ToArray();
        _featureLength = ElementCount(_featureShape);
        _targetLength = ElementCount(_targetShape);
    }

    /// <summary>All features, <c>[n, ...]</c>.</summary>
    public Tensor Features { get; }

    /// <summary>All targets, <c>[n, ...]</c>.</summary>
    public Tensor Targets { get; }

    /// <inheritdoc />
    public int Count => Features.Size(0);

    /// <inheritdoc />
    public ReadOnlySpan<int> FeatureShape => _featureShape;

    /// <inheritdoc />
    public ReadOnlySpan<int> TargetShape => _targetShape;

    /// <inheritdoc />
    public void Get(int index, Span<float> features, Span<float> target)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        Features.Data.AsSpan(index * _featureLength, _featureLength).CopyTo(features);
        Targets.Data.AsSpan(index * _targetLength, _targetLength).CopyTo(target);
    }

    internal static int ElementCount(ReadOnlySpan<int> shape)
    {
        int count = 1;
        foreach (int size in shape) count *= size;
        return count;
    }
}
