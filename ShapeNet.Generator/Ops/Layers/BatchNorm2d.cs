using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>The hyper-parameters of <c>[BatchNorm2d(features, Eps = e, Momentum = m, Affine = a)]</c> (PyTorch's defaults
/// 1e-5, 0.1, true).</summary>
internal sealed record BatchNorm2dArgs(SizeArg Features, double Eps, double Momentum, bool Affine) : OpArgs;

/// <summary>
/// PyTorch's <c>nn.BatchNorm2d</c> with running statistics on [N, C, H, W]: parameters <c>weight [C]</c> = 1 and
/// <c>bias [C]</c> = 0 when affine; buffers <c>running_mean</c>, <c>running_var</c>, <c>num_batches_tracked</c>. Training
/// normalises with the batch statistics, updates the running ones and counts the batch on the device; inference uses the
/// running ones. The statistics used are saved in two [C] auxiliary buffers. Backward (always after a training forward):
/// dx (+)= γ·invStd·(dy − mean(dy) − x̂·mean(dy·x̂)) per channel, dγ (+)= Σ dy·x̂, dβ (+)= Σ dy.
/// </summary>
internal sealed class BatchNorm2d : LayerDefinition<BatchNorm2dArgs>
{
    public override string Name => "BatchNorm2d";

    public override int TensorInputs => 1;

    public override string EagerClass => "global::ShapeNet.BatchNorm2dLayer";

    public override bool HasTrainingMode => true;

    public override IReadOnlyCollection<string> FusibleActivations { get; } = new string[0];

    /// <summary>SN0009 for each invalid value: features ≤ 0, eps ≤ 0, momentum outside [0, 1].</summary>
    protected override BatchNorm2dArgs? Bind(ILayerAttribute a)
    {
        double eps = a.NamedDouble("Eps") ?? 1e-5, momentum = a.NamedDouble("Momentum") ?? 0.1;
        bool affine = a.NamedBool("Affine") ?? true;
        SizeArg? features = a.Size(0, "the number of features (channels)");
        bool ok = features is not null;
        if (!(eps > 0))
        {
            ok = false;
            a.Report("Eps must be positive, but it is " + Text(eps));
        }
        if (!(momentum >= 0 && momentum <= 1))
        {
            ok = false;
            a.Report("Momentum must be in [0, 1], but it is " + Text(momentum));
        }
        return ok ? new BatchNorm2dArgs(features!.Value, eps, momentum, affine) : null;
    }

    /// <summary>PyTorch's init: weight 1, bias 0 (no random draw).</summary>
    protected override IReadOnlyList<LayerTensor> Parameters(BatchNorm2dArgs args) => args.Affine
        ? new[] { new LayerTensor("weight", "Weight!", ShapeOf(args.Features), "ones"), new LayerTensor("bias", "Bias!", ShapeOf(args.Features), "zeros") }
        : new LayerTensor[0];

    protected override IReadOnlyList<LayerTensor> Buffers(BatchNorm2dArgs args) => new[]
    {
        new LayerTensor("running_mean", "RunningMean", ShapeOf(args.Features), "zeros"),
        new LayerTensor("running_var", "RunningVar", ShapeOf(args.Features), "ones"),
        new LayerTensor("num_batches_tracked", "NumBatchesTracked", Shape.Scalar, "zeros"),
    };

    /// <summary>eps and momentum are doubles: their round-trip text is a C# double literal.</summary>
    protected override string EagerArguments(BatchNorm2dArgs args, string init, string name) =>
        $"{name}, {args.Features.CSharp}, eps: {Text(args.Eps)}, momentum: {Text(args.Momentum)}, affine: {(args.Affine ? "true" : "false")}";

    /// <summary>[N, C, H, W] with C = its features (SN0112, like a convolution's in-channels) to the same shape.</summary>
    protected override OpResult Infer(BatchNorm2dArgs args, ShapeContext c)
    {
        if (!c.IsNchw(0)) return OpResult.Failure;
        Shape x = c.Shape(0);
        if (x[1].Size != args.Features.Value)
            return c.Fail(DiagnosticDescriptors.ConvInChannels, c.LayerSizeFix(argument: 0, x[1]), c.Member, args.Features.Value, c.OperandText(0), x[1].ToString(), x.ToNamedString());
        return OpResult.Of(args, x);
    }

    protected override Differentiation Gradient(BatchNorm2dArgs args) => Differentiation.AllOperands;

    /// <summary>One value per channel: the mean and 1/√(var + eps) the forward normalised with, for the backward.</summary>
    protected override void Plan(BatchNorm2dArgs args, PlanContext p)
    {
        if (p.Shape.Rank != 4) return;
        Shape channels = Shape.Of(p.Shape[1]);
        p.Auxiliary("saveMean", channels);
        p.Auxiliary("saveInvStd", channels);
    }

    /// <summary>Training: the batch statistics, the running ones updated and the batch counted; inference: the running statistics.
    /// Either way the statistics used are saved for the backward.</summary>
    protected override void Forward(BatchNorm2dArgs args, ForwardContext f)
    {
        // The plan's training flag (the one Dropout reads); BatchNorm is a layer, so it only occurs in network plans.
        if (!f.HasPlanVariables)
        {
            f.Fail($"BatchNorm2d ({f.Text}) is supported in networks only");
            return;
        }
        int counter = f.ModuleBufferIndex("num_batches_tracked");
        if (counter < 0)
        {
            f.Fail($"the BatchNorm2d {f.Text} has no running statistics");
            return;
        }
        f.Comment(f.Header + " (training: batch statistics, running statistics updated; inference: running statistics)");
        f.Call("BatchNorm2d_Forward", new CallArg[]
            {
                f.Output(0), f.Auxiliary("saveMean"), f.Auxiliary("saveInvStd"), f.ModuleBuffer("running_mean"), f.ModuleBuffer("running_var"), f.Input(0),
                f.OptionalParameter("weight"), f.OptionalParameter("bias"), Descriptor(args, f), CallContext.Range(f.InputShape(0), 0, 1), f.Training,
            });
        BufferRef count = f.ModuleBuffer("num_batches_tracked");
        f.Add(new CallStatement(null,
            CallContext.Backend("Unary_Forward", CallArg.Enum("UnaryOp", "AddScalar"), CallArg.Float(1), count, count, CallArg.Int(1)),
            CallGuard.Training, TrailingComment: $"{f.Graph.Buffers[counter].Name} += 1"));
    }

    /// <summary>A backward pass always follows a training forward (NetworkPlan checks), so the gradient goes through the batch statistics.</summary>
    protected override void Backward(BatchNorm2dArgs args, BackwardContext b)
    {
        Shape x = b.InputShape(0);
        string dx = b.Receives(0) ? $"d({b.InputText(0)}) {b.Assign(0)} batch-norm backward of d({b.Text}); " : "";
        string parameters = args.Affine ? $"d({b.Path}.weight), d({b.Path}.bias)" : "no parameters";
        b.Comment($"{dx}{parameters}: {x} <- {b.Shape}, through the batch statistics");
        IEnumerable<CallArg> rest = new CallArg[]
        {
            b.OutputGradient(0), b.Input(0), b.Auxiliary("saveMean"), b.Auxiliary("saveInvStd"), b.OptionalParameter("weight"), Descriptor(args, b),
            CallContext.Range(x, 0, 1), CallArg.Named("training", CallArg.Bool(true)), CallArg.Named("accumulateDx", b.Accumulate(0)),
            CallArg.Named("accumulateParameters", b.ParameterAccumulate),
        };
        if (args.Affine)
            b.Call("BatchNorm2d_Backward", new CallArg[] { b.OptionalInputGradient(0), b.ParameterGradient("weight"), b.ParameterGradient("bias") }.Concat(rest).ToArray());
        else if (b.Receives(0))
            b.CallWritingGradientOf(0, "BatchNorm2d_Backward", new CallArg[] { b.InputGradient(0), CallArg.Null, CallArg.Null }.Concat(rest).ToArray());
    }

    /// <summary>The node's <c>BatchNormDesc(C, plane, momentum, eps)</c> for x [N, C, …] (plane = the product of the axes after C).</summary>
    private static CallArg Descriptor(BatchNorm2dArgs args, NodeInfo n)
    {
        Shape x = n.InputShape(0);
        return CallArg.Descriptor("BatchNormDesc", n.Text, CallContext.Range(x, 0, 1), x.Rank > 1 ? CallContext.Range(x, 1, 2) : SizeExpr.Of(1),
            x.Rank > 2 ? CallContext.Range(x, 2, x.Rank) : SizeExpr.Of(1), CallArg.Float(args.Momentum), CallArg.Float(args.Eps));
    }

    /// <summary>y = x·scale + shift per channel; the statistics of a training pass (about 3 more per element) are not counted.</summary>
    protected override long Flops(BatchNorm2dArgs args, NodeInfo n) => 2 * Sizes.StaticCount(n.Shape);

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Inference mode: BatchNormalization with the running statistics (<c>bn.running_mean</c>, <c>bn.running_var</c>); without
    /// affine parameters the scale is 1 and the shift 0. <c>num_batches_tracked</c> is not exported (inference does not read it).</summary>
    protected override void Onnx(BatchNorm2dArgs args, OnnxContext o)
    {
        int channels = args.Features.Value;
        string scale = args.Affine ? o.Parameter("weight") : o.Filled("scale", channels, 1);
        string shift = args.Affine ? o.Parameter("bias") : o.Filled("shift", channels, 0);
        o.Op("BatchNormalization", new[] { o.Input(0), scale, shift, o.ModuleBuffer("running_mean"), o.ModuleBuffer("running_var") }, new[] { o.Output(0) },
            OnnxAttr.Float("epsilon", args.Eps), OnnxAttr.Float("momentum", 1 - args.Momentum));
    }
}
