using System.Collections.Generic;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>The drop probability.</summary>
internal sealed record DropoutArgs(double P) : OpArgs;

/// <summary>
/// Inverted dropout: in training y = x·mask/(1 − p) with a mask drawn from (the plan's seed + a per-node constant, the step),
/// kept in a <c>mask</c> buffer; in inference a copy (the identity). dx (+)= dy·mask/(1 − p) with the mask of the last
/// training forward. Network plans only (the seed and the training flag are the plan's).
/// </summary>
internal sealed class Dropout : OpDefinition<DropoutArgs>
{
    /// <summary>Its sizes are element or row counts, so it runs with the run-time <c>Seq</c>.</summary>
    internal override bool TakesRunTimeSeq(OpArgs args, IReadOnlyList<Shape> operands, IReadOnlyList<Shape> outputs) => true;


    public override string Name => "Dropout";

    public override IReadOnlyList<DslCall> Calls { get; } = new[] { Dsl.Call("Dropout", a => new DropoutArgs(a.Double("p")), Dsl.Tensor("x"), Dsl.Double("p")) };

    protected override OpResult Infer(DropoutArgs args, ShapeContext c)
    {
        if (!(args.P >= 0 && args.P < 1))
            return c.Fail(DiagnosticDescriptors.WrongArguments, "Dropout", c.Text,
                $"the drop probability p must be in [0, 1), but it is {args.P.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}");
        return OpResult.Of(args, c.Shape(0));
    }

    protected override Differentiation Gradient(DropoutArgs args) => Differentiation.AllOperands;

    protected override void Plan(DropoutArgs args, PlanContext p)
    {
        p.Auxiliary("mask", p.Shape);
        p.UsesDropoutSeed();
    }

    protected override void Forward(DropoutArgs args, ForwardContext f)
    {
        if (!f.HasPlanVariables)
        {
            f.Fail($"Dropout ({f.Text}) is supported in networks only");
            return;
        }
        SizeExpr n = CallContext.Count(f.Shape);
        f.Add(new CallStatement(f.Header + " (training: x·mask/(1 − p); inference: the identity)",
            CallContext.Backend("Dropout_Forward", f.Output(0), f.Auxiliary("mask"), f.Input(0), n, CallArg.Float(args.P), f.DropoutSeed, f.DropoutStep),
            CallGuard.Training,
            CallContext.Backend("CopyRows", f.Output(0), CallArg.Int(0), n, f.Input(0), CallArg.Int(0), n, n, CallArg.Int(1), CallArg.Named("accumulate", CallArg.Bool(false)))));
    }

    protected override void Backward(DropoutArgs args, BackwardContext b)
    {
        if (!b.Receives(0)) return;
        b.Comment($"d({b.InputText(0)}) {b.Assign(0)} d({b.Text})·mask/(1 − p): {b.Shape}");
        b.CallWritingGradientOf(0, "Dropout_Backward", b.InputGradient(0), b.OutputGradient(0), b.Auxiliary("mask"), CallContext.Count(b.Shape),
            CallArg.Float(args.P), CallArg.Named("accumulate", b.Accumulate(0)));
    }

    protected override long Flops(DropoutArgs args, NodeInfo n) => Sizes.StaticCount(n.Shape);

    /// <summary>Inference mode: the identity (PyTorch's exporter in eval mode drops it the same way).</summary>
    protected override void Onnx(DropoutArgs args, OnnxContext o) => o.Unary("Identity");
}
