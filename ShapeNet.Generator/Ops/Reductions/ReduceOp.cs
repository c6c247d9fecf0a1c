using System.Collections.Generic;
using System.Linq;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>The reduced axes (empty as written: all of them; after inference sorted, non-negative and never empty for a
/// tensor of rank ≥ 1) and whether they are kept with size 1.</summary>
internal sealed record ReduceArgs(EquatableArray<int> Axes, bool KeepDim) : OpArgs;

/// <summary>
/// The family of reductions over axes (<c>Sum</c>, <c>Mean</c>), one backend <c>ReduceOp</c> each: y has x's layout with the
/// reduced axes of size 1 (kept or not), and dx (+)= broadcast(dy) (÷ the reduced count for the mean).
/// </summary>
internal abstract class ReduceOp : OpDefinition<ReduceArgs>
{
    /// <summary>Its shapes are arrays whose Seq entries are set per pass, and the kernel counts the reduced elements from them, so it
    /// reduces over the run-time <c>Seq</c> too (a mean over the sequence divides by the pass's length).</summary>
    internal override bool TakesRunTimeSeq(OpArgs args, IReadOnlyList<Shape> operands, IReadOnlyList<Shape> outputs) => true;

    protected ReduceOp() => Calls = new[]
    {
        Dsl.Call(Name, _ => new ReduceArgs(EquatableArray<int>.Empty, false), Dsl.Tensor("x")),
        Dsl.Call(Name, a => new ReduceArgs(a.Ints("axis"), a.Bool("keepDim")), Dsl.Tensor("x"), Dsl.Axes("axis"), Dsl.Bool("keepDim", false)),
    };

    public sealed override IReadOnlyList<DslCall> Calls { get; }

    /// <summary>What the backward's comment says after <c>broadcast(d(y))</c> (<c> / count</c> for the mean).</summary>
    protected abstract string BackwardNote { get; }

    protected sealed override OpResult Infer(ReduceArgs args, ShapeContext c)
    {
        Shape a = c.Shape(0);
        var axes = new SortedSet<int>();
        if (args.Axes.Count == 0)
        {
            for (int i = 0; i < a.Rank; i++) axes.Add(i);
        }
        else
        {
            foreach (int axis in args.Axes)
            {
                if (!c.TryAxis(a, axis, out int n)) return OpResult.Failure;
                axes.Add(n);
            }
        }
        var dims = new List<Dim>();
        for (int i = 0; i < a.Rank; i++)
        {
            if (!axes.Contains(i)) dims.Add(a[i]);
            else if (args.KeepDim) dims.Add(Dim.Of(1));
        }
        return OpResult.Of(new ReduceArgs(axes.ToEquatableArray(), args.KeepDim), new Shape(dims.ToEquatableArray()));
    }

    protected sealed override Differentiation Gradient(ReduceArgs args) => Differentiation.AllOperands;

    protected sealed override void Plan(ReduceArgs args, PlanContext p)
    {
        Shape x = p.InputShape(0);
        p.ShapeArray("x", x, x.Rank);
        p.BoolArray("axes", Enumerable.Range(0, x.Rank).Select(i => args.Axes.Contains(i)),
            "reduce axes " + (args.Axes.Count == 0 ? "none" : string.Join(", ", args.Axes)), "_reduceAxes");
    }

    protected sealed override void Forward(ReduceArgs args, ForwardContext f)
    {
        f.Comment(f.Header);
        f.Call("Reduce_Forward", Code, f.Output(0), f.Input(0), f.Array("x"), f.Array("axes"));
    }

    protected sealed override void Backward(ReduceArgs args, BackwardContext b)
    {
        if (!b.Receives(0)) return;
        b.Comment($"d({b.InputText(0)}) {b.Assign(0)} broadcast(d({b.Text})){BackwardNote}: {b.InputShape(0)} <- {b.Shape}");
        b.CallWritingGradientOf(0, "Reduce_Backward", Code, b.InputGradient(0), b.OutputGradient(0), b.Array("x"), b.Array("axes"),
            CallArg.Named("accumulate", b.Accumulate(0)));
    }

    /// <summary>One addition per input element.</summary>
    protected sealed override long Flops(ReduceArgs args, NodeInfo n) => Sizes.StaticCount(n.InputShape(0));

    private CallArg Code => CallArg.Enum("ReduceOp", Name);

    protected sealed override void Onnx(ReduceArgs args, OnnxContext o) => o.Reduce("Reduce" + Name, o.Input(0), o.Output(0), args.Axes, args.KeepDim);
}
