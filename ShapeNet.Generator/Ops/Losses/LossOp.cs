using System.Collections.Generic;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>A loss's reduction over the batch.</summary>
internal sealed record LossArgs(LossReduction Reduction) : OpArgs;

/// <summary>
/// The family of losses written inside a forward body (<c>MseLoss(pred, target)</c>): (input, target) → a scalar, with the
/// backend's <c>Loss_Forward</c>/<c>Loss_Backward</c> of one <c>LossKind</c>. dInput (+)= dLoss·∂L/∂input; the target is
/// data (it receives no gradient) unless the loss is symmetric in its operands (<see cref="TargetIsDifferentiable"/>).
/// </summary>
internal abstract class LossOp : OpDefinition<LossArgs>
{
    /// <summary>Its sizes are row counts, so it runs with the run-time <c>Seq</c> (every token of a <c>[Seq·Batch, classes]</c> output).</summary>
    internal override bool TakesRunTimeSeq(OpArgs args, IReadOnlyList<Shape> operands, IReadOnlyList<Shape> outputs) => true;

    protected LossOp() => Calls = new[] { Dsl.Call(Name, a => new LossArgs(a.Reduction("reduction")), Dsl.Tensor("input"), Dsl.Tensor("target"), Dsl.Reduction("reduction")) };

    public sealed override IReadOnlyList<DslCall> Calls { get; }

    /// <summary>The backend's <c>LossKind</c> member.</summary>
    protected abstract string Kind { get; }

    /// <summary>Whether the target is class indices [N] for scores [N, classes] (else it is shaped like the input).</summary>
    protected abstract bool TakesClassIndices { get; }

    /// <summary>Whether the target receives a gradient (MSE, symmetric: the input's rule with the operands swapped, as PyTorch).</summary>
    protected abstract bool TargetIsDifferentiable { get; }

    protected sealed override OpResult Infer(LossArgs args, ShapeContext c)
    {
        Shape input = c.Shape(0), target = c.Shape(1);
        if (TakesClassIndices)
        {
            if (input.Rank != 2 || target.Rank != 1 || !input[0].SameSizeAs(target[0]))
                return c.Fail(DiagnosticDescriptors.LossShapes, c.Text,
                    $"{Name} takes scores [N, classes] and class indices [N], but {c.OperandText(0)} is {input.ToNamedString()} and {c.OperandText(1)} is {target.ToNamedString()}");
        }
        else if (!input.SameAs(target))
        {
            return c.Fail(DiagnosticDescriptors.LossShapes, c.Text,
                $"{Name} takes an input and a target of the same shape, but {c.OperandText(0)} is {input.ToNamedString()} and {c.OperandText(1)} is {target.ToNamedString()}");
        }
        return OpResult.Of(args, Shape.Scalar);
    }

    protected sealed override Differentiation Gradient(LossArgs args) =>
        TargetIsDifferentiable ? Differentiation.AllOperands : Differentiation.Only("the target", 0);

    protected sealed override void Plan(LossArgs args, PlanContext p)
    {
        // Nothing but the scalar output.
    }

    protected sealed override void Forward(LossArgs args, ForwardContext f)
    {
        Shape input = f.InputShape(0);
        f.Comment(f.Header);
        f.Call("Loss_Forward", KindCode, ReductionCode(args), f.Output(0), f.Input(0), f.Input(1), CallContext.Rows(input), CallContext.Last(input));
    }

    protected sealed override void Backward(LossArgs args, BackwardContext b)
    {
        if (b.Receives(0))
        {
            Shape shape = b.InputShape(0);
            b.Comment($"d({b.InputText(0)}) {b.Assign(0)} d({b.Text}) · ∂{Name}/∂input: {shape}");
            b.CallWritingGradientOf(0, "Loss_Backward", KindCode, ReductionCode(args), b.InputGradient(0), b.OutputGradient(0), b.Input(0), b.Input(1),
                CallContext.Rows(shape), CallContext.Last(shape), CallArg.Named("accumulate", b.Accumulate(0)));
        }
        if (TargetIsDifferentiable && b.Receives(1))
        {
            // (x − t)² is symmetric: ∂/∂t is ∂/∂x with x and t swapped.
            Shape shape = b.InputShape(1);
            b.Comment($"d({b.InputText(1)}) {b.Assign(1)} d({b.Text}) · ∂{Name}/∂target (the input's rule, operands swapped): {shape}");
            b.CallWritingGradientOf(1, "Loss_Backward", KindCode, ReductionCode(args), b.InputGradient(1), b.OutputGradient(0), b.Input(1), b.Input(0),
                CallContext.Rows(shape), CallContext.Last(shape), CallArg.Named("accumulate", b.Accumulate(1)));
        }
    }

    /// <summary>One evaluation per input element.</summary>
    protected sealed override long Flops(LossArgs args, NodeInfo n) => Sizes.StaticCount(n.InputShape(0));

    private CallArg KindCode => CallArg.Enum("LossKind", Kind);

    private static CallArg ReductionCode(LossArgs args) => CallArg.Code("global::ShapeNet.Reduction." + args.Reduction);

    protected sealed override void Onnx(LossArgs args, OnnxContext o) =>
        o.Unsupported($"{Name} is a training loss; export the network without it (the train step adds the loss at run time, see docs/onnx.md)");
}
