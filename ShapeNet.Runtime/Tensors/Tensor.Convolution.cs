using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;

namespace ShapeNet;

// Convolution and pooling over NCHW tensors, run in the CPU backend's span kernels (Backends/Cpu/Convolution.cs,
// Pooling.cs), so eager and compiled code share arithmetic.
public sealed partial class Tensor
{
    /// <summary>Max pooling of x [N, C, H, W] with a square window (PyTorch's <c>max_pool2d</c>, ceil_mode = false);
    /// <paramref name="stride"/> 0 means the kernel size.</summary>
    public Tensor MaxPool2d(int kernel, int stride = 0, int padding = 0)
    {
        (int n, int c, int h, int w) = Nchw("MaxPool2d");
        if (stride == 0) stride = kernel;
        int oh = CpuPooling.OutputSize(h, kernel, stride, padding, "height"), ow = CpuPooling.OutputSize(w, kernel, stride, padding, "width");
        Tensor result = Empty(n, c, oh, ow);
        var indices = new float[result.Numel];
        CpuPooling.MaxPool2d_Forward(result._data, indices, _data, n, c, h, w, kernel, kernel, stride, stride, padding, padding);
        return result;
    }

    /// <summary>Average pooling of x [N, C, H, W] with a square window (PyTorch's <c>avg_pool2d</c>, ceil_mode = false);
    /// <paramref name="stride"/> 0 means the kernel size.</summary>
    public Tensor AvgPool2d(int kernel, int stride = 0, int padding = 0, bool countIncludePad = true)
    {
        (int n, int c, int h, int w) = Nchw("AvgPool2d");
        if (stride == 0) stride = kernel;
        int oh = CpuPooling.OutputSize(h, kernel, stride, padding, "height"), ow = CpuPooling.OutputSize(w, kernel, stride, padding, "width");
        Tensor result = Empty(n, c, oh, ow);
        CpuPooling.AvgPool2d_Forward(result._data, _data, n, c, h, w, kernel, kernel, stride, stride, padding, padding, countIncludePad);
        return result;
    }

    /// <summary>The mean of each plane of x [N, C, H, W]: [N, C, 1, 1] (PyTorch's <c>adaptive_avg_pool2d(x, 1)</c>).</summary>
    public Tensor GlobalAvgPool()
    {
        (int n, int c, int h, int w) = Nchw("GlobalAvgPool");
        Tensor result = Empty(n, c, 1, 1);
        CpuPooling.GlobalAvgPool_Forward(result._data, _data, n, c, h * w);
        return result;
    }

    /// <summary>2-D convolution of x [N, inC, H, W] with weight [outC, inC/groups, kH, kW] and an optional bias [outC].</summary>
    internal static Tensor Conv2dForward(Tensor input, Tensor weight, Tensor? bias, int strideH, int strideW, int padH, int padW,
        int dilationH, int dilationW, int groups)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 4)
            throw new ArgumentException($"A Conv2d weight is [out, in/groups, kH, kW], got {ShapeText(weight._shape)}.", nameof(weight));
        int outC = weight._shape[0], kh = weight._shape[2], kw = weight._shape[3];
        int inC = weight._shape[1] * groups;
        if (input.Rank != 4 || input._shape[1] != inC)
            throw new ArgumentException($"Conv2d({inC}, {outC}) expects inputs [N, {inC}, H, W], got {ShapeText(input._shape)}.", nameof(input));
        var g = new Conv2dGeometry(input._shape[0], inC, input._shape[2], input._shape[3], outC, kh, kw,
            strideH, strideW, padH, padW, dilationH, dilationW, groups);
        Tensor result = Empty(g.Batch, outC, g.OutHeight, g.OutWidth);
        var workspace = new float[CpuConvolution.WorkspaceLength(g)];
        CpuConvolution.Conv2d_Forward(result._data, input._data, weight._data, bias is null ? default : bias._data, workspace, g, UnaryOp.Identity);
        return result;
    }

    private (int N, int C, int H, int W) Nchw(string op)
    {
        if (Rank != 4) throw new ArgumentException($"{op} expects a tensor [N, C, H, W], got {ShapeText(_shape)}.");
        return (_shape[0], _shape[1], _shape[2], _shape[3]);
    }
}
