using ShapeNet.Backends;

namespace ShapeNet.Optim;

/// <summary>
/// Adagrad, PyTorch's <c>torch.optim.Adagrad</c> (formulas in docs/optimizers.md). State: <c>sum</c>, the running
/// sum of squared gradients, starting at <c>initialAccumulatorValue</c>.
/// </summary>
public sealed class Adagrad : Optimizer
{
    private DeviceBuffer[] _sums = [];

    /// <summary>Adagrad with PyTorch's arguments and defaults (<c>lr</c>, <c>lr_decay</c>, <c>weight_decay</c>,
    /// <c>initial_accumulator_value</c>, <c>eps</c>, <c>maximize</c>).</summary>
    public Adagrad(float lr = 1e-2f, float lrDecay = 0f, float weightDecay = 0f, float initialAccumulatorValue = 0f,
                   float eps = 1e-10f, bool maximize = false)
        : base(lr)
    {
        Check.NonNegative(lrDecay, nameof(lrDecay), "lr_decay value");
        Check.NonNegative(weightDecay, nameof(weightDecay), "weight_decay value");
        Check.NonNegative(initialAccumulatorValue, nameof(initialAccumulatorValue), "initial_accumulator_value");
        Check.NonNegative(eps, nameof(eps), "epsilon value");
        LrDecay = lrDecay;
        WeightDecay = weightDecay;
        InitialAccumulatorValue = initialAccumulatorValue;
        Eps = eps;
        Maximize = maximize;
    }

    /// <summary>The learning-rate decay: step t uses <c>lr / (1 + (t − 1)·lrDecay)</c>.</summary>
    public float LrDecay { get; }
    /// <summary>The L2 penalty added to the gradient.</summary>
    public float WeightDecay { get; }
    /// <summary>The starting value of the sum of squared gradients.</summary>
    public float InitialAccumulatorValue { get; }
    /// <summary>Added to the denominator for numerical stability.</summary>
    public float Eps { get; }
    /// <summary>Whether the objective is maximised (the gradient is negated).</summary>
    public bool Maximize { get; }

    /// <inheritdoc/>
    protected override void PrepareState(int slotCount) => _sums = new DeviceBuffer[slotCount];

    /// <inheritdoc/>
    protected override void CreateState(int index, Parameter parameter, long length) =>
        _sums[index] = AddState(parameter, "sum", length, InitialAccumulatorValue);

    /// <inheritdoc/>
    protected override void StepSlot(IBackend backend, int index, DeviceBuffer value, DeviceBuffer grad, long length) =>
        backend.Adagrad_Step(value, grad, _sums[index], length, LearningRate, LrDecay, WeightDecay, Eps, Maximize, StepCount);
}
