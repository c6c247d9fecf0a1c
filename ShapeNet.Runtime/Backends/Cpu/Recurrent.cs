using System.Numerics.Tensors;

namespace ShapeNet.Backends.Cpu;

/// <summary>
/// Recurrent layers and cells with PyTorch's semantics, layouts and gate orders (<c>nn.RNN</c>, <c>nn.GRU</c>, <c>nn.LSTM</c>
/// and their <c>…Cell</c>s), forward and backward through time.
/// <para><b>Gate math</b> (per example and step; x the step's input, h and c the previous states, σ the logistic function,
/// ∘ the element-wise product; Gx = W_ih·x + b_ih and Gh = W_hh·h + b_hh, each G·H values split into H-sized gate blocks):</para>
/// <code>
/// RNN   h' = tanh(Gx + Gh)            (or relu)
/// GRU   r = σ(Gx_r + Gh_r)   z = σ(Gx_z + Gh_z)   n = tanh(Gx_n + r ∘ Gh_n)   h' = (1 − z) ∘ n + z ∘ h
/// LSTM  i = σ(Gx_i + Gh_i)   f = σ(Gx_f + Gh_f)   g = tanh(Gx_g + Gh_g)   o = σ(Gx_o + Gh_o)
///       c' = f ∘ c + i ∘ g   h' = o ∘ tanh(c')
/// </code>
/// GRU's n gate applies r to W_hn·h + b_hn (PyTorch's and cuDNN's form, not the paper's r ∘ h inside the product).
/// <para><b>Backward</b> (dh the total gradient of h', dc the gradient arriving at c'; dGx and dGh of the pre-activations):</para>
/// <code>
/// RNN   dGx = dGh = dh ∘ (1 − h'²)   (relu: dh ∘ [h' &gt; 0])                   dh_prev = dGh·W_hh
/// GRU   dn = dh ∘ (1 − z) ∘ (1 − n²)   dGx_n = dn   dGh_n = dn ∘ r
///       dGx_r = dGh_r = dn ∘ Gh_n ∘ r(1 − r)   dGx_z = dGh_z = dh ∘ (h − n) ∘ z(1 − z)   dh_prev = dh ∘ z + dGh·W_hh
/// LSTM  t = tanh(c')   dc_tot = dc + dh ∘ o ∘ (1 − t²)
///       dGx = dGh = [dc_tot ∘ g ∘ i(1 − i), dc_tot ∘ c ∘ f(1 − f), dc_tot ∘ i ∘ (1 − g²), dh ∘ t ∘ o(1 − o)]
///       dc_prev = dc_tot ∘ f   dh_prev = dGh·W_hh
/// dW_ih (+)= Σ dGxᵀ·x   dW_hh (+)= Σ dGhᵀ·h   db_ih (+)= Σ dGx   db_hh (+)= Σ dGh   dx = dGx·W_ih
/// </code>
/// <para><b>Layout.</b> Sequences are [Seq, Batch, Feature], or [Batch, Seq, Feature] with <see cref="RecurrentDescriptor.BatchFirst"/>;
/// states h_0, h_n, c_0, c_n are [Layers·Directions, Batch, Hidden] in both cases (index layer·Directions + direction). The
/// output's features are [forward hidden | reverse hidden]. Parameters: see <see cref="RecurrentDescriptor"/>.</para>
/// <para><b>Variable lengths</b> (PyTorch's packed sequences): lengths[b] ∈ [1, Seq] steps of example b are real, the rest
/// padding. The forward direction runs t = 0 … len−1, the reverse direction t = len−1 … 0, both from h_0; h_n[b] is the state
/// after the example's own last step; outputs at padded steps are 0; padded steps of x and of dOutput get and give no
/// gradient (dx is 0 there). An empty lengths span means every example has Seq steps.</para>
/// <para><b>Dropout</b> between layers (training only, not after the last layer): layer l's output goes through
/// <see cref="CpuDropout.Dropout_Forward"/> with seed dropoutSeed + l and the caller's step, over the layer's whole output
/// buffer [Seq·Batch·OutputSize] (padded positions are 0 before and after).</para>
/// <para><b>Speed.</b> Per layer and direction the input projections of all steps are one GEMM (Gx for every step), the
/// recurrent product one GEMM per step over the rows up to the last example still running (all of them for a batch sorted by
/// decreasing length, as <c>pack_padded_sequence</c> sorts), and the weight gradients one GEMM each over all steps.
/// Nothing is allocated: the caller passes a reserve (kept from forward to backward, <see cref="ReserveLength"/>) and a
/// workspace (scratch, <see cref="WorkspaceLength"/>), both sized by the geometry alone.</para>
/// </summary>
public static unsafe class CpuRecurrent
{
    /// <summary>Floats the forward pass keeps for the backward pass: per layer and direction the state before each step
    /// [Seq·Batch, H] and the gate cache [Seq·Batch, K·H] (K = 1 RNN: h'; 4 GRU: r, z, n, Gh_n; 6 LSTM: i, f, g, o, c', c);
    /// per layer below the top its output [Seq·Batch, OutputSize] (and, with dropout, the mask and the dropped output).</summary>
    public static long ReserveLength(in RecurrentDescriptor descriptor, int seqLength, int batch)
    {
        Layout layout = Layout.Of(descriptor, seqLength, batch);
        return layout.ReserveLength;
    }

    /// <summary>Floats of scratch memory <see cref="Recurrent_Forward"/> and <see cref="Recurrent_Backward"/> take (one buffer
    /// serves both): per direction the input projections Gx and their gradients [Seq·Batch, G·H] (twice for GRU) and the
    /// running states, then the output gradients of the layers below the top.</summary>
    public static long WorkspaceLength(in RecurrentDescriptor descriptor, int seqLength, int batch)
    {
        Layout layout = Layout.Of(descriptor, seqLength, batch);
        return layout.WorkspaceLength;
    }

    /// <summary>
    /// x (Seq,Batch,In) or (Batch,Seq,In), h0 (L·D,Batch,H), c0 (L·D,Batch,H) (LSTM), parameters (PyTorch order), lengths (Batch)
    /// -> output (Seq,Batch,D·H) or (Batch,Seq,D·H), hN (L·D,Batch,H), cN (L·D,Batch,H) (LSTM), reserve
    /// The whole stack: every layer, both directions, dropout between layers when <paramref name="training"/>. h0 and c0 may be
    /// empty (zeros); hN and cN may be empty (not written); cN and c0 must be empty unless LSTM.
    /// </summary>
    public static void Recurrent_Forward(in RecurrentDescriptor descriptor, Span<float> output, Span<float> hN, Span<float> cN,
        Span<float> reserve, Span<float> workspace, ReadOnlySpan<float> x, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0,
        ReadOnlySpan<float[]> parameters, ReadOnlySpan<int> lengths, int seqLength, int batch, bool training,
        ulong dropoutSeed = 0, uint dropoutStep = 0)
    {
        Layout layout = Layout.Of(descriptor, seqLength, batch);
        layout.CheckSequence(x.Length, descriptor.InputSize, nameof(x));
        layout.CheckSequence(output.Length, descriptor.OutputSize, nameof(output));
        layout.CheckStates(h0.Length, nameof(h0), optional: true, allowed: true);
        layout.CheckStates(hN.Length, nameof(hN), optional: true, allowed: true);
        layout.CheckStates(c0.Length, nameof(c0), optional: true, allowed: descriptor.HasCellState);
        layout.CheckStates(cN.Length, nameof(cN), optional: true, allowed: descriptor.HasCellState);
        layout.CheckScratch(reserve.Length, workspace.Length);
        CheckParameters(descriptor, parameters, nameof(parameters));
        CheckLengths(lengths, seqLength, batch);

        bool dropout = training && descriptor.Dropout > 0f;
        ReadOnlySpan<float> input = x;
        fixed (float* pOutput = output, pHN = hN, pCN = cN, pReserve = reserve, pWorkspace = workspace, pH0 = h0, pC0 = c0)
        fixed (int* pLengths = lengths)
        {
            var states = new States(layout, pHN, pCN, pH0, pC0);
            for (int l = 0; l < descriptor.NumLayers; l++)
            {
                bool top = l == descriptor.NumLayers - 1;
                float* layerOutput = top ? pOutput : pReserve + layout.LayerOutputOffset(l);
                ForwardLayer(layout, l, descriptor.LayerInputSize(l), input, Weights.Of(descriptor, parameters, l * descriptor.Directions),
                    descriptor.Bidirectional ? Weights.Of(descriptor, parameters, l * 2 + 1) : default, layerOutput, states, pReserve,
                    pWorkspace, pLengths, lengths.Length);
                if (top) break;
                Span<float> outputOfLayer = reserve.Slice(layout.LayerOutputOffset(l), layout.SequenceSize);
                if (dropout)
                {
                    Span<float> mask = reserve.Slice(layout.LayerMaskOffset(l), layout.SequenceSize);
                    Span<float> dropped = reserve.Slice(layout.LayerDroppedOffset(l), layout.SequenceSize);
                    CpuDropout.Dropout_Forward(dropped, mask, outputOfLayer, descriptor.Dropout, dropoutSeed + (ulong)l, dropoutStep);
                    input = dropped;
                }
                else
                    input = outputOfLayer;
            }
        }
    }

    /// <summary>
    /// dOutput (Seq,Batch,D·H) or (Batch,Seq,D·H), dhN (L·D,Batch,H), dcN (LSTM), reserve, x, parameters, lengths
    /// -> dx (like x), dh0 (L·D,Batch,H), dc0 (LSTM), parameterGradients (PyTorch order)
    /// Backward through time of <see cref="Recurrent_Forward"/> called with the same arguments (training too): dx (+)= ∂L/∂x,
    /// dh0 (+)= ∂L/∂h0, dc0 (+)= ∂L/∂c0 with <paramref name="accumulateDx"/>; parameter gradients (+)= with
    /// <paramref name="accumulateParameters"/>. dOutput, dhN and dcN may be empty (no gradient arrives there); dx, dh0 and dc0
    /// may be empty (not computed).
    /// </summary>
    public static void Recurrent_Backward(in RecurrentDescriptor descriptor, Span<float> dx, Span<float> dh0, Span<float> dc0,
        ReadOnlySpan<float[]> parameterGradients, Span<float> workspace, ReadOnlySpan<float> dOutput, ReadOnlySpan<float> dhN,
        ReadOnlySpan<float> dcN, ReadOnlySpan<float> reserve, ReadOnlySpan<float> x, ReadOnlySpan<float[]> parameters,
        ReadOnlySpan<int> lengths, int seqLength, int batch, bool training, bool accumulateDx, bool accumulateParameters)
    {
        Layout layout = Layout.Of(descriptor, seqLength, batch);
        layout.CheckSequence(x.Length, descriptor.InputSize, nameof(x));
        if (!dx.IsEmpty) layout.CheckSequence(dx.Length, descriptor.InputSize, nameof(dx));
        if (!dOutput.IsEmpty) layout.CheckSequence(dOutput.Length, descriptor.OutputSize, nameof(dOutput));
        layout.CheckStates(dhN.Length, nameof(dhN), optional: true, allowed: true);
        layout.CheckStates(dh0.Length, nameof(dh0), optional: true, allowed: true);
        layout.CheckStates(dcN.Length, nameof(dcN), optional: true, allowed: descriptor.HasCellState);
        layout.CheckStates(dc0.Length, nameof(dc0), optional: true, allowed: descriptor.HasCellState);
        layout.CheckScratch(reserve.Length, workspace.Length);
        CheckParameters(descriptor, parameters, nameof(parameters));
        CheckParameters(descriptor, parameterGradients, nameof(parameterGradients));
        CheckLengths(lengths, seqLength, batch);

        int d = descriptor.Directions, sequenceSize = layout.SequenceSize;
        bool dropout = training && descriptor.Dropout > 0f;
        fixed (float* pDOutput = dOutput, pDhN = dhN, pDcN = dcN, pDh0 = dh0, pDc0 = dc0, pReserve = reserve, pWorkspace = workspace)
        fixed (int* pLengths = lengths)
        {
            var states = new States(layout, pDhN, pDcN, pDh0, pDc0);
            float* dLayerOutput = pDOutput;
            for (int l = descriptor.NumLayers - 1; l >= 0; l--)
            {
                ReadOnlySpan<float> input = l == 0 ? x
                    : dropout ? reserve.Slice(layout.LayerDroppedOffset(l - 1), sequenceSize)
                    : reserve.Slice(layout.LayerOutputOffset(l - 1), sequenceSize);
                // Where this layer's input gradient goes: dx, or the gradient of the layer below's output (through dropout).
                Span<float> dInput = l == 0 ? dx
                    : dropout ? workspace.Slice(layout.DroppedGradientOffset, sequenceSize)
                    : workspace.Slice(layout.LayerGradientOffset(l - 1), sequenceSize);
                int k = l * d;
                BackwardLayer(layout, l, descriptor.LayerInputSize(l), input, dInput, Weights.Of(descriptor, parameters, k),
                    d == 2 ? Weights.Of(descriptor, parameters, k + 1) : default, Gradients.Of(descriptor, parameterGradients, k),
                    d == 2 ? Gradients.Of(descriptor, parameterGradients, k + 1) : default, dLayerOutput, states, pReserve, pWorkspace,
                    pLengths, lengths.Length, accumulateInput: l == 0 && accumulateDx, accumulateStates: accumulateDx, accumulateParameters);
                if (l == 0) break;
                Span<float> dBelow = workspace.Slice(layout.LayerGradientOffset(l - 1), sequenceSize);
                if (dropout)
                    CpuDropout.Dropout_Backward(dBelow, dInput, reserve.Slice(layout.LayerMaskOffset(l - 1), sequenceSize), descriptor.Dropout,
                        accumulate: false);
                dLayerOutput = pWorkspace + layout.LayerGradientOffset(l - 1);
            }
        }
    }

    // ---- cells: one layer, one direction, one step ------------------------------------------------------------------

    /// <summary>
    /// x (Batch,In), h (Batch,H), weightIh (H,In), weightHh (H,H), biasIh (H), biasHh (H) -> hNext (Batch,H), reserve
    /// PyTorch's <c>nn.RNNCell</c>: hNext = tanh (or relu) of x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh. Empty biases mean none (both or
    /// neither); an empty h means zeros. reserve and workspace hold <see cref="ReserveLength"/> and <see cref="WorkspaceLength"/>
    /// of <c>new RecurrentDescriptor(mode, in, H, Bias: …)</c> at seqLength 1.
    /// </summary>
    public static void RnnCell_Forward(Span<float> hNext, Span<float> reserve, Span<float> workspace, ReadOnlySpan<float> x,
        ReadOnlySpan<float> h, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh,
        ReadOnlySpan<float> biasHh, int batch, int inputSize, int hiddenSize, bool relu)
        => CellForward(CellDescriptor(relu ? RecurrentMode.RnnRelu : RecurrentMode.RnnTanh, inputSize, hiddenSize, biasIh, biasHh),
            hNext, default, reserve, workspace, x, h, default, weightIh, weightHh, biasIh, biasHh, batch);

    /// <summary>
    /// dhNext (Batch,H), reserve (of the forward), x, weights -> dx (Batch,In), dh (Batch,H), dWeightIh, dWeightHh, dBiasIh, dBiasHh
    /// Backward of <see cref="RnnCell_Forward"/>: dx, dh (+)= with accumulateInputs (either may be empty: skipped); parameter
    /// gradients (+)= with accumulateParameters.
    /// </summary>
    public static void RnnCell_Backward(Span<float> dx, Span<float> dh, Span<float> dWeightIh, Span<float> dWeightHh,
        Span<float> dBiasIh, Span<float> dBiasHh, Span<float> workspace, ReadOnlySpan<float> dhNext, ReadOnlySpan<float> reserve,
        ReadOnlySpan<float> x, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, int batch, int inputSize, int hiddenSize,
        bool relu, bool accumulateInputs, bool accumulateParameters)
        => CellBackward(CellDescriptor(relu ? RecurrentMode.RnnRelu : RecurrentMode.RnnTanh, inputSize, hiddenSize, dBiasIh, dBiasHh),
            dx, dh, default, dWeightIh, dWeightHh, dBiasIh, dBiasHh, workspace, dhNext, default, reserve, x, weightIh, weightHh, batch,
            accumulateInputs, accumulateParameters);

    /// <summary>
    /// x (Batch,In), h (Batch,H), weightIh (3H,In), weightHh (3H,H), biasIh (3H), biasHh (3H) -> hNext (Batch,H), reserve
    /// PyTorch's <c>nn.GRUCell</c> (gate rows r, z, n; formulas in the class summary).
    /// </summary>
    public static void GruCell_Forward(Span<float> hNext, Span<float> reserve, Span<float> workspace, ReadOnlySpan<float> x,
        ReadOnlySpan<float> h, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh,
        ReadOnlySpan<float> biasHh, int batch, int inputSize, int hiddenSize)
        => CellForward(CellDescriptor(RecurrentMode.Gru, inputSize, hiddenSize, biasIh, biasHh),
            hNext, default, reserve, workspace, x, h, default, weightIh, weightHh, biasIh, biasHh, batch);

    /// <summary>
    /// dhNext (Batch,H), reserve, x, weights -> dx (Batch,In), dh (Batch,H), dWeightIh, dWeightHh, dBiasIh, dBiasHh
    /// Backward of <see cref="GruCell_Forward"/>, accumulation as <see cref="RnnCell_Backward"/>.
    /// </summary>
    public static void GruCell_Backward(Span<float> dx, Span<float> dh, Span<float> dWeightIh, Span<float> dWeightHh,
        Span<float> dBiasIh, Span<float> dBiasHh, Span<float> workspace, ReadOnlySpan<float> dhNext, ReadOnlySpan<float> reserve,
        ReadOnlySpan<float> x, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, int batch, int inputSize, int hiddenSize,
        bool accumulateInputs, bool accumulateParameters)
        => CellBackward(CellDescriptor(RecurrentMode.Gru, inputSize, hiddenSize, dBiasIh, dBiasHh),
            dx, dh, default, dWeightIh, dWeightHh, dBiasIh, dBiasHh, workspace, dhNext, default, reserve, x, weightIh, weightHh, batch,
            accumulateInputs, accumulateParameters);

    /// <summary>
    /// x (Batch,In), h (Batch,H), c (Batch,H), weightIh (4H,In), weightHh (4H,H), biasIh (4H), biasHh (4H)
    /// -> hNext (Batch,H), cNext (Batch,H), reserve
    /// PyTorch's <c>nn.LSTMCell</c> (gate rows i, f, g, o). Empty h or c mean zeros.
    /// </summary>
    public static void LstmCell_Forward(Span<float> hNext, Span<float> cNext, Span<float> reserve, Span<float> workspace,
        ReadOnlySpan<float> x, ReadOnlySpan<float> h, ReadOnlySpan<float> c, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, int batch, int inputSize, int hiddenSize)
    {
        if (cNext.IsEmpty) throw new ArgumentException("LstmCell_Forward writes the next cell state: cNext cannot be empty.", nameof(cNext));
        CellForward(CellDescriptor(RecurrentMode.Lstm, inputSize, hiddenSize, biasIh, biasHh),
            hNext, cNext, reserve, workspace, x, h, c, weightIh, weightHh, biasIh, biasHh, batch);
    }

    /// <summary>
    /// dhNext (Batch,H), dcNext (Batch,H), reserve, x, weights -> dx, dh, dc (Batch,H), dWeightIh, dWeightHh, dBiasIh, dBiasHh
    /// Backward of <see cref="LstmCell_Forward"/>; dhNext or dcNext may be empty (no gradient arrives there).
    /// </summary>
    public static void LstmCell_Backward(Span<float> dx, Span<float> dh, Span<float> dc, Span<float> dWeightIh, Span<float> dWeightHh,
        Span<float> dBiasIh, Span<float> dBiasHh, Span<float> workspace, ReadOnlySpan<float> dhNext, ReadOnlySpan<float> dcNext,
        ReadOnlySpan<float> reserve, ReadOnlySpan<float> x, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, int batch,
        int inputSize, int hiddenSize, bool accumulateInputs, bool accumulateParameters)
        => CellBackward(CellDescriptor(RecurrentMode.Lstm, inputSize, hiddenSize, dBiasIh, dBiasHh),
            dx, dh, dc, dWeightIh, dWeightHh, dBiasIh, dBiasHh, workspace, dhNext, dcNext, reserve, x, weightIh, weightHh, batch,
            accumulateInputs, accumulateParameters);

    private static RecurrentDescriptor CellDescriptor(RecurrentMode mode, int inputSize, int hiddenSize,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh)
    {
        if (biasIh.IsEmpty != biasHh.IsEmpty)
            throw new ArgumentException($"{mode} cell: pass both biases or neither (bias_ih has {biasIh.Length} values, bias_hh {biasHh.Length}).");
        return new RecurrentDescriptor(mode, inputSize, hiddenSize, Bias: !biasIh.IsEmpty);
    }

    private static void CellForward(in RecurrentDescriptor descriptor, Span<float> hNext, Span<float> cNext, Span<float> reserve,
        Span<float> workspace, ReadOnlySpan<float> x, ReadOnlySpan<float> h, ReadOnlySpan<float> c, ReadOnlySpan<float> weightIh,
        ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, int batch)
    {
        Layout layout = Layout.Of(descriptor, 1, batch);
        layout.CheckSequence(x.Length, descriptor.InputSize, nameof(x));
        layout.CheckStates(hNext.Length, nameof(hNext), optional: false, allowed: true);
        layout.CheckStates(h.Length, nameof(h), optional: true, allowed: true);
        layout.CheckStates(c.Length, nameof(c), optional: true, allowed: descriptor.HasCellState);
        layout.CheckStates(cNext.Length, nameof(cNext), optional: true, allowed: descriptor.HasCellState);
        layout.CheckScratch(reserve.Length, workspace.Length);
        var weights = new Weights(weightIh, weightHh, biasIh, biasHh);
        weights.Check(descriptor, descriptor.InputSize);
        fixed (float* pHNext = hNext, pCNext = cNext, pReserve = reserve, pWorkspace = workspace, pH = h, pC = c)
            ForwardLayer(layout, 0, descriptor.InputSize, x, weights, default, pHNext, new States(layout, null, pCNext, pH, pC), pReserve,
                pWorkspace, null, 0);
    }

    private static void CellBackward(in RecurrentDescriptor descriptor, Span<float> dx, Span<float> dh, Span<float> dc,
        Span<float> dWeightIh, Span<float> dWeightHh, Span<float> dBiasIh, Span<float> dBiasHh, Span<float> workspace,
        ReadOnlySpan<float> dhNext, ReadOnlySpan<float> dcNext, ReadOnlySpan<float> reserve, ReadOnlySpan<float> x,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, int batch, bool accumulateInputs, bool accumulateParameters)
    {
        Layout layout = Layout.Of(descriptor, 1, batch);
        layout.CheckSequence(x.Length, descriptor.InputSize, nameof(x));
        if (!dx.IsEmpty) layout.CheckSequence(dx.Length, descriptor.InputSize, nameof(dx));
        layout.CheckStates(dh.Length, nameof(dh), optional: true, allowed: true);
        layout.CheckStates(dhNext.Length, nameof(dhNext), optional: true, allowed: true);
        layout.CheckStates(dc.Length, nameof(dc), optional: true, allowed: descriptor.HasCellState);
        layout.CheckStates(dcNext.Length, nameof(dcNext), optional: true, allowed: descriptor.HasCellState);
        layout.CheckScratch(reserve.Length, workspace.Length);
        var weights = new Weights(weightIh, weightHh, default, default);
        var gradients = new Gradients(dWeightIh, dWeightHh, dBiasIh, dBiasHh);
        weights.Check(descriptor with { Bias = false }, descriptor.InputSize);
        gradients.Check(descriptor, descriptor.InputSize);
        fixed (float* pDhNext = dhNext, pDcNext = dcNext, pDh = dh, pDc = dc, pReserve = reserve, pWorkspace = workspace)
            BackwardLayer(layout, 0, descriptor.InputSize, x, dx, weights, default, gradients, default, pDhNext,
                new States(layout, null, pDcNext, pDh, pDc), pReserve, pWorkspace, null, 0, accumulateInputs, accumulateInputs,
                accumulateParameters);
    }

    // ---- one layer: both directions ---------------------------------------------------------------------------------

    /// <summary>Base pointers of the state tensors [L·D, Batch, H] of a call (null when not given): final states (or their
    /// gradients) and initial states (or theirs).</summary>
    private readonly struct States
    {
        private readonly int _size;
        private readonly float* _final, _finalCell, _initial, _initialCell;

        public States(in Layout layout, float* final, float* finalCell, float* initial, float* initialCell)
        {
            _size = layout.StateSize;
            _final = final;
            _finalCell = finalCell;
            _initial = initial;
            _initialCell = initialCell;
        }

        public Region Final(int k) => Region.Of(_final, k * _size, _size);
        public Region FinalCell(int k) => Region.Of(_finalCell, k * _size, _size);
        public Region Initial(int k) => Region.Of(_initial, k * _size, _size);
        public Region InitialCell(int k) => Region.Of(_initialCell, k * _size, _size);
    }

    /// <summary>A pinned run of floats (null and 0 for none), so a direction's arguments can cross to a worker thread.</summary>
    private readonly struct Region(float* pointer, int length)
    {
        private readonly float* _pointer = pointer;
        private readonly int _length = length;

        public static Region Of(float* basePointer, int offset, int length) =>
            basePointer == null ? default : new Region(basePointer + offset, length);

        public Span<float> Span => new(_pointer, _length);
    }

    /// <summary>Everything one direction's step loop reads and writes (forward or backward), as pinned regions.</summary>
    private struct Job
    {
        public Layout Layout;
        public Step Step;
        public Region Output, Final, FinalCell, History, Cache, Gx, Gh, HState, CState, Initial, InitialCell, WeightHh, BiasHh;
        public Region DOutput, DGx, DGh;
        public int* Lengths;
        public int LengthCount;
        public bool AccumulateStates;

        public readonly ReadOnlySpan<int> LengthSpan => new(Lengths, LengthCount);
    }

    // The two directions of the call in flight on the worker pool; written by the thread that owns CpuWorkers.
    private static readonly Job[] s_jobs = new Job[2];

    /// <summary>
    /// One layer: the input projections of each direction (one GEMM over all steps, split over the cores), then the step loops.
    /// The two directions of a bidirectional layer are independent, so their loops run side by side, one per core (their
    /// per-step GEMMs are too small to split); with one core free, one after the other.
    /// </summary>
    private static void ForwardLayer(in Layout layout, int layer, int inputSize, ReadOnlySpan<float> input, in Weights forward,
        in Weights reverse, float* layerOutput, in States states, float* reserve, float* workspace, int* lengths, int lengthCount)
    {
        int directions = layout.Directions;
        for (int dir = 0; dir < directions; dir++)
            Project(layout, new Step(layout, inputSize, dir), workspace, input, dir == 0 ? forward : reverse);
        fixed (float* w0 = forward.WeightHh, b0 = forward.BiasHh, w1 = reverse.WeightHh, b1 = reverse.BiasHh)
        {
            Job first = ForwardJob(layout, layer, inputSize, 0, layerOutput, states, reserve, workspace, lengths, lengthCount,
                new Region(w0, forward.WeightHh.Length), new Region(b0, forward.BiasHh.Length));
            if (directions == 1)
            {
                Recur(first);
                return;
            }
            Job second = ForwardJob(layout, layer, inputSize, 1, layerOutput, states, reserve, workspace, lengths, lengthCount,
                new Region(w1, reverse.WeightHh.Length), new Region(b1, reverse.BiasHh.Length));
            RunPair(first, second, backward: false);
        }
    }

    private static Job ForwardJob(in Layout layout, int layer, int inputSize, int dir, float* layerOutput, in States states,
        float* reserve, float* workspace, int* lengths, int lengthCount, Region weightHh, Region biasHh)
    {
        int k = layer * layout.Directions + dir;
        return new Job
        {
            Layout = layout,
            Step = new Step(layout, inputSize, dir),
            Output = new Region(layerOutput, layout.SequenceSize),
            Final = states.Final(k),
            FinalCell = states.FinalCell(k),
            Initial = states.Initial(k),
            InitialCell = states.InitialCell(k),
            History = new Region(reserve + layout.HistoryOffset(k), layout.HistorySize),
            Cache = new Region(reserve + layout.CacheOffset(k), layout.CacheSize),
            Gx = new Region(workspace + layout.GxOffset(dir), layout.GatesSize),
            Gh = new Region(workspace + layout.GhOffset(dir), layout.StepGatesSize),
            HState = new Region(workspace + layout.HStateOffset(dir), layout.StateSize),
            CState = new Region(workspace + layout.CStateOffset(dir), layout.CellStateSize),
            WeightHh = weightHh,
            BiasHh = biasHh,
            Lengths = lengths,
            LengthCount = lengthCount,
        };
    }

    /// <summary>Runs the two directions' jobs on two cores when the worker pool is free, else one after the other.</summary>
    private static void RunPair(in Job first, in Job second, bool backward)
    {
        if (CpuWorkers.TryAcquire())
        {
            s_jobs[0] = first;
            s_jobs[1] = second;
            CpuWorkers.RunAndRelease(backward ? &RecurBackwardPart : &RecurPart);
            return;
        }
        if (backward)
        {
            RecurBackward(first);
            RecurBackward(second);
        }
        else
        {
            Recur(first);
            Recur(second);
        }
    }

    private static void RecurPart(int part, int parts)
    {
        if (part < 2) Recur(s_jobs[part]);
    }

    private static void RecurBackwardPart(int part, int parts)
    {
        if (part < 2) RecurBackward(s_jobs[part]);
    }

    /// <summary>Gx = input·W_ihᵀ + bias for every step of one direction. RNN and LSTM fold both biases into Gx (the recurrent
    /// GEMM then adds onto it); GRU keeps b_hh with Gh, since r multiplies W_hn·h + b_hn.</summary>
    private static void Project(in Layout layout, in Step step, float* workspace, ReadOnlySpan<float> input, in Weights weights)
    {
        int gh = layout.GateWidth;
        var gx = new Span<float>(workspace + layout.GxOffset(step.Direction), layout.GatesSize);
        var bias = new Span<float>(workspace + layout.BiasOffset(step.Direction), gh);
        ReadOnlySpan<float> gxBias = default;
        if (!weights.BiasIh.IsEmpty)
        {
            if (layout.Mode == RecurrentMode.Gru) gxBias = weights.BiasIh;
            else
            {
                TensorPrimitives.Add(weights.BiasIh, weights.BiasHh, bias);
                gxBias = bias;
            }
        }
        CpuGemm.GemmWithEpilogue(false, true, layout.Rows, gh, step.InputSize, 1f, input, step.InputSize, weights.WeightIh, step.InputSize,
            0f, gx, gh, gxBias, UnaryOp.Identity);
    }

    /// <summary>
    /// The step loop of one direction: per step the recurrent GEMM over the running rows and the gate math, writing the
    /// direction's half of the output, the state history and the gate cache; the final states at the end. (For a cell, the
    /// output is hNext and FinalCell cNext.)
    /// </summary>
    private static void Recur(in Job job)
    {
        ref readonly Layout layout = ref job.Layout;
        RecurrentMode mode = layout.Mode;
        int t = layout.SeqLength, b = layout.Batch, h = layout.Hidden, gh = layout.GateWidth, cw = layout.CacheWidth * h;
        Span<float> output = job.Output.Span, history = job.History.Span, cache = job.Cache.Span, gx = job.Gx.Span;
        Span<float> ghStep = job.Gh.Span, hState = job.HState.Span, cState = job.CState.Span;
        ReadOnlySpan<float> weightHh = job.WeightHh.Span, biasHh = job.BiasHh.Span, h0 = job.Initial.Span, c0 = job.InitialCell.Span;
        ReadOnlySpan<int> lengths = job.LengthSpan;

        if (h0.IsEmpty) hState.Clear(); else h0.CopyTo(hState);
        if (mode == RecurrentMode.Lstm)
        {
            if (c0.IsEmpty) cState.Clear(); else c0.CopyTo(cState);
        }
        for (int s = 0; s < t; s++)
        {
            int ti = job.Step.Direction == 0 ? s : t - 1 - s;
            int running = RunningRows(lengths, ti, b);
            int firstRow = layout.StepRow(ti), rowStride = layout.RowStride;
            for (int e = 0; e < b; e++)
                hState.Slice(e * h, h).CopyTo(history.Slice((firstRow + e * rowStride) * h, h));
            if (running > 0)
            {
                if (mode == RecurrentMode.Gru)
                    CpuGemm.GemmWithEpilogue(false, true, running, gh, h, 1f, hState, h, weightHh, h, 0f, ghStep, gh, biasHh, UnaryOp.Identity);
                else
                    CpuGemm.Gemm(false, true, running, gh, h, 1f, hState, h, weightHh, h, 1f, gx[(firstRow * gh)..], rowStride * gh);
            }
            for (int e = 0; e < b; e++)
            {
                int row = firstRow + e * rowStride;
                Span<float> outRow = output.Slice(row * layout.OutputWidth + job.Step.Column, h);
                if (!IsRunning(lengths, ti, e))
                {
                    outRow.Clear();
                    continue;
                }
                Span<float> state = hState.Slice(e * h, h);
                Span<float> saved = cache.Slice(row * cw, cw);
                Span<float> pre = gx.Slice(row * gh, gh);
                switch (mode)
                {
                    case RecurrentMode.RnnTanh:
                        TensorPrimitives.Tanh(pre, state);
                        state.CopyTo(saved);
                        break;
                    case RecurrentMode.RnnRelu:
                        TensorPrimitives.Max(pre, 0f, state);
                        state.CopyTo(saved);
                        break;
                    case RecurrentMode.Gru:
                        GruStep(state, saved, pre, ghStep.Slice(e * gh, gh), h);
                        break;
                    default:
                        LstmStep(state, cState.Slice(e * h, h), saved, pre, h);
                        break;
                }
                state.CopyTo(outRow);
            }
        }
        if (!job.Final.Span.IsEmpty) hState.CopyTo(job.Final.Span);
        if (!job.FinalCell.Span.IsEmpty) cState.CopyTo(job.FinalCell.Span);
    }

    /// <summary>
    /// Backward of <see cref="ForwardLayer"/>: each direction's step loop in the reverse of its forward order (side by side on
    /// two cores when bidirectional) writes the gate gradients of every step and the initial-state gradients; then one GEMM
    /// each for dW_ih, dW_hh and the input gradient per direction, split over the cores.
    /// </summary>
    private static void BackwardLayer(in Layout layout, int layer, int inputSize, ReadOnlySpan<float> input, Span<float> dInput,
        in Weights forward, in Weights reverse, in Gradients forwardGradients, in Gradients reverseGradients, float* dLayerOutput,
        in States states, float* reserve, float* workspace, int* lengths, int lengthCount, bool accumulateInput, bool accumulateStates,
        bool accumulateParameters)
    {
        int directions = layout.Directions;
        fixed (float* w0 = forward.WeightHh, w1 = reverse.WeightHh)
        {
            Job first = BackwardJob(layout, layer, inputSize, 0, dLayerOutput, states, reserve, workspace, lengths, lengthCount,
                new Region(w0, forward.WeightHh.Length), accumulateStates);
            if (directions == 1) RecurBackward(first);
            else
                RunPair(first, BackwardJob(layout, layer, inputSize, 1, dLayerOutput, states, reserve, workspace, lengths, lengthCount,
                    new Region(w1, reverse.WeightHh.Length), accumulateStates), backward: true);
        }
        for (int dir = 0; dir < directions; dir++)
        {
            int k = layer * directions + dir;
            var dGx = new ReadOnlySpan<float>(workspace + layout.GxGradientOffset(dir), layout.GatesSize);
            var dGh = new ReadOnlySpan<float>(workspace + layout.GhGradientOffset(dir), layout.GatesSize);
            var history = new ReadOnlySpan<float>(reserve + layout.HistoryOffset(k), layout.HistorySize);
            ParameterGradients(layout, new Step(layout, inputSize, dir), dInput, dir == 0 ? forwardGradients : reverseGradients, dGx, dGh,
                history, input, dir == 0 ? forward.WeightIh : reverse.WeightIh, accumulateInput: dir > 0 || accumulateInput, accumulateParameters);
        }
    }

    private static Job BackwardJob(in Layout layout, int layer, int inputSize, int dir, float* dLayerOutput, in States states,
        float* reserve, float* workspace, int* lengths, int lengthCount, Region weightHh, bool accumulateStates)
    {
        int k = layer * layout.Directions + dir;
        return new Job
        {
            Layout = layout,
            Step = new Step(layout, inputSize, dir),
            DOutput = Region.Of(dLayerOutput, 0, layout.SequenceSize),
            Final = states.Final(k),
            FinalCell = states.FinalCell(k),
            Initial = states.Initial(k),
            InitialCell = states.InitialCell(k),
            History = new Region(reserve + layout.HistoryOffset(k), layout.HistorySize),
            Cache = new Region(reserve + layout.CacheOffset(k), layout.CacheSize),
            DGx = new Region(workspace + layout.GxGradientOffset(dir), layout.GatesSize),
            DGh = new Region(workspace + layout.GhGradientOffset(dir), layout.GatesSize),
            HState = new Region(workspace + layout.HStateGradientOffset(dir), layout.StateSize),
            CState = new Region(workspace + layout.CStateGradientOffset(dir), layout.CellStateSize),
            WeightHh = weightHh,
            Lengths = lengths,
            LengthCount = lengthCount,
            AccumulateStates = accumulateStates,
        };
    }

    /// <summary>
    /// The backward step loop of one direction: steps in the reverse of the forward order, the gate gradients of every step into
    /// dGx (and dGh for GRU; the same memory otherwise), dh_prev = direct term + dGh·W_hh per step over the running rows; the
    /// gradients of the initial states (Initial, InitialCell) at the end. Final and FinalCell hold the gradients arriving at h_n
    /// and c_n, DOutput those at the output sequence (each may be empty).
    /// </summary>
    private static void RecurBackward(in Job job)
    {
        ref readonly Layout layout = ref job.Layout;
        RecurrentMode mode = layout.Mode;
        int t = layout.SeqLength, b = layout.Batch, h = layout.Hidden, gh = layout.GateWidth, cw = layout.CacheWidth * h;
        Span<float> dGx = job.DGx.Span, dGh = job.DGh.Span, dhState = job.HState.Span, dcState = job.CState.Span;
        ReadOnlySpan<float> dOutput = job.DOutput.Span, dhN = job.Final.Span, dcN = job.FinalCell.Span;
        ReadOnlySpan<float> history = job.History.Span, cache = job.Cache.Span, weightHh = job.WeightHh.Span;
        ReadOnlySpan<int> lengths = job.LengthSpan;
        if (dhN.IsEmpty) dhState.Clear(); else dhN.CopyTo(dhState);
        if (mode == RecurrentMode.Lstm)
        {
            if (dcN.IsEmpty) dcState.Clear(); else dcN.CopyTo(dcState);
        }

        for (int s = t - 1; s >= 0; s--)
        {
            int ti = job.Step.Direction == 0 ? s : t - 1 - s;
            int running = RunningRows(lengths, ti, b);
            int firstRow = layout.StepRow(ti), rowStride = layout.RowStride;
            for (int e = 0; e < b; e++)
            {
                int row = firstRow + e * rowStride;
                Span<float> dGxRow = dGx.Slice(row * gh, gh);
                if (!IsRunning(lengths, ti, e))
                {
                    dGxRow.Clear();
                    if (mode == RecurrentMode.Gru) dGh.Slice(row * gh, gh).Clear();
                    continue;
                }
                Span<float> dh = dhState.Slice(e * h, h);
                if (!dOutput.IsEmpty)
                    TensorPrimitives.Add(dh, dOutput.Slice(row * layout.OutputWidth + job.Step.Column, h), dh);
                ReadOnlySpan<float> saved = cache.Slice(row * cw, cw);
                switch (mode)
                {
                    case RecurrentMode.RnnTanh:
                        for (int j = 0; j < h; j++) dGxRow[j] = dh[j] * (1f - saved[j] * saved[j]);
                        dh.Clear();
                        break;
                    case RecurrentMode.RnnRelu:
                        for (int j = 0; j < h; j++) dGxRow[j] = saved[j] > 0f ? dh[j] : 0f;
                        dh.Clear();
                        break;
                    case RecurrentMode.Gru:
                        GruStepBackward(dh, dGxRow, dGh.Slice(row * gh, gh), saved, history.Slice(row * h, h), h);
                        break;
                    default:
                        LstmStepBackward(dh, dcState.Slice(e * h, h), dGxRow, saved, h);
                        break;
                }
            }
            // dh_prev (+)= dGh·W_hh over the running rows (rows past the last running one are carried unchanged).
            if (running > 0)
                CpuGemm.Gemm(false, false, running, h, gh, 1f, dGh[(firstRow * gh)..], rowStride * gh, weightHh, h, 1f, dhState, h);
        }
        if (!job.Initial.Span.IsEmpty) Accumulate(job.Initial.Span, dhState, job.AccumulateStates);
        if (!job.InitialCell.Span.IsEmpty) Accumulate(job.InitialCell.Span, dcState, job.AccumulateStates);
    }

    /// <summary>dW_ih (+)= dGxᵀ·input, dW_hh (+)= dGhᵀ·history, db_ih (+)= Σ dGx, db_hh (+)= Σ dGh, dInput (+)= dGx·W_ih: one GEMM
    /// each over every step of one direction.</summary>
    private static void ParameterGradients(in Layout layout, in Step step, Span<float> dInput, in Gradients gradients,
        ReadOnlySpan<float> dGx, ReadOnlySpan<float> dGh, ReadOnlySpan<float> history, ReadOnlySpan<float> input,
        ReadOnlySpan<float> weightIh, bool accumulateInput, bool accumulateParameters)
    {
        int rows = layout.Rows, gh = layout.GateWidth, h = layout.Hidden;
        float beta = accumulateParameters ? 1f : 0f;
        CpuGemm.Gemm(true, false, gh, step.InputSize, rows, 1f, dGx, gh, input, step.InputSize, beta, gradients.WeightIh, step.InputSize);
        CpuGemm.Gemm(true, false, gh, h, rows, 1f, dGh, gh, history, h, beta, gradients.WeightHh, h);
        if (!gradients.BiasIh.IsEmpty)
        {
            ColumnSums(gradients.BiasIh, dGx, rows, gh, accumulateParameters);
            ColumnSums(gradients.BiasHh, dGh, rows, gh, accumulateParameters);
        }
        if (!dInput.IsEmpty)
            CpuGemm.Gemm(false, false, rows, step.InputSize, gh, 1f, dGx, gh, weightIh, step.InputSize, accumulateInput ? 1f : 0f,
                dInput, step.InputSize);
    }


    /// <summary>r, z = σ(Gx + Gh) over the first 2H; n = tanh(Gx_n + r ∘ Gh_n); h' = n + z ∘ (h − n), in place in
    /// <paramref name="state"/>. saved = [r, z, n, Gh_n].</summary>
    private static void GruStep(Span<float> state, Span<float> saved, ReadOnlySpan<float> gx, ReadOnlySpan<float> gh, int h)
    {
        Span<float> rz = saved[..(2 * h)], r = saved[..h], z = saved.Slice(h, h), n = saved.Slice(2 * h, h), ghn = saved.Slice(3 * h, h);
        TensorPrimitives.Add(gx[..(2 * h)], gh[..(2 * h)], rz);
        TensorPrimitives.Sigmoid(rz, rz);
        gh.Slice(2 * h, h).CopyTo(ghn);
        TensorPrimitives.MultiplyAdd(r, ghn, gx.Slice(2 * h, h), n);
        TensorPrimitives.Tanh(n, n);
        TensorPrimitives.Subtract(state, n, state);
        TensorPrimitives.MultiplyAdd(state, z, n, state);
    }

    /// <summary>i, f, o = σ, g = tanh of the pre-activations; c' = f ∘ c + i ∘ g; h' = o ∘ tanh(c'), in place in
    /// <paramref name="state"/> and <paramref name="cell"/>. saved = [i, f, g, o, c', c].</summary>
    private static void LstmStep(Span<float> state, Span<float> cell, Span<float> saved, ReadOnlySpan<float> pre, int h)
    {
        Span<float> i = saved[..h], f = saved.Slice(h, h), g = saved.Slice(2 * h, h), o = saved.Slice(3 * h, h);
        Span<float> cNew = saved.Slice(4 * h, h), cOld = saved.Slice(5 * h, h);
        TensorPrimitives.Sigmoid(pre[..(2 * h)], saved[..(2 * h)]);
        TensorPrimitives.Tanh(pre.Slice(2 * h, h), g);
        TensorPrimitives.Sigmoid(pre.Slice(3 * h, h), o);
        cell.CopyTo(cOld);
        TensorPrimitives.Multiply(f, cell, cell);
        TensorPrimitives.MultiplyAdd(i, g, cell, cell);
        cell.CopyTo(cNew);
        TensorPrimitives.Tanh(cell, state);
        TensorPrimitives.Multiply(state, o, state);
    }

    /// <summary>GRU step backward; on entry dh is the total gradient of h', on exit the direct term dh ∘ z of dh_prev.
    /// saved = [r, z, n, Gh_n], hPrev the state before the step.</summary>
    private static void GruStepBackward(Span<float> dh, Span<float> dGx, Span<float> dGh, ReadOnlySpan<float> saved,
        ReadOnlySpan<float> hPrev, int h)
    {
        for (int j = 0; j < h; j++)
        {
            float r = saved[j], z = saved[h + j], n = saved[2 * h + j], ghn = saved[3 * h + j], g = dh[j];
            float dn = g * (1f - z) * (1f - n * n);
            float dr = dn * ghn * r * (1f - r);
            float dz = g * (hPrev[j] - n) * z * (1f - z);
            dGx[j] = dr;
            dGx[h + j] = dz;
            dGx[2 * h + j] = dn;
            dGh[j] = dr;
            dGh[h + j] = dz;
            dGh[2 * h + j] = dn * r;
            dh[j] = g * z;
        }
    }

    /// <summary>LSTM step backward; dh is the total gradient of h' (cleared on exit: h' reaches h only through the gates), dc
    /// the gradient arriving at c' (on exit the gradient of c). saved = [i, f, g, o, c', c].</summary>
    private static void LstmStepBackward(Span<float> dh, Span<float> dc, Span<float> dGates, ReadOnlySpan<float> saved, int h)
    {
        for (int j = 0; j < h; j++)
        {
            float i = saved[j], f = saved[h + j], g = saved[2 * h + j], o = saved[3 * h + j];
            float tc = MathF.Tanh(saved[4 * h + j]), cPrev = saved[5 * h + j], gh = dh[j];
            float dcTotal = dc[j] + gh * o * (1f - tc * tc);
            dGates[j] = dcTotal * g * i * (1f - i);
            dGates[h + j] = dcTotal * cPrev * f * (1f - f);
            dGates[2 * h + j] = dcTotal * i * (1f - g * g);
            dGates[3 * h + j] = gh * tc * o * (1f - o);
            dc[j] = dcTotal * f;
            dh[j] = 0f;
        }
    }

    private static void Accumulate(Span<float> destination, ReadOnlySpan<float> values, bool accumulate)
    {
        if (accumulate) TensorPrimitives.Add(destination, values, destination);
        else values.CopyTo(destination);
    }

    /// <summary>sums (+)= Σ_rows matrix[row, :].</summary>
    private static void ColumnSums(Span<float> sums, ReadOnlySpan<float> matrix, int rows, int columns, bool accumulate)
    {
        if (!accumulate) sums.Clear();
        for (int r = 0; r < rows; r++) TensorPrimitives.Add(sums, matrix.Slice(r * columns, columns), sums);
    }

    private static bool IsRunning(ReadOnlySpan<int> lengths, int t, int example) => lengths.IsEmpty || t < lengths[example];

    /// <summary>1 + the last example still running at step t (0 when none is): the rows the recurrent GEMM covers.</summary>
    private static int RunningRows(ReadOnlySpan<int> lengths, int t, int batch)
    {
        if (lengths.IsEmpty) return batch;
        for (int e = batch - 1; e >= 0; e--)
            if (t < lengths[e]) return e + 1;
        return 0;
    }

    // ---- argument checks ------------------------------------------------------------------------------------------------

    private static void CheckLengths(ReadOnlySpan<int> lengths, int seqLength, int batch)
    {
        if (lengths.IsEmpty) return;
        if (lengths.Length != batch)
            throw new ArgumentException($"lengths has {lengths.Length} entries for a batch of {batch}: give one length per example.", nameof(lengths));
        for (int e = 0; e < batch; e++)
        {
            int length = lengths[e];
            if (length < 1)
                throw new ArgumentOutOfRangeException(nameof(lengths), length,
                    $"Example {e} has length {length}: every sequence needs at least one step.");
            if (length > seqLength)
                throw new ArgumentOutOfRangeException(nameof(lengths), length,
                    $"Example {e} has length {length}, more than the padded sequence length {seqLength}.");
        }
    }

    private static void CheckParameters(in RecurrentDescriptor descriptor, ReadOnlySpan<float[]> parameters, string name)
    {
        if (parameters.Length != descriptor.ParameterTensorCount)
            throw new ArgumentException(
                $"{descriptor} has {descriptor.ParameterTensorCount} parameter tensors, {name} holds {parameters.Length}.", name);
        for (int p = 0; p < parameters.Length; p++)
        {
            long needed = descriptor.ParameterLength(p);
            if (parameters[p] is null || parameters[p].Length != needed)
                throw new ArgumentException($"{descriptor}: {name}[{p}] ({descriptor.ParameterName(p)}) must hold {needed} values " +
                    $"{Tensor.ShapeText(descriptor.ParameterShape(p))}, it holds {parameters[p]?.Length.ToString() ?? "null"}.", name);
        }
    }

    /// <summary>The four parameter spans of one layer and direction.</summary>
    private readonly ref struct Weights(ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh,
        ReadOnlySpan<float> biasHh)
    {
        public readonly ReadOnlySpan<float> WeightIh = weightIh, WeightHh = weightHh, BiasIh = biasIh, BiasHh = biasHh;

        public static Weights Of(in RecurrentDescriptor descriptor, ReadOnlySpan<float[]> parameters, int k)
        {
            int first = k * (descriptor.Bias ? 4 : 2);
            return descriptor.Bias
                ? new Weights(parameters[first], parameters[first + 1], parameters[first + 2], parameters[first + 3])
                : new Weights(parameters[first], parameters[first + 1], default, default);
        }

        public void Check(in RecurrentDescriptor descriptor, int inputSize)
        {
            RecurrentDescriptor d = descriptor;
            long gh = (long)d.GateCount * d.HiddenSize;
            Expect(WeightIh.Length, checked(gh * inputSize), "weight_ih", $"[{gh}, {inputSize}]");
            Expect(WeightHh.Length, checked(gh * d.HiddenSize), "weight_hh", $"[{gh}, {d.HiddenSize}]");
            Expect(BiasIh.Length, d.Bias ? gh : 0, "bias_ih", $"[{gh}]");
            Expect(BiasHh.Length, d.Bias ? gh : 0, "bias_hh", $"[{gh}]");

            void Expect(int length, long needed, string name, string shape)
            {
                if (length != needed)
                    throw new ArgumentException($"{d}: {name} must hold {needed} values {(needed == 0 ? "(no bias)" : shape)}, it holds {length}.");
            }
        }
    }

    /// <summary>The gradient spans of one layer and direction's parameters.</summary>
    private readonly ref struct Gradients(Span<float> weightIh, Span<float> weightHh, Span<float> biasIh, Span<float> biasHh)
    {
        public readonly Span<float> WeightIh = weightIh, WeightHh = weightHh, BiasIh = biasIh, BiasHh = biasHh;

        public static Gradients Of(in RecurrentDescriptor descriptor, ReadOnlySpan<float[]> gradients, int k)
        {
            int first = k * (descriptor.Bias ? 4 : 2);
            return descriptor.Bias
                ? new Gradients(gradients[first], gradients[first + 1], gradients[first + 2], gradients[first + 3])
                : new Gradients(gradients[first], gradients[first + 1], default, default);
        }

        public void Check(in RecurrentDescriptor descriptor, int inputSize) =>
            new Weights(WeightIh, WeightHh, BiasIh, BiasHh).Check(descriptor, inputSize);
    }

    /// <summary>One layer and direction: its input width, its direction and its columns in the layer output.</summary>
    private readonly struct Step
    {
        public readonly int InputSize;
        public readonly int Direction;
        public readonly int Column;

        public Step(in Layout layout, int inputSize, int direction)
        {
            InputSize = inputSize;
            Direction = direction;
            Column = direction * layout.Hidden;
        }
    }

    /// <summary>Sizes and offsets of the reserve and workspace for one geometry, computed with checked arithmetic before any
    /// memory is touched; every length fits an int. The workspace holds one block of scratch per direction (the two directions
    /// run at the same time), then the gradients of the lower layers' outputs.</summary>
    private readonly struct Layout
    {
        public readonly RecurrentMode Mode;
        public readonly int SeqLength, Batch, Hidden, GateWidth, CacheWidth, OutputWidth, Rows, RowStride, StateSize, SequenceSize;
        public readonly int Directions, GatesSize, StepGatesSize, CellStateSize;
        public readonly int HistorySize, CacheSize, ReserveLength, WorkspaceLength, DroppedGradientOffset;
        private readonly int _gh, _bias, _hState, _cState, _dGx, _dGh, _dhState, _dcState, _block;
        private readonly int _layerGradientBase, _layerBase, _layerStride, _statesPerLayers;
        private readonly bool _batchFirst;

        private Layout(in RecurrentDescriptor d, int seqLength, int batch)
        {
            d.Validate();
            if (seqLength < 1) throw new ArgumentOutOfRangeException(nameof(seqLength), seqLength, $"{d}: the sequence length must be at least 1.");
            if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, $"{d}: the batch must be at least 1.");
            checked
            {
                Mode = d.Mode;
                (SeqLength, Batch, Hidden) = (seqLength, batch, d.HiddenSize);
                GateWidth = d.GateCount * d.HiddenSize;
                CacheWidth = d.Mode switch { RecurrentMode.Gru => 4, RecurrentMode.Lstm => 6, _ => 1 };
                OutputWidth = d.OutputSize;
                Rows = seqLength * batch;
                _batchFirst = d.BatchFirst;
                RowStride = d.BatchFirst ? seqLength : 1;
                StateSize = batch * d.HiddenSize;
                Directions = d.Directions;
                _statesPerLayers = d.NumLayers * d.Directions;
                SequenceSize = Rows * OutputWidth;
                _ = Rows * Math.Max(d.InputSize, OutputWidth);
                HistorySize = Rows * Hidden;
                CacheSize = Rows * CacheWidth * Hidden;
                bool dropout = d.Dropout > 0f;
                _layerBase = _statesPerLayers * (HistorySize + CacheSize);
                _layerStride = SequenceSize * (dropout ? 3 : 1);
                ReserveLength = _layerBase + (d.NumLayers - 1) * _layerStride;

                bool gru = d.Mode == RecurrentMode.Gru, lstm = d.Mode == RecurrentMode.Lstm;
                GatesSize = Rows * GateWidth;
                StepGatesSize = gru ? batch * GateWidth : 0;
                CellStateSize = lstm ? StateSize : 0;
                _gh = GatesSize;
                _bias = _gh + StepGatesSize;
                _hState = _bias + GateWidth;
                _cState = _hState + StateSize;
                _dGx = _cState + CellStateSize;
                _dGh = _dGx + GatesSize;
                _dhState = _dGh + (gru ? GatesSize : 0);
                _dcState = _dhState + StateSize;
                _block = _dcState + CellStateSize;
                _layerGradientBase = Directions * _block;
                int layerGradients = d.NumLayers > 1 ? Math.Min(d.NumLayers - 1, 2) * SequenceSize : 0;
                DroppedGradientOffset = _layerGradientBase + layerGradients;
                WorkspaceLength = DroppedGradientOffset + (d.NumLayers > 1 && dropout ? SequenceSize : 0);
            }
        }

        public int GxOffset(int dir) => dir * _block;

        public int GhOffset(int dir) => dir * _block + _gh;

        public int BiasOffset(int dir) => dir * _block + _bias;

        public int HStateOffset(int dir) => dir * _block + _hState;

        public int CStateOffset(int dir) => dir * _block + _cState;

        public int GxGradientOffset(int dir) => dir * _block + _dGx;

        /// <summary>GRU's own dGh; for RNN and LSTM dGh is dGx.</summary>
        public int GhGradientOffset(int dir) => dir * _block + (Mode == RecurrentMode.Gru ? _dGh : _dGx);

        public int HStateGradientOffset(int dir) => dir * _block + _dhState;

        public int CStateGradientOffset(int dir) => dir * _block + _dcState;

        public static Layout Of(in RecurrentDescriptor descriptor, int seqLength, int batch) => new(descriptor, seqLength, batch);

        /// <summary>The row of example 0 at step t; example e is at StepRow(t) + e·RowStride.</summary>
        public int StepRow(int t) => _batchFirst ? t : t * Batch;

        public int HistoryOffset(int k) => k * (HistorySize + CacheSize);

        public int CacheOffset(int k) => HistoryOffset(k) + HistorySize;

        public int LayerOutputOffset(int layer) => _layerBase + layer * _layerStride;

        public int LayerMaskOffset(int layer) => LayerOutputOffset(layer) + SequenceSize;

        public int LayerDroppedOffset(int layer) => LayerOutputOffset(layer) + 2 * SequenceSize;

        /// <summary>Gradient of layer l's output (l below the top): two buffers used in turn.</summary>
        public int LayerGradientOffset(int layer) => _layerGradientBase + (layer % 2) * SequenceSize;

        public void CheckSequence(int length, int features, string name)
        {
            long needed = checked((long)Rows * features);
            if (length != needed)
                throw new ArgumentException(
                    $"{Mode}: {name} must hold {needed} values ({(_batchFirst ? $"[{Batch}, {SeqLength}, {features}]" : $"[{SeqLength}, {Batch}, {features}]")}), it holds {length}.",
                    name);
        }

        public void CheckStates(int length, string name, bool optional, bool allowed)
        {
            if (optional && length == 0) return;
            if (!allowed)
                throw new ArgumentException($"{Mode} has no cell state: {name} must be empty, it holds {length} values.", name);
            long needed = (long)_statesPerLayers * StateSize;
            if (length != needed)
                throw new ArgumentException($"{Mode}: {name} must hold {needed} values ([{_statesPerLayers}, {Batch}, {Hidden}]), it holds {length}.", name);
        }

        public void CheckScratch(int reserveLength, int workspaceLength)
        {
            if (reserveLength < ReserveLength)
                throw new ArgumentException($"{Mode}: the reserve holds {reserveLength} floats, this geometry needs {ReserveLength} (CpuRecurrent.ReserveLength).", "reserve");
            if (workspaceLength < WorkspaceLength)
                throw new ArgumentException($"{Mode}: the workspace holds {workspaceLength} floats, this geometry needs {WorkspaceLength} (CpuRecurrent.WorkspaceLength).", "workspace");
        }
    }
}
