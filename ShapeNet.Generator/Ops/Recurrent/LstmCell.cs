using System.Collections.Generic;
using ShapeNet.Generator.Model;

namespace ShapeNet.Generator.Ops;

/// <summary>PyTorch's <c>nn.LSTMCell</c> (gate rows i, f, g, o): <c>(h', c') = Cell(x, (h, c))</c>, selected as <c>.H</c> and <c>.C</c>.
/// See <see cref="RecurrentCellDefinition"/>.</summary>
internal sealed class LstmCell : RecurrentCellDefinition
{
    public override string Name => "LstmCell";

    public override string EagerClass => "global::ShapeNet.LstmCellLayer";

    protected override string ModeOf(ILayerAttribute a) => "Lstm";

    public override IReadOnlyList<LayerOperand> Operands { get; } = new[] { new LayerOperand("input", Required: true), new LayerOperand("state", Required: false, Arity: 2) };

    public override TuplePattern? ResultNames { get; } = new(string.Empty, new[]
    {
        new TuplePattern("H", EquatableArray<TuplePattern>.Empty), new TuplePattern("C", EquatableArray<TuplePattern>.Empty),
    }.ToEquatableArray());
}
