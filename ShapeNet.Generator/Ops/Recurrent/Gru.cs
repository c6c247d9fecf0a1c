namespace ShapeNet.Generator.Ops;

/// <summary>PyTorch's <c>nn.GRU</c>, gate rows r, z, n with n = tanh(W_in x + b_in + r ∘ (W_hn h + b_hn)) and
/// h' = (1 − z) ∘ n + z ∘ h. Everything else is <see cref="RecurrentLayerDefinition"/>.</summary>
internal sealed class Gru : RecurrentLayerDefinition
{
    public override string Name => "Gru";

    public override string EagerClass => "global::ShapeNet.GruLayer";

    protected override string ModeOf(ILayerAttribute a) => "Gru";
}
