using System.Collections.Generic;
using System.Linq;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>The class count of <c>OneHot(ids, classes)</c>.</summary>
internal sealed record OneHotArgs(int Classes) : OpArgs;

/// <summary>
/// PyTorch's <c>F.one_hot(ids, classes)</c> as floats: integer ids [...] → [..., classes], 1 at each id and 0 elsewhere. Ids are
/// checked at run time (the value, its row and the limit); nothing flows back (the ids are integers).
/// </summary>
internal sealed class OneHot : OpDefinition<OneHotArgs>
{
    /// <summary>Its sizes are element or row counts, so it runs with the run-time <c>Seq</c>.</summary>
    internal override bool TakesRunTimeSeq(OpArgs args, IReadOnlyList<Shape> operands, IReadOnlyList<Shape> outputs) => true;


    public override string Name => "OneHot";

    public override IReadOnlyList<DslCall> Calls { get; } = new[]
    {
        Dsl.Call("OneHot", a => new OneHotArgs(a.Int("classes")), Dsl.Tensor("ids"), Dsl.Int("classes")),
    };

    internal override bool IntegerOperand(OpArgs args, int operand) => true;

    protected override OpResult Infer(OneHotArgs args, ShapeContext c)
    {
        if (args.Classes < 1)
            return c.Fail(DiagnosticDescriptors.WrongArguments, "OneHot", c.Text, $"the number of classes must be at least 1, but it is {args.Classes}");
        return OpResult.Of(args, new Shape(c.Shape(0).Dims.Concat(new[] { Dim.Of(args.Classes) }).ToEquatableArray()));
    }

    protected override Differentiation Gradient(OneHotArgs args) => Differentiation.None;

    protected override void Plan(OneHotArgs args, PlanContext p)
    {
        // The output is all it writes.
    }

    protected override void Forward(OneHotArgs args, ForwardContext f)
    {
        f.Comment($"{f.Text}: {f.Shape} <- ids {f.InputShape(0)}");
        f.Call("OneHot_Forward", f.Output(0), f.Input(0), CallContext.Count(f.InputShape(0)), CallArg.Int(args.Classes));
    }

    protected override void Backward(OneHotArgs args, BackwardContext b)
    {
        // Integers get no gradient.
    }

    protected override long Flops(OneHotArgs args, NodeInfo n) => 0;

    /// <summary>ONNX's OneHot with depth and the float32 [off, on] values as constants: a new last axis of floats. The int32 ids
    /// are cast to int64 first, the index type every runtime implements OneHot for (ONNX Runtime has no int32-index,
    /// int64-depth kernel).</summary>
    protected override void Onnx(OneHotArgs args, OnnxContext o)
    {
        string ids = o.Temp("ids_int64");
        o.Op("Cast", new[] { o.Input(0) }, new[] { ids }, OnnxAttr.Int("to", 7));
        o.Op("OneHot", new[] { ids, o.Int64s("depth", new long[] { args.Classes }), o.Floats("values", 0, 1) }, new[] { o.Output(0) },
            OnnxAttr.Int("axis", -1));
    }
}
