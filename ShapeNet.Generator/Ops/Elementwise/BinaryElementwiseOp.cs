using System.Collections.Generic;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>
/// The family of element-wise binary ops with NumPy broadcasting (<c>+ - * /</c> between tensors), one backend
/// <c>BinaryOp</c> each: z = a ∘ b, and d(operand) (+)= the sum over its broadcast axes of dz·∂z/∂operand. The shapes
/// go to the kernels as constant arrays of z's rank (the batch entries set at each pass).
/// </summary>
internal abstract class BinaryElementwiseOp : OpDefinition<NoArgs>
{
    /// <summary>Its shapes are arrays whose Seq entries are set per pass (as the batch's), so it broadcasts with the run-time <c>Seq</c>.</summary>
    internal override bool TakesRunTimeSeq(OpArgs args, IReadOnlyList<Shape> operands, IReadOnlyList<Shape> outputs) => true;


    /// <summary>Made by the parser from the operators.</summary>
    public sealed override IReadOnlyList<DslCall> Calls { get; } = new DslCall[0];

    /// <summary>NumPy broadcasting: align on the right; sizes equal, or one of them 1. Batch only matches Batch or 1.</summary>
    protected sealed override OpResult Infer(NoArgs args, ShapeContext c)
    {
        Shape a = c.Shape(0), b = c.Shape(1);
        int rank = System.Math.Max(a.Rank, b.Rank);
        var dims = new Dim[rank];
        for (int i = 1; i <= rank; i++)
        {
            Dim? da = i <= a.Rank ? a[a.Rank - i] : null;
            Dim? db = i <= b.Rank ? b[b.Rank - i] : null;
            Dim result;
            if (da is null) result = db!.Value;
            else if (db is null) result = da.Value;
            else if (da.Value.SameSizeAs(db.Value)) result = da.Value.Name.Length > 0 ? da.Value : db.Value;
            else if (da.Value.Size == 1) result = db.Value;
            else if (db.Value.Size == 1) result = da.Value;
            else
            {
                string why = $"axis {rank - i} of the result would need {da.Value} and {db.Value} to be equal, or one of them 1";
                return c.Fail(DiagnosticDescriptors.CannotBroadcast, c.Text, $"{c.OperandText(0)} {a.ToNamedString()}", $"{c.OperandText(1)} {b.ToNamedString()}", why);
            }
            dims[rank - i] = result;
        }
        return OpResult.Of(args, new Shape(dims.ToEquatableArray()));
    }

    protected sealed override Differentiation Gradient(NoArgs args) => Differentiation.AllOperands;

    protected sealed override void Plan(NoArgs args, PlanContext p)
    {
        int rank = p.Shape.Rank;
        p.ShapeArray("a", p.InputShape(0), rank);
        p.ShapeArray("b", p.InputShape(1), rank);
        p.ShapeArray("z", p.Shape, rank);
    }

    protected sealed override void Forward(NoArgs args, ForwardContext f)
    {
        f.Comment(f.Header);
        f.Call("Binary_Forward", Code, f.Output(0), f.Input(0), f.Array("a"), f.Input(1), f.Array("b"), f.Array("z"));
    }

    protected sealed override void Backward(NoArgs args, BackwardContext b)
    {
        for (int operand = 0; operand < 2; operand++)
        {
            if (!b.Receives(operand)) continue;
            b.Comment($"d({b.InputText(operand)}) {b.Assign(operand)} d({b.Text}) · ∂/∂{(operand == 0 ? "a" : "b")}: {b.InputShape(operand)} <- {b.Shape}");
            b.CallWritingGradientOf(operand, "Binary_Backward", Code, CallArg.Int(operand), b.InputGradient(operand), b.OutputGradient(0),
                b.Input(0), b.Array("a"), b.Input(1), b.Array("b"), b.Array("z"), CallArg.Named("accumulate", b.Accumulate(operand)));
        }
    }

    protected sealed override long Flops(NoArgs args, NodeInfo n) => Sizes.StaticCount(n.Shape);

    private CallArg Code => CallArg.Enum("BinaryOp", Name);

    /// <summary>ONNX's Add, Sub, Mul and Div broadcast as NumPy does, as this family does: the op of the same name.</summary>
    protected sealed override void Onnx(NoArgs args, OnnxContext o) => o.Op(Name, new[] { o.Input(0), o.Input(1) }, new[] { o.Output(0) });
}
