using System.Collections.Generic;
using System.Linq;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>The count, normalised axis and direction of a <c>TopK</c>.</summary>
internal sealed record TopKArgs(int K, int Axis, bool Largest) : OpArgs;

/// <summary>
/// torch.topk (sorted): <c>var (values, indices) = TopK(x, k, dim, largest);</c> with x viewed as [outer, dim, inner] around a
/// static axis. Two outputs: the values, and their positions along the axis as a float tensor of whole numbers (the graph's
/// tensors are floats; exact below 2^24). The values are differentiable, dx (+)= dy scattered to the kept positions (zero
/// elsewhere); the indices carry no gradient.
/// </summary>
internal sealed class TopK : OpDefinition<TopKArgs>
{
    public override string Name => "TopK";

    public override IReadOnlyList<DslCall> Calls { get; } = new[]
    {
        Dsl.Call("TopK", a => new TopKArgs(a.Int("k"), a.Int("dim"), a.Bool("largest")),
            Dsl.Tensor("x"), Dsl.Int("k"), Dsl.Int("dim", -1), Dsl.Bool("largest", true)),
    };

    protected override OpResult Infer(TopKArgs args, ShapeContext c)
    {
        Shape x = c.Shape(0);
        if (!c.TryAxis(x, args.Axis, out int axis)) return OpResult.Failure;
        if (!x[axis].IsStatic)
            return c.Fail(DiagnosticDescriptors.TopKSize, c.Text, args.K, axis, c.OperandText(0), x.ToNamedString(),
                "a size known only at run time (the batch); take the top k along a feature axis");
        if (args.K <= 0 || args.K > x[axis].Size)
            return c.Fail(DiagnosticDescriptors.TopKSize, c.Text, args.K, axis, c.OperandText(0), x.ToNamedString(),
                $"{x[axis].Size} (k must be between 1 and {x[axis].Size})");
        var dims = x.Dims.ToArray();
        dims[axis] = args.K == x[axis].Size ? x[axis] : Dim.Of(args.K);
        var shape = new Shape(dims.ToEquatableArray());
        return OpResult.Tuple(new TopKArgs(args.K, axis, args.Largest), new[] { shape, shape });
    }

    protected override Differentiation Gradient(TopKArgs args) => Differentiation.AllOperands.WithConstantOutputs(1);

    protected override void Plan(TopKArgs args, PlanContext p)
    {
        // The indices are output 1, which the plan keeps; the backward reads them.
    }

    protected override void Forward(TopKArgs args, ForwardContext f)
    {
        Shape x = f.InputShape(0);
        f.Comment(f.Header);
        f.Call("TopK_Forward", f.Output(0), f.Output(1), f.Input(0), CallContext.Range(x, 0, args.Axis), CallContext.Range(x, args.Axis, args.Axis + 1),
            CallContext.Range(x, args.Axis + 1, x.Rank), CallArg.Int(args.K), CallArg.Named("largest", CallArg.Bool(args.Largest)));
    }

    protected override void Backward(TopKArgs args, BackwardContext b)
    {
        if (!b.Receives(0) || !b.OutputReceives(0)) return;
        Shape x = b.InputShape(0);
        b.Comment($"d({b.InputText(0)}) {b.Assign(0)} d({b.OutputText(0)}) scattered to the top {args.K}: {x} <- {b.OutputShape(0)}");
        b.CallWritingGradientOf(0, "TopK_Backward", b.InputGradient(0), b.OutputGradient(0), b.Output(1), CallContext.Range(x, 0, args.Axis),
            CallContext.Range(x, args.Axis, args.Axis + 1), CallContext.Range(x, args.Axis + 1, x.Rank), CallArg.Int(args.K),
            CallArg.Named("accumulate", b.Accumulate(0)));
    }

    /// <summary>ONNX <c>TopK</c> (sorted; equal values keep the lower index first, as here), its int64 indices cast to float.</summary>
    protected override void Onnx(TopKArgs args, OnnxContext o)
    {
        string indices = o.Temp("indices");
        o.Op("TopK", new[] { o.Input(0), o.Int64s("k", new long[] { args.K }) }, new[] { o.Output(0), indices },
            OnnxAttr.Int("axis", args.Axis), OnnxAttr.Int("largest", args.Largest ? 1 : 0), OnnxAttr.Int("sorted", 1));
        o.Op("Cast", new[] { indices }, new[] { o.Output(1) }, OnnxAttr.Int("to", 1));
    }

    /// <summary>About k comparisons per input element.</summary>
    protected override long Flops(TopKArgs args, NodeInfo n) => checked(args.K * Sizes.StaticCount(n.InputShape(0)));
}
