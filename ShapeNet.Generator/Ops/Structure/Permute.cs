using System.Collections.Generic;
using System.Linq;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>The two axes a transpose swaps (<see cref="LastTwo"/> for <c>Transpose(x)</c>); normalised by inference.</summary>
internal sealed record PermuteArgs(bool LastTwo, int Dim0, int Dim1) : OpArgs
{
    public int[] Permutation(int rank)
    {
        int[] perm = Enumerable.Range(0, rank).ToArray();
        perm[Dim0] = Dim1;
        perm[Dim1] = Dim0;
        return perm;
    }
}

/// <summary>A transpose as a permutation of axes: y's axis i is x's axis perm[i]; dx (+)= permute(dy, perm⁻¹).</summary>
internal sealed class Permute : OpDefinition<PermuteArgs>
{
    /// <summary>Its shapes are arrays whose Seq (and Seq·Batch) entries are set per pass, so it moves the run-time <c>Seq</c> axis too
    /// (<c>Transpose(output, 0, 1)</c>: [Seq, Batch, H] → [Batch, Seq, H]).</summary>
    internal override bool TakesRunTimeSeq(OpArgs args, IReadOnlyList<Shape> operands, IReadOnlyList<Shape> outputs) => true;

    public override string Name => "Permute";

    public override IReadOnlyList<DslCall> Calls { get; } = new[]
    {
        Dsl.Call("Transpose", _ => new PermuteArgs(true, -2, -1), Dsl.Tensor("x")),
        Dsl.Call("Transpose", a => new PermuteArgs(false, a.Int("dim0"), a.Int("dim1")), Dsl.Tensor("x"), Dsl.Int("dim0"), Dsl.Int("dim1")),
    };

    protected override OpResult Infer(PermuteArgs args, ShapeContext c)
    {
        Shape a = c.Shape(0);
        int d0, d1;
        if (args.LastTwo)
        {
            if (a.Rank < 2) return c.Fail(DiagnosticDescriptors.RankMismatch, c.Text, "a tensor of rank 2 or more", c.OperandText(0), a.ToNamedString());
            d0 = a.Rank - 2;
            d1 = a.Rank - 1;
        }
        else if (!c.TryAxis(a, args.Dim0, out d0) || !c.TryAxis(a, args.Dim1, out d1))
        {
            return OpResult.Failure;
        }
        var normalised = new PermuteArgs(false, d0, d1);
        return OpResult.Of(normalised, new Shape(normalised.Permutation(a.Rank).Select(p => a[p]).ToEquatableArray()));
    }

    protected override Differentiation Gradient(PermuteArgs args) => Differentiation.AllOperands;

    protected override void Plan(PermuteArgs args, PlanContext p)
    {
        Shape x = p.InputShape(0);
        int[] perm = args.Permutation(x.Rank);
        int[] inverse = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++) inverse[perm[i]] = i;
        p.ShapeArray("x", x, x.Rank);
        p.ShapeArray("y", p.Shape, p.Shape.Rank);
        p.IntArray("perm", perm, "permutation", "_permutation");
        p.IntArray("inverse", inverse, "inverse permutation", "_permutation");
    }

    protected override void Forward(PermuteArgs args, ForwardContext f)
    {
        f.Comment(f.Header);
        f.Call("Permute", f.Output(0), f.Input(0), f.Array("x"), f.Array("perm"), CallArg.Named("accumulate", CallArg.Bool(false)));
    }

    protected override void Backward(PermuteArgs args, BackwardContext b)
    {
        if (!b.Receives(0)) return;
        b.Comment($"d({b.InputText(0)}) {b.Assign(0)} permute(d({b.Text}), inverse): {b.InputShape(0)} <- {b.Shape}");
        b.CallWritingGradientOf(0, "Permute", b.InputGradient(0), b.OutputGradient(0), b.Array("y"), b.Array("inverse"), CallArg.Named("accumulate", b.Accumulate(0)));
    }

    protected override long Flops(PermuteArgs args, NodeInfo n) => Sizes.StaticCount(n.Shape);

    protected override void Onnx(PermuteArgs args, OnnxContext o) => o.Unary("Transpose", OnnxAttr.Ints("perm", args.Permutation(o.InputShape(0).Rank)));
}
