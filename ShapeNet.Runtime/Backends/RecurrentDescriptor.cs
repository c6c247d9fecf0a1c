namespace ShapeNet.Backends;

/// <summary>The cell a recurrent layer runs at each step (PyTorch's <c>mode</c> of <c>nn.RNNBase</c>).</summary>
public enum RecurrentMode
{
    /// <summary><c>nn.RNN(nonlinearity='tanh')</c>: h' = tanh(W_ih x + b_ih + W_hh h + b_hh). One gate block.</summary>
    RnnTanh,
    /// <summary><c>nn.RNN(nonlinearity='relu')</c>: h' = relu(W_ih x + b_ih + W_hh h + b_hh). One gate block.</summary>
    RnnRelu,
    /// <summary><c>nn.GRU</c>, gate blocks r, z, n (see <see cref="Cpu.CpuRecurrent"/> for the formulas).</summary>
    Gru,
    /// <summary><c>nn.LSTM</c>, gate blocks i, f, g, o, with a cell state c.</summary>
    Lstm,
}

/// <summary>
/// The static configuration of a recurrent layer stack, PyTorch's <c>nn.RNN</c>/<c>nn.GRU</c>/<c>nn.LSTM</c> arguments
/// (<c>input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional</c>). The sequence length and the batch
/// are per call. A cell (<c>nn.GRUCell</c>, …) is a one-layer, one-direction stack run for one step.
/// </summary>
/// <remarks>
/// Parameters are separate tensors in PyTorch's <c>named_parameters()</c> order: for each layer l, for each direction
/// (forward, then <c>_reverse</c>): <c>weight_ih_l{l}</c> [G·H, in_l], <c>weight_hh_l{l}</c> [G·H, H], then, with
/// <see cref="Bias"/>, <c>bias_ih_l{l}</c> [G·H] and <c>bias_hh_l{l}</c> [G·H]; G = <see cref="GateCount"/>, H =
/// <see cref="HiddenSize"/>, in_0 = <see cref="InputSize"/> and in_l = <see cref="OutputSize"/> above. Rows of the weights
/// hold the gate blocks in PyTorch's order (GRU r, z, n; LSTM i, f, g, o).
/// </remarks>
public readonly record struct RecurrentDescriptor(RecurrentMode Mode, int InputSize, int HiddenSize, int NumLayers = 1,
    bool Bidirectional = false, bool Bias = true, bool BatchFirst = false, float Dropout = 0f)
{
    /// <summary>G: gate blocks per step (RNN 1, GRU 3, LSTM 4).</summary>
    public int GateCount => Mode switch { RecurrentMode.Gru => 3, RecurrentMode.Lstm => 4, _ => 1 };

    /// <summary>2 when <see cref="Bidirectional"/>, else 1.</summary>
    public int Directions => Bidirectional ? 2 : 1;

    /// <summary>Features of each step of the output sequence: Directions·HiddenSize (forward half first).</summary>
    public int OutputSize => Directions * HiddenSize;

    /// <summary>Whether the cell carries a cell state c (LSTM).</summary>
    public bool HasCellState => Mode == RecurrentMode.Lstm;

    /// <summary>Parameter tensors: NumLayers·Directions·(4 with bias, else 2).</summary>
    public int ParameterTensorCount => NumLayers * Directions * (Bias ? 4 : 2);

    /// <summary>Input features of layer <paramref name="layer"/>: InputSize for layer 0, OutputSize above.</summary>
    public int LayerInputSize(int layer) => layer == 0 ? InputSize : OutputSize;

    /// <summary>PyTorch's name of parameter <paramref name="index"/> (<c>weight_ih_l0</c>, <c>bias_hh_l1_reverse</c>).</summary>
    public string ParameterName(int index)
    {
        (int layer, int direction, int kind) = Locate(index);
        string[] kinds = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"];
        return $"{kinds[kind]}_l{layer}{(direction == 1 ? "_reverse" : "")}";
    }

    /// <summary>The shape of parameter <paramref name="index"/>: [G·H, in_l], [G·H, H] or [G·H].</summary>
    public int[] ParameterShape(int index)
    {
        (int layer, _, int kind) = Locate(index);
        int rows = checked(GateCount * HiddenSize);
        return kind switch { 0 => [rows, LayerInputSize(layer)], 1 => [rows, HiddenSize], _ => [rows] };
    }

    /// <summary>The number of values of parameter <paramref name="index"/> (no allocation, unlike <see cref="ParameterShape"/>).</summary>
    public long ParameterLength(int index)
    {
        (int layer, _, int kind) = Locate(index);
        long rows = (long)GateCount * HiddenSize;
        return kind switch { 0 => checked(rows * LayerInputSize(layer)), 1 => checked(rows * HiddenSize), _ => rows };
    }

    /// <summary>(layer, direction, kind) of parameter <paramref name="index"/>, kind 0..3 = weight_ih, weight_hh, bias_ih, bias_hh.</summary>
    internal (int Layer, int Direction, int Kind) Locate(int index)
    {
        if ((uint)index >= (uint)ParameterTensorCount)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"{this} has {ParameterTensorCount} parameter tensors.");
        int perDirection = Bias ? 4 : 2;
        int k = index / perDirection;
        return (k / Directions, k % Directions, index % perDirection);
    }

    /// <summary>Throws when a size is not positive or dropout is outside [0, 1), naming the value.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Mode)) throw new ArgumentOutOfRangeException(nameof(Mode), Mode, "Unknown recurrent mode.");
        if (InputSize < 1) throw new ArgumentOutOfRangeException(nameof(InputSize), InputSize, $"{Mode}: the input size must be at least 1.");
        if (HiddenSize < 1) throw new ArgumentOutOfRangeException(nameof(HiddenSize), HiddenSize, $"{Mode}: the hidden size must be at least 1.");
        if (NumLayers < 1) throw new ArgumentOutOfRangeException(nameof(NumLayers), NumLayers, $"{Mode}: the number of layers must be at least 1.");
        if (!(Dropout >= 0f && Dropout < 1f))
            throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, $"{Mode}: dropout between layers must lie in [0, 1).");
        _ = checked(GateCount * 2 * HiddenSize * Math.Max(InputSize, OutputSize));
    }

    /// <summary>The configuration as messages print it: <c>Lstm(input 4, hidden 8, layers 1, batch first)</c>.</summary>
    public override string ToString() =>
        $"{Mode}(input {InputSize}, hidden {HiddenSize}, layers {NumLayers}{(Bidirectional ? ", bidirectional" : "")}" +
        $"{(Bias ? "" : ", no bias")}{(BatchFirst ? ", batch first" : "")}{(Dropout > 0 ? $", dropout {Dropout}" : "")})";
}
