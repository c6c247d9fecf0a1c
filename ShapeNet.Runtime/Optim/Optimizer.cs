using System.Diagnostics.CodeAnalysis;
using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;

namespace ShapeNet.Optim;

/// <summary>
/// The base of the PyTorch-like optimizers. An optimizer is bound once to a backend and the parameter slots
/// (parameter, value buffer, gradient buffer) of a compiled plan — or, eagerly, to host parameters — and then
/// <see cref="Step"/> issues one backend call per parameter tensor. State buffers are allocated at bind time,
/// so a step allocates nothing.
/// </summary>
// Checkpoints record the hyper-parameters by reading the public properties of the concrete optimizer
// (Checkpoint.HyperParameters): the annotation keeps them on every derived type under trimming and NativeAOT.
[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)]
public abstract class Optimizer : IDisposable
{
    private (Parameter Parameter, DeviceBuffer Value, DeviceBuffer Grad)[] _slots = [];
    private readonly OrderedDictionary<string, DeviceBuffer> _state = new();
    private float _learningRate;

    /// <summary>An optimizer starting at <paramref name="learningRate"/>.</summary>
    protected Optimizer(float learningRate) => LearningRate = learningRate;

    /// <summary>The learning rate of the next step; schedules set it between steps.</summary>
    public float LearningRate
    {
        get => _learningRate;
        set
        {
            Check.NonNegative(value, nameof(LearningRate), "learning rate");
            _learningRate = value;
        }
    }

    /// <summary>Number of <see cref="Step"/> calls since the state was created (PyTorch's <c>state['step']</c>).
    /// Settable so a checkpoint can restore it together with <see cref="State"/>; the bias corrections of Adam,
    /// the learning-rate decay of Adagrad and the first-step momentum copy of SGD depend on it.</summary>
    public int StepCount { get; set; }

    /// <summary>The backend the optimizer is bound to, or null before <see cref="Bind(IBackend, IReadOnlyList{ValueTuple{Parameter, DeviceBuffer, DeviceBuffer}})"/>.</summary>
    public IBackend? Backend { get; private set; }

    /// <summary>The bound parameter slots, in bind order.</summary>
    public IReadOnlyList<(Parameter Parameter, DeviceBuffer Value, DeviceBuffer Grad)> Slots => _slots;

    /// <summary>The optimizer state in bind order, named <c>parameter name + "." + PyTorch state key</c>
    /// (<c>fc1.weight.momentum_buffer</c>, <c>fc1.weight.exp_avg</c>); read or overwrite the buffers through the
    /// backend to save or restore a checkpoint. Empty until bound; plain SGD has no state.</summary>
    public IReadOnlyDictionary<string, DeviceBuffer> State => _state;

    /// <summary>
    /// Binds the optimizer to the parameter buffers of a compiled plan on <paramref name="backend"/> and allocates
    /// the state there. Binding again to the same backend with the same parameters (same objects, same order), as a
    /// plan does when it is recompiled for another batch size, keeps the state and the step count; any other
    /// binding starts fresh.
    /// </summary>
    public void Bind(IBackend backend, IReadOnlyList<(Parameter Parameter, DeviceBuffer Value, DeviceBuffer Grad)> slots)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(slots);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < slots.Count; i++)
        {
            var (parameter, value, grad) = slots[i];
            if (parameter is null || value is null || grad is null)
                throw new ArgumentException($"Slot {i} has a null parameter, value or gradient buffer.", nameof(slots));
            long n = parameter.Value.Numel;
            if (value.Length < n || grad.Length < n)
                throw new ArgumentException($"Slot {i} ({parameter}): the value buffer has {value.Length} and the gradient buffer " +
                    $"{grad.Length} elements, but the parameter has {n}.", nameof(slots));
            if (!names.Add(parameter.Name))
                throw new ArgumentException($"Parameter name '{parameter.Name}' is bound twice; state names must be unique.", nameof(slots));
        }

        bool keepState = ReferenceEquals(Backend, backend) && SameParameters(slots);
        _slots = [.. slots];
        if (keepState) return;

        DisposeState();
        Backend = backend;
        StepCount = 0;
        PrepareState(_slots.Length);
        for (int i = 0; i < _slots.Length; i++)
            CreateState(i, _slots[i].Parameter, _slots[i].Parameter.Value.Numel);
    }

    /// <summary>
    /// Eager use on host parameters (hand-written training loops): binds to the CPU backend with buffers that
    /// share each parameter's <see cref="Parameter.Value"/> and <see cref="Parameter.Grad"/> arrays, so
    /// <see cref="Step"/> updates the values in place and <see cref="ZeroGrad"/> clears the host gradients.
    /// </summary>
    public void Bind(IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        IBackend cpu = CpuBackend.Instance;
        var slots = new (Parameter, DeviceBuffer, DeviceBuffer)[parameters.Count];
        for (int i = 0; i < slots.Length; i++)
        {
            Parameter p = parameters[i] ?? throw new ArgumentException($"Parameter {i} is null.", nameof(parameters));
            slots[i] = (p, cpu.Wrap(p.Value.Data), cpu.Wrap(p.Grad.Data));
        }
        Bind(cpu, slots);
    }

    /// <summary>One update of every bound parameter from its current gradient.</summary>
    public void Step()
    {
        IBackend backend = Backend ?? throw new InvalidOperationException($"{GetType().Name}.Step: call Bind first.");
        StepCount++;
        for (int i = 0; i < _slots.Length; i++)
        {
            var (parameter, value, grad) = _slots[i];
            StepSlot(backend, i, value, grad, parameter.Value.Numel);
        }
    }

    /// <summary>
    /// Sets every bound gradient to 0 (PyTorch's <c>zero_grad(set_to_none=False)</c>). Compiled plans overwrite
    /// gradients in backward, so they do not need it; hand-written loops that accumulate gradients do.
    /// </summary>
    public void ZeroGrad()
    {
        IBackend backend = Backend ?? throw new InvalidOperationException($"{GetType().Name}.ZeroGrad: call Bind first.");
        foreach (var (parameter, _, grad) in _slots)
            backend.Fill(grad, 0f, 0, parameter.Value.Numel);
    }

    /// <summary>Releases the state buffers.</summary>
    public void Dispose()
    {
        DisposeState();
        Backend = null;
        _slots = [];
        GC.SuppressFinalize(this);
    }

    /// <summary>Called once per (re)binding before the per-slot calls: size the per-slot state arrays.</summary>
    protected abstract void PrepareState(int slotCount);

    /// <summary>Allocate the state of slot <paramref name="index"/> with <see cref="AddState"/>.</summary>
    protected abstract void CreateState(int index, Parameter parameter, long length);

    /// <summary>The backend call for one parameter tensor; <see cref="StepCount"/> is already incremented.</summary>
    protected abstract void StepSlot(IBackend backend, int index, DeviceBuffer value, DeviceBuffer grad, long length);

    /// <summary>Allocates a state buffer on the bound backend, registered as <c>parameter.Name + "." + key</c>.</summary>
    protected DeviceBuffer AddState(Parameter parameter, string key, long length, float initialValue = 0f)
    {
        IBackend backend = Backend!;
        DeviceBuffer buffer = backend.Allocate(length);
        if (initialValue != 0f) backend.Fill(buffer, initialValue, 0, length);
        _state.Add(parameter.Name + "." + key, buffer);
        return buffer;
    }

    private bool SameParameters(IReadOnlyList<(Parameter Parameter, DeviceBuffer Value, DeviceBuffer Grad)> slots)
    {
        if (slots.Count != _slots.Length) return false;
        for (int i = 0; i < _slots.Length; i++)
            if (!ReferenceEquals(slots[i].Parameter, _slots[i].Parameter)) return false;
        return true;
    }

    private void DisposeState()
    {
        foreach (DeviceBuffer buffer in _state.Values) buffer.Dispose();
        _state.Clear();
    }
}

/// <summary>Hyper-parameter validation with PyTorch's rules; messages name the offending value.</summary>
internal static class Check
{
    public static void NonNegative(float value, string parameterName, string what)
    {
        // !(x >= 0) also rejects NaN.
        if (!(value >= 0f))
            throw new ArgumentOutOfRangeException(parameterName, value, $"Invalid {what}: {value} (must be >= 0).");
    }

    public static void Beta(float value, string parameterName)
    {
        if (!(value >= 0f && value < 1f))
            throw new ArgumentOutOfRangeException(parameterName, value, $"Invalid {parameterName}: {value} (must be in [0, 1)).");
    }
}
