using System.Collections.Generic;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>
/// One entry per row: y[i] = x[i, indices[i]] for x [N, C] and indices [N] (class indices stored as floats, as the losses
/// take them) — PyTorch's <c>x[range(n), y]</c>, or <c>x.gather(1, y[:, None]).squeeze(1)</c>; the book's softmax-scratch
/// cross-entropy picks the true class's probability with it. dx (+)= dy scattered into the picked entries (0 elsewhere);
/// the indices are data. An index that is not an integer in [0, C) is a run-time error of the kernel that names the value,
/// the row and C.
/// </summary>
internal sealed class Pick : OpDefinition<NoArgs>
{
    public override string Name => "Pick";

    public override IReadOnlyList<DslCall> Calls { get; } = new[] { Dsl.Call("Pick", Dsl.Tensor("x"), Dsl.Tensor("indices")) };

    protected override OpResult Infer(NoArgs args, ShapeContext c)
    {
        Shape x = c.Shape(0), indices = c.Shape(1);
        if (x.Rank != 2)
            return c.Fail(DiagnosticDescriptors.RankMismatch, c.Text, "x [N, C] of rank 2", c.OperandText(0), x.ToNamedString());
        if (indices.Rank != 1)
            return c.Fail(DiagnosticDescriptors.RankMismatch, c.Text, "indices [N] of rank 1, one per row of x", c.OperandText(1), indices.ToNamedString());
        if (!x[0].SameSizeAs(indices[0]))
            return c.Fail(DiagnosticDescriptors.WrongArguments, "Pick", c.Text,
                $"it needs one index per row of x, but {c.OperandText(0)} is {x.ToNamedString()} and {c.OperandText(1)} is {indices.ToNamedString()}");
        return OpResult.Of(args, Shape.Of(x[0]));
    }

    protected override Differentiation Gradient(NoArgs args) => Differentiation.Only("the indices", 0);

    protected override void Plan(NoArgs args, PlanContext p)
    {
        // Nothing but the output: the backward reads the indices, an operand the plan keeps.
    }

    protected override void Forward(NoArgs args, ForwardContext f)
    {
        Shape x = f.InputShape(0);
        f.Comment(f.Header);
        f.Call("Pick_Forward", f.Output(0), f.Input(0), f.Input(1), CallContext.Rows(x), CallContext.Last(x));
    }

    protected override void Backward(NoArgs args, BackwardContext b)
    {
        if (!b.Receives(0)) return;
        Shape x = b.InputShape(0);
        b.Comment($"d({b.InputText(0)}) {b.Assign(0)} d({b.Text}) scattered into the picked entries: {x}");
        b.CallWritingGradientOf(0, "Pick_Backward", b.InputGradient(0), b.OutputGradient(0), b.Input(1), CallContext.Rows(x), CallContext.Last(x),
            CallArg.Named("accumulate", b.Accumulate(0)));
    }

    /// <summary>PyTorch's <c>x.gather(1, indices[:, None]).squeeze(1)</c>: the float indices cast to int64, given an axis
    /// (<c>Unsqueeze</c>), <c>GatherElements</c> along the classes and the axis removed again (<c>Squeeze</c>). An index outside
    /// [0, C) is an error in ONNX Runtime as in the plan (ONNX also accepts −C…−1, counted from the end).</summary>
    protected override void Onnx(NoArgs args, OnnxContext o)
    {
        string ids = o.Temp("indices_int64"), column = o.Temp("indices_column"), picked = o.Temp("picked");
        o.Op("Cast", new[] { o.Input(1) }, new[] { ids }, OnnxAttr.Int("to", 7));
        string axes = o.Int64s("axes", new long[] { 1 });
        o.Op("Unsqueeze", new[] { ids, axes }, new[] { column });
        o.Op("GatherElements", new[] { o.Input(0), column }, new[] { picked }, OnnxAttr.Int("axis", 1));
        o.Op("Squeeze", new[] { picked, axes }, new[] { o.Output(0) });
    }

    /// <summary>A gather: no arithmetic.</summary>
    protected override long Flops(NoArgs args, NodeInfo n) => 0;
}
