namespace ShapeNet;

/// <summary>A layer member's type: calling it runs the layer (<c>Fc1(x)</c>). Generated code binds it to the
/// layer's eager implementation.</summary>
public delegate Tensor Linear(Tensor input);

/// <summary>A <c>[Conv2d(...)]</c> layer member's type: <c>Conv1(x)</c> with x [N, C, H, W].</summary>
public delegate Tensor Conv2d(Tensor input);

/// <summary>The parameters and eager forward of <c>[Linear(in, out)]</c>: <c>weight [out, in]</c>, <c>bias [out]</c>.</summary>
public sealed class LinearLayer
{
    public LinearLayer(ParameterInit init, string name, int inFeatures, int outFeatures, bool bias = true)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = init.Create(name + ".weight", inFeatures, outFeatures, inFeatures);
        Bias = bias ? init.Create(name + ".bias", inFeatures, outFeatures) : null;
    }

    public int InFeatures { get; }
    public int OutFeatures { get; }
    public Parameter Weight { get; }
    public Parameter? Bias { get; }

    /// <summary>Eager forward over the last axis: x [..., in] → [..., out].</summary>
    public Tensor Forward(Tensor input) => Tensor.LinearForward(input, Weight.Value, Bias?.Value);
}

/// <summary>The parameters and eager forward of <c>[Conv2d(in, out, ...)]</c>: <c>weight [out, in/groups, kH, kW]</c>,
/// <c>bias [out]</c>, both from U(−1/√fanIn, 1/√fanIn) with fanIn = in/groups·kH·kW (PyTorch's defaults).</summary>
public sealed class Conv2dLayer
{
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

    public int InChannels { get; }
    public int OutChannels { get; }
    public int KernelH { get; }
    public int KernelW { get; }
    public int StrideH { get; }
    public int StrideW { get; }
    public int PadH { get; }
    public int PadW { get; }
    public int DilationH { get; }
    public int DilationW { get; }
    public int Groups { get; }
    public Parameter Weight { get; }
    public Parameter? Bias { get; }

    /// <summary>Eager forward: x [N, in, H, W] → [N, out, OH, OW].</summary>
    public Tensor Forward(Tensor input) =>
        Tensor.Conv2dForward(input, Weight.Value, Bias?.Value, StrideH, StrideW, PadH, PadW, DilationH, DilationW, Groups);
}
