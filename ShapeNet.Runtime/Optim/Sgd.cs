using ShapeNet.Backends;

namespace ShapeNet.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, L2 weight decay and Nesterov momentum,
/// PyTorch's <c>torch.optim.SGD</c> (formulas in docs/optimizers.md). State: <c>momentum_buffer</c> when
/// <c>momentum ≠ 0</c>.
/// </summary>
public sealed class Sgd : Optimizer
{
    private DeviceBuffer?[] _momentumBuffers = [];

    /// <summary>SGD with learning rate <paramref name="lr"/>; the other arguments are PyTorch's (<c>momentum</c>, <c>dampening</c>,
    /// <c>weight_decay</c>, <c>nesterov</c>, <c>maximize</c>), all off by default.</summary>
    /// <example>
    /// <code>
    /// plan.Configure(Loss.CrossEntropy(), new Sgd(0.01f, momentum: 0.5f));   // lecture 9's optimizer
    /// </code>
    /// </example>
    public Sgd(float lr, float momentum = 0f, float dampening = 0f, float weightDecay = 0f, bool nesterov = false, bool maximize = false)
        : base(lr)
    {
        Check.NonNegative(momentum, nameof(momentum), "momentum value");
        Check.NonNegative(weightDecay, nameof(weightDecay), "weight_decay value");
        if (float.IsNaN(dampening)) throw new ArgumentOutOfRangeException(nameof(dampening), dampening, "Invalid dampening: NaN.");
        if (nesterov && (momentum <= 0f || dampening != 0f))
            throw new ArgumentException(
                $"Nesterov momentum requires a momentum and zero dampening (momentum = {momentum}, dampening = {dampening}).", nameof(nesterov));
        Momentum = momentum;
        Dampening = dampening;
        WeightDecay = weightDecay;
        Nesterov = nesterov;
        Maximize = maximize;
    }

    /// <summary>The momentum factor (0: none).</summary>
    public float Momentum { get; }
    /// <summary>The dampening of the momentum.</summary>
    public float Dampening { get; }
    /// <summary>The L2 penalty added to the gradient (<c>weightDecay·θ</c>).</summary>
    public float WeightDecay { get; }
    /// <summary>Whether the momentum is Nesterov's.</summary>
    public bool Nesterov { get; }
    /// <summary>Whether the objective is maximised (the gradient is negated).</summary>
    public bool Maximize { get; }

    /// <inheritdoc/>
    protected override void PrepareState(int slotCount) => _momentumBuffers = new DeviceBuffer?[slotCount];

    /// <inheritdoc/>
    protected override void CreateState(int index, Parameter parameter, long length) =>
        _momentumBuffers[index] = Momentum != 0f ? AddState(parameter, "momentum_buffer", length) : null;

    // firstStep: PyTorch starts the momentum buffer as a copy of the first (decayed) gradient, not from zero.
    /// <inheritdoc/>
    protected override void StepSlot(IBackend backend, int index, DeviceBuffer value, DeviceBuffer grad, long length) =>
        backend.Sgd_Step(value, grad, _momentumBuffers[index], length, LearningRate, Momentum, Dampening, WeightDecay,
            Nesterov, Maximize, firstStep: StepCount == 1);
}
