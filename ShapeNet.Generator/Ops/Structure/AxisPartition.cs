using System.Collections.Generic;
using System.Linq;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>
/// An op that cuts its operand along one static axis into consecutive parts, one output each (<see cref="Chunk"/>,
/// <see cref="Split"/>): the inverse of <see cref="Concat"/>, written with the same row copies. x is viewed as rows (the
/// product of the dims before the axis) of n·inner floats; output j copies its size·inner floats of each row from offset
/// (sizes before it)·inner. Backward: dx (+)= the concatenation of the outputs' gradients, with zero where an output
/// receives none (unused or discarded): dx is zero-filled first when this is its first write and some part is missing.
/// A subclass says how the DSL call reads and how its sizes follow from the axis's size.
/// </summary>
internal abstract class AxisPartition<TArgs> : OpDefinition<TArgs> where TArgs : OpArgs
{
    /// <summary>Along a static axis its row copies are counted with the pass's sizes, so the other axes may be <c>Seq</c> (the
    /// axis itself must be static).</summary>
    internal override bool TakesRunTimeSeq(OpArgs args, IReadOnlyList<Shape> operands, IReadOnlyList<Shape> outputs) => true;

    /// <summary>The normalised axis of arguments returned by inference.</summary>
    protected abstract int AxisOf(TArgs args);

    /// <summary>The size of each output along the axis (inference fills them).</summary>
    protected abstract EquatableArray<int> SizesOf(TArgs args);

    /// <summary>Checks the axis (static, in range) and returns it normalised, or null after reporting.</summary>
    protected static int? StaticAxis(ShapeContext c, int axis)
    {
        Shape x = c.Shape(0);
        if (!c.TryAxis(x, axis, out int normalized)) return null;
        if (x[normalized].IsStatic) return normalized;
        c.Fail(DiagnosticDescriptors.PartitionSizes, c.Text, normalized, c.OperandText(0), x.ToNamedString(), x[normalized].IsDynamic
            ? "it is the batch axis, whose size is known only at run time; cut along a feature axis"
            : $"it is the run-time axis {x[normalized]}, whose size is known only at run time; cut along a feature axis");
        return null;
    }

    /// <summary>One output per size: the operand's shape with the axis's size replaced.</summary>
    protected static OpResult Parts(ShapeContext c, TArgs normalized, int axis, IReadOnlyList<int> sizes)
    {
        Shape x = c.Shape(0);
        var shapes = new List<Shape>();
        foreach (int size in sizes)
        {
            var dims = x.Dims.ToArray();
            dims[axis] = size == x[axis].Size ? x[axis] : Dim.Of(size);
            shapes.Add(new Shape(dims.ToEquatableArray()));
        }
        return OpResult.Tuple(normalized, shapes);
    }

    protected sealed override Differentiation Gradient(TArgs args) => Differentiation.AllOperands;

    protected sealed override void Plan(TArgs args, PlanContext p)
    {
        // Row copies need no more than the outputs.
    }

    protected sealed override void Forward(TArgs args, ForwardContext f)
    {
        Layout layout = Layout.Of(f, AxisOf(args), SizesOf(args));
        for (int j = 0; j < f.OutputCount; j++)
        {
            f.Comment(j == 0 ? f.Header : $"{f.OutputText(j)}: {f.OutputShape(j)}");
            f.Call("CopyRows", f.Output(j), CallArg.Int(0), layout.RowLengths[j], f.Input(0), layout.Offsets[j], layout.InputRowLength,
                layout.RowLengths[j], layout.Rows, CallArg.Named("accumulate", CallArg.Bool(false)));
        }
    }

    protected sealed override void Backward(TArgs args, BackwardContext b)
    {
        if (!b.Receives(0)) return;
        Layout layout = Layout.Of(b, AxisOf(args), SizesOf(args));
        bool accumulate = b.Plan.Accumulates(b.Id, 0);
        bool complete = Enumerable.Range(0, b.OutputCount).All(b.OutputReceives);
        if (!complete && !accumulate)
        {
            // Some output has no gradient (unused): its part of dx is zero.
            b.Comment($"d({b.InputText(0)}) = 0 where an output of {b.Text} receives no gradient: {b.InputShape(0)}");
            b.CallWritingGradientOf(0, "Fill", b.InputGradient(0), CallArg.Float(0), CallArg.Int(0), CallContext.Count(b.InputShape(0)));
        }
        for (int j = 0; j < b.OutputCount; j++)
        {
            if (!b.OutputReceives(j)) continue;
            b.Comment($"d({b.InputText(0)}) {(accumulate ? "+=" : "=")} d({b.OutputText(j)}) at its part: {b.InputShape(0)} <- {b.OutputShape(j)}");
            b.CallWritingGradientOf(0, "CopyRows", b.InputGradient(0), layout.Offsets[j], layout.InputRowLength, b.OutputGradient(j), CallArg.Int(0),
                layout.RowLengths[j], layout.RowLengths[j], layout.Rows, CallArg.Named("accumulate", CallArg.Bool(accumulate)));
        }
    }

    /// <summary>ONNX <c>Split</c> with the sizes as an int64 input (opset 13 and later), one output per part.</summary>
    protected sealed override void Onnx(TArgs args, OnnxContext o) =>
        o.Op("Split", new[] { o.Input(0), o.Int64s("split", SizesOf(args).Select(s => (long)s).ToArray()) },
            Enumerable.Range(0, o.OutputCount).Select(o.Output).ToArray(), OnnxAttr.Int("axis", AxisOf(args)));

    /// <summary>One copy per element.</summary>
    protected sealed override long Flops(TArgs args, NodeInfo n) => Sizes.StaticCount(n.InputShape(0));

    /// <summary>Rows = the product of the dims before the axis; output j has rows of <c>RowLengths[j]</c> floats, taken from
    /// offset <c>Offsets[j]</c> of the operand's rows of <c>InputRowLength</c> floats.</summary>
    private sealed record Layout(SizeExpr Rows, SizeExpr InputRowLength, IReadOnlyList<SizeExpr> RowLengths, IReadOnlyList<CallArg> Offsets)
    {
        public static Layout Of(NodeInfo n, int axis, EquatableArray<int> sizes)
        {
            Shape x = n.InputShape(0);
            SizeExpr inner = SizeExpr.Product(x.Dims.Skip(axis + 1));
            var lengths = new List<SizeExpr>();
            var offsets = new List<CallArg>();
            long along = 0;
            foreach (int size in sizes)
            {
                lengths.Add(SizeExpr.Of(size) * inner);
                offsets.Add(new SizeProductArg(SizeExpr.Of(along), inner));
                along = checked(along + size);
            }
            return new Layout(CallContext.Range(x, 0, axis), SizeExpr.Product(x.Dims.Skip(axis)), lengths, offsets);
        }
    }
}
