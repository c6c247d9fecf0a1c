using ILGPU;
using ILGPU.Runtime;

namespace ShapeNet.Backends.Gpu;

/// <summary>
/// Recurrent cells on the device (mirror of the step math of <c>Cpu/Recurrent.cs</c>; formulas and gate orders in
/// <see cref="Cpu.CpuRecurrent"/>): the input and recurrent projections are GEMMs through <see cref="IGpuBlas"/>, the gates one
/// element-wise kernel per step (one thread per example and hidden unit), and the backward a gate-gradient kernel followed by the
/// weight, bias, input and state gradient GEMMs and reductions. A sequence layer is this step run over time with the GEMM over
/// all steps' inputs hoisted, as the CPU backend does; the cells are what the kernels and their parity tests cover.
/// <para>Layouts: reserve = [h (Batch·H) | cache (Batch·K·H)] (K = 1 RNN: h'; 4 GRU: r, z, n, Gh_n; 6 LSTM: i, f, g, o, c', c),
/// kept from forward to backward; workspace = [Gx | Gh | dGx | dGh] (Batch·G·H each).</para>
/// </summary>
public sealed class GpuRecurrent
{
    private readonly GpuKernels _k;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, GateArgs> _gatesForward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, ArrayView<float>, GateArgs> _gatesBackward;

    internal GpuRecurrent(GpuKernels k)
    {
        _k = k;
        _gatesForward = k.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, GateArgs>(GatesForwardKernel);
        _gatesBackward = k.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GateArgs>(GatesBackwardKernel);
    }

    /// <summary>Gate blocks per step (RNN 1, GRU 3, LSTM 4).</summary>
    public static int Gates(RecurrentMode mode) => mode switch { RecurrentMode.Gru => 3, RecurrentMode.Lstm => 4, _ => 1 };

    /// <summary>Values per hidden unit the forward keeps (RNN 1, GRU 4, LSTM 6).</summary>
    public static int CacheWidth(RecurrentMode mode) => mode switch { RecurrentMode.Gru => 4, RecurrentMode.Lstm => 6, _ => 1 };

    /// <summary>Floats of a cell's reserve (kept from forward to backward).</summary>
    public static long CellReserveLength(RecurrentMode mode, int batch, int hidden) => (long)batch * hidden * (1 + CacheWidth(mode));

    /// <summary>Floats of a cell's workspace (scratch of forward and backward).</summary>
    public static long CellWorkspaceLength(RecurrentMode mode, int batch, int hidden) => 4L * batch * Gates(mode) * hidden;

    /// <summary>
    /// x (Batch,In), h (Batch,H) or empty (zeros), c (Batch,H) or empty (LSTM), weightIh (G·H,In), weightHh (G·H,H), biasIh and
    /// biasHh (G·H) or both empty -> hNext (Batch,H), cNext (Batch,H) (LSTM), reserve. PyTorch's RNNCell/GRUCell/LSTMCell.
    /// </summary>
    public void Cell_Forward(RecurrentMode mode, ArrayView<float> hNext, ArrayView<float> cNext, ArrayView<float> reserve,
        ArrayView<float> workspace, ArrayView<float> x, ArrayView<float> h, ArrayView<float> c, ArrayView<float> weightIh,
        ArrayView<float> weightHh, ArrayView<float> biasIh, ArrayView<float> biasHh, int batch, int inputSize, int hidden)
    {
        GateArgs args = Check(mode, batch, inputSize, hidden, reserve, workspace, x, weightIh, weightHh, biasIh, biasHh, "cell");
        long state = (long)batch * hidden, gates = state * args.G;
        GpuKernels.Need(hNext, state, "Recurrent cell", mode, "hNext");
        if (mode == RecurrentMode.Lstm) GpuKernels.Need(cNext, state, "Recurrent cell", mode, "cNext");
        if (h.Length > 0) GpuKernels.Need(h, state, "Recurrent cell", mode, "h");
        if (c.Length > 0) GpuKernels.Need(c, state, "Recurrent cell", mode, "c");
        if (batch == 0) return;
        ArrayView<float> hPrev = reserve.SubView(0, state), cache = reserve.SubView(state, state * args.K);
        ArrayView<float> gx = workspace.SubView(0, gates), gh = workspace.SubView(gates, gates);
        if (h.Length > 0) _k.Layout.CopyRows(hPrev, state, h, state, state, 1, accumulate: false);
        else _k.Elementwise.Fill(hPrev, 0f, state);
        GpuGemm.BiasMode bias = biasIh.Length > 0 ? GpuGemm.BiasMode.PerColumn : GpuGemm.BiasMode.None;
        int gh3 = args.G * hidden;
        // Gx = x·W_ihᵀ + b_ih; RNN and LSTM add W_hh·h + b_hh onto it, GRU keeps Gh apart (r multiplies W_hn·h + b_hn).
        _k.Blas.Gemm(false, true, batch, gh3, inputSize, 1f, x, inputSize, weightIh, inputSize, 0f, gx, gh3, 1, 0, 0, 0,
            biasIh, bias, 0, UnaryOp.Identity);
        bool gru = mode == RecurrentMode.Gru;
        _k.Blas.Gemm(false, true, batch, gh3, hidden, 1f, hPrev, hidden, weightHh, hidden, gru ? 0f : 1f, gru ? gh : gx, gh3, 1, 0, 0, 0,
            biasHh, bias, 0, UnaryOp.Identity);
        args.HasCell = c.Length > 0 ? 1 : 0;
        _gatesForward(_k.Stream, GpuKernels.Count(state, "Recurrent gates"), hNext, cNext, cache, gx, gh, hPrev,
            c.Length > 0 ? c : hPrev, args);
    }

    /// <summary>
    /// dhNext (Batch,H) or empty, dcNext (Batch,H) or empty (LSTM), reserve (of the forward), x, weights -> dx (Batch,In), dh, dc
    /// (Batch,H) (+)= with accumulateInputs (each may be empty: skipped); dWeightIh, dWeightHh, dBiasIh, dBiasHh (+)= with
    /// accumulateParameters (bias gradients may be empty).
    /// </summary>
    public void Cell_Backward(RecurrentMode mode, ArrayView<float> dx, ArrayView<float> dh, ArrayView<float> dc, ArrayView<float> dWeightIh,
        ArrayView<float> dWeightHh, ArrayView<float> dBiasIh, ArrayView<float> dBiasHh, ArrayView<float> workspace, ArrayView<float> dhNext,
        ArrayView<float> dcNext, ArrayView<float> reserve, ArrayView<float> x, ArrayView<float> weightIh, ArrayView<float> weightHh,
        int batch, int inputSize, int hidden, bool accumulateInputs, bool accumulateParameters)
    {
        GateArgs args = Check(mode, batch, inputSize, hidden, reserve, workspace, x, weightIh, weightHh, default, default, "cell backward");
        long state = (long)batch * hidden, gates = state * args.G;
        int gh3 = args.G * hidden;
        GpuKernels.Need(dWeightIh, (long)gh3 * inputSize, "Recurrent cell backward", mode, "dWeightIh");
        GpuKernels.Need(dWeightHh, (long)gh3 * hidden, "Recurrent cell backward", mode, "dWeightHh");
        if (dBiasIh.Length > 0) GpuKernels.Need(dBiasIh, gh3, "Recurrent cell backward", mode, "dBiasIh");
        if (dBiasHh.Length > 0) GpuKernels.Need(dBiasHh, gh3, "Recurrent cell backward", mode, "dBiasHh");
        if (dx.Length > 0) GpuKernels.Need(dx, (long)batch * inputSize, "Recurrent cell backward", mode, "dx");
        foreach ((ArrayView<float> view, string name) in (ReadOnlySpan<(ArrayView<float>, string)>)[(dh, "dh"), (dc, "dc"), (dhNext, "dhNext"), (dcNext, "dcNext")])
            if (view.Length > 0) GpuKernels.Need(view, state, "Recurrent cell backward", mode, name);
        ArrayView<float> hPrev = reserve.SubView(0, state), cache = reserve.SubView(state, state * args.K);
        ArrayView<float> dGx = workspace.SubView(2 * gates, gates), dGh = workspace.SubView(3 * gates, gates);
        float beta = accumulateParameters ? 1f : 0f;
        if (batch > 0)
        {
            args.HasDh = dhNext.Length > 0 ? 1 : 0;
            args.HasDc = dcNext.Length > 0 ? 1 : 0;
            args.WriteDh = dh.Length > 0 ? 1 : 0;
            args.WriteDc = dc.Length > 0 ? 1 : 0;
            args.Accumulate = accumulateInputs ? 1 : 0;
            _gatesBackward(_k.Stream, GpuKernels.Count(state, "Recurrent gates backward"), dGx, dGh, args.WriteDh != 0 ? dh : dGx,
                args.WriteDc != 0 ? dc : dGx, cache, hPrev, args.HasDh != 0 ? dhNext : dGx, args.HasDc != 0 ? dcNext : dGx, args);
            // dh (+)= direct term (written by the kernel) + dGh·W_hh.
            if (dh.Length > 0)
                _k.Blas.Gemm(false, false, batch, hidden, gh3, 1f, dGh, gh3, weightHh, hidden, 1f, dh, hidden, 1, 0, 0, 0, default,
                    GpuGemm.BiasMode.None, 0, UnaryOp.Identity);
            if (dx.Length > 0)
                _k.Blas.Gemm(false, false, batch, inputSize, gh3, 1f, dGx, gh3, weightIh, inputSize, accumulateInputs ? 1f : 0f, dx, inputSize,
                    1, 0, 0, 0, default, GpuGemm.BiasMode.None, 0, UnaryOp.Identity);
        }
        // dW_ih (+)= dGxᵀ·x, dW_hh (+)= dGhᵀ·h, db (+)= Σ_rows (a batch of 0 leaves zeros, or the accumulated values).
        _k.Blas.Gemm(true, false, gh3, inputSize, batch, 1f, dGx, gh3, x, inputSize, beta, dWeightIh, inputSize, 1, 0, 0, 0, default,
            GpuGemm.BiasMode.None, 0, UnaryOp.Identity);
        _k.Blas.Gemm(true, false, gh3, hidden, batch, 1f, dGh, gh3, hPrev, hidden, beta, dWeightHh, hidden, 1, 0, 0, 0, default,
            GpuGemm.BiasMode.None, 0, UnaryOp.Identity);
        if (dBiasIh.Length > 0) _k.Reduction.Reduce(ReduceOp.Sum, dBiasIh, dGx, [batch, gh3], [true, false], accumulateParameters);
        if (dBiasHh.Length > 0) _k.Reduction.Reduce(ReduceOp.Sum, dBiasHh, dGh, [batch, gh3], [true, false], accumulateParameters);
    }

    private static GateArgs Check(RecurrentMode mode, int batch, int inputSize, int hidden, ArrayView<float> reserve, ArrayView<float> workspace,
        ArrayView<float> x, ArrayView<float> weightIh, ArrayView<float> weightHh, ArrayView<float> biasIh, ArrayView<float> biasHh, string what)
    {
        if (!Enum.IsDefined(mode)) throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown recurrent mode.");
        if (batch < 0 || inputSize < 1 || hidden < 1)
            throw new ArgumentException($"{mode} {what}: batch {batch} must be non-negative, input size {inputSize} and hidden size {hidden} positive.");
        if (biasIh.Length > 0 != biasHh.Length > 0)
            throw new ArgumentException($"{mode} {what}: pass both biases or neither (bias_ih has {biasIh.Length} values, bias_hh {biasHh.Length}).");
        int g = Gates(mode);
        long gh = (long)g * hidden;
        GpuKernels.Need(x, (long)batch * inputSize, $"{mode} {what}", "x");
        GpuKernels.Need(weightIh, gh * inputSize, $"{mode} {what}", "weightIh");
        GpuKernels.Need(weightHh, gh * hidden, $"{mode} {what}", "weightHh");
        if (biasIh.Length > 0) GpuKernels.Need(biasIh, gh, $"{mode} {what}", "biasIh");
        if (biasHh.Length > 0) GpuKernels.Need(biasHh, gh, $"{mode} {what}", "biasHh");
        GpuKernels.Need(reserve, CellReserveLength(mode, batch, hidden), $"{mode} {what}", "reserve");
        GpuKernels.Need(workspace, CellWorkspaceLength(mode, batch, hidden), $"{mode} {what}", "workspace");
        return new GateArgs { Mode = (int)mode, H = hidden, G = g, K = CacheWidth(mode) };
    }

    /// <summary>Sizes and flags of the gate kernels, by value.</summary>
    public struct GateArgs
    {
        public int Mode, H, G, K, HasCell, HasDh, HasDc, WriteDh, WriteDc, Accumulate;
    }

    // ---- device code ---------------------------------------------------------------------------

    /// <summary>One thread per (example e, unit j): the step's gates from the pre-activations, the new state, and the cache.</summary>
    [Kernel]
    internal static void GatesForwardKernel(Index1D i, ArrayView<float> hNext, ArrayView<float> cNext, ArrayView<float> cache,
        ArrayView<float> gx, ArrayView<float> gh, ArrayView<float> hPrev, ArrayView<float> cPrev, GateArgs a)
    {
        int h = a.H, e = i / h, j = i % h;
        long pre = (long)e * a.G * h, saved = (long)e * a.K * h;
        if (a.Mode == (int)RecurrentMode.RnnTanh || a.Mode == (int)RecurrentMode.RnnRelu)
        {
            float v = gx[pre + j];
            float next = a.Mode == (int)RecurrentMode.RnnTanh ? DeviceMath.Tanh(v) : DeviceMath.Relu(v);
            cache[saved + j] = next;
            hNext[i] = next;
        }
        else if (a.Mode == (int)RecurrentMode.Gru)
        {
            float r = DeviceMath.Sigmoid(gx[pre + j] + gh[pre + j]);
            float z = DeviceMath.Sigmoid(gx[pre + h + j] + gh[pre + h + j]);
            float ghn = gh[pre + 2 * h + j];
            float n = DeviceMath.Tanh(r * ghn + gx[pre + 2 * h + j]);
            cache[saved + j] = r;
            cache[saved + h + j] = z;
            cache[saved + 2 * h + j] = n;
            cache[saved + 3 * h + j] = ghn;
            hNext[i] = (hPrev[i] - n) * z + n;
        }
        else
        {
            float ig = DeviceMath.Sigmoid(gx[pre + j]);
            float fg = DeviceMath.Sigmoid(gx[pre + h + j]);
            float gg = DeviceMath.Tanh(gx[pre + 2 * h + j]);
            float og = DeviceMath.Sigmoid(gx[pre + 3 * h + j]);
            float c = a.HasCell != 0 ? cPrev[i] : 0f;
            float cn = ig * gg + fg * c;
            cache[saved + j] = ig;
            cache[saved + h + j] = fg;
            cache[saved + 2 * h + j] = gg;
            cache[saved + 3 * h + j] = og;
            cache[saved + 4 * h + j] = cn;
            cache[saved + 5 * h + j] = c;
            cNext[i] = cn;
            hNext[i] = DeviceMath.Tanh(cn) * og;
        }
    }

    /// <summary>One thread per (example e, unit j): the gate gradients dGx and dGh (equal but for GRU's n gate) from dh and dc,
    /// the direct term of dh_prev (GRU: dh ∘ z) and dc_prev (LSTM: dc_tot ∘ f), written or added to dh and dc.</summary>
    [Kernel]
    internal static void GatesBackwardKernel(Index1D i, ArrayView<float> dGx, ArrayView<float> dGh, ArrayView<float> dh, ArrayView<float> dc,
        ArrayView<float> cache, ArrayView<float> hPrev, ArrayView<float> dhNext, ArrayView<float> dcNext, GateArgs a)
    {
        int h = a.H, e = i / h, j = i % h;
        long pre = (long)e * a.G * h, saved = (long)e * a.K * h;
        float g = a.HasDh != 0 ? dhNext[i] : 0f;
        float direct = 0f, dcPrev = 0f;
        if (a.Mode == (int)RecurrentMode.RnnTanh || a.Mode == (int)RecurrentMode.RnnRelu)
        {
            float y = cache[saved + j];
            float d = a.Mode == (int)RecurrentMode.RnnTanh ? g * (1f - y * y) : (y > 0f ? g : 0f);
            dGx[pre + j] = d;
            dGh[pre + j] = d;
        }
        else if (a.Mode == (int)RecurrentMode.Gru)
        {
            float r = cache[saved + j], z = cache[saved + h + j], n = cache[saved + 2 * h + j], ghn = cache[saved + 3 * h + j];
            float hp = hPrev[i];
            float dn = g * (1f - z) * (1f - n * n);
            float dr = dn * ghn * r * (1f - r);
            float dz = g * (hp - n) * z * (1f - z);
            dGx[pre + j] = dr;
            dGx[pre + h + j] = dz;
            dGx[pre + 2 * h + j] = dn;
            dGh[pre + j] = dr;
            dGh[pre + h + j] = dz;
            dGh[pre + 2 * h + j] = dn * r;
            direct = g * z;
        }
        else
        {
            float ig = cache[saved + j], fg = cache[saved + h + j], gg = cache[saved + 2 * h + j], og = cache[saved + 3 * h + j];
            float tc = DeviceMath.Tanh(cache[saved + 4 * h + j]), cp = cache[saved + 5 * h + j];
            float dcTotal = (a.HasDc != 0 ? dcNext[i] : 0f) + g * og * (1f - tc * tc);
            float di = dcTotal * gg * ig * (1f - ig), df = dcTotal * cp * fg * (1f - fg);
            float dgg = dcTotal * ig * (1f - gg * gg), dog = g * tc * og * (1f - og);
            dGx[pre + j] = di;
            dGx[pre + h + j] = df;
            dGx[pre + 2 * h + j] = dgg;
            dGx[pre + 3 * h + j] = dog;
            dGh[pre + j] = di;
            dGh[pre + h + j] = df;
            dGh[pre + 2 * h + j] = dgg;
            dGh[pre + 3 * h + j] = dog;
            dcPrev = dcTotal * fg;
        }
        if (a.WriteDh != 0) dh[i] = a.Accumulate != 0 ? dh[i] + direct : direct;
        if (a.WriteDc != 0 && a.Mode == (int)RecurrentMode.Lstm) dc[i] = a.Accumulate != 0 ? dc[i] + dcPrev : dcPrev;
    }
}
