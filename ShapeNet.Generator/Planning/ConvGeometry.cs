using System.Collections.Generic;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Model;

namespace ShapeNet.Generator.Planning;

/// <summary>The sizes of a Conv2d or 2-D pooling node: the input [N, C, H, W] (N may be the batch) and the window.</summary>
internal sealed record ConvGeometry(SizeExpr Batch, SizeExpr Channels, SizeExpr Height, SizeExpr Width, SizeExpr OutChannels,
    int KernelH, int KernelW, int StrideH, int StrideW, int PadH, int PadW, int DilationH, int DilationW, int Groups)
{
    /// <summary>A 2-D pooling window over <paramref name="input"/>.</summary>
    public static ConvGeometry Pool(Shape input, int kernel, int stride, int padding) =>
        new(Axis(input, 0), Axis(input, 1), Axis(input, 2), Axis(input, 3), Axis(input, 1), kernel, kernel, stride, stride, padding, padding, 1, 1, 1);

    public static SizeExpr Axis(Shape shape, int axis) => shape.Rank > axis ? CallContext.Range(shape, axis, axis + 1) : SizeExpr.Of(1);

    /// <summary><c>batch, inC, H, W, outC, kh, kw, sh, sw, ph, pw, dh, dw, groups</c> as Conv2d_Forward/Backward take them.</summary>
    public IEnumerable<CallArg> ConvArguments => new CallArg[]
    {
        Batch, Channels, Height, Width, OutChannels, CallArg.Int(KernelH), CallArg.Int(KernelW), CallArg.Int(StrideH), CallArg.Int(StrideW),
        CallArg.Int(PadH), CallArg.Int(PadW), CallArg.Int(DilationH), CallArg.Int(DilationW), CallArg.Int(Groups),
    };

    /// <summary><c>batch, C, H, W, kh, kw, sh, sw, ph, pw</c> as the pooling calls take them.</summary>
    public IEnumerable<CallArg> PoolArguments => new CallArg[]
    {
        Batch, Channels, Height, Width, CallArg.Int(KernelH), CallArg.Int(KernelW), CallArg.Int(StrideH), CallArg.Int(StrideW), CallArg.Int(PadH), CallArg.Int(PadW),
    };

    /// <summary><c>N, C, H·W</c> of an [N, C, H, W] value, as the per-plane calls (global pooling, batch norm) take them.</summary>
    public static IEnumerable<CallArg> PlaneArguments(Shape x) => new CallArg[]
    {
        CallContext.Range(x, 0, 1), x.Rank > 1 ? CallContext.Range(x, 1, 2) : SizeExpr.Of(1), x.Rank > 2 ? CallContext.Range(x, 2, x.Rank) : SizeExpr.Of(1),
    };
}
