using System.Collections.Generic;
using System.Linq;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>Average pooling with a square window on [N, C, H, W]; the divisor counts the padding when
/// <c>countIncludePad</c> (PyTorch's default). dx (+)= dy spread over each window by the forward's divisor.</summary>
internal sealed class AvgPool2d : OpDefinition<Pool2dArgs>
{
    public override string Name => "AvgPool2d";

    public override IReadOnlyList<DslCall> Calls { get; } = new[]
    {
        Dsl.Call("AvgPool2d", a => new Pool2dArgs(a.Int("kernel"), a.Int("stride"), a.Int("padding"), a.Bool("countIncludePad")),
            Dsl.Tensor("x"), Dsl.Int("kernel"), Dsl.Int("stride", 0), Dsl.Int("padding", 0), Dsl.Bool("countIncludePad", true)),
    };

    protected override OpResult Infer(Pool2dArgs args, ShapeContext c) => args.Infer(Name, c);

    protected override Differentiation Gradient(Pool2dArgs args) => Differentiation.AllOperands;

    protected override void Plan(Pool2dArgs args, PlanContext p)
    {
        // The divisor is recomputed in the backward: nothing is saved.
    }

    protected override void Forward(Pool2dArgs args, ForwardContext f)
    {
        f.Comment(f.Header);
        f.Call("AvgPool2d_Forward", f.Output(0), f.Input(0), Geometry(args, f).PoolDescriptor(f.Text, args.CountIncludePad), Geometry(args, f).Batch);
    }

    protected override void Backward(Pool2dArgs args, BackwardContext b)
    {
        if (!b.Receives(0)) return;
        b.Comment($"d({b.InputText(0)}) {b.Assign(0)} d({b.Text}) spread over the windows: {b.InputShape(0)} <- {b.Shape}");
        b.CallWritingGradientOf(0, "AvgPool2d_Backward", b.InputGradient(0), b.OutputGradient(0),
            Geometry(args, b).PoolDescriptor(b.Text, args.CountIncludePad), Geometry(args, b).Batch, CallArg.Named("accumulate", b.Accumulate(0)));
    }

    /// <summary>kh·kw additions per output element.</summary>
    protected override long Flops(Pool2dArgs args, NodeInfo n) => (long)args.Kernel * args.Kernel * Sizes.StaticCount(n.Shape);

    private static ConvGeometry Geometry(Pool2dArgs args, NodeInfo n) => ConvGeometry.Pool(n.InputShape(0), args.Kernel, args.Stride, args.Padding);

    protected override void Onnx(Pool2dArgs args, OnnxContext o) => o.Unary("AveragePool", OnnxAttr.Int("count_include_pad", args.CountIncludePad ? 1 : 0),
        OnnxAttr.Ints("kernel_shape", args.Kernel, args.Kernel), OnnxAttr.Ints("pads", args.Padding, args.Padding, args.Padding, args.Padding),
        OnnxAttr.Ints("strides", args.Stride, args.Stride));
}
