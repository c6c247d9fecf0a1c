using ShapeNet.Backends;
using ShapeNet.Optim;

namespace ShapeNet;

/// <summary>
/// The base of every generated <c>Plan</c>: a network compiled for a batch capacity on one backend. Every buffer
/// (activations, gradients, target, loss) is allocated once when the plan is built; a step then uploads the batch,
/// runs the generated forward and backward (one backend call per op) and the optimizer, and allocates nothing.
/// Any batch size up to <see cref="BatchCapacity"/> runs on the same buffers (the last, partial batch of an epoch).
/// A network with the built-in <c>Seq</c> dimension (a sequence length chosen per step) is compiled for a sequence capacity
/// too (<see cref="SequenceCapacity"/>): its buffers and workspaces are sized for the longest sequence, and each step runs at
/// its own length (<see cref="SetSequence"/>, or the typed overloads, which read it from the input).
/// <para>
/// Parameters stay owned by the network: the plan binds <see cref="Parameter.Value"/> and <see cref="Parameter.Grad"/>
/// through <see cref="IBackend.Wrap"/>, which shares the host arrays on the CPU (zero copy). On a device backend the
/// plan works on device copies; <see cref="CopyGradientsToHost"/> and <see cref="CopyParametersToHost"/> bring them back.
/// The network's buffers (<see cref="Module.Buffers"/>: BatchNorm running statistics) are bound the same way, without
/// gradients; a training forward pass updates them.
/// </para>
/// </summary>
/// <example>
/// <code>
/// var model = new BasicCnn(seed: 0);
/// using BasicCnn.Plan plan = model.CreatePlan(batchCapacity: 64);
/// plan.Configure(Loss.CrossEntropy(), new Sgd(0.01f, momentum: 0.5f));
///
/// foreach (MiniBatch batch in loader)
///     plan.TrainStep(batch.Features.Data, batch.Targets.Data, batch.Count);   // forward, loss, backward, update
/// Console.WriteLine(plan.Loss);
///
/// var logits = new float[64 * 10];
/// plan.Forward(images, logits, batch: 64);                                     // inference
/// </code>
/// </example>
public abstract class NetworkPlan : IDisposable
{
    private readonly DeviceBuffer[] _parameterValues;
    private readonly DeviceBuffer[] _parameterGradients;
    private readonly DeviceBuffer[] _bufferValues;
    private readonly DeviceBuffer?[] _inputs;
    private readonly DeviceBuffer?[] _inputGradients;
    private readonly List<DeviceBuffer> _owned = new();
    private readonly float[] _lossHost = new float[1];
    private DeviceBuffer? _output;
    private DeviceBuffer? _outputGradient;
    private DeviceBuffer? _target;
    private DeviceBuffer? _indexTarget;
    private bool _targetIsIndices;
    private DeviceBuffer? _loss;
    private DeviceBuffer? _lossGradient;
    private DeviceBuffer? _lossSum;
    private long _lossSamples;
    private bool _forwardKeptForBackward;
    private bool _inputGradientsWritten;
    /// <summary>Whether a train step has computed the loss: <see cref="Loss"/> before that is an error, not 0.</summary>
    private bool _lossComputed;
    private bool _disposed;
    /// <summary>The managed thread id of the call running on this plan, 0 when none: a second thread entering while it is set
    /// is concurrent use (<see cref="Enter"/>). One interlocked exchange per public call, no allocation.</summary>
    private int _owner;
    /// <summary>Host copy of a buffer being checked by <see cref="RequireFinite"/> (allocated only with <see cref="CheckFinite"/> on).</summary>
    private float[]? _finiteScratch;

    /// <summary>Binds the network's parameters; the generated constructor then allocates its buffers with
    /// <see cref="Allocate"/> and registers them with <see cref="BindInput"/> and <see cref="BindOutput"/>.</summary>
    protected NetworkPlan(Module network, int batchCapacity, IBackend backend, int inputCount)
        : this(network, batchCapacity, 0, backend, inputCount)
    {
    }

    /// <summary>A plan of a network with the run-time <c>Seq</c> dimension: buffers sized for <paramref name="batchCapacity"/> samples
    /// of at most <paramref name="sequenceCapacity"/> steps (0 for a network without <c>Seq</c>).</summary>
    protected NetworkPlan(Module network, int batchCapacity, int sequenceCapacity, IBackend backend, int inputCount)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(backend);
        if (batchCapacity < 1) throw new ArgumentOutOfRangeException(nameof(batchCapacity), $"The batch capacity must be at least 1, not {batchCapacity}.");
        if (sequenceCapacity < 0) throw new ArgumentOutOfRangeException(nameof(sequenceCapacity), $"The sequence capacity must be at least 1, not {sequenceCapacity}.");
        Network = network;
        Backend = backend;
        BatchCapacity = batchCapacity;
        Batch = batchCapacity;
        SequenceCapacity = sequenceCapacity;
        Sequence = sequenceCapacity;
        IReadOnlyList<Parameter> parameters = network.Parameters;
        _parameterValues = new DeviceBuffer[parameters.Count];
        _parameterGradients = new DeviceBuffer[parameters.Count];
        for (int i = 0; i < parameters.Count; i++)
        {
            _parameterValues[i] = backend.Wrap(parameters[i].Value.Data);
            _parameterGradients[i] = backend.Wrap(parameters[i].Grad.Data);
        }
        IReadOnlyList<ModuleBuffer> buffers = network.Buffers;
        _bufferValues = new DeviceBuffer[buffers.Count];
        for (int i = 0; i < buffers.Count; i++) _bufferValues[i] = backend.Wrap(buffers[i].Value.Data);
        _inputs = new DeviceBuffer?[inputCount];
        _inputGradients = new DeviceBuffer?[inputCount];
    }

    /// <summary>The network whose parameters this plan trains.</summary>
    public Module Network { get; }

    /// <summary>The backend that runs the plan's calls and owns its buffers.</summary>
    public IBackend Backend { get; }

    /// <summary>The largest batch the buffers hold.</summary>
    public int BatchCapacity { get; }

    /// <summary>The batch size of the current step (set by <see cref="SetBatch"/> or an upload overload).</summary>
    public int Batch { get; private set; }

    /// <summary>The longest sequence the buffers hold, for a network with the run-time <c>Seq</c> dimension; 0 for any other.</summary>
    public int SequenceCapacity { get; }

    /// <summary>The sequence length of the current step (the size of <c>Seq</c>; set by <see cref="SetSequence"/> or a typed upload
    /// overload); 0 for a network without <c>Seq</c>.</summary>
    public int Sequence { get; private set; }

    /// <summary>Bytes of the buffers this plan allocated (activations, gradients, workspace, target and loss);
    /// the parameters, their gradients and the buffers belong to the network and are not counted.</summary>
    public long MemoryBytes { get; private set; }

    /// <summary>The number of tensor inputs of the network's forward method.</summary>
    public int InputCount => _inputs.Length;

    /// <summary>Whether the backward pass also writes the gradients w.r.t. the inputs (<see cref="InputGradient"/>).
    /// Off by default, as in PyTorch, where inputs do not require a gradient: training needs only the parameters'
    /// gradients, and the input gradient of a first Linear layer costs as much as its weight gradient.</summary>
    public bool ComputeInputGradients { get; set; }

    /// <summary>The loss <see cref="TrainStep(ReadOnlySpan{float}, ReadOnlySpan{float}, int)"/> minimises (see <see cref="Configure"/>).</summary>
    public Loss? LossFunction { get; private set; }

    /// <summary>The optimizer each train step applies (see <see cref="Configure"/>), or null before it.</summary>
    public Optimizer? Optimizer { get; private set; }

    /// <summary>The loss of the last train step. Reading it waits for the device (it synchronises and copies one float to the
    /// host), so a training loop that only reports progress should read <see cref="ReadAverageLoss"/> every N steps or at the
    /// end of an epoch instead: a train step itself reads nothing back.</summary>
    public float Loss
    {
        get
        {
            bool entered = Enter();
            try
            {
                if (!_lossComputed || _loss is null)
                    throw new InvalidOperationException("No train step has run yet, so there is no loss: call Configure(loss, optimizer) and TrainStep first.");
                Backend.Download(_loss, _lossHost);
                return _lossHost[0];
            }
            finally
            {
                Exit(entered);
            }
        }
    }

    /// <summary>Samples of the train steps since the last <see cref="ReadAverageLoss"/> that reset (or since the plan was built):
    /// counted on the host, no device read.</summary>
    public long LossSamples => _lossSamples;

    /// <summary>The mean loss of the train steps since the last reset, each step's loss weighted by its batch size (for a
    /// mean-reduced loss: the mean over those samples, the partial last batch of an epoch counted by its size). Each train step
    /// adds batch · loss to a sum on the device; this is the one read: it synchronises, copies one float and, when
    /// <paramref name="reset"/>, starts a new sum. Throws when no step ran since the last reset.</summary>
    public float ReadAverageLoss(bool reset = true)
    {
        bool entered = Enter();
        try
        {
            if (_lossSum is null) throw new InvalidOperationException("No train step has run yet: call Configure and TrainStep first.");
            if (_lossSamples == 0) throw new InvalidOperationException("No train step ran since the average loss was last read and reset.");
            Backend.Download(_lossSum, _lossHost);
            float average = (float)(_lossHost[0] / (double)_lossSamples);
            if (reset) ResetSum();
            return average;
        }
        finally
        {
            Exit(entered);
        }
    }

    /// <summary>Starts a new loss sum for <see cref="ReadAverageLoss"/> (an epoch boundary when the last read did not reset).</summary>
    public void ResetAverageLoss()
    {
        bool entered = Enter();
        try
        {
            ResetSum();
        }
        finally
        {
            Exit(entered);
        }
    }

    private void ResetSum()
    {
        if (_lossSum is not null) Backend.Fill(_lossSum, 0f, 0, 1);
        _lossSamples = 0;
    }

    /// <summary>The number of output floats at the current batch.</summary>
    public long OutputLength => OutputLengthFor(Batch);

    /// <summary>Sets the loss and the optimizer of <see cref="TrainStep(ReadOnlySpan{float}, ReadOnlySpan{float}, int)"/> and binds
    /// the optimizer to the parameters.</summary>
    public void Configure(Loss loss, Optimizer optimizer)
    {
        bool entered = Enter();
        try
        {
            ArgumentNullException.ThrowIfNull(loss);
            ArgumentNullException.ThrowIfNull(optimizer);
            LossFunction = loss;
            Optimizer = optimizer;
            IReadOnlyList<Parameter> parameters = Network.Parameters;
            var slots = new (Parameter Parameter, DeviceBuffer Value, DeviceBuffer Grad)[parameters.Count];
            for (int i = 0; i < slots.Length; i++) slots[i] = (parameters[i], _parameterValues[i], _parameterGradients[i]);
            optimizer.Bind(Backend, slots);
        }
        finally
        {
            Exit(entered);
        }
    }

    /// <summary>Sets the batch size of the next uploads and step.</summary>
    public void SetBatch(int batch)
    {
        bool entered = Enter();
        try
        {
            if (batch < 1 || batch > BatchCapacity)
                throw new ArgumentOutOfRangeException(nameof(batch), $"The batch size {batch} is outside this plan's range 1..{BatchCapacity} (its batch capacity).");
            Batch = batch;
        }
        finally
        {
            Exit(entered);
        }
    }

    /// <summary>Sets the sequence length (the run-time <c>Seq</c> dimension) of the next uploads and step: any length from 1 to
    /// <see cref="SequenceCapacity"/> runs on the plan's buffers. Set it before uploading the inputs, whose lengths depend on it.</summary>
    public void SetSequence(int sequence)
    {
        bool entered = Enter();
        try
        {
            if (SequenceCapacity == 0)
                throw new InvalidOperationException("This network has no run-time Seq dimension: its sequence lengths are fixed at compile time.");
            if (sequence < 1 || sequence > SequenceCapacity)
                throw new ArgumentOutOfRangeException(nameof(sequence),
                    $"The sequence length {sequence} is outside this plan's range 1..{SequenceCapacity} (its sequence capacity).");
            Sequence = sequence;
        }
        finally
        {
            Exit(entered);
        }
    }

    /// <summary>Uploads input <paramref name="index"/> for the current <see cref="Batch"/>.</summary>
    public void UploadInput(int index, ReadOnlySpan<float> values)
    {
        bool entered = Enter();
        try
        {
            long expected = InputLengthFor(index, Batch);
            if (values.Length != expected)
                throw new ArgumentException($"Input {index} needs {expected} floats for a batch of {Batch}{AtSequence}, but {values.Length} were given.", nameof(values));
            Stage(values, InputBuffer(index));
        }
        finally
        {
            Exit(entered);
        }
    }

    /// <summary>Uploads integer input <paramref name="index"/> (an <c>IntTensor</c> parameter of the forward: ids, lengths) for the
    /// current <see cref="Batch"/>.</summary>
    public void UploadInput(int index, ReadOnlySpan<int> values)
    {
        bool entered = Enter();
        try
        {
            long expected = InputLengthFor(index, Batch);
            if (values.Length != expected)
                throw new ArgumentException($"Input {index} needs {expected} ints for a batch of {Batch}{AtSequence}, but {values.Length} were given.", nameof(values));
            DeviceBuffer buffer = InputBuffer(index);
            if (buffer.ElementType != BufferElementType.Int32)
                throw new ArgumentException($"Input {index} is a float tensor: upload floats.", nameof(values));
            Backend.UploadInt32(values, buffer);
        }
        finally
        {
            Exit(entered);
        }
    }

    /// <summary>Uploads class indices as integers (an <c>IntTensor</c> of labels) for cross-entropy and NLL: the next train step
    /// uses the backend's integer-target loss (a label outside the classes is an error naming it and its row).</summary>
    public void UploadTarget(ReadOnlySpan<int> classIndices)
    {
        bool entered = Enter();
        try
        {
            Loss loss = LossFunction ?? throw new InvalidOperationException("Call Configure(loss, optimizer) before uploading a target.");
            if (loss.Kind is not (LossKind.CrossEntropy or LossKind.Nll))
                throw new InvalidOperationException($"The {loss.Kind} loss takes a float target; integer class indices are for cross-entropy and NLL.");
            int rows = OutputRows(Batch);
            if (classIndices.Length != rows)
                throw new ArgumentException($"The {loss.Kind} target needs {rows} class indices for a batch of {Batch}, but {classIndices.Length} were given.",
                    nameof(classIndices));
            if (_indexTarget is null)
            {
                // Once per plan (the first integer target), not per step; at both capacities.
                int capacityRows = OutputRowsAtCapacity();
                _indexTarget = Backend.AllocateInt32(capacityRows);
                _owned.Add(_indexTarget);
                MemoryBytes += capacityRows * sizeof(int);
            }
            Backend.UploadInt32(classIndices, _indexTarget);
            _targetIsIndices = true;
        }
        finally
        {
            Exit(entered);
        }
    }

    /// <summary>Uploads the target of the current batch: class indices for cross-entropy and NLL, else one value per output element.</summary>
    public void UploadTarget(ReadOnlySpan<float> target)
    {
        bool entered = Enter();
        try
        {
            Loss loss = LossFunction ?? throw new InvalidOperationException("Call Configure(loss, optimizer) before uploading a target.");
            long expected = loss.TargetLength(OutputRows(Batch), OutputColumns);
            if (target.Length != expected)
                throw new ArgumentException($"The {loss.Kind} target needs {expected} floats for a batch of {Batch}, but {target.Length} were given.", nameof(target));
            Stage(target, _target!);
            _targetIsIndices = false;
        }
        finally
        {
            Exit(entered);
        }
    }

    /// <summary>Runs the forward pass on the uploaded inputs. <paramref name="training"/> keeps what
    /// <see cref="Backward"/> needs.</summary>
    public void Forward(bool training = false)
    {
        bool entered = Enter();
        try
        {
            ForwardCore(Batch, training);
            _forwardKeptForBackward = training;
        }
        finally
        {
            Exit(entered);
        }
    }

    /// <summary>Inference for a single-input network: uploads, runs forward, downloads the output.</summary>
    public void Forward(ReadOnlySpan<float> input, Span<float> output, int batch)
    {
        bool entered = Enter();
        try
        {
            RequireSingleInput();
            SetBatch(batch);
            UploadInput(0, input);
            Forward();
            DownloadOutput(output);
        }
        finally
        {
            Exit(entered);
        }
    }

    /// <summary>Copies the output of the last forward pass into <paramref name="destination"/>.</summary>
    public void DownloadOutput(Span<float> destination)
    {
        bool entered = Enter();
        try
        {
            long length = OutputLengthFor(Batch);
            if (destination.Length < length)
                throw new ArgumentException($"The output needs {length} floats for a batch of {Batch}, but the destination holds {destination.Length}.", nameof(destination));
            Backend.Download(_output!, destination[..(int)length]);
        }
        finally
        {
            Exit(entered);
        }
    }

    /// <summary>The output of the last forward pass as a new array.</summary>
    public float[] OutputToArray()
    {
        var values = new float[OutputLengthFor(Batch)];
        DownloadOutput(values);
        return values;
    }

    /// <summary>One training step for a single-input network: upload input and target, forward, loss, backward
    /// (gradient of the loss seeded with 1) and the optimizer update. Allocates nothing; <see cref="Loss"/> reads the loss.</summary>
    public void TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<float> target, int batch)
    {
        bool entered = Enter();
        try
        {
            RequireSingleInput();
            SetBatch(batch);
            UploadInput(0, input);
            UploadTarget(target);
            TrainStepOnUploaded();
        }
        finally
        {
            Exit(entered);
        }
    }

    /// <summary>The train step on inputs and target already uploaded for the current <see cref="Batch"/>.</summary>
    public void TrainStepOnUploaded()
    {
        bool entered = Enter();
        try
        {
            Loss loss = LossFunction ?? throw new InvalidOperationException("Call Configure(loss, optimizer) before TrainStep.");
            int batch = Batch;
            int rows = OutputRows(batch);
            ForwardCore(batch, training: true);
            if (_targetIsIndices)
                Backend.IndexLoss_Forward(loss.Kind, loss.Reduction, _loss!, _output!, _indexTarget!, rows, OutputColumns);
            else
                Backend.Loss_Forward(loss.Kind, loss.Reduction, _loss!, _output!, _target!, rows, OutputColumns);
            if (CheckFinite) RequireFinite(_loss!, 1, "the loss");
            if (_targetIsIndices)
                Backend.IndexLoss_Backward(loss.Kind, loss.Reduction, _outputGradient!, _lossGradient!, _output!, _indexTarget!, rows, OutputColumns, accumulate: false);
            else
                Backend.Loss_Backward(loss.Kind, loss.Reduction, _outputGradient!, _lossGradient!, _output!, _target!, rows, OutputColumns, accumulate: false);
            if (CheckFinite) RequireFinite(_outputGradient!, OutputLengthFor(batch), "d(output) in the backward of the loss");
            RunBackward(batch);
            Optimizer!.Step();
            _forwardKeptForBackward = false;
            _lossComputed = true;
            Backend.Axpy(batch, _loss!, 0, _lossSum!, 0, 1); // the sum ReadAverageLoss reads: nothing comes back to the host here
            _lossSamples += batch;
        }
        finally
        {
            Exit(entered);
        }
    }

    /// <summary>Backward from a gradient of the output computed outside the plan (a custom loss), after
    /// <c>Forward(training: true)</c>. Writes the parameter and input gradients; call <see cref="Step"/> to update.</summary>
    public void Backward(ReadOnlySpan<float> outputGradient)
    {
        bool entered = Enter();
        try
        {
            if (!_forwardKeptForBackward) throw new InvalidOperationException("Backward needs a preceding Forward(training: true) on the same batch.");
            long expected = OutputLengthFor(Batch);
            if (outputGradient.Length != expected)
                throw new ArgumentException($"The output gradient needs {expected} floats for a batch of {Batch}, but {outputGradient.Length} were given.", nameof(outputGradient));
            Stage(outputGradient, _outputGradient!);
            if (CheckFinite) RequireFinite(_outputGradient!, expected, "the output gradient passed to Backward");
            RunBackward(Batch);
        }
        finally
        {
            Exit(entered);
        }
    }

    /// <summary>The optimizer update from the current gradients (after <see cref="Backward"/>).</summary>
    public void Step()
    {
        bool entered = Enter();
        try
        {
            Optimizer optimizer = Optimizer ?? throw new InvalidOperationException("Call Configure(loss, optimizer) before Step.");
            optimizer.Step();
        }
        finally
        {
            Exit(entered);
        }
    }

    /// <summary>The gradient of the last backward pass w.r.t. input <paramref name="index"/>, into <paramref name="destination"/>.</summary>
    public void CopyInputGradient(int index, Span<float> destination)
    {
        bool entered = Enter();
        try
        {
            long length = InputLengthFor(index, Batch);
            if (destination.Length < length)
                throw new ArgumentException($"Input {index}'s gradient needs {length} floats for a batch of {Batch}, but the destination holds {destination.Length}.", nameof(destination));
            if (!_inputGradientsWritten)
                throw new InvalidOperationException("The last backward pass did not compute input gradients: set ComputeInputGradients = true before it.");
            DeviceBuffer gradient = _inputGradients[index] ?? throw new InvalidOperationException($"Input {index} has no gradient buffer.");
            Backend.Download(gradient, destination[..(int)length]);
        }
        finally
        {
            Exit(entered);
        }
    }

    /// <summary>The gradient of the last backward pass w.r.t. input <paramref name="index"/>, as a new array.</summary>
    public float[] InputGradient(int index)
    {
        var values = new float[InputLengthFor(index, Batch)];
        CopyInputGradient(index, values);
        return values;
    }

    /// <summary>Brings the parameter gradients into <see cref="Parameter.Grad"/> (nothing to do when the backend
    /// shares host memory, as the CPU backend does).</summary>
    public void CopyGradientsToHost()
    {
        bool entered = Enter();
        try
        {
            if (SharesHostMemory) return;
            IReadOnlyList<Parameter> parameters = Network.Parameters;
            for (int i = 0; i < parameters.Count; i++) Backend.Download(_parameterGradients[i], parameters[i].Grad.Data);
        }
        finally
        {
            Exit(entered);
        }
    }

    /// <summary>Brings the trained parameter values into <see cref="Parameter.Value"/> and the buffers (running statistics)
    /// into <see cref="ModuleBuffer.Value"/>: the whole state a checkpoint saves (nothing to do on the CPU).</summary>
    public void CopyParametersToHost()
    {
        bool entered = Enter();
        try
        {
            if (SharesHostMemory) return;
            IReadOnlyList<Parameter> parameters = Network.Parameters;
            for (int i = 0; i < parameters.Count; i++) Backend.Download(_parameterValues[i], parameters[i].Value.Data);
            IReadOnlyList<ModuleBuffer> buffers = Network.Buffers;
            for (int i = 0; i < buffers.Count; i++) Backend.Download(_bufferValues[i], buffers[i].Value.Data);
        }
        finally
        {
            Exit(entered);
        }
    }

    /// <summary>Frees the plan's buffers (and, on a device backend, the device copies of the parameters and buffers).</summary>
    public virtual void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (DeviceBuffer buffer in _owned) buffer.Dispose();
        if (!SharesHostMemory)
        {
            foreach (DeviceBuffer buffer in _parameterValues) buffer.Dispose();
            foreach (DeviceBuffer buffer in _parameterGradients) buffer.Dispose();
            foreach (DeviceBuffer buffer in _bufferValues) buffer.Dispose();
        }
        _owned.Clear();
        GC.SuppressFinalize(this);
    }

    // ---- the generated part -------------------------------------------------------------------

    /// <summary>The forward pass: one backend call per op, sizes for <paramref name="batch"/>.</summary>
    protected abstract void ForwardCore(int batch, bool training);

    /// <summary>The backward pass from the output gradient: writes every gradient buffer, the first contribution
    /// to each overwriting it, so no zeroing is needed.</summary>
    protected abstract void BackwardCore(int batch);

    /// <summary>Floats of input <paramref name="index"/> for a batch of <paramref name="batch"/>.</summary>
    protected abstract long InputLengthFor(int index, int batch);

    /// <summary>Floats of the output for a batch of <paramref name="batch"/>.</summary>
    protected abstract long OutputLengthFor(int batch);

    /// <summary>The size of the output's last axis (the classes of a classifier); 1 for a scalar output.</summary>
    protected abstract int OutputColumns { get; }

    /// <summary>A zero-filled buffer owned by the plan and counted in <see cref="MemoryBytes"/>.</summary>
    protected DeviceBuffer Allocate(long length)
    {
        if (length < 0 || length > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(length), $"A buffer of this plan would hold {length:N0} floats at the batch capacity {BatchCapacity:N0}; " +
                $"at most {Array.MaxLength:N0} fit. Create the plan with a smaller batch capacity.");
        DeviceBuffer buffer = Backend.Allocate(length);
        _owned.Add(buffer);
        MemoryBytes += length * sizeof(float);
        return buffer;
    }

    /// <summary>A zero-filled int32 buffer owned by the plan (an <c>IntTensor</c> input), counted in <see cref="MemoryBytes"/>.</summary>
    protected DeviceBuffer AllocateInt32(long length)
    {
        DeviceBuffer buffer = Backend.AllocateInt32(length);
        _owned.Add(buffer);
        MemoryBytes += length * sizeof(int);
        return buffer;
    }

    /// <summary>Parameter <paramref name="index"/> of <see cref="Module.Parameters"/> on the backend.</summary>
    protected DeviceBuffer ParameterValue(int index) => _parameterValues[index];

    /// <summary>The gradient of parameter <paramref name="index"/> on the backend.</summary>
    protected DeviceBuffer ParameterGradient(int index) => _parameterGradients[index];

    /// <summary>Buffer <paramref name="index"/> of <see cref="Module.Buffers"/> on the backend.</summary>
    protected DeviceBuffer BufferValue(int index) => _bufferValues[index];

    /// <summary>Registers input <paramref name="index"/>'s value buffer and its gradient buffer. Generated.</summary>
    protected void BindInput(int index, DeviceBuffer value, DeviceBuffer? gradient)
    {
        _inputs[index] = value;
        _inputGradients[index] = gradient;
    }

    /// <summary>Registers the output and its gradient, and allocates the target and loss buffers sized for the capacity.</summary>
    protected void BindOutput(DeviceBuffer value, DeviceBuffer gradient)
    {
        _output = value;
        _outputGradient = gradient;
        _target = Allocate((long)OutputRowsAtCapacity() * OutputColumns);
        _loss = Allocate(1);
        _lossGradient = Allocate(1);
        _lossSum = Allocate(1);
        Backend.Fill(_lossGradient, 1f, 0, 1);
    }

    /// <summary>The backend buffer of input <paramref name="index"/>.</summary>
    protected DeviceBuffer InputBuffer(int index) =>
        _inputs[index] ?? throw new InvalidOperationException($"Input {index} was not bound by the generated plan.");

    /// <summary>
    /// Anomaly detection, off by default (PyTorch's <c>torch.autograd.detect_anomaly</c> is the model): when on, every value of
    /// the forward pass and the loss are checked right after the op that writes them, then, in the backward pass, the loss's
    /// gradient and every gradient each op's backward writes (its operands' and its layer's parameters'); the first NaN or
    /// infinity throws a <see cref="NonFiniteException"/> naming that op, as written in the forward method (<c>Fc1(x)</c>, or
    /// <c>d(h) in the backward of Fc2(h)</c>). The optimizer update is not checked. Each check copies the value to the host: a
    /// debugging aid, several times slower, and it allocates.
    /// </summary>
    public bool CheckFinite { get; set; }

    /// <summary>Called by the generated forward and backward passes after each op when <see cref="CheckFinite"/> is on: throws when one of the
    /// first <paramref name="length"/> values of <paramref name="values"/> is not finite. An int32 buffer passes (ints are finite).</summary>
    protected void RequireFinite(DeviceBuffer values, long length, string producer)
    {
        // int32 values (ids, lengths) are always finite, and a backend cannot download them as floats.
        if (values.ElementType != BufferElementType.Float32) return;
        if (_finiteScratch is null || _finiteScratch.Length < length) _finiteScratch = new float[length];
        Span<float> host = _finiteScratch.AsSpan(0, (int)length);
        Backend.Download(values, host);
        for (int i = 0; i < host.Length; i++)
        {
            if (!float.IsFinite(host[i])) throw new NonFiniteException(producer, i, length, host[i]);
        }
    }

    /// <summary>Checked before the generated constructor allocates anything: every buffer of <paramref name="perSample"/> floats per
    /// sample (times the batch <paramref name="batchDims"/> times) must fit an array at <paramref name="batchCapacity"/>, so the
    /// generated int arithmetic (<c>batchCapacity * 784</c>) cannot wrap.</summary>
    protected static void RequireBatchCapacity(int batchCapacity, long perSample, int batchDims)
    {
        long total = perSample;
        for (int i = 0; i < batchDims; i++)
        {
            if (batchCapacity > 0 && total > Array.MaxLength / batchCapacity)
                throw new ArgumentOutOfRangeException(nameof(batchCapacity), $"The batch capacity {batchCapacity:N0} is too large for this network: " +
                    $"a buffer of {perSample:N0} floats per sample would hold more than {Array.MaxLength:N0} floats. " +
                    $"Use a capacity of at most {Array.MaxLength / Math.Max(1, perSample):N0}.");
            total *= batchCapacity;
        }
    }

    /// <summary>Checked before the generated constructor of a network with the run-time <c>Seq</c> allocates anything: a buffer of
    /// <paramref name="perStep"/> floats per sample and step, times the batch capacity <paramref name="batchDims"/> times and the
    /// sequence capacity <paramref name="seqDims"/> times, must fit an array, so the generated int arithmetic
    /// (<c>sequenceCapacity * batchCapacity * 16</c>) cannot wrap; and the sequence capacity must be at least 1.</summary>
    protected static void RequireCapacity(int batchCapacity, int sequenceCapacity, long perStep, int batchDims, int seqDims)
    {
        if (sequenceCapacity < 1)
            throw new ArgumentOutOfRangeException(nameof(sequenceCapacity), $"The sequence capacity must be at least 1, not {sequenceCapacity}.");
        long total = perStep;
        for (int i = 0; i < batchDims + seqDims; i++)
        {
            long factor = i < seqDims ? sequenceCapacity : batchCapacity;
            if (factor > 0 && total > Array.MaxLength / factor)
                throw new ArgumentOutOfRangeException(i < seqDims ? nameof(sequenceCapacity) : nameof(batchCapacity),
                    $"The capacities (batch {batchCapacity:N0}, sequence {sequenceCapacity:N0}) are too large for this network: a buffer of " +
                    $"{perStep:N0} floats per sample and step would hold more than {Array.MaxLength:N0} floats.");
            total *= factor;
        }
    }

    /// <summary>Starts a public call: throws when the plan is disposed, or when another thread is inside a call on it. Returns
    /// whether this call took ownership (false for a nested call on the same thread, e.g. TrainStep → UploadInput).</summary>
    private bool Enter()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int me = Environment.CurrentManagedThreadId;
        int owner = Interlocked.CompareExchange(ref _owner, me, 0);
        if (owner == 0) return true;
        if (owner == me) return false;
        throw new InvalidOperationException($"This plan is in use by thread {owner} while thread {me} called it: a plan holds one batch's " +
            "buffers and cannot run two calls at once. Create one plan per thread (CreatePlan), or serialise the calls.");
    }

    private void Exit(bool entered)
    {
        if (entered) Volatile.Write(ref _owner, 0);
    }

    private void RunBackward(int batch)
    {
        BackwardCore(batch);
        _inputGradientsWritten = ComputeInputGradients;
    }

    private int OutputRows(int batch) => (int)(OutputLengthFor(batch) / OutputColumns);

    /// <summary><c> at sequence length 7 (SetSequence)</c> for a network with the run-time <c>Seq</c>, else empty: upload messages name it.</summary>
    private string AtSequence => SequenceCapacity > 0 ? $" at sequence length {Sequence} (SetSequence)" : string.Empty;

    /// <summary>The output rows at the batch capacity and, with <c>Seq</c>, the sequence capacity (the generated lengths read
    /// <see cref="Sequence"/>, set to the capacity while this runs).</summary>
    private int OutputRowsAtCapacity()
    {
        int sequence = Sequence;
        Sequence = SequenceCapacity;
        try
        {
            return OutputRows(BatchCapacity);
        }
        finally
        {
            Sequence = sequence;
        }
    }

    private bool SharesHostMemory => Backend.SharesHostMemory;

    /// <summary>An upload through the backend's staging buffer (<see cref="IBackend.BeginUpload"/>): the destination itself on the
    /// CPU, pinned host memory on a device.</summary>
    private void Stage(ReadOnlySpan<float> values, DeviceBuffer destination)
    {
        values.CopyTo(Backend.BeginUpload(destination, 0, values.Length));
        Backend.EndUpload(destination, 0, values.Length);
    }

    private void RequireSingleInput()
    {
        if (_inputs.Length != 1)
            throw new InvalidOperationException($"This network takes {_inputs.Length} inputs: use the generated overload that takes each of them.");
    }
}
