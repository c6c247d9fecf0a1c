using System.Collections.Generic;
using ShapeNet.Generator.Model;

namespace ShapeNet.Generator.Ops;

/// <summary>PyTorch's <c>nn.LSTM</c>, gate rows i, f, g, o, with a cell state: called <c>Lstm1(x)</c>, <c>Lstm1(x, (h0, c0))</c>
/// or with <c>lengths:</c>; returns <c>(Output, (H, C))</c>. Everything else is <see cref="RecurrentLayerDefinition"/>.</summary>
internal sealed class Lstm : RecurrentLayerDefinition
{
    public override string Name => "Lstm";

    public override string EagerClass => "global::ShapeNet.LstmLayer";

    protected override string ModeOf(ILayerAttribute a) => "Lstm";

    public override IReadOnlyList<LayerOperand> Operands { get; } = new[]
    {
        new LayerOperand("input", Required: true), new LayerOperand("state", Required: false, Arity: 2), new LayerOperand("lengths", Required: false),
    };

    public override TuplePattern? ResultNames { get; } = Pattern("Output", new TuplePattern("State", Pattern("H", "C").Items));
}
