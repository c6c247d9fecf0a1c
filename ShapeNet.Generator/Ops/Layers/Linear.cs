using System.Collections.Generic;
using System.Linq;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>The sizes of <c>[Linear(in, out, Bias = b)]</c>.</summary>
internal sealed record LinearArgs(SizeArg In, SizeArg Out, bool Bias) : OpArgs;

/// <summary>
/// PyTorch's <c>nn.Linear</c> over the last axis: y = x·Wᵀ + b with <c>weight [out, in]</c> (kaiming-uniform) and
/// <c>bias [out]</c> (±1/√in). A single Relu, Sigmoid or Tanh consumer is fused into the kernel. Backward:
/// dx (+)= dy·W, dW (+)= dyᵀ·x, db (+)= Σ_rows dy (a fused activation was undone in place first).
/// </summary>
internal sealed class Linear : LayerDefinition<LinearArgs>
{
    /// <summary>Its sizes are element or row counts, so it runs with the run-time <c>Seq</c>.</summary>
    internal override bool TakesRunTimeSeq(OpArgs args, IReadOnlyList<Shape> operands, IReadOnlyList<Shape> outputs) => true;


    public override string Name => "Linear";

    public override int TensorInputs => 1;

    public override string EagerClass => "global::ShapeNet.LinearLayer";

    public override bool HasTrainingMode => false;

    public override IReadOnlyCollection<string> FusibleActivations { get; } = new[] { "Relu", "Sigmoid", "Tanh" };

    protected override LinearArgs? Bind(ILayerAttribute a)
    {
        SizeArg? inFeatures = a.Size(0, "in-features");
        SizeArg? outFeatures = a.Size(1, "out-features");
        if (inFeatures is null || outFeatures is null) return null;
        return new LinearArgs(inFeatures.Value, outFeatures.Value, a.NamedBool("Bias") ?? true);
    }

    protected override IReadOnlyList<LayerTensor> Parameters(LinearArgs args)
    {
        int fanIn = args.In.Value;
        var list = new List<LayerTensor> { new("weight", "Weight", ShapeOf(args.Out, args.In), "kaiming_uniform", fanIn) };
        if (args.Bias) list.Add(new LayerTensor("bias", "Bias!", ShapeOf(args.Out), "uniform", fanIn));
        return list;
    }

    protected override IReadOnlyList<LayerTensor> Buffers(LinearArgs args) => new LayerTensor[0];

    protected override string EagerArguments(LinearArgs args, string init, string name) =>
        $"{init}, {name}, {args.In.CSharp}, {args.Out.CSharp}, bias: {(args.Bias ? "true" : "false")}";

    protected override OpResult Infer(LinearArgs args, ShapeContext c)
    {
        Shape x = c.Shape(0);
        int inFeatures = args.In.Value;
        if (x.Rank == 0)
            return c.Fail(DiagnosticDescriptors.RankMismatch, c.Text, "an input of rank 1 or more [..., " + inFeatures + "]", c.OperandText(0), x.ToNamedString());
        Dim last = x[x.Rank - 1];
        if (!last.IsStatic || last.Size != inFeatures)
        {
            var fix = new List<DiagnosticProperty>(c.LayerSizeFix(argument: 0, last));
            if (c.FlattenedFeatures(0) is long flattened)
                fix.Add(new DiagnosticProperty(DiagnosticProperties.FlattenedSize, flattened.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            return c.Fail(DiagnosticDescriptors.LinearInFeatures, fix, c.Member, inFeatures, c.OperandText(0), c.DescribeLastAxis(0));
        }
        return OpResult.Of(args, new Shape(x.Dims.Take(x.Rank - 1).Concat(new[] { Dim.Of(args.Out.Value) }).ToEquatableArray()));
    }

    protected override Differentiation Gradient(LinearArgs args) => Differentiation.AllOperands;

    protected override void Plan(LinearArgs args, PlanContext p)
    {
        // The backward reads x and W, which the plan keeps.
    }

    protected override void Forward(LinearArgs args, ForwardContext f)
    {
        Shape x = f.InputShape(0);
        f.Comment($"{f.ResultText}: {f.ResultShape} <- {x}");
        f.Call("Linear_Forward", f.Result, f.Input(0), f.Parameter("weight"), f.OptionalParameter("bias"), Descriptor(f, f.FusedActivation),
            CallContext.Rows(x));
    }

    protected override void Backward(LinearArgs args, BackwardContext b)
    {
        Shape x = b.InputShape(0);
        string bias = args.Bias ? "bias" : "no bias";
        b.Comment($"d({b.InputText(0)}) {b.Assign(0)} d({b.Text})·W; d({b.Path}.weight), d({b.Path}.{bias}): {x} <- {b.Shape}");
        b.Call("Linear_Backward", b.OptionalInputGradient(0), b.ParameterGradient("weight"), b.OptionalParameterGradient("bias"), b.OutputGradient(0),
            b.Input(0), b.Parameter("weight"), Descriptor(b, b.FusedActivation), CallContext.Rows(x), CallArg.Named("accumulateDx", b.Accumulate(0)), CallArg.Named("accumulateParameters", b.ParameterAccumulate));
    }

    /// <summary>The node's <c>LinearDesc(in, out, activation)</c>, shared by its forward and backward; the rows are passed beside it.</summary>
    private static CallArg Descriptor(NodeInfo n, CallArg activation) =>
        CallArg.Descriptor("LinearDesc", n.Text, CallContext.Rows(n.InputShape(0)), CallContext.Last(n.InputShape(0)), CallContext.Last(n.Shape), activation);

    /// <summary>2·in·out per row: a multiply-add per weight.</summary>
    protected override long Flops(LinearArgs args, NodeInfo n)
    {
        Shape x = n.InputShape(0);
        long inFeatures = x.Rank > 0 && x[x.Rank - 1].IsStatic ? x[x.Rank - 1].Size : 1;
        return 2 * inFeatures * Sizes.StaticCount(n.Shape);
    }

    /// <summary>Gemm(x, W, b, transB = 1) for a matrix x (what PyTorch exports); for other ranks MatMul(x, Transpose(W)) + b.</summary>
    protected override void Onnx(LinearArgs args, OnnxContext o)
    {
        string weight = o.Parameter("weight");
        if (o.InputShape(0).Rank == 2)
        {
            o.Op("Gemm", new[] { o.Input(0), weight, o.OptionalParameter("bias") }.Where(n => n.Length > 0).ToArray(), new[] { o.Output(0) },
                OnnxAttr.Float("alpha", 1), OnnxAttr.Float("beta", 1), OnnxAttr.Int("transB", 1));
            return;
        }
        string transposed = o.Temp("weight_t");
        o.Op("Transpose", new[] { weight }, new[] { transposed }, OnnxAttr.Ints("perm", 1, 0));
        if (!args.Bias)
        {
            o.Op("MatMul", new[] { o.Input(0), transposed }, new[] { o.Output(0) });
            return;
        }
        string product = o.Temp("MatMul_output_0");
        o.Op("MatMul", new[] { o.Input(0), transposed }, new[] { product });
        o.Op("Add", new[] { product, o.Parameter("bias") }, new[] { o.Output(0) });
    }
}
