using ShapeNet.Backends;

namespace ShapeNet.Optim;

/// <summary>
/// Adam with L2 weight decay added to the gradient, PyTorch's <c>torch.optim.Adam</c> (formulas in
/// docs/optimizers.md). State: <c>exp_avg</c>, <c>exp_avg_sq</c>, and <c>max_exp_avg_sq</c> with AMSGrad.
/// </summary>
public class Adam : Optimizer
{
    private DeviceBuffer[] _expAvg = [];
    private DeviceBuffer[] _expAvgSquare = [];
    private DeviceBuffer?[] _maxExpAvgSquare = [];

    /// <summary>Adam with PyTorch's arguments and defaults (<c>lr</c>, <c>betas</c>, <c>eps</c>, <c>weight_decay</c>, <c>amsgrad</c>,
    /// <c>maximize</c>).</summary>
    /// <example>
    /// <code>
    /// plan.Configure(Loss.CrossEntropy(), new Adam(lr: 1e-3f));
    /// </code>
    /// </example>
    public Adam(float lr = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 0f,
                bool amsgrad = false, bool maximize = false)
        : this(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupledWeightDecay: false)
    {
    }

    private protected Adam(float lr, float beta1, float beta2, float eps, float weightDecay, bool amsgrad, bool maximize,
                           bool decoupledWeightDecay)
        : base(lr)
    {
        Check.Beta(beta1, nameof(beta1));
        Check.Beta(beta2, nameof(beta2));
        Check.NonNegative(eps, nameof(eps), "epsilon value");
        Check.NonNegative(weightDecay, nameof(weightDecay), "weight_decay value");
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        WeightDecay = weightDecay;
        AmsGrad = amsgrad;
        Maximize = maximize;
        DecoupledWeightDecay = decoupledWeightDecay;
    }

    /// <summary>The decay of the running mean of the gradient.</summary>
    public float Beta1 { get; }
    /// <summary>The decay of the running mean of the squared gradient.</summary>
    public float Beta2 { get; }
    /// <summary>Added to the denominator for numerical stability.</summary>
    public float Eps { get; }
    /// <summary>The weight decay: an L2 term on the gradient (Adam) or a decoupled decay (AdamW).</summary>
    public float WeightDecay { get; }
    /// <summary>Whether the AMSGrad variant (the maximum of the squared-gradient averages) is used.</summary>
    public bool AmsGrad { get; }
    /// <summary>Whether the objective is maximised (the gradient is negated).</summary>
    public bool Maximize { get; }

    /// <summary>True for AdamW: the parameter decays by <c>lr·weightDecay</c> instead of the gradient getting an L2 term.</summary>
    public bool DecoupledWeightDecay { get; }

    /// <inheritdoc/>
    protected override void PrepareState(int slotCount)
    {
        _expAvg = new DeviceBuffer[slotCount];
        _expAvgSquare = new DeviceBuffer[slotCount];
        _maxExpAvgSquare = new DeviceBuffer?[slotCount];
    }

    /// <inheritdoc/>
    protected override void CreateState(int index, Parameter parameter, long length)
    {
        _expAvg[index] = AddState(parameter, "exp_avg", length);
        _expAvgSquare[index] = AddState(parameter, "exp_avg_sq", length);
        _maxExpAvgSquare[index] = AmsGrad ? AddState(parameter, "max_exp_avg_sq", length) : null;
    }

    /// <inheritdoc/>
    protected override void StepSlot(IBackend backend, int index, DeviceBuffer value, DeviceBuffer grad, long length) =>
        backend.Adam_Step(value, grad, _expAvg[index], _expAvgSquare[index], _maxExpAvgSquare[index], length,
            LearningRate, Beta1, Beta2, Eps, WeightDecay, DecoupledWeightDecay, Maximize, StepCount);
}

/// <summary>
/// Adam with decoupled weight decay (Loshchilov and Hutter), PyTorch's <c>torch.optim.AdamW</c>; its default
/// weight decay is 1e-2. Same state as <see cref="Adam"/>.
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>AdamW with PyTorch's arguments and defaults (weight decay 1e-2).</summary>
    public AdamW(float lr = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 1e-2f,
                 bool amsgrad = false, bool maximize = false)
        : base(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupledWeightDecay: true)
    {
    }
}
