using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;

namespace ShapeNet.Generator.Ops;

/// <summary>A square pooling window as written (<see cref="Stride"/> 0 means the kernel, PyTorch's default) and, after
/// inference, with the stride filled; <see cref="CountIncludePad"/> matters to average pooling only.</summary>
internal sealed record Pool2dArgs(int Kernel, int Stride, int Padding, bool CountIncludePad = true) : OpArgs
{
    /// <summary>The shape rule of 2-D pooling on [N, C, H, W]: floor((size + 2·padding − kernel)/stride) + 1 per axis; the
    /// padding at most half the kernel (PyTorch's rule); SN0113 when the window is larger than the padded input.</summary>
    public OpResult Infer(string op, ShapeContext c)
    {
        string? problem = Kernel <= 0 ? $"the kernel must be positive, but it is {Kernel}"
            : Stride < 0 ? $"the stride must be positive (or 0 for the kernel size), but it is {Stride}"
            : Padding < 0 ? $"the padding must not be negative, but it is {Padding}"
            : 2 * (long)Padding > Kernel ? $"the padding must be at most half the kernel, but it is {Padding} for a kernel of {Kernel}"
            : null;
        if (problem is not null) return c.Fail(DiagnosticDescriptors.WrongArguments, op, c.Text, problem);
        int stride = Stride == 0 ? Kernel : Stride;
        if (!c.IsNchw(0)) return OpResult.Failure;
        Shape x = c.Shape(0);
        var outSizes = new int[2];
        for (int i = 0; i < 2; i++)
        {
            int size = x[2 + i].Size;
            long padded = size + 2L * Padding;
            if (padded < Kernel)
                return c.Fail(DiagnosticDescriptors.PoolWindowTooLarge, c.Text, Kernel, i == 0 ? "height" : "width", size, Padding, padded, c.OperandText(0), x.ToNamedString());
            outSizes[i] = checked((int)((padded - Kernel) / stride + 1));
        }
        return OpResult.Of(this with { Stride = stride }, Shape.Of(x[0], x[1], Dim.Of(outSizes[0]), Dim.Of(outSizes[1])));
    }
}
