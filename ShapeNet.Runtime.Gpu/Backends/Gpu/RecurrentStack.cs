using ILGPU;
using ILGPU.Runtime;

namespace ShapeNet.Backends.Gpu;

/// <summary>
/// Recurrent stacks on the device (mirror of <c>CpuRecurrent.Recurrent_Forward/Backward</c>: every layer, both directions,
/// variable lengths, batch-first, dropout between layers), with the CPU's reserve and workspace layout, so the sizes a plan takes
/// from <c>Recurrent_ReserveLength/WorkspaceLength</c> of both backends serve both backends. Per layer and direction: the input projections
/// of every step are one GEMM; each step is one GEMM (the recurrent product over the batch) and one gate kernel (one thread per
/// example and hidden unit; examples past their length keep their state and write zeros); the weight and input gradients are one
/// GEMM each over every step. All of it is queued on the stream: nothing waits.
/// </summary>
public sealed class GpuRecurrentStack
{
    private readonly GpuKernels _k;
    private readonly Action<AcceleratorStream, Index1D, StepViews, ArrayView<int>, StepArgs> _forward;
    private readonly Action<AcceleratorStream, Index1D, StepViews, ArrayView<int>, StepArgs> _backward;

    internal GpuRecurrentStack(GpuKernels k)
    {
        _k = k;
        _forward = k.Accelerator.LoadAutoGroupedKernel<Index1D, StepViews, ArrayView<int>, StepArgs>(StepForwardKernel);
        _backward = k.Accelerator.LoadAutoGroupedKernel<Index1D, StepViews, ArrayView<int>, StepArgs>(StepBackwardKernel);
    }

    /// <summary>The buffers of one layer and direction a step kernel reads and writes (views: passed by value).</summary>
    public struct StepViews
    {
        public ArrayView<float> Gx, Gh, DGx, DGh, HState, CState, History, Cache, Output, DOutput;
    }

    /// <summary>Sizes of one step, by value.</summary>
    public struct StepArgs
    {
        public int Mode, H, G, K, Batch, Time, FirstRow, RowStride, OutputWidth, Column, HasLengths, HasDOutput;
    }

    /// <summary>The CPU backend's reserve and workspace layout (<c>CpuRecurrent.Layout</c>), offsets in floats.</summary>
    internal readonly struct Layout
    {
        public readonly int SeqLength, Batch, Hidden, GateWidth, CacheWidth, OutputWidth, Rows, RowStride, StateSize, SequenceSize, Directions;
        public readonly long HistorySize, CacheSize, GatesSize, ReserveLength, WorkspaceLength, DroppedGradientOffset;
        private readonly long _gh, _bias, _hState, _cState, _dGx, _dGh, _dhState, _dcState, _block, _layerGradientBase, _layerBase, _layerStride;
        private readonly bool _batchFirst, _gru;

        public Layout(in RecurrentDescriptor d, int seqLength, int batch)
        {
            d.Validate();
            if (seqLength < 1) throw new ArgumentOutOfRangeException(nameof(seqLength), seqLength, $"{d}: the sequence length must be at least 1.");
            if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, $"{d}: the batch must be at least 1.");
            checked
            {
                (SeqLength, Batch, Hidden) = (seqLength, batch, d.HiddenSize);
                GateWidth = d.GateCount * d.HiddenSize;
                CacheWidth = GpuRecurrent.CacheWidth(d.Mode);
                OutputWidth = d.OutputSize;
                Rows = seqLength * batch;
                _batchFirst = d.BatchFirst;
                RowStride = d.BatchFirst ? seqLength : 1;
                StateSize = batch * d.HiddenSize;
                Directions = d.Directions;
                SequenceSize = Rows * OutputWidth;
                HistorySize = (long)Rows * Hidden;
                CacheSize = (long)Rows * CacheWidth * Hidden;
                bool dropout = d.Dropout > 0f;
                _layerBase = (long)d.NumLayers * d.Directions * (HistorySize + CacheSize);
                _layerStride = (long)SequenceSize * (dropout ? 3 : 1);
                ReserveLength = _layerBase + (d.NumLayers - 1) * _layerStride;
                _gru = d.Mode == RecurrentMode.Gru;
                bool lstm = d.Mode == RecurrentMode.Lstm;
                GatesSize = (long)Rows * GateWidth;
                long stepGates = _gru ? (long)batch * GateWidth : 0, cellState = lstm ? StateSize : 0;
                _gh = GatesSize;
                _bias = _gh + stepGates;
                _hState = _bias + GateWidth;
                _cState = _hState + StateSize;
                _dGx = _cState + cellState;
                _dGh = _dGx + GatesSize;
                _dhState = _dGh + (_gru ? GatesSize : 0);
                _dcState = _dhState + StateSize;
                _block = _dcState + cellState;
                _layerGradientBase = Directions * _block;
                long layerGradients = d.NumLayers > 1 ? Math.Min(d.NumLayers - 1, 2) * (long)SequenceSize : 0;
                DroppedGradientOffset = _layerGradientBase + layerGradients;
                WorkspaceLength = DroppedGradientOffset + (d.NumLayers > 1 && dropout ? SequenceSize : 0);
            }
        }

        public long GxOffset(int dir) => dir * _block;
        public long GhOffset(int dir) => dir * _block + _gh;
        public long HStateOffset(int dir) => dir * _block + _hState;
        public long CStateOffset(int dir) => dir * _block + _cState;
        public long GxGradientOffset(int dir) => dir * _block + _dGx;
        public long GhGradientOffset(int dir) => dir * _block + (_gru ? _dGh : _dGx);
        public long HStateGradientOffset(int dir) => dir * _block + _dhState;
        public long CStateGradientOffset(int dir) => dir * _block + _dcState;
        public int StepRow(int t) => _batchFirst ? t : t * Batch;
        public long HistoryOffset(int k) => k * (HistorySize + CacheSize);
        public long CacheOffset(int k) => HistoryOffset(k) + HistorySize;
        public long LayerOutputOffset(int layer) => _layerBase + layer * _layerStride;
        public long LayerMaskOffset(int layer) => LayerOutputOffset(layer) + SequenceSize;
        public long LayerDroppedOffset(int layer) => LayerOutputOffset(layer) + 2L * SequenceSize;
        public long LayerGradientOffset(int layer) => _layerGradientBase + (layer % 2) * (long)SequenceSize;
    }

    /// <summary>One direction's weights (and biases, empty without bias) as views.</summary>
    internal readonly record struct Weights(ArrayView<float> WeightIh, ArrayView<float> WeightHh, ArrayView<float> BiasIh, ArrayView<float> BiasHh)
    {
        public static Weights Of(in RecurrentDescriptor d, IReadOnlyList<GpuBuffer> tensors, int k)
        {
            int per = d.Bias ? 4 : 2;
            return new Weights(tensors[k * per].View, tensors[k * per + 1].View, d.Bias ? tensors[k * per + 2].View : default,
                d.Bias ? tensors[k * per + 3].View : default);
        }
    }

    /// <summary>The forward of the whole stack; views as <see cref="GpuBackend.Recurrent_Forward"/> passes them (empty = absent).</summary>
    internal void Forward(in RecurrentDescriptor d, ArrayView<float> output, ArrayView<float> hN, ArrayView<float> cN, ArrayView<float> reserve,
        ArrayView<float> workspace, ArrayView<float> x, ArrayView<float> h0, ArrayView<float> c0, IReadOnlyList<GpuBuffer> parameters,
        ArrayView<int> lengths, int seqLength, int batch, bool training, ulong dropoutSeed, uint dropoutStep)
    {
        var layout = new Layout(d, seqLength, batch);
        Check(d, layout, reserve, workspace);
        bool dropout = training && d.Dropout > 0f;
        ArrayView<float> input = x;
        for (int l = 0; l < d.NumLayers; l++)
        {
            bool top = l == d.NumLayers - 1;
            ArrayView<float> layerOutput = top ? output : reserve.SubView(layout.LayerOutputOffset(l), layout.SequenceSize);
            int inputSize = d.LayerInputSize(l);
            for (int dir = 0; dir < d.Directions; dir++)
                ForwardDirection(d, layout, l, dir, inputSize, input, Weights.Of(d, parameters, l * d.Directions + dir), layerOutput, hN, cN, h0, c0,
                    reserve, workspace, lengths);
            if (top) break;
            if (dropout)
            {
                ArrayView<float> mask = reserve.SubView(layout.LayerMaskOffset(l), layout.SequenceSize);
                ArrayView<float> dropped = reserve.SubView(layout.LayerDroppedOffset(l), layout.SequenceSize);
                _k.Dropout.Dropout_Forward(dropped, mask, layerOutput, layout.SequenceSize, d.Dropout, dropoutSeed + (ulong)l, dropoutStep);
                input = dropped;
            }
            else
            {
                input = layerOutput;
            }
        }
    }

    private void ForwardDirection(in RecurrentDescriptor d, in Layout layout, int l, int dir, int inputSize, ArrayView<float> input, Weights w,
        ArrayView<float> layerOutput, ArrayView<float> hN, ArrayView<float> cN, ArrayView<float> h0, ArrayView<float> c0, ArrayView<float> reserve,
        ArrayView<float> workspace, ArrayView<int> lengths)
    {
        int k = l * d.Directions + dir, gh = layout.GateWidth, h = layout.Hidden, b = layout.Batch, state = layout.StateSize;
        bool gru = d.Mode == RecurrentMode.Gru, lstm = d.Mode == RecurrentMode.Lstm;
        ArrayView<float> gx = workspace.SubView(layout.GxOffset(dir), layout.GatesSize);
        ArrayView<float> hState = workspace.SubView(layout.HStateOffset(dir), state);
        ArrayView<float> cState = lstm ? workspace.SubView(layout.CStateOffset(dir), state) : hState;
        ArrayView<float> ghStep = gru ? workspace.SubView(layout.GhOffset(dir), (long)b * gh) : gx;
        GpuGemm.BiasMode bias = d.Bias ? GpuGemm.BiasMode.PerColumn : GpuGemm.BiasMode.None;
        // Gx = input·W_ihᵀ + b_ih for every step; RNN and LSTM fold b_hh in too (GRU keeps it with Gh: r multiplies W_hn·h + b_hn).
        _k.Blas.Gemm(false, true, layout.Rows, gh, inputSize, 1f, input, inputSize, w.WeightIh, inputSize, 0f, gx, gh, 1, 0, 0, 0,
            w.BiasIh, bias, 0, UnaryOp.Identity);
        if (!gru && d.Bias) _k.Gemm.Epilogue(gx, layout.Rows, gh, gh, 1, 0, w.BiasHh, GpuGemm.BiasMode.PerColumn, 0, UnaryOp.Identity);
        Initial(hState, h0, k, state);
        if (lstm) Initial(cState, c0, k, state);
        var views = new StepViews
        {
            Gx = gx, Gh = ghStep, HState = hState, CState = cState,
            History = reserve.SubView(layout.HistoryOffset(k), layout.HistorySize),
            Cache = reserve.SubView(layout.CacheOffset(k), layout.CacheSize),
            Output = layerOutput, DGx = gx, DGh = gx, DOutput = gx,
        };
        var args = new StepArgs
        {
            Mode = (int)d.Mode, H = h, G = d.GateCount, K = layout.CacheWidth, Batch = b, RowStride = layout.RowStride,
            OutputWidth = layout.OutputWidth, Column = dir * h, HasLengths = lengths.Length > 0 ? 1 : 0,
        };
        int threads = GpuKernels.Count(state, "Recurrent step");
        for (int s = 0; s < layout.SeqLength; s++)
        {
            int t = dir == 0 ? s : layout.SeqLength - 1 - s;
            int firstRow = layout.StepRow(t);
            // The recurrent product over the batch: GRU into its own Gh (+ b_hh), RNN/LSTM onto the step's Gx rows.
            if (gru)
                _k.Blas.Gemm(false, true, b, gh, h, 1f, hState, h, w.WeightHh, h, 0f, ghStep, gh, 1, 0, 0, 0, w.BiasHh, bias, 0, UnaryOp.Identity);
            else
                _k.Blas.Gemm(false, true, b, gh, h, 1f, hState, h, w.WeightHh, h, 1f, gx.SubView((long)firstRow * gh), layout.RowStride * gh,
                    1, 0, 0, 0, default, GpuGemm.BiasMode.None, 0, UnaryOp.Identity);
            args.Time = t;
            args.FirstRow = firstRow;
            _forward(_k.Stream, threads, views, lengths.Length > 0 ? lengths : default, args);
        }
        if (hN.Length > 0) _k.Layout.CopyRows(hN.SubView((long)k * state, state), state, hState, state, state, 1, false);
        if (lstm && cN.Length > 0) _k.Layout.CopyRows(cN.SubView((long)k * state, state), state, cState, state, state, 1, false);
    }

    /// <summary>The backward of the whole stack, with the forward's arguments.</summary>
    internal void Backward(in RecurrentDescriptor d, ArrayView<float> dx, ArrayView<float> dh0, ArrayView<float> dc0, IReadOnlyList<GpuBuffer> gradients,
        ArrayView<float> workspace, ArrayView<float> dOutput, ArrayView<float> dhN, ArrayView<float> dcN, ArrayView<float> reserve, ArrayView<float> x,
        IReadOnlyList<GpuBuffer> parameters, ArrayView<int> lengths, int seqLength, int batch, bool training, bool accumulateDx, bool accumulateParameters)
    {
        var layout = new Layout(d, seqLength, batch);
        Check(d, layout, reserve, workspace);
        bool dropout = training && d.Dropout > 0f;
        int sequenceSize = layout.SequenceSize;
        ArrayView<float> dLayerOutput = dOutput;
        for (int l = d.NumLayers - 1; l >= 0; l--)
        {
            ArrayView<float> input = l == 0 ? x
                : dropout ? reserve.SubView(layout.LayerDroppedOffset(l - 1), sequenceSize)
                : reserve.SubView(layout.LayerOutputOffset(l - 1), sequenceSize);
            ArrayView<float> dInput = l == 0 ? dx
                : dropout ? workspace.SubView(layout.DroppedGradientOffset, sequenceSize)
                : workspace.SubView(layout.LayerGradientOffset(l - 1), sequenceSize);
            int inputSize = d.LayerInputSize(l);
            for (int dir = 0; dir < d.Directions; dir++)
            {
                int k = l * d.Directions + dir;
                BackwardDirection(d, layout, l, dir, Weights.Of(d, parameters, k), dLayerOutput, dhN, dcN, dh0, dc0, reserve, workspace, lengths,
                    accumulateDx);
                ParameterGradients(d, layout, dir, inputSize, input, dInput, Weights.Of(d, parameters, k), Weights.Of(d, gradients, k), reserve, workspace,
                    k, accumulateInput: dir > 0 || (l == 0 && accumulateDx), accumulateParameters);
            }
            if (l == 0) break;
            ArrayView<float> dBelow = workspace.SubView(layout.LayerGradientOffset(l - 1), sequenceSize);
            if (dropout)
                _k.Dropout.Dropout_Backward(dBelow, dInput, reserve.SubView(layout.LayerMaskOffset(l - 1), sequenceSize), sequenceSize, d.Dropout,
                    accumulate: false);
            dLayerOutput = dBelow;
        }
    }

    private void BackwardDirection(in RecurrentDescriptor d, in Layout layout, int l, int dir, Weights w, ArrayView<float> dLayerOutput,
        ArrayView<float> dhN, ArrayView<float> dcN, ArrayView<float> dh0, ArrayView<float> dc0, ArrayView<float> reserve, ArrayView<float> workspace,
        ArrayView<int> lengths, bool accumulateStates)
    {
        int k = l * d.Directions + dir, gh = layout.GateWidth, h = layout.Hidden, b = layout.Batch, state = layout.StateSize;
        bool lstm = d.Mode == RecurrentMode.Lstm;
        ArrayView<float> dGx = workspace.SubView(layout.GxGradientOffset(dir), layout.GatesSize);
        ArrayView<float> dGh = workspace.SubView(layout.GhGradientOffset(dir), layout.GatesSize);
        ArrayView<float> dhState = workspace.SubView(layout.HStateGradientOffset(dir), state);
        ArrayView<float> dcState = lstm ? workspace.SubView(layout.CStateGradientOffset(dir), state) : dhState;
        Initial(dhState, dhN, k, state);
        if (lstm) Initial(dcState, dcN, k, state);
        var views = new StepViews
        {
            DGx = dGx, DGh = dGh, HState = dhState, CState = dcState,
            History = reserve.SubView(layout.HistoryOffset(k), layout.HistorySize),
            Cache = reserve.SubView(layout.CacheOffset(k), layout.CacheSize),
            DOutput = dLayerOutput.Length > 0 ? dLayerOutput : dGx, Gx = dGx, Gh = dGx, Output = dGx,
        };
        var args = new StepArgs
        {
            Mode = (int)d.Mode, H = h, G = d.GateCount, K = layout.CacheWidth, Batch = b, RowStride = layout.RowStride,
            OutputWidth = layout.OutputWidth, Column = dir * h, HasLengths = lengths.Length > 0 ? 1 : 0, HasDOutput = dLayerOutput.Length > 0 ? 1 : 0,
        };
        int threads = GpuKernels.Count(state, "Recurrent step backward");
        for (int s = layout.SeqLength - 1; s >= 0; s--)
        {
            int t = dir == 0 ? s : layout.SeqLength - 1 - s;
            int firstRow = layout.StepRow(t);
            args.Time = t;
            args.FirstRow = firstRow;
            _backward(_k.Stream, threads, views, lengths.Length > 0 ? lengths : default, args);
            // dh_prev (+)= dGh·W_hh (rows of examples past their length have dGh = 0: their dh is carried unchanged).
            _k.Blas.Gemm(false, false, b, h, gh, 1f, dGh.SubView((long)firstRow * gh), layout.RowStride * gh, w.WeightHh, h, 1f, dhState, h,
                1, 0, 0, 0, default, GpuGemm.BiasMode.None, 0, UnaryOp.Identity);
        }
        if (dh0.Length > 0) _k.Layout.CopyRows(dh0.SubView((long)k * state, state), state, dhState, state, state, 1, accumulateStates);
        if (lstm && dc0.Length > 0) _k.Layout.CopyRows(dc0.SubView((long)k * state, state), state, dcState, state, state, 1, accumulateStates);
    }

    /// <summary>dW_ih (+)= dGxᵀ·input, dW_hh (+)= dGhᵀ·history, db_ih (+)= Σ dGx, db_hh (+)= Σ dGh, dInput (+)= dGx·W_ih.</summary>
    private void ParameterGradients(in RecurrentDescriptor d, in Layout layout, int dir, int inputSize, ArrayView<float> input, ArrayView<float> dInput,
        Weights w, Weights g, ArrayView<float> reserve, ArrayView<float> workspace, int k, bool accumulateInput, bool accumulateParameters)
    {
        int rows = layout.Rows, gh = layout.GateWidth, h = layout.Hidden;
        float beta = accumulateParameters ? 1f : 0f;
        ArrayView<float> dGx = workspace.SubView(layout.GxGradientOffset(dir), layout.GatesSize);
        ArrayView<float> dGh = workspace.SubView(layout.GhGradientOffset(dir), layout.GatesSize);
        ArrayView<float> history = reserve.SubView(layout.HistoryOffset(k), layout.HistorySize);
        _k.Blas.Gemm(true, false, gh, inputSize, rows, 1f, dGx, gh, input, inputSize, beta, g.WeightIh, inputSize, 1, 0, 0, 0, default,
            GpuGemm.BiasMode.None, 0, UnaryOp.Identity);
        _k.Blas.Gemm(true, false, gh, h, rows, 1f, dGh, gh, history, h, beta, g.WeightHh, h, 1, 0, 0, 0, default, GpuGemm.BiasMode.None, 0,
            UnaryOp.Identity);
        if (d.Bias)
        {
            _k.Reduction.Reduce(ReduceOp.Sum, g.BiasIh, dGx, [rows, gh], [true, false], accumulateParameters);
            _k.Reduction.Reduce(ReduceOp.Sum, g.BiasHh, dGh, [rows, gh], [true, false], accumulateParameters);
        }
        if (dInput.Length > 0)
            _k.Blas.Gemm(false, false, rows, inputSize, gh, 1f, dGx, gh, w.WeightIh, inputSize, accumulateInput ? 1f : 0f, dInput, inputSize,
                1, 0, 0, 0, default, GpuGemm.BiasMode.None, 0, UnaryOp.Identity);
    }

    /// <summary>state = states[k] (a [L·D, Batch, H] tensor), or zeros when it is absent.</summary>
    private void Initial(ArrayView<float> state, ArrayView<float> states, int k, int length)
    {
        if (states.Length > 0) _k.Layout.CopyRows(state, length, states.SubView((long)k * length, length), length, length, 1, false);
        else _k.Elementwise.Fill(state, 0f, length);
    }

    private static void Check(in RecurrentDescriptor d, in Layout layout, ArrayView<float> reserve, ArrayView<float> workspace)
    {
        if (reserve.Length < layout.ReserveLength)
            throw new ArgumentException($"{d.Mode}: the reserve holds {reserve.Length} floats, this geometry needs {layout.ReserveLength} " +
                "(Recurrent_ReserveLength).", nameof(reserve));
        if (workspace.Length < layout.WorkspaceLength)
            throw new ArgumentException($"{d.Mode}: the workspace holds {workspace.Length} floats, this geometry needs {layout.WorkspaceLength} " +
                "(Recurrent_WorkspaceLength).", nameof(workspace));
    }

    // ---- device code ---------------------------------------------------------------------------

    /// <summary>One step of one direction, one thread per (example e, unit j): history = h; for an example still running, the gates
    /// from the pre-activations (Gx rows, and GRU's Gh), the new h (and c), the cache, the output; else the output is 0.</summary>
    [Kernel]
    internal static void StepForwardKernel(Index1D i, StepViews v, ArrayView<int> lengths, StepArgs a)
    {
        int h = a.H, e = i / h, j = i % h;
        long row = a.FirstRow + (long)e * a.RowStride;
        float hPrev = v.HState[i];
        v.History[row * h + j] = hPrev;
        long outAt = row * a.OutputWidth + a.Column + j;
        if (a.HasLengths != 0 && a.Time >= lengths[e])
        {
            v.Output[outAt] = 0f;
            return;
        }
        long pre = row * a.G * h, saved = row * a.K * h;
        float next;
        if (a.Mode == (int)RecurrentMode.RnnTanh || a.Mode == (int)RecurrentMode.RnnRelu)
        {
            float p = v.Gx[pre + j];
            next = a.Mode == (int)RecurrentMode.RnnTanh ? DeviceMath.Tanh(p) : DeviceMath.Relu(p);
            v.Cache[saved + j] = next;
        }
        else if (a.Mode == (int)RecurrentMode.Gru)
        {
            long step = (long)e * a.G * h;
            float r = DeviceMath.Sigmoid(v.Gx[pre + j] + v.Gh[step + j]);
            float z = DeviceMath.Sigmoid(v.Gx[pre + h + j] + v.Gh[step + h + j]);
            float ghn = v.Gh[step + 2 * h + j];
            float n = DeviceMath.Tanh(r * ghn + v.Gx[pre + 2 * h + j]);
            v.Cache[saved + j] = r;
            v.Cache[saved + h + j] = z;
            v.Cache[saved + 2 * h + j] = n;
            v.Cache[saved + 3 * h + j] = ghn;
            next = (hPrev - n) * z + n;
        }
        else
        {
            float ig = DeviceMath.Sigmoid(v.Gx[pre + j]);
            float fg = DeviceMath.Sigmoid(v.Gx[pre + h + j]);
            float gg = DeviceMath.Tanh(v.Gx[pre + 2 * h + j]);
            float og = DeviceMath.Sigmoid(v.Gx[pre + 3 * h + j]);
            float c = v.CState[i];
            float cn = ig * gg + fg * c;
            v.Cache[saved + j] = ig;
            v.Cache[saved + h + j] = fg;
            v.Cache[saved + 2 * h + j] = gg;
            v.Cache[saved + 3 * h + j] = og;
            v.Cache[saved + 4 * h + j] = cn;
            v.Cache[saved + 5 * h + j] = c;
            v.CState[i] = cn;
            next = DeviceMath.Tanh(cn) * og;
        }
        v.HState[i] = next;
        v.Output[outAt] = next;
    }

    /// <summary>One backward step, one thread per (example e, unit j): for an example still running, dh += the output's gradient,
    /// the gate gradients into the step's dGx (and GRU's dGh) rows, dh ← the direct term (GRU dh ∘ z, else 0), dc ← dc_tot ∘ f
    /// (LSTM); for an example past its length, zero gate gradients and dh, dc carried unchanged.</summary>
    [Kernel]
    internal static void StepBackwardKernel(Index1D i, StepViews v, ArrayView<int> lengths, StepArgs a)
    {
        int h = a.H, e = i / h, j = i % h;
        long row = a.FirstRow + (long)e * a.RowStride;
        long pre = row * a.G * h, saved = row * a.K * h;
        bool gru = a.Mode == (int)RecurrentMode.Gru;
        if (a.HasLengths != 0 && a.Time >= lengths[e])
        {
            for (int gate = 0; gate < a.G; gate++)
            {
                v.DGx[pre + gate * h + j] = 0f;
                if (gru) v.DGh[pre + gate * h + j] = 0f;
            }
            return;
        }
        float g = v.HState[i];
        if (a.HasDOutput != 0) g += v.DOutput[row * a.OutputWidth + a.Column + j];
        float direct = 0f;
        if (a.Mode == (int)RecurrentMode.RnnTanh || a.Mode == (int)RecurrentMode.RnnRelu)
        {
            float y = v.Cache[saved + j];
            v.DGx[pre + j] = a.Mode == (int)RecurrentMode.RnnTanh ? g * (1f - y * y) : (y > 0f ? g : 0f);
        }
        else if (gru)
        {
            float r = v.Cache[saved + j], z = v.Cache[saved + h + j], n = v.Cache[saved + 2 * h + j], ghn = v.Cache[saved + 3 * h + j];
            float hp = v.History[row * h + j];
            float dn = g * (1f - z) * (1f - n * n);
            float dr = dn * ghn * r * (1f - r);
            float dz = g * (hp - n) * z * (1f - z);
            v.DGx[pre + j] = dr;
            v.DGx[pre + h + j] = dz;
            v.DGx[pre + 2 * h + j] = dn;
            v.DGh[pre + j] = dr;
            v.DGh[pre + h + j] = dz;
            v.DGh[pre + 2 * h + j] = dn * r;
            direct = g * z;
        }
        else
        {
            float ig = v.Cache[saved + j], fg = v.Cache[saved + h + j], gg = v.Cache[saved + 2 * h + j], og = v.Cache[saved + 3 * h + j];
            float tc = DeviceMath.Tanh(v.Cache[saved + 4 * h + j]), cp = v.Cache[saved + 5 * h + j];
            float dcTotal = v.CState[i] + g * og * (1f - tc * tc);
            v.DGx[pre + j] = dcTotal * gg * ig * (1f - ig);
            v.DGx[pre + h + j] = dcTotal * cp * fg * (1f - fg);
            v.DGx[pre + 2 * h + j] = dcTotal * ig * (1f - gg * gg);
            v.DGx[pre + 3 * h + j] = g * tc * og * (1f - og);
            v.CState[i] = dcTotal * fg;
        }
        v.HState[i] = direct;
    }
}
