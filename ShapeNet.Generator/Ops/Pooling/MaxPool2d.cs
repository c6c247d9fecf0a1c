using System.Collections.Generic;
using System.Linq;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>Max pooling with a square window on [N, C, H, W]: the argmax of each window is kept in an <c>indices</c>
/// buffer; dx (+)= dy scattered to those positions.</summary>
internal sealed class MaxPool2d : OpDefinition<Pool2dArgs>
{
    public override string Name => "MaxPool2d";

    public override IReadOnlyList<DslCall> Calls { get; } = new[]
    {
        Dsl.Call("MaxPool2d", a => new Pool2dArgs(a.Int("kernel"), a.Int("stride"), a.Int("padding")),
            Dsl.Tensor("x"), Dsl.Int("kernel"), Dsl.Int("stride", 0), Dsl.Int("padding", 0)),
    };

    protected override OpResult Infer(Pool2dArgs args, ShapeContext c) => args.Infer(Name, c);

    protected override Differentiation Gradient(Pool2dArgs args) => Differentiation.AllOperands;

    protected override void Plan(Pool2dArgs args, PlanContext p) => p.Auxiliary("indices", p.Shape);

    protected override void Forward(Pool2dArgs args, ForwardContext f)
    {
        f.Comment(f.Header);
        f.Call("MaxPool2d_Forward", f.Output(0), f.Auxiliary("indices"), f.Input(0), Geometry(args, f).PoolDescriptor(f.Text), Geometry(args, f).Batch);
    }

    protected override void Backward(Pool2dArgs args, BackwardContext b)
    {
        if (!b.Receives(0)) return;
        b.Comment($"d({b.InputText(0)}) {b.Assign(0)} d({b.Text}) scattered to the maxima: {b.InputShape(0)} <- {b.Shape}");
        b.CallWritingGradientOf(0, "MaxPool2d_Backward", b.InputGradient(0), b.OutputGradient(0), b.Auxiliary("indices"),
            Geometry(args, b).PoolDescriptor(b.Text), Geometry(args, b).Batch, CallArg.Named("accumulate", b.Accumulate(0)));
    }

    /// <summary>kh·kw comparisons per output element.</summary>
    protected override long Flops(Pool2dArgs args, NodeInfo n) => (long)args.Kernel * args.Kernel * Sizes.StaticCount(n.Shape);

    private static ConvGeometry Geometry(Pool2dArgs args, NodeInfo n) => ConvGeometry.Pool(n.InputShape(0), args.Kernel, args.Stride, args.Padding);

    /// <summary>MaxPool pads with −∞, as PyTorch does.</summary>
    protected override void Onnx(Pool2dArgs args, OnnxContext o) => o.Unary("MaxPool", OnnxAttr.Ints("kernel_shape", args.Kernel, args.Kernel),
        OnnxAttr.Ints("pads", args.Padding, args.Padding, args.Padding, args.Padding), OnnxAttr.Ints("strides", args.Stride, args.Stride));
}
