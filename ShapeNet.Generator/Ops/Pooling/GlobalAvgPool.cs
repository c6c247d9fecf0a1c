using System.Collections.Generic;
using System.Linq;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>The output size asked of <c>AdaptiveAvgPool2d(x, outputSize)</c> (null for <c>GlobalAvgPool(x)</c>).</summary>
internal sealed record GlobalAvgPoolArgs(int? AdaptiveOutputSize) : OpArgs;

/// <summary>The mean of each channel plane: [N, C, H, W] → [N, C, 1, 1] (also <c>AdaptiveAvgPool2d(x, 1)</c>);
/// dx (+)= dy / (H·W) broadcast over each plane.</summary>
internal sealed class GlobalAvgPool : OpDefinition<GlobalAvgPoolArgs>
{
    public override string Name => "GlobalAvgPool";

    public override IReadOnlyList<DslCall> Calls { get; } = new[]
    {
        Dsl.Call("GlobalAvgPool", _ => new GlobalAvgPoolArgs(null), Dsl.Tensor("x")),
        Dsl.Call("AdaptiveAvgPool2d", a => new GlobalAvgPoolArgs(a.Int("outputSize")), Dsl.Tensor("x"), Dsl.Int("outputSize")),
    };

    protected override OpResult Infer(GlobalAvgPoolArgs args, ShapeContext c)
    {
        if (args.AdaptiveOutputSize is int size && size != 1)
            return c.Fail(DiagnosticDescriptors.WrongArguments, "AdaptiveAvgPool2d", c.Text,
                $"only outputSize 1 (a global average pool, [N, C, 1, 1]) is supported, but it is {size}");
        if (!c.IsNchw(0)) return OpResult.Failure;
        Shape x = c.Shape(0);
        return OpResult.Of(args, Shape.Of(x[0], x[1], Dim.Of(1), Dim.Of(1)));
    }

    protected override Differentiation Gradient(GlobalAvgPoolArgs args) => Differentiation.AllOperands;

    protected override void Plan(GlobalAvgPoolArgs args, PlanContext p)
    {
        // Nothing but the output.
    }

    protected override void Forward(GlobalAvgPoolArgs args, ForwardContext f)
    {
        f.Comment(f.Header);
        f.Call("GlobalAvgPool_Forward", new CallArg[] { f.Output(0), f.Input(0) }.Concat(ConvGeometry.PlaneArguments(f.InputShape(0))).ToArray());
    }

    protected override void Backward(GlobalAvgPoolArgs args, BackwardContext b)
    {
        if (!b.Receives(0)) return;
        Shape x = b.InputShape(0);
        b.Comment($"d({b.InputText(0)}) {b.Assign(0)} d({b.Text}) / (H·W) over each plane: {x} <- {b.Shape}");
        b.CallWritingGradientOf(0, "GlobalAvgPool_Backward", new CallArg[] { b.InputGradient(0), b.OutputGradient(0) }
            .Concat(ConvGeometry.PlaneArguments(x)).Append(CallArg.Named("accumulate", b.Accumulate(0))).ToArray());
    }

    /// <summary>One addition per input element.</summary>
    protected override long Flops(GlobalAvgPoolArgs args, NodeInfo n) => Sizes.StaticCount(n.InputShape(0));

    protected override void Onnx(GlobalAvgPoolArgs args, OnnxContext o) => o.Unary("GlobalAveragePool");
}
