using System.Collections.Generic;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>The axis of a softmax, normalised by inference.</summary>
internal sealed record SoftmaxArgs(int Axis) : OpArgs;

/// <summary>
/// Softmax and log-softmax along one axis, with x viewed as [outer, dim, inner] around it: softmax dx (+)= y ∘ (dy − Σ dy∘y);
/// log-softmax dx (+)= dy − softmax(x)·Σ dy (both from the output y).
/// </summary>
internal abstract class SoftmaxOp : OpDefinition<SoftmaxArgs>
{
    /// <summary>Its sizes are element or row counts, so it runs with the run-time <c>Seq</c>.</summary>
    internal override bool TakesRunTimeSeq(OpArgs args, IReadOnlyList<Shape> operands, IReadOnlyList<Shape> outputs) => true;


    protected SoftmaxOp() => Calls = new[] { Dsl.Call(Name, a => new SoftmaxArgs(a.Int("axis")), Dsl.Tensor("x"), Dsl.Int("axis")) };

    public sealed override IReadOnlyList<DslCall> Calls { get; }

    protected abstract bool Log { get; }

    protected sealed override OpResult Infer(SoftmaxArgs args, ShapeContext c)
    {
        Shape x = c.Shape(0);
        return c.TryAxis(x, args.Axis, out int axis) ? OpResult.Of(new SoftmaxArgs(axis), x) : OpResult.Failure;
    }

    protected sealed override Differentiation Gradient(SoftmaxArgs args) => Differentiation.AllOperands;

    protected sealed override void Plan(SoftmaxArgs args, PlanContext p)
    {
        // The backward reads the output y, which the plan keeps.
    }

    protected sealed override void Forward(SoftmaxArgs args, ForwardContext f)
    {
        Shape s = f.Shape;
        f.Comment(f.Header);
        f.Call("Softmax_Forward", f.Output(0), f.Input(0), CallContext.Range(s, 0, args.Axis), CallContext.Range(s, args.Axis, args.Axis + 1),
            CallContext.Range(s, args.Axis + 1, s.Rank), CallArg.Named("log", CallArg.Bool(Log)));
    }

    protected sealed override void Backward(SoftmaxArgs args, BackwardContext b)
    {
        if (!b.Receives(0)) return;
        Shape s = b.Shape;
        b.Comment($"d({b.InputText(0)}) {b.Assign(0)} {Name} backward of d({b.Text}): {s}");
        b.CallWritingGradientOf(0, "Softmax_Backward", b.InputGradient(0), b.OutputGradient(0), b.Output(0), CallContext.Range(s, 0, args.Axis),
            CallContext.Range(s, args.Axis, args.Axis + 1), CallContext.Range(s, args.Axis + 1, s.Rank), CallArg.Named("log", CallArg.Bool(Log)),
            CallArg.Named("accumulate", b.Accumulate(0)));
    }

    /// <summary>About one exponential per input element.</summary>
    protected sealed override long Flops(SoftmaxArgs args, NodeInfo n) => Sizes.StaticCount(n.InputShape(0));

    /// <summary>ONNX's Softmax and LogSoftmax (opset 13 and later) normalise along one axis, as PyTorch's do.</summary>
    protected sealed override void Onnx(SoftmaxArgs args, OnnxContext o) => o.Unary(Name, OnnxAttr.Int("axis", args.Axis));
}
