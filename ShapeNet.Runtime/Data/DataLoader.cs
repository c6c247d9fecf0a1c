using System.Collections;
using System.Runtime.ExceptionServices;

namespace ShapeNet.Data;

/// <summary>
/// One mini-batch: <see cref="Features"/> <c>[Count, ...feature shape]</c> and <see cref="Targets"/>
/// <c>[Count, ...target shape]</c>. The tensors belong to the <see cref="DataLoader"/> and are overwritten later;
/// see <see cref="DataLoader"/> for how long they stay valid.
/// </summary>
public readonly struct MiniBatch
{
    internal MiniBatch(Tensor features, Tensor targets)
    {
        Features = features;
        Targets = targets;
    }

    /// <summary>The samples' features, <c>[Count, ...]</c>.</summary>
    public Tensor Features { get; }

    /// <summary>The samples' targets, <c>[Count, ...]</c>.</summary>
    public Tensor Targets { get; }

    /// <summary>Number of samples: the batch size, or fewer in the last batch of an epoch.</summary>
    public int Count => Features.Size(0);
}

/// <summary>
/// Iterates a dataset in mini-batches with PyTorch's <c>DataLoader</c> semantics: each enumeration is one epoch that
/// yields <see cref="BatchesPerEpoch"/> batches of <see cref="BatchSize"/> samples, the last one smaller unless
/// <see cref="DropLast"/>.
/// </summary>
/// <remarks>
/// <para><b>Shuffling.</b> With <see cref="Shuffle"/>, epoch <c>e</c> visits the samples in a permutation drawn from
/// <c>new Random(Seed + e)</c>; <see cref="Epoch"/> counts the enumerations started (from 0), so the order differs
/// from epoch to epoch and repeats exactly for the same seed and epoch. Set <see cref="Epoch"/> to resume a run.</para>
/// <para><b>Prefetch.</b> With <see cref="Prefetch"/>, one background thread fills the next batches (at most two
/// ahead) while the caller trains on the current one. Breaking out of a <c>foreach</c> (which disposes the
/// enumerator) stops and joins that thread.</para>
/// <para><b>Buffer reuse.</b> The loader allocates its batch tensors once, in the constructor, and cycles through them,
/// so steady-state iteration allocates nothing per batch. A batch's tensors stay valid until the enumeration is asked
/// for the batch after next (the previous batch is still intact while the current one is used), and at most until the
/// enumeration ends; copy them to keep them longer. For the same reason a loader runs one enumeration at a time.</para>
/// </remarks>
/// <example>
/// <code>
/// var loader = new DataLoader(Mnist.Load(Mnist.DefaultFolder, MnistSplit.Train, Mnist.Normalization), batchSize: 64, shuffle: true);
/// loader.EnsureFeatureShape&lt;Gray, Side, Side&gt;();     // fails here, naming both shapes, if the model disagrees
/// for (int epoch = 0; epoch &lt; 10; epoch++)
///     foreach (MiniBatch batch in loader)
///         plan.TrainStep(batch.Features.Data, batch.Targets.Data, batch.Count);
/// </code>
/// </example>
public sealed class DataLoader : IEnumerable<MiniBatch>
{
    /// <summary>How many filled batches the prefetch worker may keep ready ahead of the caller.</summary>
    private const int PrefetchDepth = 2;

    // Buffers in flight: the caller's current and previous batches (the validity promise) plus, when prefetching,
    // the batches ready or being filled ahead of it.
    private const int SynchronousPoolSize = 2;
    private const int PrefetchPoolSize = SynchronousPoolSize + PrefetchDepth;

    private readonly int _featureLength;
    private readonly int _targetLength;
    private readonly int _fullBatchCount;
    private readonly int[] _order;
    private readonly MiniBatch[] _fullBatches;
    private readonly MiniBatch? _partialBatch;
    private int _enumerating;
    private int _runningWorkers;

    /// <summary>Creates a loader and allocates its batch buffers.</summary>
    /// <param name="dataset">The samples.</param>
    /// <param name="batchSize">Samples per batch (the last batch may have fewer).</param>
    /// <param name="shuffle">Visit the samples in a new random order every epoch.</param>
    /// <param name="seed">With <paramref name="shuffle"/>, epoch <c>e</c> uses <c>new Random(seed + e)</c>.</param>
    /// <param name="dropLast">Skip the last batch of an epoch when it would be smaller than <paramref name="batchSize"/>.</param>
    /// <param name="prefetch">Fill batches ahead on one background thread.</param>
    public DataLoader(IDataset dataset, int batchSize, bool shuffle = false, int seed = 0, bool dropLast = false, bool prefetch = true)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        Dataset = dataset;
        BatchSize = batchSize;
        Shuffle = shuffle;
        Seed = seed;
        DropLast = dropLast;
        Prefetch = prefetch;

        int samples = dataset.Count;
        _featureLength = TensorDataset.ElementCount(dataset.FeatureShape);
        _targetLength = TensorDataset.ElementCount(dataset.TargetShape);
        _fullBatchCount = samples / batchSize;
        int remainder = samples % batchSize;
        BatchesPerEpoch = _fullBatchCount + (remainder > 0 && !dropLast ? 1 : 0);
        Count = dropLast ? _fullBatchCount * batchSize : samples;

        _order = new int[samples];
        ResetOrder();
        int poolSize = Math.Min(prefetch ? PrefetchPoolSize : SynchronousPoolSize, _fullBatchCount);
        _fullBatches = new MiniBatch[poolSize];
        for (int i = 0; i < poolSize; i++) _fullBatches[i] = AllocateBatch(batchSize);
        if (remainder > 0 && !dropLast) _partialBatch = AllocateBatch(remainder);
    }

    /// <summary>The samples.</summary>
    public IDataset Dataset { get; }

    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether every epoch visits the samples in a new random order.</summary>
    public bool Shuffle { get; }

    /// <summary>The shuffle seed: epoch <c>e</c> uses <c>new Random(Seed + e)</c>.</summary>
    public int Seed { get; }

    /// <summary>Whether an epoch skips its last batch when that batch would be short.</summary>
    public bool DropLast { get; }

    /// <summary>Whether a background thread fills batches ahead of the caller.</summary>
    public bool Prefetch { get; }

    /// <summary>
    /// The epoch the next enumeration runs: 0 at first, incremented whenever an enumeration starts. Only the shuffle
    /// order depends on it.
    /// </summary>
    public int Epoch { get; set; }

    /// <summary>Batches in one epoch (what PyTorch's <c>len(loader)</c> returns).</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>Samples delivered in one epoch: the dataset's count, less the dropped remainder with <see cref="DropLast"/>.</summary>
    public int Count { get; }

    /// <summary>Prefetch threads still running; tests use it to check that ending an enumeration stops its worker.</summary>
    internal int RunningWorkers => Volatile.Read(ref _runningWorkers);

    /// <summary>
    /// Throws unless one sample's features have the shape <paramref name="sampleShape"/> (without the batch axis).
    /// Call it before training so a mismatch names both shapes instead of failing inside the first step.
    /// </summary>
    /// <exception cref="ArgumentException">The loader's samples have another shape.</exception>
    public void EnsureFeatureShape(params int[] sampleShape)
    {
        ArgumentNullException.ThrowIfNull(sampleShape);
        EnsureShape("samples", sampleShape, Tensor.ShapeText(sampleShape), Dataset.FeatureShape);
    }

    /// <summary>Throws unless one sample's features are <c>[D1]</c>.</summary>
    public void EnsureFeatureShape<D1>() where D1 : IDim =>
        EnsureTypedShape([Dim<D1>()]);

    /// <summary>Throws unless one sample's features are <c>[D1, D2]</c>.</summary>
    public void EnsureFeatureShape<D1, D2>() where D1 : IDim where D2 : IDim =>
        EnsureTypedShape([Dim<D1>(), Dim<D2>()]);

    /// <summary>Throws unless one sample's features are <c>[D1, D2, D3]</c>.</summary>
    public void EnsureFeatureShape<D1, D2, D3>() where D1 : IDim where D2 : IDim where D3 : IDim =>
        EnsureTypedShape([Dim<D1>(), Dim<D2>(), Dim<D3>()]);

    /// <summary>Throws unless one sample's features are <c>[D1, D2, D3, D4]</c>.</summary>
    public void EnsureFeatureShape<D1, D2, D3, D4>() where D1 : IDim where D2 : IDim where D3 : IDim where D4 : IDim =>
        EnsureTypedShape([Dim<D1>(), Dim<D2>(), Dim<D3>(), Dim<D4>()]);

    /// <summary>Throws unless one sample's target has the shape <paramref name="sampleShape"/> (<c>[]</c> for a class index).</summary>
    /// <exception cref="ArgumentException">The loader's targets have another shape.</exception>
    public void EnsureTargetShape(params int[] sampleShape)
    {
        ArgumentNullException.ThrowIfNull(sampleShape);
        EnsureShape("targets", sampleShape, Tensor.ShapeText(sampleShape), Dataset.TargetShape);
    }

    /// <summary>
    /// Starts the next epoch: draws its order, starts the prefetch worker, and returns the enumerator that yields its
    /// batches. Dispose it (as <c>foreach</c> does) to stop early.
    /// </summary>
    /// <exception cref="InvalidOperationException">Another enumeration of this loader has not ended.</exception>
    public IEnumerator<MiniBatch> GetEnumerator()
    {
        if (Interlocked.Exchange(ref _enumerating, 1) == 1)
            throw new InvalidOperationException(
                "This DataLoader is already being enumerated; finish or dispose that enumeration first (a loader reuses one set of batch buffers).");
        int epoch = Epoch++;
        if (Shuffle) ShuffleOrder(unchecked(Seed + epoch));
        return new Enumerator(this);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private MiniBatch AllocateBatch(int samples)
    {
        var features = new Tensor(new float[samples * _featureLength], [samples, .. Dataset.FeatureShape]);
        var targets = new Tensor(new float[samples * _targetLength], [samples, .. Dataset.TargetShape]);
        return new MiniBatch(features, targets);
    }

    private void ResetOrder()
    {
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
    }

    private void ShuffleOrder(int seed)
    {
        // Start from the identity so an epoch's order depends on its seed alone, not on the epochs before it.
        ResetOrder();
        var random = new Random(seed);
        for (int i = _order.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (_order[i], _order[j]) = (_order[j], _order[i]);
        }
    }

    private MiniBatch BatchBuffers(int batchIndex) =>
        batchIndex < _fullBatchCount ? _fullBatches[batchIndex % _fullBatches.Length] : _partialBatch!.Value;

    private void Fill(int batchIndex)
    {
        MiniBatch batch = BatchBuffers(batchIndex);
        float[] features = batch.Features.Data;
        float[] targets = batch.Targets.Data;
        int first = batchIndex * BatchSize;
        int count = batch.Count;
        for (int i = 0; i < count; i++)
            Dataset.Get(_order[first + i], features.AsSpan(i * _featureLength, _featureLength), targets.AsSpan(i * _targetLength, _targetLength));
    }

    private static (int Size, string Name) Dim<D>() where D : IDim
    {
        if (D.Size == IDim.Dynamic)
            throw new ArgumentException(
                $"{D.Name} is sized at run time; EnsureFeatureShape takes the shape of one sample, without the batch axis.");
        return (D.Size, D.Name);
    }

    private void EnsureTypedShape(ReadOnlySpan<(int Size, string Name)> dims)
    {
        var sizes = new int[dims.Length];
        var parts = new string[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            sizes[i] = dims[i].Size;
            parts[i] = $"{dims[i].Name}={dims[i].Size}";
        }
        EnsureShape("samples", sizes, "[" + string.Join(", ", parts) + "]", Dataset.FeatureShape);
    }

    private static void EnsureShape(string what, ReadOnlySpan<int> expected, string expectedText, ReadOnlySpan<int> actual)
    {
        if (expected.SequenceEqual(actual)) return;
        string message = $"The model takes {what} of {expectedText}, but the loader gives {Tensor.ShapeText(actual)}";
        int expectedCount = TensorDataset.ElementCount(expected);
        if (expectedCount == TensorDataset.ElementCount(actual))
            message += $"; both hold {expectedCount} elements, so reshape the dataset's tensors or flatten in the model";
        throw new ArgumentException(message + ".");
    }

    /// <summary>One epoch. Without prefetch the caller's thread fills each batch in <see cref="MoveNext"/>.</summary>
    private sealed class Enumerator : IEnumerator<MiniBatch>
    {
        private readonly DataLoader _loader;
        private readonly Thread? _worker;

        // Guarded by _gate: the worker and the caller hand batches over through these counters, never through a
        // queue object, so a handover allocates nothing.
        private readonly object _gate = new();
        private int _produced;
        private int _handedOut;
        private bool _stopping;
        private ExceptionDispatchInfo? _workerError;

        private MiniBatch _current;
        private bool _ended;

        public Enumerator(DataLoader loader)
        {
            _loader = loader;
            if (!loader.Prefetch || loader.BatchesPerEpoch == 0) return;
            _worker = new Thread(FillAhead) { IsBackground = true, Name = "ShapeNet DataLoader prefetch" };
            Interlocked.Increment(ref loader._runningWorkers);
            _worker.Start();
        }

        public MiniBatch Current => _current;

        object IEnumerator.Current => _current;

        public bool MoveNext()
        {
            if (_ended) return false;
            int batchIndex = _handedOut;
            if (batchIndex == _loader.BatchesPerEpoch)
            {
                Dispose();
                return false;
            }
            if (_worker is null)
            {
                _loader.Fill(batchIndex);
                _handedOut = batchIndex + 1;
            }
            else
            {
                lock (_gate)
                {
                    while (_produced <= batchIndex && _workerError is null) Monitor.Wait(_gate);
                    if (_produced <= batchIndex) _workerError!.Throw();
                    _handedOut = batchIndex + 1;
                    Monitor.PulseAll(_gate);
                }
            }
            _current = _loader.BatchBuffers(batchIndex);
            return true;
        }

        public void Reset() => throw new NotSupportedException("Enumerate the DataLoader again to start the next epoch.");

        /// <summary>Stops and joins the worker and lets the loader start its next epoch.</summary>
        public void Dispose()
        {
            if (_ended) return;
            _ended = true;
            if (_worker is not null)
            {
                lock (_gate)
                {
                    _stopping = true;
                    Monitor.PulseAll(_gate);
                }
                _worker.Join();
            }
            Volatile.Write(ref _loader._enumerating, 0);
        }

        private void FillAhead()
        {
            try
            {
                for (int batchIndex = 0; batchIndex < _loader.BatchesPerEpoch; batchIndex++)
                {
                    lock (_gate)
                    {
                        // Staying at most PrefetchDepth batches ahead of the caller also keeps the worker off the
                        // caller's buffers: batch i reuses the buffer of batch i - PrefetchPoolSize, which the caller
                        // gave up when it asked for batch i - PrefetchDepth.
                        while (!_stopping && batchIndex - _handedOut >= PrefetchDepth) Monitor.Wait(_gate);
                        if (_stopping) return;
                    }
                    _loader.Fill(batchIndex);
                    lock (_gate)
                    {
                        _produced = batchIndex + 1;
                        Monitor.PulseAll(_gate);
                    }
                }
            }
            catch (Exception e)
            {
                lock (_gate)
                {
                    _workerError = ExceptionDispatchInfo.Capture(e);
                    Monitor.PulseAll(_gate);
                }
            }
            finally
            {
                Interlocked.Decrement(ref _loader._runningWorkers);
            }
        }
    }
}
