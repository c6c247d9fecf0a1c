using ShapeNet.Runtime.Tests.Support;
using ShapeNet.Data;

namespace ShapeNet.Runtime.Tests.Data;

public class DataLoaderTests
{
    /// <summary>Sample i has features [i, -i] and target i, so a batch's targets spell out the order.</summary>
    internal static TensorDataset Numbered(int count)
    {
        var features = new float[2 * count];
        var targets = new float[count];
        for (int i = 0; i < count; i++)
        {
            features[2 * i] = i;
            features[2 * i + 1] = -i;
            targets[i] = i;
        }
        return new TensorDataset(new Tensor(features, count, 2), new Tensor(targets, count));
    }

    /// <summary>One epoch's targets, batch by batch, copied out of the reused buffers.</summary>
    private static List<float[]> Epoch(DataLoader loader)
    {
        var batches = new List<float[]>();
        foreach (MiniBatch batch in loader)
        {
            for (int i = 0; i < batch.Count; i++)
                Assert.Equal([batch.Targets.Data[i], -batch.Targets.Data[i]], batch.Features.Data.AsSpan(2 * i, 2).ToArray());
            batches.Add(batch.Targets.Data.ToArray());
        }
        return batches;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Without_shuffle_the_samples_come_in_order_and_the_last_batch_is_partial(bool prefetch)
    {
        var loader = new DataLoader(Numbered(10), batchSize: 4, prefetch: prefetch);

        List<float[]> batches = Epoch(loader);

        Assert.Equal(3, loader.BatchesPerEpoch);
        Assert.Equal(10, loader.Count);
        Assert.Equal([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]], batches);
    }

    [Fact]
    public void Batches_have_the_sample_shape_after_the_batch_axis()
    {
        var dataset = new TensorDataset(new Tensor(new float[5 * 6], 5, 1, 2, 3), new Tensor(new float[5], 5));
        var loader = new DataLoader(dataset, batchSize: 2);

        int[][] shapes = loader.Select(b => b.Features.Shape).ToArray();

        Assert.Equal([[2, 1, 2, 3], [2, 1, 2, 3], [1, 1, 2, 3]], shapes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DropLast_skips_the_partial_batch(bool prefetch)
    {
        var loader = new DataLoader(Numbered(10), batchSize: 4, dropLast: true, prefetch: prefetch);

        Assert.Equal(2, loader.BatchesPerEpoch);
        Assert.Equal(8, loader.Count);
        Assert.Equal([[0, 1, 2, 3], [4, 5, 6, 7]], Epoch(loader));
    }

    [Fact]
    public void Shuffle_repeats_for_the_same_seed_and_epoch_and_changes_across_epochs()
    {
        var first = new DataLoader(Numbered(50), batchSize: 8, shuffle: true, seed: 7);
        var second = new DataLoader(Numbered(50), batchSize: 8, shuffle: true, seed: 7);

        List<float[]> epoch0 = Epoch(first);
        List<float[]> epoch1 = Epoch(first);
        second.Epoch = 1;

        Assert.Equal(epoch1, Epoch(second));
        Assert.NotEqual(Flat(epoch0), Flat(epoch1));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (float)i), Flat(epoch0).Order());
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (float)i), Flat(epoch1).Order());
        first.Epoch = 0;
        Assert.Equal(epoch0, Epoch(first));
        Assert.NotEqual(Flat(epoch0), Flat(Epoch(new DataLoader(Numbered(50), batchSize: 8, shuffle: true, seed: 8))));
    }

    [Fact]
    public void Prefetch_gives_the_same_batches_as_no_prefetch()
    {
        var prefetching = new DataLoader(Numbered(103), batchSize: 10, shuffle: true, seed: 3, prefetch: true);
        var synchronous = new DataLoader(Numbered(103), batchSize: 10, shuffle: true, seed: 3, prefetch: false);

        for (int epoch = 0; epoch < 3; epoch++)
            Assert.Equal(Epoch(synchronous), Epoch(prefetching));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_previous_batch_stays_intact_while_the_current_one_is_used(bool prefetch)
    {
        var loader = new DataLoader(Numbered(200), batchSize: 4, prefetch: prefetch);
        MiniBatch? previous = null;
        int index = 0;
        foreach (MiniBatch batch in loader)
        {
            // Give the worker time to fill everything it is allowed to.
            if (prefetch) Thread.Sleep(1);
            if (previous is { } p) Assert.Equal(4 * (index - 1), p.Targets.Data[0]);
            Assert.Equal(4 * index, batch.Targets.Data[0]);
            previous = batch;
            index++;
        }
    }

    [Fact]
    public void Breaking_out_stops_the_worker_and_the_loader_can_start_the_next_epoch()
    {
        var loader = new DataLoader(Numbered(1000), batchSize: 10, prefetch: true);

        foreach (MiniBatch batch in loader)
        {
            Assert.Equal(1, loader.RunningWorkers);
            break;
        }

        Assert.Equal(0, loader.RunningWorkers);
        Assert.Equal(1, loader.Epoch);
        Assert.Equal(100, Epoch(loader).Count);
        Assert.Equal(0, loader.RunningWorkers);
    }

    [Fact]
    public void One_enumeration_at_a_time()
    {
        var loader = new DataLoader(Numbered(10), batchSize: 2);
        using IEnumerator<MiniBatch> running = loader.GetEnumerator();

        var e = Assert.Throws<InvalidOperationException>(() => loader.GetEnumerator());

        Assert.Contains("already being enumerated", e.Message);
    }

    [Fact]
    public void An_exception_in_the_worker_reaches_the_caller()
    {
        var loader = new DataLoader(new FailingDataset(failAt: 25), batchSize: 10, prefetch: true);
        int delivered = 0;

        var e = Assert.Throws<InvalidDataException>(() => { foreach (MiniBatch _ in loader) delivered++; });

        Assert.Equal("sample 25 is corrupt", e.Message);
        Assert.Equal(2, delivered);
        Assert.Equal(0, loader.RunningWorkers);
    }

    [Fact]
    public void EnsureFeatureShape_names_both_shapes()
    {
        var dataset = new TensorDataset(new Tensor(new float[2 * 784], 2, 1, 28, 28), new Tensor(new float[2], 2));
        var loader = new DataLoader(dataset, batchSize: 1);

        loader.EnsureFeatureShape(1, 28, 28);
        loader.EnsureFeatureShape<Gray, Side, Side>();
        loader.EnsureTargetShape();

        var flat = Assert.Throws<ArgumentException>(() => loader.EnsureFeatureShape(784));
        Assert.Equal("The model takes samples of [784], but the loader gives [1, 28, 28]; both hold 784 elements, " +
                     "so reshape the dataset's tensors or flatten in the model.", flat.Message);
        var typed = Assert.Throws<ArgumentException>(() => loader.EnsureFeatureShape<Side, Side>());
        Assert.Equal("The model takes samples of [Side=28, Side=28], but the loader gives [1, 28, 28]; both hold 784 elements, " +
                     "so reshape the dataset's tensors or flatten in the model.", typed.Message);
        Assert.Equal("The model takes targets of [10], but the loader gives [].",
            Assert.Throws<ArgumentException>(() => loader.EnsureTargetShape(10)).Message);
        Assert.Contains("Batch is sized at run time", Assert.Throws<ArgumentException>(() => loader.EnsureFeatureShape<Batch, Gray>()).Message);
    }

    [Fact]
    public void TensorDataset_rejects_tensors_with_different_sample_counts()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            new TensorDataset(new Tensor(new float[12], 3, 4), new Tensor(new float[2], 2)));

        Assert.StartsWith("Features [3, 4] and targets [2] disagree on the number of samples (the first axis): 3 vs 2.", e.Message);
    }

    private static float[] Flat(List<float[]> batches) => batches.SelectMany(b => b).ToArray();

    private readonly struct Gray : IDim
    {
        public static int Size => 1;
        public static string Name => "Gray";
    }

    private readonly struct Side : IDim
    {
        public static int Size => 28;
        public static string Name => "Side";
    }

    private sealed class FailingDataset(int failAt) : IDataset
    {
        public int Count => 100;
        public ReadOnlySpan<int> FeatureShape => [1];
        public ReadOnlySpan<int> TargetShape => [];

        public void Get(int index, Span<float> features, Span<float> target)
        {
            if (index == failAt) throw new InvalidDataException($"sample {index} is corrupt");
            features[0] = index;
            target[0] = index;
        }
    }
}

[Collection(nameof(AllocationMeasurement))]
public class DataLoaderAllocationTests
{
    [Fact]
    public void Steady_state_iteration_without_prefetch_allocates_nothing_per_batch()
    {
        var loader = new DataLoader(DataLoaderTests.Numbered(2000), batchSize: 8, shuffle: true, prefetch: false);
        foreach (MiniBatch _ in loader) { }

        Assert.Equal(0, AllocatedInACleanEpoch(loader, GC.GetAllocatedBytesForCurrentThread));
    }

    [Fact]
    public void Steady_state_iteration_with_prefetch_allocates_nothing_per_batch()
    {
        var loader = new DataLoader(DataLoaderTests.Numbered(2000), batchSize: 8, shuffle: true, prefetch: true);
        foreach (MiniBatch _ in loader) { }

        // The process-wide counter: the loader's prefetch thread is not the caller; it also sees the test runner's threads.
        Assert.Equal(0, AllocatedInACleanEpoch(loader, () => GC.GetTotalAllocatedBytes(precise: true)));
    }

    /// <summary>Epochs until one allocates nothing (at most 5), and what the last allocated: an allocation per batch shows in every
    /// epoch, while a one-off of the runtime (<see cref="AllocationWindows"/>) or of another thread only costs one more.</summary>
    private static long AllocatedInACleanEpoch(DataLoader loader, Func<long> allocatedBytes)
    {
        long allocated = long.MaxValue;
        for (int epoch = 0; epoch < 5 && allocated != 0; epoch++) allocated = AllocatedDuringBatches(loader, allocatedBytes);
        return allocated;
    }

    /// <summary>Bytes allocated between the 10th and the 240th batch of an epoch (starting an epoch allocates its enumerator).</summary>
    private static long AllocatedDuringBatches(DataLoader loader, Func<long> allocatedBytes)
    {
        long before = 0, after = 0;
        int index = 0;
        float checksum = 0;
        foreach (MiniBatch batch in loader)
        {
            if (index == 10) before = allocatedBytes();
            checksum += batch.Targets.Data[0];
            if (index == 240) after = allocatedBytes();
            index++;
        }
        Assert.True(checksum > 0);
        return after - before;
    }
}
