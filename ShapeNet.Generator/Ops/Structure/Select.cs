using System.Collections.Generic;
using System.Linq;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>The index of <c>x[i]</c> along axis 0, normalised to [0, size) by inference.</summary>
internal sealed record SelectArgs(int Index) : OpArgs;

/// <summary>
/// <c>x[i]</c> with a constant i (negative counts from the end, as in PyTorch): the slice at i along a static axis 0, which it
/// removes ([S, B, H] → [B, H]). Written <c>h[-1]</c> for a recurrent layer's last state, <c>x[t]</c> for step t of a sequence.
/// One row copy; backward: dx = 0 except its slice, which gets dy (added when accumulating).
/// </summary>
internal sealed class Select : OpDefinition<SelectArgs>
{
    public override string Name => "Select";

    /// <summary>Made by the parser from an element access <c>x[i]</c>.</summary>
    public override IReadOnlyList<DslCall> Calls { get; } = new DslCall[0];

    protected override OpResult Infer(SelectArgs args, ShapeContext c)
    {
        Shape x = c.Shape(0);
        if (x.Rank == 0)
            return c.Fail(DiagnosticDescriptors.RankMismatch, c.Text, "a tensor of rank 1 or more to index", c.OperandText(0), x.ToNamedString());
        if (x[0].SeqFactors > 0)
            return c.Fail(DiagnosticDescriptors.RunTimeSequence, $"'{c.Text}' (an index along Seq)",
                $" (its length is known only at run time, so index {args.Index} cannot be checked)");
        if (!x[0].IsStatic)
            return c.Fail(DiagnosticDescriptors.RankMismatch, c.Text, "a static first axis to index (the batch's size is known only at run time)",
                c.OperandText(0), x.ToNamedString());
        int size = x[0].Size, index = args.Index < 0 ? args.Index + size : args.Index;
        if (index < 0 || index >= size)
            return c.Fail(DiagnosticDescriptors.IndexOutOfRange, c.Text, args.Index, size, c.OperandText(0), x.ToNamedString());
        return OpResult.Of(new SelectArgs(index), new Shape(x.Dims.Skip(1).ToEquatableArray()));
    }

    protected override Differentiation Gradient(SelectArgs args) => Differentiation.AllOperands;

    protected override void Plan(SelectArgs args, PlanContext p)
    {
        // A row copy needs no more than the output.
    }

    protected override void Forward(SelectArgs args, ForwardContext f)
    {
        SizeExpr inner = CallContext.Count(f.Shape);
        f.Comment(f.Header);
        f.Call("CopyRows", f.Output(0), CallArg.Int(0), inner, f.Input(0), new SizeProductArg(SizeExpr.Of(args.Index), inner), inner, inner, CallArg.Int(1),
            CallArg.Named("accumulate", CallArg.Bool(false)));
    }

    protected override void Backward(SelectArgs args, BackwardContext b)
    {
        if (!b.Receives(0)) return;
        SizeExpr inner = CallContext.Count(b.Shape);
        if (b.Plan.Accumulates(b.Id, 0))
        {
            b.Comment($"d({b.InputText(0)})[{args.Index}] += d({b.Text}): {b.Shape}");
        }
        else
        {
            b.Comment($"d({b.InputText(0)}) = 0 except [{args.Index}] = d({b.Text}): {b.InputShape(0)}");
            b.CallWritingGradientOf(0, "Fill", b.InputGradient(0), CallArg.Float(0), CallArg.Int(0), CallContext.Count(b.InputShape(0)));
        }
        b.CallWritingGradientOf(0, "CopyRows", b.InputGradient(0), new SizeProductArg(SizeExpr.Of(args.Index), inner), inner, b.OutputGradient(0),
            CallArg.Int(0), inner, inner, CallArg.Int(1), CallArg.Named("accumulate", CallArg.Bool(true)));
    }

    protected override long Flops(SelectArgs args, NodeInfo n) => 0;

    /// <summary>Gather along axis 0 with a scalar index, which removes the axis as x[i] does.</summary>
    protected override void Onnx(SelectArgs args, OnnxContext o) =>
        o.Op("Gather", new[] { o.Input(0), o.Int64Scalar("index", args.Index) }, new[] { o.Output(0) }, OnnxAttr.Int("axis", 0));
}
