using System.Collections.Generic;
using System.Linq;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>The axis of a concatenation, normalised by inference.</summary>
internal sealed record ConcatArgs(int Axis) : OpArgs;

/// <summary>
/// torch.cat along a static axis, as row copies: the product of the dims before the axis is the row count, and input i
/// copies rows of its inner size to its offset in the output rows. dxᵢ (+)= its rows of dy.
/// </summary>
internal sealed class Concat : OpDefinition<ConcatArgs>
{
    /// <summary>Along a static axis its row copies are counted with the pass's sizes, so the other axes may be <c>Seq</c> (the
    /// axis itself must be static: inference refuses a run-time one).</summary>
    internal override bool TakesRunTimeSeq(OpArgs args, IReadOnlyList<Shape> operands, IReadOnlyList<Shape> outputs) => true;

    public override string Name => "Concat";

    public override IReadOnlyList<DslCall> Calls { get; } = new[]
    {
        Dsl.Call("Concat", a => new ConcatArgs(a.Int("axis")), Dsl.Tensors("tensors"), Dsl.Int("axis", 0)),
    };

    protected override OpResult Infer(ConcatArgs args, ShapeContext c)
    {
        Shape first = c.Shape(0);
        if (!c.TryAxis(first, args.Axis, out int axis)) return OpResult.Failure;
        var operands = Enumerable.Range(0, c.Count).ToArray();
        bool fits = operands.All(i => c.Shape(i).Rank == first.Rank)
            && operands.All(i => Enumerable.Range(0, first.Rank).All(d => d == axis || c.Shape(i)[d].SameSizeAs(first[d])));
        if (!fits)
        {
            string all = string.Join(", ", operands.Select(i => $"{c.OperandText(i)} {c.Shape(i).ToNamedString()}"));
            return c.Fail(DiagnosticDescriptors.ConcatMismatch, c.Text, axis, "the inputs differ on another axis: " + all);
        }
        if (operands.Any(i => !c.Shape(i)[axis].IsStatic))
            return c.Fail(DiagnosticDescriptors.ConcatMismatch, c.Text, axis, first[axis].IsDynamic
                ? "it is the batch axis, whose size is known only at run time; concatenate along a feature axis"
                : $"it is the run-time axis {first[axis]}, whose size is known only at run time; concatenate along a feature axis");
        var dims = first.Dims.ToArray();
        dims[axis] = Dim.Of(checked(operands.Sum(i => c.Shape(i)[axis].Size)));
        return OpResult.Of(new ConcatArgs(axis), new Shape(dims.ToEquatableArray()));
    }

    protected override Differentiation Gradient(ConcatArgs args) => Differentiation.AllOperands;

    protected override void Plan(ConcatArgs args, PlanContext p)
    {
        // Row copies need no more than the output.
    }

    protected override void Forward(ConcatArgs args, ForwardContext f)
    {
        Layout layout = Layout.Of(f, args.Axis);
        f.Comment(f.Header);
        for (int i = 0; i < f.InputCount; i++)
            f.Call("CopyRows", f.Output(0), layout.Offsets[i], layout.OutputRowLength, f.Input(i), CallArg.Int(0), layout.RowLengths[i],
                layout.RowLengths[i], layout.Rows, CallArg.Named("accumulate", CallArg.Bool(false)));
    }

    protected override void Backward(ConcatArgs args, BackwardContext b)
    {
        Layout layout = Layout.Of(b, args.Axis);
        for (int i = 0; i < b.InputCount; i++)
        {
            if (!b.Receives(i)) continue;
            b.Comment($"d({b.InputText(i)}) {b.Assign(i)} its part of d({b.Text}): {b.InputShape(i)} <- {b.Shape}");
            b.CallWritingGradientOf(i, "CopyRows", b.InputGradient(i), CallArg.Int(0), layout.RowLengths[i], b.OutputGradient(0), layout.Offsets[i],
                layout.OutputRowLength, layout.RowLengths[i], layout.Rows, CallArg.Named("accumulate", b.Accumulate(i)));
        }
    }

    protected override long Flops(ConcatArgs args, NodeInfo n) => Sizes.StaticCount(n.Shape);

    /// <summary>Rows = the product of the dims before the axis; input i copies rows of <c>RowLengths[i]</c> floats to offset
    /// <c>Offsets[i]</c> of output rows of <c>OutputRowLength</c> floats.</summary>
    private sealed record Layout(SizeExpr Rows, SizeExpr OutputRowLength, IReadOnlyList<SizeExpr> RowLengths, IReadOnlyList<CallArg> Offsets)
    {
        public static Layout Of(NodeInfo n, int axis)
        {
            var lengths = new List<SizeExpr>();
            var offsets = new List<CallArg>();
            SizeExpr inner = SizeExpr.Product(n.Shape.Dims.Skip(axis + 1));
            long along = 0;
            for (int i = 0; i < n.InputCount; i++)
            {
                lengths.Add(SizeExpr.Product(n.InputShape(i).Dims.Skip(axis)));
                // The axis is static (inference rejects the batch axis): an offset is the earlier inputs' sizes along it times the inner size.
                offsets.Add(new SizeProductArg(SizeExpr.Of(along), inner));
                along = checked(along + n.InputShape(i)[axis].Size);
            }
            return new Layout(CallContext.Range(n.Shape, 0, axis), SizeExpr.Product(n.Shape.Dims.Skip(axis)), lengths, offsets);
        }
    }

    protected override void Onnx(ConcatArgs args, OnnxContext o) =>
        o.Op("Concat", Enumerable.Range(0, o.InputCount).Select(o.Input).ToArray(), new[] { o.Output(0) }, OnnxAttr.Int("axis", args.Axis));
}
