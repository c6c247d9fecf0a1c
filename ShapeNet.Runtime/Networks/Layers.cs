namespace ShapeNet;

/// <summary>A layer member's type: calling it runs the layer (<c>Fc1(x)</c>). Generated code binds it to the
/// layer's eager implementation.</summary>
public delegate Tensor Linear(Tensor input);

/// <summary>A <c>[Conv2d(...)]</c> layer member's type: <c>Conv1(x)</c> with x [N, C, H, W].</summary>
public delegate Tensor Conv2d(Tensor input);

/// <summary>The parameters and eager forward of <c>[Linear(in, out)]</c>: <c>weight [out, in]</c>, <c>bias [out]</c>.</summary>
public sealed class LinearLayer
{
    /// <summary>Creates <c>{name}.weight [out, in]</c> and (with <paramref name="bias"/>) <c>{name}.bias [out]</c> from
    /// U(−1/√in, 1/√in), drawn from <paramref name="init"/> (PyTorch's default initialisation).</summary>
    public LinearLayer(ParameterInit init, string name, int inFeatures, int outFeatures, bool bias = true)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = init.Create(name + ".weight", inFeatures, outFeatures, inFeatures);
        Bias = bias ? init.Create(name + ".bias", inFeatures, outFeatures) : null;
    }

    /// <summary>The size of the input's last axis.</summary>
    public int InFeatures { get; }
    /// <summary>The size of the output's last axis.</summary>
    public int OutFeatures { get; }
    /// <summary><c>weight [out, in]</c>.</summary>
    public Parameter Weight { get; }
    /// <summary><c>bias [out]</c>, or null for a layer without bias.</summary>
    public Parameter? Bias { get; }

    /// <summary>Eager forward over the last axis: x [..., in] → [..., out].</summary>
    public Tensor Forward(Tensor input) => Tensor.LinearForward(input, Weight.Value, Bias?.Value);
}

/// <summary>The parameters and eager forward of <c>[Conv2d(in, out, ...)]</c>: <c>weight [out, in/groups, kH, kW]</c>,
/// <c>bias [out]</c>, both from U(−1/√fanIn, 1/√fanIn) with fanIn = in/groups·kH·kW (PyTorch's defaults).</summary>
public sealed class Conv2dLayer
{
    /// <summary>Creates <c>{name}.weight [out, in/groups, kH, kW]</c> and (with <paramref name="bias"/>) <c>{name}.bias [out]</c>,
    /// drawn from <paramref name="init"/>; the sizes are those of the <c>[Conv2d]</c> attribute with each axis resolved.</summary>
    public Conv2dLayer(ParameterInit init, string name, int inChannels, int outChannels, int kernelH, int kernelW,
        int strideH, int strideW, int padH, int padW, int dilationH, int dilationW, int groups, bool bias = true)
    {
        ArgumentNullException.ThrowIfNull(init);
        if (inChannels <= 0 || outChannels <= 0 || groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Conv2d {name}: groups {groups} must divide both channel counts {inChannels} and {outChannels}.");
        (InChannels, OutChannels, KernelH, KernelW) = (inChannels, outChannels, kernelH, kernelW);
        (StrideH, StrideW, PadH, PadW, DilationH, DilationW, Groups) = (strideH, strideW, padH, padW, dilationH, dilationW, groups);
        int fanIn = inChannels / groups * kernelH * kernelW;
        Weight = init.Create(name + ".weight", fanIn, outChannels, inChannels / groups, kernelH, kernelW);
        Bias = bias ? init.Create(name + ".bias", fanIn, outChannels) : null;
    }

    /// <summary>The input's channel count.</summary>
    public int InChannels { get; }
    /// <summary>The output's channel count.</summary>
    public int OutChannels { get; }
    /// <summary>The kernel's height.</summary>
    public int KernelH { get; }
    /// <summary>The kernel's width.</summary>
    public int KernelW { get; }
    /// <summary>The vertical stride.</summary>
    public int StrideH { get; }
    /// <summary>The horizontal stride.</summary>
    public int StrideW { get; }
    /// <summary>Zeros added above and below.</summary>
    public int PadH { get; }
    /// <summary>Zeros added left and right.</summary>
    public int PadW { get; }
    /// <summary>The vertical spacing of kernel taps.</summary>
    public int DilationH { get; }
    /// <summary>The horizontal spacing of kernel taps.</summary>
    public int DilationW { get; }
    /// <summary>The channel groups.</summary>
    public int Groups { get; }
    /// <summary><c>weight [out, in/groups, kH, kW]</c>.</summary>
    public Parameter Weight { get; }
    /// <summary><c>bias [out]</c>, or null for a layer without bias.</summary>
    public Parameter? Bias { get; }

    /// <summary>Eager forward: x [N, in, H, W] → [N, out, OH, OW].</summary>
    public Tensor Forward(Tensor input) =>
        Tensor.Conv2dForward(input, Weight.Value, Bias?.Value, StrideH, StrideW, PadH, PadW, DilationH, DilationW, Groups);
}

/// <summary>A <c>[BatchNorm2d(numFeatures)]</c> layer member's type: <c>Bn1(x)</c> with x [N, C, H, W].</summary>
public delegate Tensor BatchNorm2d(Tensor input);

/// <summary>
/// The parameters, buffers and eager forward of <c>[BatchNorm2d(numFeatures)]</c>, PyTorch's <c>nn.BatchNorm2d</c> with
/// running statistics: <c>weight [C]</c> = 1 and <c>bias [C]</c> = 0 when <see cref="Affine"/> (no random draw, as
/// PyTorch), buffers <c>running_mean [C]</c> = 0, <c>running_var [C]</c> = 1 and <c>num_batches_tracked []</c> = 0.
/// <see cref="Forward"/> follows <see cref="Training"/>, which the owning network's <see cref="Module.Training"/> sets:
/// training normalises with the batch mean and biased variance of each channel, updates the running statistics
/// (<c>running = (1 − momentum)·running + momentum·batch</c>, the variance term unbiased) and counts the batch;
/// inference normalises with the running statistics.
/// </summary>
public sealed class BatchNorm2dLayer
{
    /// <summary>Creates the layer's parameters (when <paramref name="affine"/>) and buffers named <c>{name}.weight</c>, …,
    /// <c>{name}.num_batches_tracked</c>, in training mode.</summary>
    public BatchNorm2dLayer(string name, int numFeatures, double eps = 1e-5, double momentum = 0.1, bool affine = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (numFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(numFeatures), numFeatures, $"BatchNorm2d {name}: the number of features must be positive.");
        if (!(eps > 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, $"BatchNorm2d {name}: eps must be positive.");
        if (!(momentum is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, $"BatchNorm2d {name}: momentum must be in [0, 1].");
        (NumFeatures, Eps, Momentum, Affine) = (numFeatures, eps, momentum, affine);
        Weight = affine ? new Parameter(name + ".weight", Tensor.Ones(numFeatures)) : null;
        Bias = affine ? new Parameter(name + ".bias", Tensor.Zeros(numFeatures)) : null;
        RunningMean = new ModuleBuffer(name + ".running_mean", Tensor.Zeros(numFeatures));
        RunningVar = new ModuleBuffer(name + ".running_var", Tensor.Ones(numFeatures));
        NumBatchesTracked = new ModuleBuffer(name + ".num_batches_tracked", Tensor.Zeros());
    }

    /// <summary>The channel count C.</summary>
    public int NumFeatures { get; }
    /// <summary>Added to the variance before the square root.</summary>
    public double Eps { get; }
    /// <summary>The weight of the batch statistic in the running average.</summary>
    public double Momentum { get; }
    /// <summary>Whether the layer has a learnable weight and bias.</summary>
    public bool Affine { get; }
    /// <summary><c>weight [C]</c> (the scale γ), or null when not <see cref="Affine"/>.</summary>
    public Parameter? Weight { get; }
    /// <summary><c>bias [C]</c> (the shift β), or null when not <see cref="Affine"/>.</summary>
    public Parameter? Bias { get; }
    /// <summary><c>running_mean [C]</c>, the running average of the batch means.</summary>
    public ModuleBuffer RunningMean { get; }
    /// <summary><c>running_var [C]</c>, the running average of the unbiased batch variances.</summary>
    public ModuleBuffer RunningVar { get; }
    /// <summary>Training forward passes so far, a scalar (PyTorch's int64 counter, held as a float: exact up to 2²⁴).</summary>
    public ModuleBuffer NumBatchesTracked { get; }

    /// <summary>Training mode (batch statistics, running statistics updated) or inference (running statistics).</summary>
    public bool Training { get; set; } = true;

    /// <summary>Eager forward: x [N, C, H, W] → the same shape, per <see cref="Training"/>.</summary>
    public Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != 4 || input.Size(1) != NumFeatures)
            throw new ArgumentException($"BatchNorm2d({NumFeatures}) expects inputs [N, {NumFeatures}, H, W], got {Tensor.ShapeText(input.ShapeSpan)}.", nameof(input));
        int n = input.Size(0), c = NumFeatures, plane = input.Size(2) * input.Size(3);
        Tensor result = Tensor.Zeros(input.Shape);
        var saveMean = new float[c];
        var saveInvStd = new float[c];
        Backends.Cpu.CpuNormalization.BatchNorm2d_Forward(result.Data, saveMean, saveInvStd, RunningMean.Value.Data, RunningVar.Value.Data,
            input.Data, Weight is null ? default : Weight.Value.Data, Bias is null ? default : Bias.Value.Data, n, c, plane,
            Training, (float)Momentum, (float)Eps);
        if (Training) NumBatchesTracked.Value.Data[0] += 1f;
        return result;
    }
}
