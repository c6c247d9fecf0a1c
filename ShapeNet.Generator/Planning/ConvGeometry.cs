using System.Globalization;
using ShapeNet.Generator.Model;

namespace ShapeNet.Generator.Planning;

/// <summary>The sizes of a Conv2d or 2-D pooling node as C# expressions (the batch dim is the batch variable), from its
/// input shape [N, C, H, W] and its canonical args (<c>kh kw sh sw ph pw dh dw groups</c>; absent strides default to the
/// kernel for pooling and 1 for a convolution, absent paddings to 0, dilations and groups to 1).</summary>
internal sealed record ConvGeometry(string Batch, string Channels, string Height, string Width, string OutChannels,
    string KernelH, string KernelW, string StrideH, string StrideW, string PadH, string PadW, string DilationH, string DilationW, string Groups)
{
    public static ConvGeometry For(CompiledNode node, Shape input, string batch)
    {
        bool conv = node.Op == "Conv2d";
        string kh = Int(node, "kh", "1"), kw = Int(node, "kw", kh);
        string sh = Int(node, "sh", conv ? "1" : kh), sw = Int(node, "sw", conv ? "1" : kw);
        string Dim(int axis) => input.Rank > axis ? Sizes.Range(input, axis, axis + 1, batch) : "1";
        string outChannels = conv ? Int(node, "out", node.Shape.Rank > 1 ? Sizes.Range(node.Shape, 1, 2, batch) : "1") : Dim(1);
        return new ConvGeometry(Dim(0), Dim(1), Dim(2), Dim(3), outChannels, kh, kw, sh, sw,
            Int(node, "ph", "0"), Int(node, "pw", Int(node, "ph", "0")), Int(node, "dh", "1"), Int(node, "dw", Int(node, "dh", "1")),
            Int(node, "groups", "1"));
    }

    /// <summary><c>batch, inC, H, W, outC, kh, kw, sh, sw, ph, pw, dh, dw, groups</c> as Conv2d_Forward/Backward take them.</summary>
    public string ConvArguments => string.Join(", ", Batch, Channels, Height, Width, OutChannels, KernelH, KernelW, StrideH, StrideW, PadH, PadW, DilationH, DilationW, Groups);

    /// <summary><c>batch, C, H, W, kh, kw, sh, sw, ph, pw</c> as the pooling calls take them.</summary>
    public string PoolArguments => string.Join(", ", Batch, Channels, Height, Width, KernelH, KernelW, StrideH, StrideW, PadH, PadW);

    private static string Int(CompiledNode node, string name, string fallback)
    {
        string? text = node.Arg(name);
        return text is not null && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) ? Sizes.Literal(value) : fallback;
    }
}
