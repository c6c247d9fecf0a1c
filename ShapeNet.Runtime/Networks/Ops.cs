using ShapeNet.Backends;

namespace ShapeNet;

/// <summary>
/// The ops a <c>[Forward]</c> or <c>[Differentiable]</c> body is written with. Called directly they run
/// eagerly on host tensors (no gradients): that is the oracle the generated code is tested against. The
/// generator reads the same calls and compiles them. Every generated network derives from
/// <see cref="Module"/> and so sees these names unqualified; elsewhere use <c>using static ShapeNet.Ops;</c>.
/// Op arguments other than tensors (axes, exponents, reductions) must be compile-time constants.
/// </summary>
public abstract class Ops
{
    private protected Ops()
    {
    }

    private static Tensor NotNull(Tensor x, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(x))] string? name = null) =>
        x ?? throw new ArgumentNullException(name);

    // activations and element-wise functions
    /// <summary><c>max(x, 0)</c> element-wise.</summary>
    public static Tensor Relu(Tensor x) => x.Relu();
    /// <summary><c>1 / (1 + e^−x)</c> element-wise.</summary>
    public static Tensor Sigmoid(Tensor x) => x.Sigmoid();
    /// <summary>The hyperbolic tangent element-wise.</summary>
    public static Tensor Tanh(Tensor x) => x.Tanh();
    /// <summary><c>e^x</c> element-wise.</summary>
    public static Tensor Exp(Tensor x) => x.Exp();
    /// <summary>The natural logarithm element-wise.</summary>
    public static Tensor Log(Tensor x) => x.Log();
    /// <summary>The absolute value element-wise.</summary>
    public static Tensor Abs(Tensor x) => x.Abs();
    /// <summary>The square root element-wise.</summary>
    public static Tensor Sqrt(Tensor x) => x.Sqrt();
    /// <summary><c>x^exponent</c> element-wise, with a constant <paramref name="exponent"/>.</summary>
    public static Tensor Pow(Tensor x, double exponent) => x.Pow(exponent);
    /// <summary><c>x</c> where x &gt; 0, else <c>negativeSlope·x</c> (PyTorch's <c>F.leaky_relu</c>).</summary>
    public static Tensor LeakyRelu(Tensor x, double negativeSlope = 0.01) => NotNull(x).Unary(UnaryOp.LeakyRelu, (float)negativeSlope);
    /// <summary><c>x</c> where x &gt; 0, else <c>alpha·(eˣ − 1)</c> (PyTorch's <c>F.elu</c>).</summary>
    public static Tensor Elu(Tensor x, double alpha = 1.0) => NotNull(x).Unary(UnaryOp.Elu, (float)alpha);
    /// <summary><c>x·Φ(x)</c> with Φ the standard normal CDF, through erf (<paramref name="approximate"/> <c>"none"</c>) or
    /// PyTorch's tanh approximation (<c>"tanh"</c>) (PyTorch's <c>F.gelu</c>).</summary>
    public static Tensor Gelu(Tensor x, string approximate = "none") => NotNull(x).Unary(approximate switch
    {
        "none" => UnaryOp.Gelu,
        "tanh" => UnaryOp.GeluTanh,
        _ => throw new ArgumentException($"Gelu's approximate must be \"none\" or \"tanh\", but it is \"{approximate}\".", nameof(approximate)),
    });
    /// <summary><c>x·σ(x)</c>, the swish (PyTorch's <c>F.silu</c>).</summary>
    public static Tensor Silu(Tensor x) => NotNull(x).Unary(UnaryOp.Silu);
    /// <summary><c>log(1 + e^(beta·x))/beta</c>, and <c>x</c> where <c>beta·x &gt; threshold</c> (PyTorch's <c>F.softplus</c>).</summary>
    public static Tensor Softplus(Tensor x, double beta = 1.0, double threshold = 20.0) => beta != 0
        ? NotNull(x).Unary(UnaryOp.Softplus, (float)beta, (float)threshold)
        : throw new ArgumentOutOfRangeException(nameof(beta), beta, "Softplus's beta must not be 0.");
    /// <summary><c>x</c> clamped to [<paramref name="minVal"/>, <paramref name="maxVal"/>] (PyTorch's <c>F.hardtanh</c>).</summary>
    public static Tensor Hardtanh(Tensor x, double minVal = -1.0, double maxVal = 1.0) => minVal <= maxVal
        ? NotNull(x).Unary(UnaryOp.Hardtanh, (float)minVal, (float)maxVal)
        : throw new ArgumentException($"Hardtanh's minVal ({minVal}) must not be greater than maxVal ({maxVal}).", nameof(minVal));

    /// <summary>The same values, cut from the gradient (PyTorch's <c>detach()</c>).</summary>
    public static Tensor Detach(Tensor x) => x.Detach();

    // softmax
    /// <summary>The softmax along <paramref name="axis"/> (negative counts from the end): each slice sums to 1.</summary>
    public static Tensor Softmax(Tensor x, int axis) => x.Softmax(axis);
    /// <summary>The logarithm of the softmax along <paramref name="axis"/>, computed stably.</summary>
    public static Tensor LogSoftmax(Tensor x, int axis) => x.LogSoftmax(axis);

    // shape
    /// <summary>Flattens axes <paramref name="startDim"/>.. into one (PyTorch's <c>flatten(x, 1)</c> by default).</summary>
    public static Tensor Flatten(Tensor x, int startDim = 1) => x.Flatten(startDim);
    /// <summary>Reshapes; one size may be −1 (inferred). In a network, −1 may stand for the batch.</summary>
    public static Tensor Reshape(Tensor x, params int[] shape) => x.Reshape(shape);
    /// <summary>Swaps the last two axes (a matrix transpose for rank 2).</summary>
    public static Tensor Transpose(Tensor x) => x.Transpose(-2, -1);
    /// <summary>Swaps axes <paramref name="dim0"/> and <paramref name="dim1"/> (negative counts from the end).</summary>
    public static Tensor Transpose(Tensor x, int dim0, int dim1) => x.Transpose(dim0, dim1);
    /// <summary>Concatenates along <paramref name="axis"/>; the other axes must agree (PyTorch's <c>torch.cat</c>).</summary>
    public static Tensor Concat(Tensor[] tensors, int axis = 0) => Tensor.Cat(tensors, axis);

    /// <summary>Cuts x along <paramref name="dim"/> into chunks of ⌈n / chunks⌉ (PyTorch's <c>torch.chunk</c>; the last may be smaller,
    /// and there may be fewer). Deconstruct the result: <c>var (a, b) = Chunk(x, 2, 1);</c>.</summary>
    public static TensorTuple Chunk(Tensor x, int chunks, int dim = 0) => x.Chunk(chunks, dim);
    /// <summary>Cuts x along <paramref name="dim"/> into parts of <paramref name="sizes"/>, which add up to its size (PyTorch's
    /// <c>torch.split</c> with a list): <c>var (a, b) = Split(x, [2, 6], 1);</c>.</summary>
    public static TensorTuple Split(Tensor x, int[] sizes, int dim = 0) => x.Split(sizes, dim);
    /// <summary>Cuts x along <paramref name="dim"/> into parts of <paramref name="splitSize"/>, the last smaller (PyTorch's
    /// <c>torch.split</c> with an int).</summary>
    public static TensorTuple Split(Tensor x, int splitSize, int dim = 0) => x.Split(splitSize, dim);
    /// <summary>The <paramref name="k"/> largest (or smallest) elements along <paramref name="dim"/>, sorted, and their positions as
    /// a float tensor of whole numbers (PyTorch's <c>torch.topk</c>): <c>var (values, indices) = TopK(x, 3, 1);</c>.</summary>
    public static (Tensor Values, Tensor Indices) TopK(Tensor x, int k, int dim = -1, bool largest = true) => x.TopK(k, dim, largest);

    // convolution family (x is [N, C, H, W]; stride 0 means the kernel size, PyTorch's default)
    /// <summary>Max pooling with a square window: [N, C, H, W] → [N, C, OH, OW], OH = floor((H + 2·padding − kernel)/stride) + 1.</summary>
    public static Tensor MaxPool2d(Tensor x, int kernel, int stride = 0, int padding = 0) => x.MaxPool2d(kernel, stride, padding);
    /// <summary>Average pooling with a square window; the divisor counts padding when <paramref name="countIncludePad"/>.</summary>
    public static Tensor AvgPool2d(Tensor x, int kernel, int stride = 0, int padding = 0, bool countIncludePad = true) =>
        x.AvgPool2d(kernel, stride, padding, countIncludePad);
    /// <summary>PyTorch's <c>adaptive_avg_pool2d</c>; only <paramref name="outputSize"/> 1 (the global average, [N, C, 1, 1]) is supported.</summary>
    public static Tensor AdaptiveAvgPool2d(Tensor x, int outputSize) => outputSize == 1
        ? x.GlobalAvgPool()
        : throw new ArgumentException($"AdaptiveAvgPool2d supports only outputSize 1 (a global average), not {outputSize}.", nameof(outputSize));
    /// <summary>The mean of each channel plane: [N, C, H, W] → [N, C, 1, 1].</summary>
    public static Tensor GlobalAvgPool(Tensor x) => x.GlobalAvgPool();
    /// <summary>Inverted dropout with drop probability <paramref name="p"/>. This static form has no module and so no training
    /// mode: it is the identity (inference semantics). Inside a network, <see cref="Module.Dropout"/> follows
    /// <see cref="Module.Training"/>, and a compiled plan applies it in training steps.</summary>
    public static Tensor Dropout(Tensor x, double p) => p is >= 0 and < 1
        ? x
        : throw new ArgumentOutOfRangeException(nameof(p), p, "Dropout's p must be in [0, 1).");

    // indexing
    /// <summary>One entry per row: <c>x[i, indices[i]]</c> for <paramref name="x"/> [N, C] and class indices [N] stored as floats,
    /// a tensor [N] (PyTorch's <c>x[range(n), y]</c>, or <c>x.gather(1, y[:, None]).squeeze(1)</c>). An index that is not an
    /// integer in [0, C) throws, naming the value, its row and C.</summary>
    public static Tensor Pick(Tensor x, Tensor indices)
    {
        int[] shape = NotNull(x).Shape, indexShape = NotNull(indices).Shape;
        if (shape.Length != 2 || indexShape.Length != 1 || indexShape[0] != shape[0])
            throw new ArgumentException($"Pick takes x [N, C] and indices [N], one per row, but x is {Tensor.ShapeText(shape)} and indices is " +
                $"{Tensor.ShapeText(indexShape)}.", nameof(indices));
        var picked = new float[shape[0]];
        Backends.Cpu.CpuPick.Pick_Forward(picked, x.Data, indices.Data, shape[0], shape[1]);
        return new Tensor(picked, shape[0]);
    }

    // linear algebra
    /// <summary>torch.matmul for ranks 1–2, and batched for rank ≥ 3 with equal batch dims.</summary>
    public static Tensor MatMul(Tensor a, Tensor b) => a.MatMul(b);
    /// <summary>Inner product of two vectors: a scalar tensor.</summary>
    public static Tensor Dot(Tensor a, Tensor b) => a.Dot(b);

    // reductions
    /// <summary>The sum of all elements: a scalar tensor.</summary>
    public static Tensor Sum(Tensor x) => x.Sum();
    /// <summary>The sum over <paramref name="axis"/>, which is kept with size 1 when <paramref name="keepDim"/>.</summary>
    public static Tensor Sum(Tensor x, int axis, bool keepDim = false) => x.Sum(axis, keepDim);
    /// <summary>The sum over several <paramref name="axes"/>, kept with size 1 when <paramref name="keepDim"/>.</summary>
    public static Tensor Sum(Tensor x, int[] axes, bool keepDim = false) => x.Sum(axes, keepDim);
    /// <summary>The mean of all elements: a scalar tensor.</summary>
    public static Tensor Mean(Tensor x) => x.Mean();
    /// <summary>The mean over <paramref name="axis"/>, which is kept with size 1 when <paramref name="keepDim"/>.</summary>
    public static Tensor Mean(Tensor x, int axis, bool keepDim = false) => x.Mean(axis, keepDim);
    /// <summary>The mean over several <paramref name="axes"/>, kept with size 1 when <paramref name="keepDim"/>.</summary>
    public static Tensor Mean(Tensor x, int[] axes, bool keepDim = false) => x.Mean(axes, keepDim);

    // losses (input first, then target; class indices as floats for CrossEntropy / Nll)
    /// <summary>PyTorch's <c>F.one_hot(ids, classes)</c> as floats: integer ids [...] → [..., classes]; an id outside [0, classes)
    /// is an error naming it, its position and the limit.</summary>
    public static Tensor OneHot(IntTensor ids, int classes)
    {
        ArgumentNullException.ThrowIfNull(ids);
        int[] shape = [.. ids.Shape, classes];
        var y = new float[Tensor.ElementCount(shape)];
        Backends.Cpu.CpuEmbedding.OneHot_Forward(y, ids.Data, classes);
        return new Tensor(y, shape);
    }

    /// <summary>Mean squared error <c>(input − target)²</c>, reduced over all elements (PyTorch's <c>F.mse_loss</c>).</summary>
    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) => Losses.Mse(input, target, reduction);
    /// <summary>Binary cross-entropy of probabilities <paramref name="input"/> in (0, 1) against 0/1 targets (<c>F.binary_cross_entropy</c>).</summary>
    public static Tensor BceLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) => Losses.Bce(input, target, reduction);
    /// <summary>Binary cross-entropy of logits (a sigmoid folded in, numerically stable; <c>F.binary_cross_entropy_with_logits</c>).</summary>
    public static Tensor BceWithLogitsLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) => Losses.BceWithLogits(input, target, reduction);
    /// <summary>Cross-entropy of logits <c>[N, classes]</c> against class indices <c>[N]</c> stored as floats (<c>F.cross_entropy</c>).</summary>
    public static Tensor CrossEntropyLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) => Losses.CrossEntropy(input, target, reduction);
    /// <summary>Negative log-likelihood of log-probabilities <c>[N, classes]</c> against class indices <c>[N]</c> (<c>F.nll_loss</c>).</summary>
    public static Tensor NllLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) => Losses.Nll(input, target, reduction);
}
