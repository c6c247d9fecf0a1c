namespace ShapeNet.Generator.Ops;

/// <summary>PyTorch's <c>nn.GRUCell</c> (gate rows r, z, n). See <see cref="RecurrentCellDefinition"/>.</summary>
internal sealed class GruCell : RecurrentCellDefinition
{
    public override string Name => "GruCell";

    public override string EagerClass => "global::ShapeNet.GruCellLayer";

    protected override string ModeOf(ILayerAttribute a) => "Gru";
}
