using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;

namespace ShapeNet;

/// <summary>An <c>[Embedding(num, dim)]</c> layer member's type: <c>Embed(ids)</c> with ids of any shape → [..., dim].</summary>
public delegate Tensor Embedding(IntTensor ids);

/// <summary>An <c>[RnnCell(in, hidden)]</c> member's type: <c>Cell(x, h)</c> with x [Batch, in], h [Batch, hidden] (null: zeros).</summary>
public delegate Tensor RnnCell(Tensor input, Tensor? hidden = null);

/// <summary>A <c>[GruCell(in, hidden)]</c> member's type: <c>Cell(x, h)</c> → h' [Batch, hidden].</summary>
public delegate Tensor GruCell(Tensor input, Tensor? hidden = null);

/// <summary>An <c>[LstmCell(in, hidden)]</c> member's type: <c>Cell(x, (h, c))</c> → (h', c'), as PyTorch's <c>nn.LSTMCell</c>.</summary>
public delegate (Tensor H, Tensor C) LstmCell(Tensor input, (Tensor H, Tensor C)? state = null);

/// <summary>An <c>[Rnn(in, hidden, …)]</c> member's type: <c>var (output, hN) = Rnn1(x, h0, lengths)</c>, as PyTorch's
/// <c>nn.RNN</c> (lengths: PyTorch's packed sequences).</summary>
public delegate (Tensor Output, Tensor HN) Rnn(Tensor input, Tensor? h0 = null, IntTensor? lengths = null);

/// <summary>A <c>[Gru(in, hidden, …)]</c> member's type: <c>var (output, hN) = Gru1(x, h0, lengths)</c>.</summary>
public delegate (Tensor Output, Tensor HN) Gru(Tensor input, Tensor? h0 = null, IntTensor? lengths = null);

/// <summary>An <c>[Lstm(in, hidden, …)]</c> member's type: <c>var (output, (hN, cN)) = Lstm1(x, state, lengths)</c>.</summary>
public delegate (Tensor Output, (Tensor H, Tensor C) State) Lstm(Tensor input, (Tensor H, Tensor C)? state = null, IntTensor? lengths = null);

/// <summary>
/// The parameter and eager forward of <c>[Embedding(num, dim)]</c>, PyTorch's <c>nn.Embedding(num_embeddings, embedding_dim,
/// padding_idx)</c>: <c>weight [num, dim]</c> from N(0, 1), its padding row zeroed. The padding row gets no gradient, so it
/// stays as loaded (zero unless a checkpoint says otherwise). A negative paddingIdx counts from the end, as in PyTorch.
/// </summary>
public sealed class EmbeddingLayer
{
    /// <summary>Draws <c>&lt;name&gt;.weight</c> [<paramref name="numEmbeddings"/>, <paramref name="embeddingDim"/>] from N(0, 1)
    /// with <paramref name="init"/> and zeroes the padding row.</summary>
    /// <param name="init">The network's seeded parameter source.</param>
    /// <param name="name">The module name; the parameter is <c>&lt;name&gt;.weight</c>.</param>
    /// <param name="numEmbeddings">Rows of the table: ids run 0 … numEmbeddings − 1.</param>
    /// <param name="embeddingDim">Length of each row, the size of an id's vector.</param>
    /// <param name="paddingIdx">An id whose row stays zero and gets no gradient; negative counts from the end; null: none.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1, or the padding id is outside [−num, num).</exception>
    public EmbeddingLayer(ParameterInit init, string name, int numEmbeddings, int embeddingDim, int? paddingIdx = null)
    {
        ArgumentNullException.ThrowIfNull(init);
        if (numEmbeddings < 1 || embeddingDim < 1)
            throw new ArgumentOutOfRangeException(nameof(numEmbeddings), $"Embedding {name}: sizes ({numEmbeddings}, {embeddingDim}) must be at least 1.");
        if (paddingIdx is int p && (p >= numEmbeddings || p < -numEmbeddings))
            throw new ArgumentOutOfRangeException(nameof(paddingIdx), p, $"Embedding {name}: paddingIdx must lie in [−{numEmbeddings}, {numEmbeddings}).");
        (NumEmbeddings, EmbeddingDim) = (numEmbeddings, embeddingDim);
        PaddingIdx = paddingIdx is int q ? (q < 0 ? q + numEmbeddings : q) : null;
        var data = new float[checked(numEmbeddings * embeddingDim)];
        init.Normal(data, 0, 1);
        if (PaddingIdx is int row) data.AsSpan(row * embeddingDim, embeddingDim).Clear();
        Weight = new Parameter(name + ".weight", new Tensor(data, numEmbeddings, embeddingDim));
    }

    /// <summary>Rows of the table: the number of distinct ids.</summary>
    public int NumEmbeddings { get; }
    /// <summary>Length of each row.</summary>
    public int EmbeddingDim { get; }
    /// <summary>The padding row (normalised to [0, num)), or null.</summary>
    public int? PaddingIdx { get; }
    /// <summary>The table <c>&lt;name&gt;.weight</c> [num, dim]: row i is id i's vector.</summary>
    public Parameter Weight { get; }

    /// <summary>Eager forward: ids [...] → [..., dim]; an id outside [0, num) is an error naming it, its position and num.</summary>
    public Tensor Forward(IntTensor ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        int[] shape = [.. ids.ShapeSpan, EmbeddingDim];
        var y = new float[Tensor.ElementCount(shape)];
        CpuEmbedding.Embedding_Forward(y, Weight.Value.Data, ids.Data, NumEmbeddings, EmbeddingDim);
        return new Tensor(y, shape);
    }
}

/// <summary>
/// A recurrent layer stack with PyTorch's parameters, the common part of <see cref="RnnLayer"/>, <see cref="GruLayer"/> and
/// <see cref="LstmLayer"/>: <c>weight_ih_l{k}[_reverse]</c> [G·H, in], <c>weight_hh_l{k}[_reverse]</c> [G·H, H],
/// <c>bias_ih_l{k}[_reverse]</c>, <c>bias_hh_l{k}[_reverse]</c> [G·H], in <c>named_parameters()</c> order, every one from
/// U(−1/√H, 1/√H) (PyTorch's <c>reset_parameters</c>). The eager forward runs the CPU kernels of <see cref="CpuRecurrent"/>
/// and allocates its results; <see cref="Training"/> switches dropout between layers on, as PyTorch's <c>train()</c>.
/// </summary>
public abstract class RecurrentLayer
{
    private readonly float[][] _values;
    private ulong _dropoutCalls;

    private protected RecurrentLayer(ParameterInit init, string name, RecurrentDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(init);
        ArgumentException.ThrowIfNullOrEmpty(name);
        descriptor.Validate();
        Descriptor = descriptor;
        Name = name;
        double bound = 1.0 / Math.Sqrt(descriptor.HiddenSize);
        var parameters = new Parameter[descriptor.ParameterTensorCount];
        for (int p = 0; p < parameters.Length; p++)
            parameters[p] = init.CreateUniform(name + "." + descriptor.ParameterName(p), bound, descriptor.ParameterShape(p));
        Parameters = parameters;
        _values = Array.ConvertAll(parameters, p => p.Value.Data);
    }

    /// <summary>The static configuration the kernels take.</summary>
    public RecurrentDescriptor Descriptor { get; }

    /// <summary>The module name (<c>gru</c>); parameters are <c>gru.weight_ih_l0</c>, ….</summary>
    public string Name { get; }

    /// <summary>Every parameter in PyTorch's <c>named_parameters()</c> order.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Training mode: dropout between layers applies (a new mask per call). Inference: it does not.</summary>
    public bool Training { get; set; } = true;

    /// <summary>The seed of the eager dropout masks (each call in training mode draws a new one).</summary>
    public ulong DropoutSeed { get; set; } = 0x5EED0D20u;

    private protected (Tensor Output, Tensor HN, Tensor? CN) Run(Tensor input, Tensor? h0, Tensor? c0, IntTensor? lengths)
    {
        ArgumentNullException.ThrowIfNull(input);
        RecurrentDescriptor d = Descriptor;
        string kind = d.Mode switch { RecurrentMode.Gru => "GRU", RecurrentMode.Lstm => "LSTM", _ => "RNN" };
        if (input.Rank != 3 || input.Size(2) != d.InputSize)
            throw new ArgumentException($"{kind} {Name} expects input {(d.BatchFirst ? "[Batch, Seq" : "[Seq, Batch")}, {d.InputSize}], " +
                $"got {Tensor.ShapeText(input.ShapeSpan)}.", nameof(input));
        int seq = input.Size(d.BatchFirst ? 1 : 0), batch = input.Size(d.BatchFirst ? 0 : 1);
        int[] stateShape = [d.NumLayers * d.Directions, batch, d.HiddenSize];
        CheckState(h0, stateShape, "h0", kind);
        CheckState(c0, stateShape, "c0", kind);
        if (lengths is not null && (lengths.Rank != 1 || lengths.Size(0) != batch))
            throw new ArgumentException($"{kind} {Name}: lengths must be [{batch}] (one per example), got {Tensor.ShapeText(lengths.ShapeSpan)}.",
                nameof(lengths));

        int[] outputShape = d.BatchFirst ? [batch, seq, d.OutputSize] : [seq, batch, d.OutputSize];
        var output = new float[Tensor.ElementCount(outputShape)];
        var hN = new float[Tensor.ElementCount(stateShape)];
        float[] cN = d.HasCellState ? new float[hN.Length] : [];
        var reserve = new float[CpuRecurrent.ReserveLength(d, seq, batch)];
        var workspace = new float[CpuRecurrent.WorkspaceLength(d, seq, batch)];
        bool dropout = Training && d.Dropout > 0f;
        CpuRecurrent.Recurrent_Forward(d, output, hN, cN, reserve, workspace, input.Data, h0?.Data, c0?.Data, _values,
            lengths?.Data, seq, batch, training: Training, DropoutSeed, dropout ? (uint)_dropoutCalls++ : 0);
        return (new Tensor(output, outputShape), new Tensor(hN, stateShape), d.HasCellState ? new Tensor(cN, stateShape) : null);
    }

    private void CheckState(Tensor? state, int[] expected, string what, string kind)
    {
        if (state is not null && !state.ShapeSpan.SequenceEqual(expected))
            throw new ArgumentException($"{kind} {Name} expects {what} {Tensor.ShapeText(expected)} ([layers × directions, Batch, hidden]), " +
                $"got {Tensor.ShapeText(state.ShapeSpan)}.", what);
    }
}

/// <summary>PyTorch's <c>nn.RNN(input_size, hidden_size, num_layers, nonlinearity, bias, batch_first, dropout, bidirectional)</c>.</summary>
public sealed class RnnLayer : RecurrentLayer
{
    /// <summary>Creates the stack's parameters in PyTorch's order.</summary>
    /// <param name="init">The network's seeded parameter source: every weight and bias from U(−1/√hidden, 1/√hidden).</param>
    /// <param name="name">The module name; parameters are <c>&lt;name&gt;.weight_ih_l0</c>, ….</param>
    /// <param name="inputSize">Features of each step's input.</param>
    /// <param name="hiddenSize">Features of the hidden state (H).</param>
    /// <param name="numLayers">Stacked layers; layer k &gt; 0 reads layer k − 1's output.</param>
    /// <param name="relu">ReLU instead of tanh as the nonlinearity (<c>nonlinearity='relu'</c>).</param>
    /// <param name="bias">Whether the layers have <c>bias_ih</c> and <c>bias_hh</c>.</param>
    /// <param name="batchFirst">Input and output as [Batch, Seq, feature] instead of [Seq, Batch, feature].</param>
    /// <param name="dropout">Dropout on each layer's output except the last, in training mode.</param>
    /// <param name="bidirectional">A second direction per layer, reading the sequence backwards; outputs are concatenated (D = 2).</param>
    /// <exception cref="ArgumentException">A size is not positive or the dropout is outside [0, 1).</exception>
    public RnnLayer(ParameterInit init, string name, int inputSize, int hiddenSize, int numLayers = 1, bool relu = false,
        bool bias = true, bool batchFirst = false, float dropout = 0f, bool bidirectional = false)
        : base(init, name, new RecurrentDescriptor(relu ? RecurrentMode.RnnRelu : RecurrentMode.RnnTanh, inputSize, hiddenSize, numLayers,
            bidirectional, bias, batchFirst, dropout))
    {
    }

    /// <summary>Eager forward: input [Seq, Batch, in] (or batch-first) → (output [Seq, Batch, D·H], h_n [L·D, Batch, H]).</summary>
    public (Tensor Output, Tensor HN) Forward(Tensor input, Tensor? h0 = null, IntTensor? lengths = null)
    {
        (Tensor output, Tensor hN, _) = Run(input, h0, null, lengths);
        return (output, hN);
    }
}

/// <summary>PyTorch's <c>nn.GRU(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional)</c>.</summary>
public sealed class GruLayer : RecurrentLayer
{
    /// <inheritdoc cref="RnnLayer(ParameterInit, string, int, int, int, bool, bool, bool, float, bool)"/>
    public GruLayer(ParameterInit init, string name, int inputSize, int hiddenSize, int numLayers = 1, bool bias = true,
        bool batchFirst = false, float dropout = 0f, bool bidirectional = false)
        : base(init, name, new RecurrentDescriptor(RecurrentMode.Gru, inputSize, hiddenSize, numLayers, bidirectional, bias, batchFirst, dropout))
    {
    }

    /// <inheritdoc cref="RnnLayer.Forward"/>
    public (Tensor Output, Tensor HN) Forward(Tensor input, Tensor? h0 = null, IntTensor? lengths = null)
    {
        (Tensor output, Tensor hN, _) = Run(input, h0, null, lengths);
        return (output, hN);
    }
}

/// <summary>PyTorch's <c>nn.LSTM(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional)</c>
/// (no projection: <c>proj_size</c> 0).</summary>
public sealed class LstmLayer : RecurrentLayer
{
    /// <inheritdoc cref="RnnLayer(ParameterInit, string, int, int, int, bool, bool, bool, float, bool)"/>
    public LstmLayer(ParameterInit init, string name, int inputSize, int hiddenSize, int numLayers = 1, bool bias = true,
        bool batchFirst = false, float dropout = 0f, bool bidirectional = false)
        : base(init, name, new RecurrentDescriptor(RecurrentMode.Lstm, inputSize, hiddenSize, numLayers, bidirectional, bias, batchFirst, dropout))
    {
    }

    /// <summary>Eager forward: input [Seq, Batch, in] → (output [Seq, Batch, D·H], (h_n, c_n) each [L·D, Batch, H]).</summary>
    public (Tensor Output, (Tensor H, Tensor C) State) Forward(Tensor input, (Tensor H, Tensor C)? state = null, IntTensor? lengths = null)
    {
        (Tensor output, Tensor hN, Tensor? cN) = Run(input, state?.H, state?.C, lengths);
        return (output, (hN, cN!));
    }
}

/// <summary>
/// A single recurrent cell with PyTorch's parameters (<c>weight_ih</c> [G·H, in], <c>weight_hh</c> [G·H, H], <c>bias_ih</c>,
/// <c>bias_hh</c> [G·H], all from U(−1/√H, 1/√H)): the common part of <see cref="RnnCellLayer"/>, <see cref="GruCellLayer"/>
/// and <see cref="LstmCellLayer"/>.
/// </summary>
public abstract class RecurrentCellLayer
{
    private protected RecurrentCellLayer(ParameterInit init, string name, RecurrentMode mode, int inputSize, int hiddenSize, bool bias)
    {
        ArgumentNullException.ThrowIfNull(init);
        ArgumentException.ThrowIfNullOrEmpty(name);
        Descriptor = new RecurrentDescriptor(mode, inputSize, hiddenSize, Bias: bias);
        Descriptor.Validate();
        Name = name;
        double bound = 1.0 / Math.Sqrt(hiddenSize);
        int rows = Descriptor.GateCount * hiddenSize;
        WeightIh = init.CreateUniform(name + ".weight_ih", bound, rows, inputSize);
        WeightHh = init.CreateUniform(name + ".weight_hh", bound, rows, hiddenSize);
        BiasIh = bias ? init.CreateUniform(name + ".bias_ih", bound, rows) : null;
        BiasHh = bias ? init.CreateUniform(name + ".bias_hh", bound, rows) : null;
    }

    /// <summary>The configuration the kernels take (one layer, one direction, run for one step).</summary>
    public RecurrentDescriptor Descriptor { get; }
    /// <summary>The module name (<c>cell</c>); parameters are <c>cell.weight_ih</c>, ….</summary>
    public string Name { get; }
    /// <summary><c>&lt;name&gt;.weight_ih</c> [G·H, in]: the input-to-hidden weights of the G gates, stacked.</summary>
    public Parameter WeightIh { get; }
    /// <summary><c>&lt;name&gt;.weight_hh</c> [G·H, H]: the hidden-to-hidden weights of the G gates, stacked.</summary>
    public Parameter WeightHh { get; }
    /// <summary><c>&lt;name&gt;.bias_ih</c> [G·H], or null for a cell without bias.</summary>
    public Parameter? BiasIh { get; }
    /// <summary><c>&lt;name&gt;.bias_hh</c> [G·H], or null for a cell without bias.</summary>
    public Parameter? BiasHh { get; }

    /// <summary>weight_ih, weight_hh, bias_ih, bias_hh (PyTorch's order), the biases only when present.</summary>
    public IReadOnlyList<Parameter> Parameters => BiasIh is null ? [WeightIh, WeightHh] : [WeightIh, WeightHh, BiasIh, BiasHh!];

    private protected (float[] H, float[] C, float[] Reserve, float[] Workspace, int Batch) Prepare(Tensor input, Tensor? h, Tensor? c, string kind)
    {
        ArgumentNullException.ThrowIfNull(input);
        int hidden = Descriptor.HiddenSize;
        if (input.Rank != 2 || input.Size(1) != Descriptor.InputSize)
            throw new ArgumentException($"{kind} {Name} expects input [Batch, {Descriptor.InputSize}], got {Tensor.ShapeText(input.ShapeSpan)}.", nameof(input));
        int batch = input.Size(0);
        foreach ((Tensor? state, string what) in new[] { (h, "h"), (c, "c") })
            if (state is not null && (state.Rank != 2 || state.Size(0) != batch || state.Size(1) != hidden))
                throw new ArgumentException($"{kind} {Name} expects {what} [{batch}, {hidden}], got {Tensor.ShapeText(state.ShapeSpan)}.", what);
        return (new float[batch * hidden], Descriptor.HasCellState ? new float[batch * hidden] : [],
            new float[CpuRecurrent.ReserveLength(Descriptor, 1, batch)], new float[CpuRecurrent.WorkspaceLength(Descriptor, 1, batch)], batch);
    }

    private protected ReadOnlySpan<float> BiasIhData => BiasIh is null ? default : BiasIh.Value.Data;
    private protected ReadOnlySpan<float> BiasHhData => BiasHh is null ? default : BiasHh.Value.Data;
}

/// <summary>PyTorch's <c>nn.RNNCell(input_size, hidden_size, bias, nonlinearity)</c>.</summary>
public sealed class RnnCellLayer : RecurrentCellLayer
{
    /// <summary>Creates the cell's parameters in PyTorch's order.</summary>
    /// <param name="init">The network's seeded parameter source: weights and biases from U(−1/√hidden, 1/√hidden).</param>
    /// <param name="name">The module name; parameters are <c>&lt;name&gt;.weight_ih</c>, ….</param>
    /// <param name="inputSize">Features of the input.</param>
    /// <param name="hiddenSize">Features of the hidden state (H).</param>
    /// <param name="bias">Whether the cell has <c>bias_ih</c> and <c>bias_hh</c>.</param>
    /// <param name="relu">ReLU instead of tanh as the nonlinearity (<c>nonlinearity='relu'</c>).</param>
    /// <exception cref="ArgumentException">A size is not positive.</exception>
    public RnnCellLayer(ParameterInit init, string name, int inputSize, int hiddenSize, bool bias = true, bool relu = false)
        : base(init, name, relu ? RecurrentMode.RnnRelu : RecurrentMode.RnnTanh, inputSize, hiddenSize, bias)
    {
    }

    /// <summary>Eager forward: x [Batch, in], h [Batch, H] (null: zeros) → h' [Batch, H].</summary>
    public Tensor Forward(Tensor input, Tensor? hidden = null)
    {
        var (h, _, reserve, workspace, batch) = Prepare(input, hidden, null, "RNNCell");
        CpuRecurrent.RnnCell_Forward(h, reserve, workspace, input.Data, hidden?.Data, WeightIh.Value.Data, WeightHh.Value.Data,
            BiasIhData, BiasHhData, batch, Descriptor.InputSize, Descriptor.HiddenSize, Descriptor.Mode == RecurrentMode.RnnRelu);
        return new Tensor(h, batch, Descriptor.HiddenSize);
    }
}

/// <summary>PyTorch's <c>nn.GRUCell(input_size, hidden_size, bias)</c>.</summary>
public sealed class GruCellLayer : RecurrentCellLayer
{
    /// <summary>Creates the cell's parameters in PyTorch's order (G = 3 gates: reset, update, new).</summary>
    /// <param name="init">The network's seeded parameter source: weights and biases from U(−1/√hidden, 1/√hidden).</param>
    /// <param name="name">The module name; parameters are <c>&lt;name&gt;.weight_ih</c>, ….</param>
    /// <param name="inputSize">Features of the input.</param>
    /// <param name="hiddenSize">Features of the hidden state (H).</param>
    /// <param name="bias">Whether the cell has <c>bias_ih</c> and <c>bias_hh</c>.</param>
    /// <exception cref="ArgumentException">A size is not positive.</exception>
    public GruCellLayer(ParameterInit init, string name, int inputSize, int hiddenSize, bool bias = true)
        : base(init, name, RecurrentMode.Gru, inputSize, hiddenSize, bias)
    {
    }

    /// <inheritdoc cref="RnnCellLayer.Forward"/>
    public Tensor Forward(Tensor input, Tensor? hidden = null)
    {
        var (h, _, reserve, workspace, batch) = Prepare(input, hidden, null, "GRUCell");
        CpuRecurrent.GruCell_Forward(h, reserve, workspace, input.Data, hidden?.Data, WeightIh.Value.Data, WeightHh.Value.Data,
            BiasIhData, BiasHhData, batch, Descriptor.InputSize, Descriptor.HiddenSize);
        return new Tensor(h, batch, Descriptor.HiddenSize);
    }
}

/// <summary>PyTorch's <c>nn.LSTMCell(input_size, hidden_size, bias)</c>.</summary>
public sealed class LstmCellLayer : RecurrentCellLayer
{
    /// <summary>Creates the cell's parameters in PyTorch's order (G = 4 gates: input, forget, cell, output).</summary>
    /// <param name="init">The network's seeded parameter source: weights and biases from U(−1/√hidden, 1/√hidden).</param>
    /// <param name="name">The module name; parameters are <c>&lt;name&gt;.weight_ih</c>, ….</param>
    /// <param name="inputSize">Features of the input.</param>
    /// <param name="hiddenSize">Features of the hidden state (H).</param>
    /// <param name="bias">Whether the cell has <c>bias_ih</c> and <c>bias_hh</c>.</param>
    /// <exception cref="ArgumentException">A size is not positive.</exception>
    public LstmCellLayer(ParameterInit init, string name, int inputSize, int hiddenSize, bool bias = true)
        : base(init, name, RecurrentMode.Lstm, inputSize, hiddenSize, bias)
    {
    }

    /// <summary>Eager forward: x [Batch, in], (h, c) each [Batch, H] (null: zeros) → (h', c').</summary>
    public (Tensor H, Tensor C) Forward(Tensor input, (Tensor H, Tensor C)? state = null)
    {
        var (h, c, reserve, workspace, batch) = Prepare(input, state?.H, state?.C, "LSTMCell");
        CpuRecurrent.LstmCell_Forward(h, c, reserve, workspace, input.Data, state?.H.Data, state?.C.Data, WeightIh.Value.Data,
            WeightHh.Value.Data, BiasIhData, BiasHhData, batch, Descriptor.InputSize, Descriptor.HiddenSize);
        return (new Tensor(h, batch, Descriptor.HiddenSize), new Tensor(c, batch, Descriptor.HiddenSize));
    }
}
