namespace ShapeNet;

/// <summary>
/// Marks a <c>partial class</c> as a network: its layer properties and its <see cref="ForwardAttribute"/>
/// method are compiled by the ShapeNet generator into shape-checked forward, backward and train-step code.
/// </summary>
/// <remarks>
/// The generator derives the class from <c>ShapeNet.Module</c> (so the ops, <c>Relu</c>, <c>Softmax</c>, …, are in scope),
/// implements the layer properties, and adds a constructor taking a seed, <c>Summary</c> and <c>CreatePlan(batchCapacity)</c>.
/// A shape mistake in the forward body is a compile error (SN01xx) at the offending expression.
/// </remarks>
/// <example>
/// <code>
/// [Dim(784)] public partial struct Pixels;
/// [Dim(10)]  public partial struct Digits;
///
/// [Network]
/// public partial class Mlp
/// {
///     [Linear(784, 128)] partial Linear Fc1 { get; }
///     [Linear(128, 10)]  partial Linear Fc2 { get; }
///
///     [Forward]
///     public Tensor&lt;Batch, Digits&gt; Forward(Tensor&lt;Batch, Pixels&gt; x)
///     {
///         var h = Relu(Fc1(x));
///         return Fc2(h);
///     }
/// }
///
/// var model = new Mlp(seed: 0);
/// using Mlp.Plan plan = model.CreatePlan(batchCapacity: 64);
/// plan.Configure(Loss.CrossEntropy(), new Sgd(0.01f, momentum: 0.5f));
/// plan.TrainStep(features, labels, batch: 64);
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NetworkAttribute : Attribute
{
}

/// <summary>The network's forward method: typed parameters and return, a plain C# body.</summary>
/// <remarks>Intermediates are <c>var</c> (rank-erased tensors); the generator infers and checks each one's shape. Called
/// directly, the body runs eagerly (slow, no gradients): the reference the generated plan is tested against.</remarks>
/// <example>
/// <code>
/// [Forward]
/// public Tensor&lt;Batch, Digits&gt; Forward(Tensor&lt;Batch, Gray, Side, Side&gt; x)
/// {
///     var h = Relu(MaxPool2d(Conv1(x), 2));   // [Batch, 10, 12, 12]
///     h = Relu(MaxPool2d(Conv2(h), 2));       // [Batch, 20, 4, 4]
///     return Fc(Flatten(h));                  // [Batch, 10]
/// }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class ForwardAttribute : Attribute
{
}

/// <summary>
/// A static function without learnable parameters whose gradient the generator writes:
/// for <c>Y(x)</c> it emits <c>YGrad(x)</c> returning the value and the gradient of its sum w.r.t. each input.
/// </summary>
/// <example>
/// <code>
/// using static ShapeNet.Ops;
///
/// public static partial class AutogradExamples
/// {
///     [Differentiable]
///     public static Tensor TwiceDot(Tensor&lt;Four&gt; x) => 2 * Dot(x, x);
/// }
///
/// var result = AutogradExamples.TwiceDotGrad(x);   // result.Value = 2·x·x, result.DX = 4x
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class DifferentiableAttribute : Attribute
{
}

/// <summary>Base of the attributes that declare a layer member of a network.</summary>
public abstract class LayerAttribute : Attribute
{
    /// <summary>
    /// The module name used for parameter names (<c>{Name}.weight</c>). Default: the property name in
    /// snake_case (<c>Fc1</c> → <c>fc1</c>, <c>BranchPool</c> → <c>branch_pool</c>), PyTorch's convention.
    /// </summary>
    public string? Name { get; set; }
}

/// <summary><c>y = x Wᵀ + b</c> over the last axis; PyTorch's <c>nn.Linear(in, out, bias)</c>.</summary>
/// <example>
/// <code>
/// [Linear(320, 10)] partial Linear Fc { get; }               // weight [10, 320], bias [10]
/// [Linear(8, 6, Bias = false)] partial Linear Hidden { get; }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class LinearAttribute : LayerAttribute
{
    /// <summary><c>[Linear(784, 512)]</c>: a layer taking <paramref name="inFeatures"/> features to <paramref name="outFeatures"/>.</summary>
    public LinearAttribute(int inFeatures, int outFeatures)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
    }

    /// <summary><c>[Linear(nameof(TIn), 16)]</c> in a block generic over <c>TIn</c>: the in-features are the size the
    /// type parameter is bound to where the block is used.</summary>
    public LinearAttribute(string inFeatures, int outFeatures)
    {
        InFeaturesDim = inFeatures;
        OutFeatures = outFeatures;
    }

    /// <summary><c>[Linear(16, nameof(TOut))]</c>: the out-features are a type parameter's size.</summary>
    public LinearAttribute(int inFeatures, string outFeatures)
    {
        InFeatures = inFeatures;
        OutFeaturesDim = outFeatures;
    }

    /// <summary><c>[Linear(nameof(TIn), nameof(TOut))]</c>: both sizes are type parameters'.</summary>
    public LinearAttribute(string inFeatures, string outFeatures)
    {
        InFeaturesDim = inFeatures;
        OutFeaturesDim = outFeatures;
    }

    /// <summary>The size of the input's last axis (0 when <see cref="InFeaturesDim"/> names it).</summary>
    public int InFeatures { get; }
    /// <summary>The size of the output's last axis (0 when <see cref="OutFeaturesDim"/> names it).</summary>
    public int OutFeatures { get; }
    /// <summary>The type parameter (<c>nameof(TIn)</c>) whose size is the in-features, or null.</summary>
    public string? InFeaturesDim { get; }
    /// <summary>The type parameter whose size is the out-features, or null.</summary>
    public string? OutFeaturesDim { get; }
    /// <summary>Whether the layer adds a learnable bias <c>[out]</c> (PyTorch's <c>bias=True</c>, the default).</summary>
    public bool Bias { get; set; } = true;
}

/// <summary>
/// 2-D convolution over NCHW input; PyTorch's <c>nn.Conv2d(in, out, kernel_size, stride, padding, dilation, groups, bias)</c>:
/// weight <c>[out, in/groups, kH, kW]</c>, bias <c>[out]</c>. Output height (width alike):
/// <c>floor((H + 2·padding − dilation·(kernel − 1) − 1) / stride) + 1</c>. The height/width properties
/// (<see cref="KernelHeight"/>, …) override the square ones (<see cref="Kernel"/>, …) for their axis.
/// </summary>
/// <example>
/// <code>
/// [Conv2d(1, 10, Kernel = 5)]              partial Conv2d Conv1 { get; }   // [N, 1, 28, 28] → [N, 10, 24, 24]
/// [Conv2d(16, 24, Kernel = 3, Padding = 1)] partial Conv2d Conv3 { get; }   // keeps height and width
/// [Conv2d(nameof(TIn), 16, Kernel = 1)]    partial Conv2d Branch1x1 { get; } // in a block generic over TIn
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class Conv2dAttribute : LayerAttribute
{
    /// <summary><c>[Conv2d(1, 10, Kernel = 5)]</c>: the kernel is given by name.</summary>
    public Conv2dAttribute(int inChannels, int outChannels)
    {
        InChannels = inChannels;
        OutChannels = outChannels;
    }

    /// <summary><c>[Conv2d(1, 10, 5)]</c>: a square kernel.</summary>
    public Conv2dAttribute(int inChannels, int outChannels, int kernel)
        : this(inChannels, outChannels)
    {
        Kernel = kernel;
    }

    /// <summary><c>[Conv2d(nameof(TIn), 16, Kernel = 1)]</c> in a block generic over <c>TIn</c>: the in-channels are
    /// the size the type parameter is bound to where the block is used (PyTorch's <c>Conv2d(in_channels, 16, 1)</c>).</summary>
    public Conv2dAttribute(string inChannels, int outChannels)
    {
        InChannelsDim = inChannels;
        OutChannels = outChannels;
    }

    /// <summary><c>[Conv2d(nameof(TIn), 16, 1)]</c>: a square kernel.</summary>
    public Conv2dAttribute(string inChannels, int outChannels, int kernel)
        : this(inChannels, outChannels)
    {
        Kernel = kernel;
    }

    /// <summary><c>[Conv2d(16, nameof(TOut), Kernel = 3)]</c>: the out-channels are a type parameter's size.</summary>
    public Conv2dAttribute(int inChannels, string outChannels)
    {
        InChannels = inChannels;
        OutChannelsDim = outChannels;
    }

    /// <summary><c>[Conv2d(16, nameof(TOut), 3)]</c>: a square kernel.</summary>
    public Conv2dAttribute(int inChannels, string outChannels, int kernel)
        : this(inChannels, outChannels)
    {
        Kernel = kernel;
    }

    /// <summary><c>[Conv2d(nameof(TC), nameof(TC), Kernel = 3, Padding = 1)]</c>: both channel counts are type parameters'
    /// (a residual block over any channel count).</summary>
    public Conv2dAttribute(string inChannels, string outChannels)
    {
        InChannelsDim = inChannels;
        OutChannelsDim = outChannels;
    }

    /// <summary><c>[Conv2d(nameof(TC), nameof(TC), 3)]</c>: a square kernel.</summary>
    public Conv2dAttribute(string inChannels, string outChannels, int kernel)
        : this(inChannels, outChannels)
    {
        Kernel = kernel;
    }

    /// <summary>The input's channel count C (0 when <see cref="InChannelsDim"/> names it).</summary>
    public int InChannels { get; }
    /// <summary>The output's channel count (0 when <see cref="OutChannelsDim"/> names it).</summary>
    public int OutChannels { get; }
    /// <summary>The type parameter (<c>nameof(TIn)</c>) whose size is the in-channels, or null.</summary>
    public string? InChannelsDim { get; }
    /// <summary>The type parameter whose size is the out-channels, or null.</summary>
    public string? OutChannelsDim { get; }
    /// <summary>Square kernel size (required unless both <see cref="KernelHeight"/> and <see cref="KernelWidth"/> are set).</summary>
    public int Kernel { get; set; }
    /// <summary>The kernel's height, overriding <see cref="Kernel"/> for the vertical axis (0: use <see cref="Kernel"/>).</summary>
    public int KernelHeight { get; set; }
    /// <summary>The kernel's width, overriding <see cref="Kernel"/> for the horizontal axis (0: use <see cref="Kernel"/>).</summary>
    public int KernelWidth { get; set; }
    /// <summary>The step between windows on both axes (default 1).</summary>
    public int Stride { get; set; } = 1;
    /// <summary>The vertical stride, overriding <see cref="Stride"/> (0: use <see cref="Stride"/>).</summary>
    public int StrideHeight { get; set; }
    /// <summary>The horizontal stride, overriding <see cref="Stride"/> (0: use <see cref="Stride"/>).</summary>
    public int StrideWidth { get; set; }
    /// <summary>Zeros added on each side of both axes (default 0).</summary>
    public int Padding { get; set; }
    /// <summary>Zeros added above and below, overriding <see cref="Padding"/> (0: use <see cref="Padding"/>).</summary>
    public int PaddingHeight { get; set; }
    /// <summary>Zeros added left and right, overriding <see cref="Padding"/> (0: use <see cref="Padding"/>).</summary>
    public int PaddingWidth { get; set; }
    /// <summary>The spacing between kernel taps on both axes (default 1: adjacent taps).</summary>
    public int Dilation { get; set; } = 1;
    /// <summary>The vertical dilation, overriding <see cref="Dilation"/> (0: use <see cref="Dilation"/>).</summary>
    public int DilationHeight { get; set; }
    /// <summary>The horizontal dilation, overriding <see cref="Dilation"/> (0: use <see cref="Dilation"/>).</summary>
    public int DilationWidth { get; set; }
    /// <summary>Channel groups; must divide both channel counts (<c>groups = in</c> is a depthwise convolution).</summary>
    public int Groups { get; set; } = 1;
    /// <summary>Whether the layer adds a learnable bias <c>[out]</c> (default true).</summary>
    public bool Bias { get; set; } = true;
}

/// <summary>
/// Batch normalisation over the channels of NCHW input; PyTorch's <c>nn.BatchNorm2d(num_features, eps, momentum, affine)</c>
/// with running statistics (<c>track_running_stats=True</c>, the only mode supported): weight <c>[C]</c> = 1 and bias
/// <c>[C]</c> = 0 when <see cref="Affine"/>; buffers <c>running_mean</c> = 0, <c>running_var</c> = 1 and
/// <c>num_batches_tracked</c> = 0. Training normalises with the batch statistics and updates the running ones
/// (<c>running = (1 − momentum)·running + momentum·batch</c>, the variance unbiased); inference uses the running ones.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class BatchNorm2dAttribute : LayerAttribute
{
    /// <summary><c>[BatchNorm2d(20)]</c>: <paramref name="numFeatures"/> is the channel count C of the input [N, C, H, W].</summary>
    public BatchNorm2dAttribute(int numFeatures)
    {
        NumFeatures = numFeatures;
    }

    /// <summary><c>[BatchNorm2d(nameof(TC))]</c> in a block generic over <c>TC</c>: the channel count is the size the type
    /// parameter is bound to where the block is used.</summary>
    public BatchNorm2dAttribute(string numFeatures)
    {
        NumFeaturesDim = numFeatures;
    }

    /// <summary>The input's channel count C (0 when <see cref="NumFeaturesDim"/> names it).</summary>
    public int NumFeatures { get; }
    /// <summary>The type parameter (<c>nameof(TC)</c>) whose size is the channel count, or null.</summary>
    public string? NumFeaturesDim { get; }
    /// <summary>Added to the variance before the square root; positive.</summary>
    public double Eps { get; set; } = 1e-5;
    /// <summary>The weight of the batch statistic in the running average, in [0, 1].</summary>
    public double Momentum { get; set; } = 0.1;
    /// <summary>Whether the layer has a learnable weight and bias.</summary>
    public bool Affine { get; set; } = true;
}

/// <summary>
/// A lookup table of <c>numEmbeddings</c> vectors of <c>embeddingDim</c> floats; PyTorch's
/// <c>nn.Embedding(num_embeddings, embedding_dim, padding_idx)</c>: <c>weight [num, dim]</c> from N(0, 1), the padding row zeroed and
/// never trained. Takes integer ids (<c>IntTensor</c>) of any shape and appends the embedding axis.
/// </summary>
/// <example>
/// <code>
/// [Embedding(128, 32, PaddingIdx = 0)] partial Embedding Embed { get; }   // IntTensor&lt;Steps, Batch&gt; → [Steps, Batch, 32]
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class EmbeddingAttribute : LayerAttribute
{
    /// <summary><c>[Embedding(num, dim)]</c>.</summary>
    public EmbeddingAttribute(int numEmbeddings, int embeddingDim)
    {
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
    }

    /// <summary>The number of rows (the vocabulary size): ids must lie in [0, num).</summary>
    public int NumEmbeddings { get; }
    /// <summary>The length of each vector.</summary>
    public int EmbeddingDim { get; }
    /// <summary>The padding row (its vector starts at zero and gets no gradient); negative counts from the end, as in PyTorch.
    /// <see cref="int.MinValue"/> (the default) means none.</summary>
    public int PaddingIdx { get; set; } = int.MinValue;
}

/// <summary>The element-wise non-linearity of <see cref="RnnAttribute"/> and <see cref="RnnCellAttribute"/> (PyTorch's
/// <c>nonlinearity='tanh'</c> or <c>'relu'</c>).</summary>
public enum Nonlinearity
{
    /// <summary>h' = tanh(W_ih x + b_ih + W_hh h + b_hh), the default.</summary>
    Tanh,
    /// <summary>h' = relu(W_ih x + b_ih + W_hh h + b_hh).</summary>
    Relu,
}

/// <summary>The options every recurrent layer stack shares (PyTorch's <c>nn.RNNBase</c> arguments).</summary>
public abstract class RecurrentLayerAttribute : LayerAttribute
{
    private protected RecurrentLayerAttribute(int inputSize, int hiddenSize)
    {
        InputSize = inputSize;
        HiddenSize = hiddenSize;
    }

    /// <summary>Features of each step of the input.</summary>
    public int InputSize { get; }
    /// <summary>Features of the hidden state (of each direction).</summary>
    public int HiddenSize { get; }
    /// <summary>Layers stacked, each taking the one below's output sequence.</summary>
    public int NumLayers { get; set; } = 1;
    /// <summary>Whether each layer also runs backwards in time; the output's features are then [forward | reverse].</summary>
    public bool Bidirectional { get; set; }
    /// <summary>Dropout on each layer's output but the last's, in training; in [0, 1).</summary>
    public double Dropout { get; set; }
    /// <summary>Input and output as [Batch, Seq, Feature] instead of [Seq, Batch, Feature]; states stay [L·D, Batch, H].</summary>
    public bool BatchFirst { get; set; }
    /// <summary>Whether the layer has the biases <c>bias_ih_l{k}</c> and <c>bias_hh_l{k}</c>.</summary>
    public bool Bias { get; set; } = true;
}

/// <summary>PyTorch's <c>nn.RNN</c>: an Elman RNN stack. Called as <c>Rnn1(x)</c>, <c>Rnn1(x, h0)</c> or
/// <c>Rnn1(x, lengths: lengths)</c>; returns <c>(Output, HN)</c>: the output sequence [Seq, Batch, D·H] and the final hidden
/// state [L·D, Batch, H].</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class RnnAttribute : RecurrentLayerAttribute
{
    /// <summary><c>[Rnn(inputSize, hiddenSize)]</c>.</summary>
    public RnnAttribute(int inputSize, int hiddenSize) : base(inputSize, hiddenSize)
    {
    }

    /// <summary>tanh (the default) or relu.</summary>
    public Nonlinearity Nonlinearity { get; set; }
}

/// <summary>PyTorch's <c>nn.GRU</c> (gates r, z, n). Called and returning as <see cref="RnnAttribute"/>.</summary>
/// <example>
/// <code>
/// [Gru(100, 100, NumLayers = 2, Bidirectional = true)] partial Gru Gru1 { get; }
/// var hN = Gru1(Embed(ids), lengths: lengths).HN;   // [4, Batch, 100]
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class GruAttribute : RecurrentLayerAttribute
{
    /// <summary><c>[Gru(inputSize, hiddenSize)]</c>.</summary>
    public GruAttribute(int inputSize, int hiddenSize) : base(inputSize, hiddenSize)
    {
    }
}

/// <summary>PyTorch's <c>nn.LSTM</c> (gates i, f, g, o). Returns <c>(Output, (H, C))</c>.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class LstmAttribute : RecurrentLayerAttribute
{
    /// <summary><c>[Lstm(inputSize, hiddenSize)]</c>.</summary>
    public LstmAttribute(int inputSize, int hiddenSize) : base(inputSize, hiddenSize)
    {
    }
}

/// <summary>The options every recurrent cell shares (PyTorch's <c>nn.RNNCellBase</c>).</summary>
public abstract class RecurrentCellAttribute : LayerAttribute
{
    private protected RecurrentCellAttribute(int inputSize, int hiddenSize)
    {
        InputSize = inputSize;
        HiddenSize = hiddenSize;
    }

    /// <summary>Features of the input x [Batch, InputSize].</summary>
    public int InputSize { get; }
    /// <summary>Features of the hidden state h [Batch, HiddenSize].</summary>
    public int HiddenSize { get; }
    /// <summary>Whether the cell has the biases <c>bias_ih</c> and <c>bias_hh</c>.</summary>
    public bool Bias { get; set; } = true;
}

/// <summary>PyTorch's <c>nn.RNNCell</c>: one step, <c>h' = Cell(x, h)</c> ([Batch, In], [Batch, H] → [Batch, H]).</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class RnnCellAttribute : RecurrentCellAttribute
{
    /// <summary><c>[RnnCell(inputSize, hiddenSize)]</c>.</summary>
    public RnnCellAttribute(int inputSize, int hiddenSize) : base(inputSize, hiddenSize)
    {
    }

    /// <summary>tanh (the default) or relu.</summary>
    public Nonlinearity Nonlinearity { get; set; }
}

/// <summary>PyTorch's <c>nn.GRUCell</c>: one step, <c>h' = Cell(x, h)</c>.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class GruCellAttribute : RecurrentCellAttribute
{
    /// <summary><c>[GruCell(inputSize, hiddenSize)]</c>.</summary>
    public GruCellAttribute(int inputSize, int hiddenSize) : base(inputSize, hiddenSize)
    {
    }
}

/// <summary>PyTorch's <c>nn.LSTMCell</c>: one step, <c>(h', c') = Cell(x, (h, c))</c>.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class LstmCellAttribute : RecurrentCellAttribute
{
    /// <summary><c>[LstmCell(inputSize, hiddenSize)]</c>.</summary>
    public LstmCellAttribute(int inputSize, int hiddenSize) : base(inputSize, hiddenSize)
    {
    }
}

/// <summary>A member whose type is another <see cref="NetworkAttribute"/> class, used as a layer (a block).</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class BlockAttribute : LayerAttribute
{
}

/// <summary>Reduction of a loss over the batch, as PyTorch's <c>reduction=</c>.</summary>
public enum Reduction
{
    /// <summary>The mean over the batch (PyTorch's default, <c>reduction='mean'</c>).</summary>
    Mean = 0,
    /// <summary>The sum over the batch (<c>reduction='sum'</c>).</summary>
    Sum = 1,
}
