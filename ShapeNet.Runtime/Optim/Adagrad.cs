using ShapeNet.Backends;

namespace ShapeNet.Optim;

/// <summary>
/// Adagrad, PyTorch's <c>torch.optim.Adagrad</c> (formulas in docs/optimizers.md). State: <c>sum</c>, the running
/// sum of squared gradients, starting at <c>initialAccumulatorValue</c>.
/// </summary>
public sealed class Adagrad : Optimizer
{
    private DeviceBuffer[] _sums = [];

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

    public float LrDecay { get; }
    public float WeightDecay { get; }
    public float InitialAccumulatorValue { get; }
    public float Eps { get; }
    public bool Maximize { get; }

    protected override void PrepareState(int slotCount) => _sums = new DeviceBuffer[slotCount];

    protected override void CreateState(int index, Parameter parameter, long length) =>
        _sums[index] = AddState(parameter, "sum", length, InitialAccumulatorValue);

    protected override void StepSlot(IBackend backend, int index, DeviceBuffer value, DeviceBuffer grad, long length) =>
        backend.Adagrad_Step(value, grad, _sums[index], length, LearningRate, LrDecay, WeightDecay, Eps, Maximize, StepCount);
}
