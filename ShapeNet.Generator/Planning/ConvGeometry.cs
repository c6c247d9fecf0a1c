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

    /// <summary><c>in _conv2dDescN</c>: <c>Conv2dDesc(inC, H, W, outC, kh, kw, sh, sw, ph, pw, dh, dw, groups, activation)</c>, shared by
    /// the forward, the backward and the workspace size; the batch is passed beside it.</summary>
    public CallArg ConvDescriptor(string comment, CallArg activation) => CallArg.Descriptor("Conv2dDesc", comment, Batch,
        Channels, Height, Width, OutChannels, CallArg.Int(KernelH), CallArg.Int(KernelW), CallArg.Int(StrideH), CallArg.Int(StrideW),
        CallArg.Int(PadH), CallArg.Int(PadW), CallArg.Int(DilationH), CallArg.Int(DilationW), CallArg.Int(Groups), activation);

    /// <summary><c>in _pool2dDescN</c>: <c>Pool2dDesc(C, H, W, kh, kw, sh, sw, ph, pw, countIncludePad)</c>; the batch is passed beside it.</summary>
    public CallArg PoolDescriptor(string comment, bool countIncludePad = true) => CallArg.Descriptor("Pool2dDesc", comment, Batch,
        Channels, Height, Width, CallArg.Int(KernelH), CallArg.Int(KernelW), CallArg.Int(StrideH), CallArg.Int(StrideW), CallArg.Int(PadH), CallArg.Int(PadW),
        CallArg.Bool(countIncludePad));

    /// <summary><c>N, C, H·W</c> of an [N, C, H, W] value, as the per-plane calls (global pooling, batch norm) take them.</summary>
    public static IEnumerable<CallArg> PlaneArguments(Shape x) => new CallArg[]
    {
        CallContext.Range(x, 0, 1), x.Rank > 1 ? CallContext.Range(x, 1, 2) : SizeExpr.Of(1), x.Rank > 2 ? CallContext.Range(x, 2, x.Rank) : SizeExpr.Of(1),
    };
}
