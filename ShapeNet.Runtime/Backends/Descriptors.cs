namespace ShapeNet.Backends;

// Operation descriptors: the static configuration of one op (everything but the batch, which each call passes, since
// the last batch of an epoch may be partial). A plan creates one per op as a readonly field when it is built, calls
// IBackend.Prepare on it once, and passes it by reference (`in`) at every step, so a step allocates nothing and a
// device backend can key what it creates once (cuDNN tensor, filter and convolution descriptors, the chosen algorithm)
// on the descriptor's value. Each constructor validates its sizes and computes its derived lengths with checked
// arithmetic, so a bad configuration fails when the plan is built, naming the value, not inside a kernel.

/// <summary>
/// A 2-D convolution on NCHW input (PyTorch's <c>nn.Conv2d</c>): one sample's input [inC, H, W], the weight
/// [outC, inC/groups, kH, kW], the window, and the activation the forward fuses after the bias (Identity or Relu).
/// </summary>
public readonly record struct Conv2dDesc
{
    /// <summary>Validates the values and computes the derived sizes (checked); throws an ArgumentException naming the descriptor.</summary>
    public Conv2dDesc(int inChannels, int inHeight, int inWidth, int outChannels, int kernelH, int kernelW,
        int strideH = 1, int strideW = 1, int padH = 0, int padW = 0, int dilationH = 1, int dilationW = 1, int groups = 1,
        UnaryOp activation = UnaryOp.Identity)
    {
        Descriptors.Positive("Conv2d", "inChannels", inChannels);
        Descriptors.Positive("Conv2d", "outChannels", outChannels);
        Descriptors.Positive("Conv2d", "groups", groups);
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Conv2d: groups {groups} must divide both inChannels {inChannels} and outChannels {outChannels}.", nameof(groups));
        if (activation is not (UnaryOp.Identity or UnaryOp.Relu))
            throw new ArgumentException($"Conv2d fuses Identity or Relu, not {activation}.", nameof(activation));
        (InChannels, InHeight, InWidth, OutChannels, KernelH, KernelW) = (inChannels, inHeight, inWidth, outChannels, kernelH, kernelW);
        (StrideH, StrideW, PadH, PadW, DilationH, DilationW, Groups, Activation) = (strideH, strideW, padH, padW, dilationH, dilationW, groups, activation);
        OutHeight = OutputSize(inHeight, kernelH, strideH, padH, dilationH, "height");
        OutWidth = OutputSize(inWidth, kernelW, strideW, padW, dilationW, "width");
        try
        {
            checked
            {
                InputLength = (long)inChannels * inHeight * inWidth;
                OutputLength = (long)outChannels * OutHeight * OutWidth;
                WeightLength = (int)((long)outChannels * (inChannels / groups) * kernelH * kernelW);
                _ = (int)((long)inHeight * inWidth);
                _ = (int)((long)OutHeight * OutWidth);
                _ = (int)((long)(inChannels / groups) * kernelH * kernelW * OutHeight * OutWidth);
            }
        }
        catch (OverflowException)
        {
            throw Descriptors.TooLarge(ToString(), "a plane, the weight or one group's im2col block has more than 2³¹ − 1 floats");
        }
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }
    /// <summary>Input height.</summary>
    public int InHeight { get; }
    /// <summary>Input width.</summary>
    public int InWidth { get; }
    /// <summary>Output channels.</summary>
    public int OutChannels { get; }
    /// <summary>Kernel height.</summary>
    public int KernelH { get; }
    /// <summary>Kernel width.</summary>
    public int KernelW { get; }
    /// <summary>Vertical stride.</summary>
    public int StrideH { get; }
    /// <summary>Horizontal stride.</summary>
    public int StrideW { get; }
    /// <summary>Zero padding above and below.</summary>
    public int PadH { get; }
    /// <summary>Zero padding left and right.</summary>
    public int PadW { get; }
    /// <summary>Vertical dilation.</summary>
    public int DilationH { get; }
    /// <summary>Horizontal dilation.</summary>
    public int DilationW { get; }
    /// <summary>Groups (each sees inC/groups input channels).</summary>
    public int Groups { get; }
    /// <summary>Applied by the forward after the bias; the backward takes the gradient of the pre-activation.</summary>
    public UnaryOp Activation { get; }
    /// <summary>Output height.</summary>
    public int OutHeight { get; }
    /// <summary>Output width.</summary>
    public int OutWidth { get; }
    /// <summary>Floats of one sample's input [inC, H, W].</summary>
    public long InputLength { get; }
    /// <summary>Floats of one sample's output [outC, outH, outW].</summary>
    public long OutputLength { get; }
    /// <summary>Floats of the weight [outC, inC/groups, kH, kW].</summary>
    public int WeightLength { get; }

    /// <summary>The geometry the span kernels (CPU and GPU) take, for <paramref name="batch"/> samples.</summary>
    public Cpu.Conv2dGeometry Geometry(int batch)
    {
        Descriptors.Batch("Conv2d", batch);
        return new Cpu.Conv2dGeometry(batch, InChannels, InHeight, InWidth, OutChannels, KernelH, KernelW, StrideH, StrideW, PadH, PadW,
            DilationH, DilationW, Groups);
    }

    /// <summary>Output height or width of a convolution: floor((size + 2·pad − dilation·(kernel − 1) − 1) / stride) + 1; throws
    /// when a size is not positive or the dilated kernel does not fit the padded input.</summary>
    public static int OutputSize(int size, int kernel, int stride, int pad, int dilation, string axis = "size")
        => Cpu.Conv2dGeometry.OutputSize(size, kernel, stride, pad, dilation, axis);

    /// <summary>The configuration as error messages and profiles show it.</summary>
    public override string ToString() =>
        $"Conv2d({InChannels}→{OutChannels}, {InHeight}×{InWidth}, kernel {KernelH}×{KernelW}, stride {StrideH}×{StrideW}, pad {PadH}×{PadW}" +
        $"{(DilationH != 1 || DilationW != 1 ? $", dilation {DilationH}×{DilationW}" : "")}{(Groups != 1 ? $", groups {Groups}" : "")}" +
        $"{(Activation != UnaryOp.Identity ? $", {Activation}" : "")})";
}

/// <summary>
/// 2-D max or average pooling on NCHW input: one sample's input [C, H, W] and the window (PyTorch's <c>ceil_mode = false</c>;
/// the padding at most half the kernel). <see cref="CountIncludePad"/> is average pooling's divisor rule (PyTorch's default
/// true); max pooling ignores it.
/// </summary>
public readonly record struct Pool2dDesc
{
    /// <summary>Validates the values and computes the derived sizes (checked); throws an ArgumentException naming the descriptor.</summary>
    public Pool2dDesc(int channels, int height, int width, int kernelH, int kernelW, int strideH, int strideW, int padH = 0, int padW = 0,
        bool countIncludePad = true)
    {
        Descriptors.Positive("Pool2d", "channels", channels);
        (Channels, Height, Width, KernelH, KernelW, StrideH, StrideW, PadH, PadW, CountIncludePad) =
            (channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, countIncludePad);
        OutHeight = OutputSize(height, kernelH, strideH, padH, "height");
        OutWidth = OutputSize(width, kernelW, strideW, padW, "width");
        try
        {
            checked
            {
                InputLength = (long)channels * height * width;
                OutputLength = (long)channels * OutHeight * OutWidth;
                _ = (int)((long)height * width);
            }
        }
        catch (OverflowException)
        {
            throw Descriptors.TooLarge(ToString(), "a plane has more than 2³¹ − 1 floats");
        }
    }

    /// <summary>Channels.</summary>
    public int Channels { get; }
    /// <summary>Input height.</summary>
    public int Height { get; }
    /// <summary>Input width.</summary>
    public int Width { get; }
    /// <summary>Kernel height.</summary>
    public int KernelH { get; }
    /// <summary>Kernel width.</summary>
    public int KernelW { get; }
    /// <summary>Vertical stride.</summary>
    public int StrideH { get; }
    /// <summary>Horizontal stride.</summary>
    public int StrideW { get; }
    /// <summary>Zero padding above and below.</summary>
    public int PadH { get; }
    /// <summary>Zero padding left and right.</summary>
    public int PadW { get; }
    /// <summary>Whether average pooling divides by the whole window, padding included (PyTorch's default).</summary>
    public bool CountIncludePad { get; }
    /// <summary>Output height.</summary>
    public int OutHeight { get; }
    /// <summary>Output width.</summary>
    public int OutWidth { get; }
    /// <summary>Floats of one sample's input [C, H, W].</summary>
    public long InputLength { get; }
    /// <summary>Floats of one sample's output [C, outH, outW] (and of max pooling's indices).</summary>
    public long OutputLength { get; }

    /// <summary>Output height or width of max and average pooling: floor((size + 2·pad − kernel) / stride) + 1; throws when a
    /// size is not positive, the padding is more than half the kernel or the kernel is larger than the padded input.</summary>
    public static int OutputSize(int size, int kernel, int stride, int pad, string axis = "size") => Cpu.CpuPooling.OutputSize(size, kernel, stride, pad, axis);

    /// <summary>The configuration as error messages and profiles show it.</summary>
    public override string ToString() =>
        $"Pool2d({Channels} channels, {Height}×{Width}, kernel {KernelH}×{KernelW}, stride {StrideH}×{StrideW}, pad {PadH}×{PadW}" +
        $"{(CountIncludePad ? "" : ", padding not counted")})";
}

/// <summary>
/// Batch normalisation over x viewed as [N, C, plane] (PyTorch's <c>nn.BatchNorm2d</c>; plane = H·W, or 1 for [N, C]):
/// the channels, the plane size, the running-statistics momentum and eps. Whether a pass trains is per call.
/// </summary>
public readonly record struct BatchNormDesc
{
    /// <summary>Validates the values and computes the derived sizes (checked); throws an ArgumentException naming the descriptor.</summary>
    public BatchNormDesc(int channels, int planeSize, float momentum = 0.1f, float eps = 1e-5f)
    {
        Descriptors.Positive("BatchNorm2d", "channels", channels);
        Descriptors.Positive("BatchNorm2d", "planeSize", planeSize);
        if (!(momentum >= 0f && momentum <= 1f))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "BatchNorm2d: the momentum must lie in [0, 1].");
        if (!(eps > 0f) || float.IsInfinity(eps))
            throw new ArgumentOutOfRangeException(nameof(eps), eps, "BatchNorm2d: eps must be positive and finite.");
        (Channels, PlaneSize, Momentum, Eps) = (channels, planeSize, momentum, eps);
        SampleLength = (long)channels * planeSize;
    }

    /// <summary>Channels.</summary>
    public int Channels { get; }
    /// <summary>Values per channel of one sample (H·W).</summary>
    public int PlaneSize { get; }
    /// <summary>Weight of the batch statistic in the running-statistics update.</summary>
    public float Momentum { get; }
    /// <summary>Added to the variance before the square root.</summary>
    public float Eps { get; }
    /// <summary>Floats of one sample [C, plane].</summary>
    public long SampleLength { get; }

    /// <summary>The configuration as error messages and profiles show it.</summary>
    public override string ToString() => $"BatchNorm({Channels} channels, plane {PlaneSize}, momentum {Momentum}, eps {Eps})";
}

/// <summary>
/// A fully connected layer y[rows, out] = act(x[rows, in]·Wᵀ + b): the feature counts and the activation the forward fuses
/// (Identity, Relu, Sigmoid or Tanh). The rows (the batch times any leading axes) are per call.
/// </summary>
public readonly record struct LinearDesc
{
    /// <summary>Validates the values and computes the derived sizes (checked); throws an ArgumentException naming the descriptor.</summary>
    public LinearDesc(int inFeatures, int outFeatures, UnaryOp activation = UnaryOp.Identity)
    {
        Descriptors.Positive("Linear", "inFeatures", inFeatures);
        Descriptors.Positive("Linear", "outFeatures", outFeatures);
        if (!Enum.IsDefined(activation)) throw new ArgumentOutOfRangeException(nameof(activation), activation, "Linear: unknown activation.");
        (InFeatures, OutFeatures, Activation) = (inFeatures, outFeatures, activation);
        WeightLength = (long)inFeatures * outFeatures <= int.MaxValue ? inFeatures * outFeatures
            : throw Descriptors.TooLarge(ToString(), "the weight has more than 2³¹ − 1 floats");
    }

    /// <summary>Input features.</summary>
    public int InFeatures { get; }
    /// <summary>Output features.</summary>
    public int OutFeatures { get; }
    /// <summary>Applied by the forward after the bias; the backward takes the gradient of the pre-activation.</summary>
    public UnaryOp Activation { get; }
    /// <summary>Floats of the weight [out, in].</summary>
    public int WeightLength { get; }

    /// <summary>The configuration as error messages and profiles show it.</summary>
    public override string ToString() => $"Linear({InFeatures}→{OutFeatures}{(Activation != UnaryOp.Identity ? $", {Activation}" : "")})";
}

/// <summary>Checks the descriptors share.</summary>
internal static class Descriptors
{
    public static void Positive(string op, string name, int value)
    {
        if (value < 1) throw new ArgumentOutOfRangeException(name, value, $"{op}: {name} must be at least 1, but it is {value}.");
    }

    /// <summary>A batch passed with a descriptor: at least 1.</summary>
    public static void Batch(string op, int batch)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, $"{op}: the batch must be at least 1, but it is {batch}.");
    }

    public static ArgumentException TooLarge(string desc, string what) => new($"{desc} is too large: {what}.");
}
