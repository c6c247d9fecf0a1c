using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>The sizes of <c>[Embedding(num, dim, PaddingIdx = p)]</c>; <see cref="PaddingIdx"/> normalised to [0, num), −1 for none.</summary>
internal sealed record EmbeddingArgs(int Num, int Dim, int PaddingIdx) : OpArgs;

/// <summary>
/// PyTorch's <c>nn.Embedding(num, dim, padding_idx)</c>: integer ids of any shape [...] → [..., dim], row ids[r] of
/// <c>weight [num, dim]</c> (N(0, 1), the padding row zeroed). Every id is checked at run time (the backend names the value, its
/// row and the limit). Backward: dWeight[ids[r]] (+)= dy[r] except for the padding row; ids get no gradient.
/// </summary>
internal sealed class Embedding : LayerDefinition<EmbeddingArgs>
{
    /// <summary>Its sizes are element or row counts, so it runs with the run-time <c>Seq</c>.</summary>
    internal override bool TakesRunTimeSeq(OpArgs args, IReadOnlyList<Shape> operands, IReadOnlyList<Shape> outputs) => true;


    /// <summary>The attribute's "none" value of <c>PaddingIdx</c>.</summary>
    private const int NoPadding = int.MinValue;

    public override string Name => "Embedding";

    public override int TensorInputs => 1;

    public override IReadOnlyList<LayerOperand> Operands { get; } = new[] { new LayerOperand("ids", Required: true) };

    public override string EagerClass => "global::ShapeNet.EmbeddingLayer";

    public override bool HasTrainingMode => false;

    public override IReadOnlyCollection<string> FusibleActivations { get; } = new string[0];

    protected override EmbeddingArgs? Bind(ILayerAttribute a)
    {
        int? num = a.PositiveInt(0, "number of embeddings"), dim = a.PositiveInt(1, "embedding size");
        bool ok = num is not null && dim is not null;
        int padding = a.NamedInt("PaddingIdx") ?? NoPadding;
        if (ok && padding != NoPadding && (padding >= num || padding < -num))
        {
            ok = false;
            a.Report($"PaddingIdx must lie in [-{num}, {num}) (negative counts from the end), but it is {padding}");
        }
        if (!ok) return null;
        return new EmbeddingArgs(num!.Value, dim!.Value, padding == NoPadding ? -1 : padding < 0 ? padding + num!.Value : padding);
    }

    /// <summary>PyTorch's init: N(0, 1), the padding row zeroed (the eager layer draws it).</summary>
    protected override IReadOnlyList<LayerTensor> Parameters(EmbeddingArgs args) =>
        new[] { new LayerTensor("weight", "Weight", Shape.Of(Dim.Of(args.Num), Dim.Of(args.Dim)), "normal") };

    protected override IReadOnlyList<LayerTensor> Buffers(EmbeddingArgs args) => new LayerTensor[0];

    protected override string EagerArguments(EmbeddingArgs args, string init, string name) =>
        $"{init}, {name}, {args.Num.ToString(CultureInfo.InvariantCulture)}, {args.Dim.ToString(CultureInfo.InvariantCulture)}" +
        (args.PaddingIdx >= 0 ? ", paddingIdx: " + args.PaddingIdx.ToString(CultureInfo.InvariantCulture) : string.Empty);

    internal override bool IntegerOperand(OpArgs args, int operand) => true;

    /// <summary>Ids [...] → [..., dim] (the ids' kind is checked before: SN0122).</summary>
    protected override OpResult Infer(EmbeddingArgs args, ShapeContext c)
    {
        Shape ids = c.Shape(0);
        return OpResult.Of(args, new Shape(ids.Dims.Concat(new[] { Dim.Of(args.Dim) }).ToEquatableArray()));
    }

    protected override Differentiation Gradient(EmbeddingArgs args) => Differentiation.AllOperands;

    protected override void Plan(EmbeddingArgs args, PlanContext p)
    {
        // The backward reads the ids, which the plan keeps.
    }

    protected override void Forward(EmbeddingArgs args, ForwardContext f)
    {
        f.Comment($"{f.Text}: {f.Shape} <- ids {f.InputShape(0)}");
        f.Call("Embedding_Forward", f.Output(0), f.Parameter("weight"), f.Input(0), CallContext.Count(f.InputShape(0)), CallArg.Int(args.Num),
            CallArg.Int(args.Dim));
    }

    /// <summary>Only the table gets a gradient (ids are integers).</summary>
    protected override void Backward(EmbeddingArgs args, BackwardContext b)
    {
        b.Comment($"d({b.Path}.weight)[ids] {(b.ParameterAccumulate is CodeArg { CSharp: "true" } ? "+=" : "=")} d({b.Text}){(args.PaddingIdx >= 0 ? $", padding row {args.PaddingIdx} none" : string.Empty)}: [{args.Num}, {args.Dim}] <- {b.Shape}");
        b.Call("Embedding_Backward", b.ParameterGradient("weight"), b.OutputGradient(0), b.Input(0), CallContext.Count(b.InputShape(0)),
            CallArg.Int(args.Num), CallArg.Int(args.Dim), CallArg.Int(args.PaddingIdx), CallArg.Named("accumulate", b.ParameterAccumulate));
    }

    /// <summary>ONNX's Gather of the table's rows by the ids (ONNX takes int32 indices).</summary>
    protected override void Onnx(EmbeddingArgs args, OnnxContext o) =>
        o.Op("Gather", new[] { o.Parameter("weight"), o.Input(0) }, new[] { o.Output(0) }, OnnxAttr.Int("axis", 0));

    /// <summary>A copy: no arithmetic.</summary>
    protected override long Flops(EmbeddingArgs args, NodeInfo n) => 0;
}
