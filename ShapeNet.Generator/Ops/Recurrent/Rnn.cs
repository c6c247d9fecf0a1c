namespace ShapeNet.Generator.Ops;

/// <summary>PyTorch's <c>nn.RNN</c> (tanh, or relu with <c>Nonlinearity = Nonlinearity.Relu</c>): h' = act(W_ih x + b_ih + W_hh h + b_hh),
/// one gate block. Everything else is <see cref="RecurrentLayerDefinition"/>.</summary>
internal sealed class Rnn : RecurrentLayerDefinition
{
    public override string Name => "Rnn";

    public override string EagerClass => "global::ShapeNet.RnnLayer";

    /// <summary><c>Nonlinearity</c> is the DSL enum: 0 tanh, 1 relu.</summary>
    protected override string ModeOf(ILayerAttribute a) => a.NamedInt("Nonlinearity") == 1 ? "RnnRelu" : "RnnTanh";
}
