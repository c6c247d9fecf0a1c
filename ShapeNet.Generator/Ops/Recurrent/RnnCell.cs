namespace ShapeNet.Generator.Ops;

/// <summary>PyTorch's <c>nn.RNNCell</c>: h' = tanh (or relu) of W_ih x + b_ih + W_hh h + b_hh. See <see cref="RecurrentCellDefinition"/>.</summary>
internal sealed class RnnCell : RecurrentCellDefinition
{
    public override string Name => "RnnCell";

    public override string EagerClass => "global::ShapeNet.RnnCellLayer";

    /// <summary><c>Nonlinearity</c> is the DSL enum: 0 tanh, 1 relu.</summary>
    protected override string ModeOf(ILayerAttribute a) => a.NamedInt("Nonlinearity") == 1 ? "RnnRelu" : "RnnTanh";
}
