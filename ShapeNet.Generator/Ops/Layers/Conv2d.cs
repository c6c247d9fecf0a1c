using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>The hyper-parameters of <c>[Conv2d(in, out, Kernel = k, Stride = s, Padding = p, Dilation = d, Groups = g, Bias = b)]</c>,
/// per axis.</summary>
internal sealed record Conv2dArgs(SizeArg In, SizeArg Out, int KernelH, int KernelW, int StrideH, int StrideW, int PadH, int PadW,
    int DilationH, int DilationW, int Groups, bool Bias) : OpArgs;

/// <summary>
/// PyTorch's <c>nn.Conv2d</c> on [N, C, H, W]: <c>weight [out, in/groups, kH, kW]</c> (kaiming-uniform), <c>bias [out]</c>
/// (±1/√fanIn, fanIn = in/groups·kH·kW). Every convolution shares one workspace (its length depends on the core count, so the
/// plan constructor computes it). A single Relu consumer is fused. Backward: dx (+)= the transposed convolution of dy (when x
/// receives one), dW (+)= dy ⋆ x, db (+)= Σ_{N,H,W} dy (a fused Relu was undone in place first).
/// </summary>
internal sealed class Conv2d : LayerDefinition<Conv2dArgs>
{
    private const string WorkspaceField = "_convWorkspace";

    public override string Name => "Conv2d";

    public override int TensorInputs => 1;

    public override string EagerClass => "global::ShapeNet.Conv2dLayer";

    public override bool HasTrainingMode => false;

    public override IReadOnlyCollection<string> FusibleActivations { get; } = new[] { "Relu" };

    /// <summary>The height/width properties override the square ones; a named <c>Kernel</c> is assigned after the constructor
    /// ran, so it wins over the positional one, as at run time. SN0009 for each invalid value.</summary>
    protected override Conv2dArgs? Bind(ILayerAttribute a)
    {
        SizeArg? inSize = a.Size(0, "in-channels");
        SizeArg? outSize = a.Size(1, "out-channels");
        if (inSize is null || outSize is null) return null;
        // A size still symbolic (the generic block's own declaration) is checked where the block is used.
        int inChannels = inSize.Value.IsBound ? inSize.Value.Value : 1, outChannels = outSize.Value.IsBound ? outSize.Value.Value : 1;
        int kernel = a.NamedInt("Kernel") ?? (a.PositionalCount > 2 ? a.Int(2) ?? 0 : 0);
        int kh = a.NamedInt("KernelHeight") ?? kernel, kw = a.NamedInt("KernelWidth") ?? kernel;
        int stride = a.NamedInt("Stride") ?? 1, padding = a.NamedInt("Padding") ?? 0, dilation = a.NamedInt("Dilation") ?? 1;
        int sh = a.NamedInt("StrideHeight") ?? stride, sw = a.NamedInt("StrideWidth") ?? stride;
        int ph = a.NamedInt("PaddingHeight") ?? padding, pw = a.NamedInt("PaddingWidth") ?? padding;
        int dh = a.NamedInt("DilationHeight") ?? dilation, dw = a.NamedInt("DilationWidth") ?? dilation;
        int groups = a.NamedInt("Groups") ?? 1;
        bool bias = a.NamedBool("Bias") ?? true;

        bool ok = true;
        void Check(bool valid, string problem)
        {
            if (valid) return;
            ok = false;
            a.Report(problem);
        }
        void Positive(string what, int value) => Check(value > 0, what + " must be positive, but it is " + value);
        void NotNegative(string what, int value) => Check(value >= 0, what + " must not be negative, but it is " + value);
        void Pair(string both, string height, string width, int h, int w, System.Action<string, int> check)
        {
            if (h == w) check(both, h);
            else
            {
                check(height, h);
                check(width, w);
            }
        }
        Pair("the kernel size (Kernel)", "the kernel height", "the kernel width", kh, kw, Positive);
        Pair("the stride", "the stride height", "the stride width", sh, sw, Positive);
        Pair("the padding", "the padding height", "the padding width", ph, pw, NotNegative);
        Pair("the dilation", "the dilation height", "the dilation width", dh, dw, Positive);
        Positive("groups", groups);
        if (ok && groups > 1 && (!inSize.Value.IsBound || !outSize.Value.IsBound))
            Check(false, $"groups must divide both channel counts, but they are a type parameter's size ({inSize.Value}, {outSize.Value}); use groups = 1 or literal channel counts");
        if (ok && (inChannels % groups != 0 || outChannels % groups != 0))
            Check(false, $"groups must divide both in-channels and out-channels, but {groups} does not divide " +
                (inChannels % groups != 0 && outChannels % groups != 0 ? $"{inChannels} and {outChannels}"
                    : (inChannels % groups != 0 ? inChannels : outChannels).ToString(CultureInfo.InvariantCulture)));
        return ok ? new Conv2dArgs(inSize.Value, outSize.Value, kh, kw, sh, sw, ph, pw, dh, dw, groups, bias) : null;
    }

    protected override IReadOnlyList<LayerTensor> Parameters(Conv2dArgs args)
    {
        int fanIn = args.In.IsBound ? args.In.Value / args.Groups * args.KernelH * args.KernelW : 0;
        SizeArg perGroup = args.In.IsBound ? SizeArg.Of(args.In.Value / args.Groups) : args.In;
        var list = new List<LayerTensor>
        {
            new("weight", "Weight", ShapeOf(args.Out, perGroup, SizeArg.Of(args.KernelH), SizeArg.Of(args.KernelW)), "kaiming_uniform", fanIn),
        };
        if (args.Bias) list.Add(new LayerTensor("bias", "Bias!", ShapeOf(args.Out), "uniform", fanIn));
        return list;
    }

    protected override IReadOnlyList<LayerTensor> Buffers(Conv2dArgs args) => new LayerTensor[0];

    protected override string EagerArguments(Conv2dArgs a, string init, string name) =>
        string.Join(", ", init, name, a.In.CSharp, a.Out.CSharp, I(a.KernelH), I(a.KernelW), I(a.StrideH), I(a.StrideW), I(a.PadH), I(a.PadW),
            I(a.DilationH), I(a.DilationW), I(a.Groups)) + ", bias: " + (a.Bias ? "true" : "false");

    protected override OpResult Infer(Conv2dArgs args, ShapeContext c)
    {
        if (!c.IsNchw(0)) return OpResult.Failure;
        Shape x = c.Shape(0);
        if (x[1].Size != args.In.Value)
            return c.Fail(DiagnosticDescriptors.ConvInChannels, c.LayerSizeFix(argument: 0, x[1]), c.Member, args.In.Value, c.OperandText(0), x[1].ToString(), x.ToNamedString());
        bool square = args.KernelH == args.KernelW && args.DilationH == args.DilationW;
        int? oh = OutputSize(c, "height", square, x[2].Size, args.KernelH, args.StrideH, args.PadH, args.DilationH);
        if (oh is null) return OpResult.Failure;
        int? ow = OutputSize(c, "width", square, x[3].Size, args.KernelW, args.StrideW, args.PadW, args.DilationW);
        if (ow is null) return OpResult.Failure;
        return OpResult.Of(args, Shape.Of(x[0], Dim.Of(args.Out.Value), Dim.Of(oh.Value), Dim.Of(ow.Value)));
    }

    /// <summary>floor((size + 2·pad − dilation·(kernel − 1) − 1) / stride) + 1, or null after SN0114 when it is not positive, or
    /// after SN0115 when the receptive field dilation·(kernel − 1) + 1 or the padded size does not fit the 32-bit sizes the
    /// kernels index with.</summary>
    private static int? OutputSize(ShapeContext c, string axis, bool square, int size, int kernel, int stride, int pad, int dilation)
    {
        string layer = c.Member.Length > 0 ? c.Member : c.Text;
        if ((long)dilation * (kernel - 1) + 1 > int.MaxValue)
        {
            c.Fail(DiagnosticDescriptors.SizeOverflow, layer, square ? "receptive field" : "receptive field " + axis,
                $"{N(dilation)}·{N(kernel - 1L)}+1");
            return null;
        }
        if (size + 2L * pad > int.MaxValue)
        {
            c.Fail(DiagnosticDescriptors.SizeOverflow, layer, "padded " + axis, $"{N(size)}+2·{N(pad)}");
            return null;
        }
        long numerator = size + 2L * pad - (long)dilation * (kernel - 1) - 1;
        long result = (numerator >= 0 ? numerator / stride : -((-numerator + stride - 1) / stride)) + 1;
        if (result > 0) return checked((int)result);
        string formula = $"floor(({size} + 2·{pad} − {dilation}·({kernel}−1) − 1)/{stride}) + 1 = {result}";
        c.Fail(DiagnosticDescriptors.ConvOutputSize, c.Text, axis, formula, c.OperandText(0), c.Shape(0).ToNamedString());
        return null;
    }

    protected override Differentiation Gradient(Conv2dArgs args) => Differentiation.AllOperands;

    protected override void Plan(Conv2dArgs args, PlanContext p) =>
        p.Workspace(WorkspaceField, "im2col columns and partial weight gradients, shared by every Conv2d", "the convolution workspace",
            CallContext.Backend("Conv2d_WorkspaceLength", Descriptor(args, p, p.FusedActivation), Geometry(args, p).Batch));

    protected override void Forward(Conv2dArgs args, ForwardContext f)
    {
        f.Comment($"{f.ResultText}: {f.ResultShape} <- {f.InputShape(0)}");
        f.Call("Conv2d_Forward", f.Result, f.Input(0), f.Parameter("weight"), f.OptionalParameter("bias"), f.Workspace(WorkspaceField),
            Descriptor(args, f, f.FusedActivation), Geometry(args, f).Batch);
    }

    protected override void Backward(Conv2dArgs args, BackwardContext b)
    {
        Shape x = b.InputShape(0);
        string bias = args.Bias ? "bias" : "no bias";
        string dx = b.Receives(0) ? $"d({b.InputText(0)}) {b.Assign(0)} convᵀ(d({b.Text}), W); " : "";
        b.Comment($"{dx}d({b.Path}.weight), d({b.Path}.{bias}): {x} <- {b.Shape}");
        b.Call("Conv2d_Backward", b.OptionalInputGradient(0), b.ParameterGradient("weight"), b.OptionalParameterGradient("bias"), b.OutputGradient(0),
            b.Input(0), b.Parameter("weight"), b.Workspace(WorkspaceField), Descriptor(args, b, b.FusedActivation), Geometry(args, b).Batch,
            CallArg.Named("accumulateDx", b.Accumulate(0)), CallArg.Named("accumulateParameters", b.ParameterAccumulate));
    }

    /// <summary>2·out·OH·OW·(in/groups)·kh·kw: every output element is a dot product over its group's window.</summary>
    protected override long Flops(Conv2dArgs args, NodeInfo n)
    {
        if (!n.HasParameter("weight")) return Sizes.StaticCount(n.Shape);
        long window = n.ParameterShape("weight").Dims.Skip(1).Where(d => d.IsStatic).Aggregate(1L, (a, d) => a * d.Size);
        return 2 * window * Sizes.StaticCount(n.Shape);
    }

    /// <summary>The node's <c>Conv2dDesc</c> (one per distinct convolution, a plan field).</summary>
    private static CallArg Descriptor(Conv2dArgs a, NodeInfo n, CallArg activation) => Geometry(a, n).ConvDescriptor(n.Text, activation);

    private static ConvGeometry Geometry(Conv2dArgs a, NodeInfo n)
    {
        Shape x = n.InputShape(0);
        return new ConvGeometry(ConvGeometry.Axis(x, 0), ConvGeometry.Axis(x, 1), ConvGeometry.Axis(x, 2), ConvGeometry.Axis(x, 3), SizeExpr.Of(a.Out.Value),
            a.KernelH, a.KernelW, a.StrideH, a.StrideW, a.PadH, a.PadW, a.DilationH, a.DilationW, a.Groups);
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Conv with PyTorch's weight layout [out, in/groups, kH, kW] (ONNX's too) and symmetric pads.</summary>
    protected override void Onnx(Conv2dArgs args, OnnxContext o) =>
        o.Op("Conv", new[] { o.Input(0), o.Parameter("weight"), o.OptionalParameter("bias") }.Where(n => n.Length > 0).ToArray(), new[] { o.Output(0) },
            OnnxAttr.Ints("dilations", args.DilationH, args.DilationW), OnnxAttr.Int("group", args.Groups),
            OnnxAttr.Ints("kernel_shape", args.KernelH, args.KernelW), OnnxAttr.Ints("pads", args.PadH, args.PadW, args.PadH, args.PadW),
            OnnxAttr.Ints("strides", args.StrideH, args.StrideW));
}
