namespace ShapeNet;

/// <summary>A layer member's type: calling it runs the layer (<c>Fc1(x)</c>). Generated code binds it to the
/// layer's eager implementation.</summary>
public delegate Tensor Linear(Tensor input);

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
