using System.Collections.Generic;
using System.Linq;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>Whether the product was written <c>Dot(a, b)</c> (both operands must then be vectors).</summary>
internal sealed record MatMulArgs(bool Dot) : OpArgs;

/// <summary>
/// torch.matmul for ranks 1 and 2, and batched products of equal-rank operands with equal leading dims; <c>Dot(a, b)</c> is
/// its 1-D·1-D case. One GEMM (strided-batch when batched): da (+)= dz·bᵀ, db (+)= aᵀ·dz.
/// </summary>
internal sealed class MatMul : OpDefinition<MatMulArgs>
{
    /// <summary>Its GEMM takes M, N, K and the batch strides as counts printed with the pass's sizes, so any of them may be the run-time
    /// <c>Seq</c> (attention: [Batch, Seq, H]·[Batch, H, Seq] → [Batch, Seq, Seq], then ·[Batch, Seq, H] with K = Seq).</summary>
    internal override bool TakesRunTimeSeq(OpArgs args, IReadOnlyList<Shape> operands, IReadOnlyList<Shape> outputs) => true;

    public override string Name => "MatMul";

    public override IReadOnlyList<DslCall> Calls { get; } = new[]
    {
        Dsl.Call("MatMul", _ => new MatMulArgs(false), Dsl.Tensor("a"), Dsl.Tensor("b")),
        Dsl.Call("Dot", _ => new MatMulArgs(true), Dsl.Tensor("a"), Dsl.Tensor("b")),
    };

    protected override OpResult Infer(MatMulArgs args, ShapeContext c)
    {
        Shape a = c.Shape(0), b = c.Shape(1);
        string ta = c.OperandText(0), tb = c.OperandText(1);
        if (args.Dot)
        {
            if (a.Rank != 1) return c.Fail(DiagnosticDescriptors.RankMismatch, c.Text, "two vectors (rank 1)", ta, a.ToNamedString());
            if (b.Rank != 1) return c.Fail(DiagnosticDescriptors.RankMismatch, c.Text, "two vectors (rank 1)", tb, b.ToNamedString());
            if (!a[0].SameSizeAs(b[0]))
                return c.Fail(DiagnosticDescriptors.MatMulInner, c.Text, a.ToNamedString(), b.ToNamedString(), $"the vectors have {a[0]} and {b[0]} elements");
            return OpResult.Of(args, Shape.Scalar);
        }
        if (a.Rank == 0 || b.Rank == 0)
            return c.Fail(DiagnosticDescriptors.RankMismatch, c.Text, "operands of rank 1 or more", a.Rank == 0 ? ta : tb, (a.Rank == 0 ? a : b).ToNamedString());
        Dim ka = a[a.Rank - 1];
        Dim kb = b.Rank == 1 ? b[0] : b[b.Rank - 2];
        if (!ka.SameSizeAs(kb))
            return c.Fail(DiagnosticDescriptors.MatMulInner, c.Text, a.ToNamedString(), b.ToNamedString(),
                $"the inner dimensions differ ({ta} has {ka} columns, {tb} has {kb} rows)");
        if ((a.Rank > 2 || b.Rank > 2) && (a.Rank != b.Rank || Enumerable.Range(0, a.Rank - 2).Any(i => !a[i].SameSizeAs(b[i]))))
            return c.Fail(DiagnosticDescriptors.MatMulInner, c.Text, a.ToNamedString(), b.ToNamedString(),
                "a batched product needs operands of the same rank with the same leading dimensions");
        var dims = new List<Dim>();
        if (a.Rank > 2) dims.AddRange(a.Dims.Take(a.Rank - 2));
        if (a.Rank >= 2) dims.Add(a[a.Rank - 2]);
        if (b.Rank >= 2) dims.Add(b[b.Rank - 1]);
        return OpResult.Of(args, new Shape(dims.ToEquatableArray()));
    }

    protected override Differentiation Gradient(MatMulArgs args) => Differentiation.AllOperands;

    protected override void Plan(MatMulArgs args, PlanContext p)
    {
        // The GEMM reads the operands, which the plan keeps.
    }

    protected override void Forward(MatMulArgs args, ForwardContext f)
    {
        if (Layout(f) is not { } l) return;
        f.Comment(f.Header);
        f.Call("Gemm", new[]
        {
            CallArg.Bool(false), CallArg.Bool(false), l.M, l.N, l.K, CallArg.Float(1), f.Input(0), CallArg.Int(0), l.K, f.Input(1), CallArg.Int(0), l.N,
            CallArg.Float(0), f.Output(0), CallArg.Int(0), l.N,
        }.Concat(l.BatchArguments(l.StrideA, l.StrideB, l.StrideC)).ToArray());
    }

    protected override void Backward(MatMulArgs args, BackwardContext b)
    {
        if (Layout(b) is not { } l) return;
        if (b.Receives(0))
        {
            b.Comment($"d({b.InputText(0)}) {b.Assign(0)} d({b.Text})·bᵀ: {b.InputShape(0)}");
            b.CallWritingGradientOf(0, "Gemm", new[]
            {
                CallArg.Bool(false), CallArg.Bool(true), l.M, l.K, l.N, CallArg.Float(1), b.OutputGradient(0), CallArg.Int(0), l.N, b.Input(1), CallArg.Int(0), l.N,
                Beta(b, 0), b.InputGradient(0), CallArg.Int(0), l.K,
            }.Concat(l.BatchArguments(l.StrideC, l.StrideB, l.StrideA)).ToArray());
        }
        if (b.Receives(1))
        {
            b.Comment($"d({b.InputText(1)}) {b.Assign(1)} aᵀ·d({b.Text}): {b.InputShape(1)}");
            b.CallWritingGradientOf(1, "Gemm", new[]
            {
                CallArg.Bool(true), CallArg.Bool(false), l.K, l.N, l.M, CallArg.Float(1), b.Input(0), CallArg.Int(0), l.K, b.OutputGradient(0), CallArg.Int(0), l.N,
                Beta(b, 1), b.InputGradient(1), CallArg.Int(0), l.N,
            }.Concat(l.BatchArguments(l.StrideA, l.StrideC, l.StrideB)).ToArray());
        }
    }

    /// <summary>2·M·N·K: a multiply-add per output element and inner index.</summary>
    protected override long Flops(MatMulArgs args, NodeInfo n)
    {
        Shape a = n.InputShape(0);
        long k = a.Rank > 0 && a[a.Rank - 1].IsStatic ? a[a.Rank - 1].Size : 1;
        return 2 * k * Sizes.StaticCount(n.Shape);
    }

    private static MatMulLayout? Layout(CallContext c)
    {
        MatMulLayout? layout = MatMulLayout.For(c.InputShape(0), c.InputShape(1));
        if (layout is null) c.Fail($"{c.Node.Op} of {c.InputShape(0)} and {c.InputShape(1)} has no GEMM layout");
        return layout;
    }

    /// <summary>GEMM's beta: 1 adds to an earlier contribution, 0 overwrites.</summary>
    private static CallArg Beta(BackwardContext b, int operand) => CallArg.Float(b.Plan.Accumulates(b.Id, operand) ? 1 : 0);

    /// <summary>ONNX's MatMul is torch.matmul (a 1-D·1-D product included).</summary>
    protected override void Onnx(MatMulArgs args, OnnxContext o) => o.Op("MatMul", new[] { o.Input(0), o.Input(1) }, new[] { o.Output(0) });
}
