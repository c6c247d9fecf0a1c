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

    public float Alpha { get; }
    public float Eps { get; }
    public float WeightDecay { get; }
    public float Momentum { get; }
    public bool Centered { get; }
    public bool Maximize { get; }

    protected override void PrepareState(int slotCount)
    {
        _squareAvg = new DeviceBuffer[slotCount];
        _gradAvg = new DeviceBuffer?[slotCount];
        _momentumBuffers = new DeviceBuffer?[slotCount];
    }

    // Same order as PyTorch's state dict: square_avg, momentum_buffer, grad_avg.
    protected override void CreateState(int index, Parameter parameter, long length)
    {
        _squareAvg[index] = AddState(parameter, "square_avg", length);
        _momentumBuffers[index] = Momentum > 0f ? AddState(parameter, "momentum_buffer", length) : null;
        _gradAvg[index] = Centered ? AddState(parameter, "grad_avg", length) : null;
    }

    protected override void StepSlot(IBackend backend, int index, DeviceBuffer value, DeviceBuffer grad, long length) =>
        backend.RmsProp_Step(value, grad, _squareAvg[index], _gradAvg[index], _momentumBuffers[index], length,
            LearningRate, Alpha, Eps, WeightDecay, Momentum, Centered, Maximize);
}
