using ShapeNet.Backends;

namespace ShapeNet.Optim;

/// <summary>
/// RMSprop, PyTorch's <c>torch.optim.RMSprop</c> (formulas in docs/optimizers.md). State: <c>square_avg</c>;
/// <c>momentum_buffer</c> when <c>momentum &gt; 0</c>; <c>grad_avg</c> when centered.
/// </summary>
public sealed class RmsProp : Optimizer
{
    private DeviceBuffer[] _squareAvg = [];
    private DeviceBuffer?[] _gradAvg = [];
    private DeviceBuffer?[] _momentumBuffers = [];

    /// <summary>RMSprop with PyTorch's arguments and defaults (<c>lr</c>, <c>alpha</c>, <c>eps</c>, <c>weight_decay</c>,
    /// <c>momentum</c>, <c>centered</c>, <c>maximize</c>).</summary>
    public RmsProp(float lr = 1e-2f, float alpha = 0.99f, float eps = 1e-8f, float weightDecay = 0f, float momentum = 0f,
                   bool centered = false, bool maximize = false)
        : base(lr)
    {
        Check.NonNegative(alpha, nameof(alpha), "alpha value");
        Check.NonNegative(eps, nameof(eps), "epsilon value");
        Check.NonNegative(weightDecay, nameof(weightDecay), "weight_decay value");
        Check.NonNegative(momentum, nameof(momentum), "momentum value");
        Alpha = alpha;
        Eps = eps;
        WeightDecay = weightDecay;
        Momentum = momentum;
        Centered = centered;
        Maximize = maximize;
    }

    /// <summary>The decay of the running mean of the squared gradient.</summary>
    public float Alpha { get; }
    /// <summary>Added to the denominator for numerical stability.</summary>
    public float Eps { get; }
    /// <summary>The L2 penalty added to the gradient.</summary>
    public float WeightDecay { get; }
    /// <summary>The momentum factor (0: none).</summary>
    public float Momentum { get; }
    /// <summary>Whether the gradient is normalised by an estimate of its variance (the running mean subtracted).</summary>
    public bool Centered { get; }
    /// <summary>Whether the objective is maximised (the gradient is negated).</summary>
    public bool Maximize { get; }

    /// <inheritdoc/>
    protected override void PrepareState(int slotCount)
    {
        _squareAvg = new DeviceBuffer[slotCount];
        _gradAvg = new DeviceBuffer?[slotCount];
        _momentumBuffers = new DeviceBuffer?[slotCount];
    }

    // Same order as PyTorch's state dict: square_avg, momentum_buffer, grad_avg.
    /// <inheritdoc/>
    protected override void CreateState(int index, Parameter parameter, long length)
    {
        _squareAvg[index] = AddState(parameter, "square_avg", length);
        _momentumBuffers[index] = Momentum > 0f ? AddState(parameter, "momentum_buffer", length) : null;
        _gradAvg[index] = Centered ? AddState(parameter, "grad_avg", length) : null;
    }

    /// <inheritdoc/>
    protected override void StepSlot(IBackend backend, int index, DeviceBuffer value, DeviceBuffer grad, long length) =>
        backend.RmsProp_Step(value, grad, _squareAvg[index], _gradAvg[index], _momentumBuffers[index], length,
            LearningRate, Alpha, Eps, WeightDecay, Momentum, Centered, Maximize);
}
