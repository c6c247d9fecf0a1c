using System.Collections.Generic;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>
/// The family of element-wise unary ops, one backend <c>UnaryOp</c> each: y = f(x) has x's shape, its forward is
/// <c>Unary_Forward</c> and its backward <c>Unary_Backward</c> (dx (+)= dy ∘ f'(x); the kernel reads x or y, whichever f'
/// needs). A member of the family declares its name and DSL call, its backend code, its scalar parameter(s) and whether f'
/// is a function of y alone (then a Linear or Conv2d before it may fuse it, and its backward runs in place on dy).
/// The second parameter (Softplus's threshold, Hardtanh's upper bound) is passed as <c>parameter2:</c> only when it is
/// not 0, the backend's default, so the calls of one-parameter ops read as before.
/// </summary>
internal abstract class UnaryElementwiseOp<TArgs> : OpDefinition<TArgs>, IActivation where TArgs : OpArgs
{
    /// <summary>Its sizes are element or row counts, so it runs with the run-time <c>Seq</c>.</summary>
    internal override bool TakesRunTimeSeq(OpArgs args, IReadOnlyList<Shape> operands, IReadOnlyList<Shape> outputs) => true;


    /// <summary>The backend's <c>UnaryOp</c> member.</summary>
    public abstract string UnaryCode { get; }

    /// <summary>Whether f' is computed from the output y alone (Relu, Sigmoid, Tanh, Exp, Sqrt).</summary>
    public abstract bool DerivativeFromOutput { get; }

    /// <summary>The kernel's scalar parameter (an exponent, a slope; 0 when the op has none).</summary>
    protected abstract double Parameter(TArgs args);

    /// <summary>The kernel's second parameter (<c>UnaryOp</c> says which ops read one); 0 when the op has none.</summary>
    protected virtual double Parameter2(TArgs args) => 0;

    /// <summary>The backend's <c>UnaryOp</c> member for these arguments: <see cref="UnaryCode"/> unless an argument selects a
    /// variant (<c>Gelu(x, approximate: "tanh")</c> is <c>GeluTanh</c>).</summary>
    protected virtual string UnaryCodeOf(TArgs args) => UnaryCode;

    /// <summary>The shape rule of an element-wise op: the operand's shape.</summary>
    protected static OpResult SameShape(TArgs args, ShapeContext c) => OpResult.Of(args, c.Shape(0));

    protected sealed override Differentiation Gradient(TArgs args) => Differentiation.AllOperands;

    protected sealed override void Plan(TArgs args, PlanContext p)
    {
        // Nothing but the output: the backward reads x and y, which the plan keeps.
    }

    protected sealed override void Forward(TArgs args, ForwardContext f)
    {
        f.Comment(f.Header);
        f.Call("Unary_Forward", Trailing(args, Code(args), CallArg.Float(Parameter(args)), f.Output(0), f.Input(0), CallContext.Count(f.Shape)));
    }

    protected sealed override void Backward(TArgs args, BackwardContext b)
    {
        if (b.IsFusedIntoProducer)
        {
            // The pre-activation was not stored: the derivative is a function of the output y.
            b.Comment($"d(pre-activation of {b.Text}) = d({b.Text}) · {Name}'(y), in place: {b.Shape}");
            b.Call("Unary_Backward", Trailing(args, Code(args), CallArg.Float(Parameter(args)), b.OutputGradient(0), b.OutputGradient(0), b.Output(0), b.Output(0),
                CallContext.Count(b.Shape), CallArg.Named("accumulate", CallArg.Bool(false))));
            return;
        }
        if (!b.Receives(0)) return;
        b.Comment($"d({b.InputText(0)}) {b.Assign(0)} d({b.Text}) · {Name}': {b.Shape}");
        b.CallWritingGradientOf(0, "Unary_Backward", Trailing(args, Code(args), CallArg.Float(Parameter(args)), b.InputGradient(0), b.OutputGradient(0),
            b.Input(0), b.Output(0), CallContext.Count(b.Shape), CallArg.Named("accumulate", b.Accumulate(0))));
    }

    protected override long Flops(TArgs args, NodeInfo n) => Sizes.StaticCount(n.Shape);

    private CallArg Code(TArgs args) => CallArg.Enum("UnaryOp", UnaryCodeOf(args));

    /// <summary>The arguments, with <c>parameter2:</c> appended when the op has a second parameter that is not 0.</summary>
    private CallArg[] Trailing(TArgs args, params CallArg[] arguments)
    {
        double second = Parameter2(args);
        if (second == 0) return arguments;
        var all = new CallArg[arguments.Length + 1];
        arguments.CopyTo(all, 0);
        all[arguments.Length] = CallArg.Named("parameter2", CallArg.Float(second));
        return all;
    }
}
