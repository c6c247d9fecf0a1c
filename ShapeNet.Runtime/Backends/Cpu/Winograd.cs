using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ShapeNet.Backends.Cpu;

/// <summary>
/// Winograd convolution for dense, unit-stride, undilated 3×3 and 5×5 kernels (<see cref="Conv2dGeometry.IsWinograd"/>):
/// F(4×4, 3×3) and F(2×2, 5×5), both on 6×6 input tiles with the interpolation points 0, ±1, ±2, ∞, so they share the
/// input transform Bᵀ and differ in G (weights) and Aᵀ (outputs). Per tile, Y = Aᵀ[(G W Gᵀ) ⊙ (Bᵀ X B)]A; over a chunk
/// of tiles and all channels the element-wise product becomes 36 GEMMs, one per position ξ of the 6×6 tile:
/// M_ξ[outC, tiles] = U_ξ[outC, inC] · V_ξ[inC, tiles]. That is 36 multiply-adds per tile and channel pair instead of
/// 16·9 = 144 (3×3) or 4·25 = 100 (5×5).
/// Backward is the adjoint of the same factorisation, which keeps the input gradient at the forward's cost even for a
/// shrinking convolution: dM = A dY Aᵀ per output tile; dU_ξ (+)= dM_ξ · V_ξᵀ over the chunks, dW = Gᵀ dU G once per call;
/// dV_ξ = U_ξᵀ · dM_ξ, and dX (+)= B dV Bᵀ added onto the overlapping input tiles.
/// M_ξ and dV_ξ run on <see cref="CpuGemm.MicroKernel"/> (its run-time kernel choice, AVX-512 / AVX2 / portable) with
/// operands the transforms write in its packed layouts; dU_ξ is dot products along the tiles. The transforms work on 8
/// tiles at once in Vector256 lanes (their 6×6 patches gathered by 8×8 register transposes where the GEMM runs its AVX2 or AVX-512 kernels). Samples are split over the cores as in the other convolution paths; each part
/// sums its own weight gradient, added in part order, so results are bit-identical run to run for a thread count.
/// Transforms scale values by up to ~10 per axis, so the result differs from the direct sum by a few float rounding
/// steps more than the GEMM paths (relative ~1e-6 of the operands' magnitudes; tests state their tolerance).
/// </summary>
[SkipLocalsInit]
internal static unsafe class CpuWinograd
{
    /// <summary>Off only for measurements and for tests that compare against the GEMM paths. Set it between calls.</summary>
    internal static bool Enabled = true;

    /// <summary>Fewest samples a call must have to take the Winograd path. At one sample the transforms cost more than the
    /// products they save (batch-1 forward, measured in one process on the 2-core Zen 4: residual CNN 154 µs with Winograd
    /// against 62 µs without, Inception 292 against 174, basic 23.5 against 15.9), so batch-1 calls (inference latency)
    /// take the GEMM and direct paths. Per forward, Winograd on / off: at 4 samples basic 67.0 / 62.2 µs, Inception 595 / 640,
    /// residual 269 / 226; at 8 samples 123 / 122, 937 / 1,223, 413 / 443 (docs/performance.md) — the crossover is near 8.</summary>
    internal const int MinBatch = 8;

    /// <summary>Whether a call on <paramref name="g"/> runs as Winograd: an eligible geometry, at least <see cref="MinBatch"/>
    /// samples, and the path on.</summary>
    internal static bool Applies(in Conv2dGeometry g) => Enabled && g.IsWinograd && g.Batch >= MinBatch;

    private const int Alpha = 6, Positions = 36, Lanes = 8;
    /// <summary>Tiles a chunk aims for: the GEMMs' column count (forward) or depth (weight gradient).</summary>
    private const int TargetTiles = 256;
    /// <summary>Floats the transformed input of one chunk (36 × inC × tiles) may take: 512 KiB forward (V stays in L2 for
    /// the 36 products), 1.5 MiB backward (the weight gradient's dot products run along the chunk's tiles and want them
    /// long: 88→20 k5 backward measured 7.1 ms at 112 tiles, 9.3 ms at 32).</summary>
    private const long ForwardBudget = 1 << 17, BackwardBudget = 3 << 17;
    /// <summary>Floats (512 KiB) above which a chunk's 36 output products M_ξ (forward) or input-gradient products dV_ξ
    /// (backward) are made one 16-tile strip at a time, each strip transformed at once, instead of all before the transform:
    /// there they would fall out of L2 and the transform would read them back from L3 (ResNet's 16→32 5×5 layer, 1.2 MiB a
    /// chunk: forward ~10 % faster by strips). Below it, whole positions keep each U_ξ in L1 across the strips (ResNet's
    /// 32→32 layer on 4×4 maps measured ~15 % slower by strips: all 36 U_ξ are re-read from L2 per strip).</summary>
    private const long StripThreshold = 1 << 17;

    /// <summary>Most tiles of one sample (the tile tables live on the stack).</summary>
    internal const int MaxTilesPerSample = 1024;

    /// <summary>Whether the transforms move tile rows with AVX register transposes: where the GEMM runs its AVX2 or AVX-512
    /// kernels (forcing the portable kernels for tests takes the scalar copies, so both are tested on one machine).</summary>
    private static bool Transposes => CpuGemm.Kernel >= GemmKernel.Avx2;

    private static int OutTile(in Conv2dGeometry g) => g.KernelH == 3 ? 4 : 2;
    private static int TilesH(in Conv2dGeometry g) => (g.OutHeight + OutTile(g) - 1) / OutTile(g);
    private static int TilesW(in Conv2dGeometry g) => (g.OutWidth + OutTile(g) - 1) / OutTile(g);
    internal static int TilesPerSample(in Conv2dGeometry g) => TilesH(g) * TilesW(g);
    /// <summary>The padded input every tile reads from: tiles·m + r − 1 rows (≥ H + 2·pad), likewise columns.</summary>
    private static int PaddedH(in Conv2dGeometry g) => TilesH(g) * OutTile(g) + g.KernelH - 1;
    private static int PaddedW(in Conv2dGeometry g) => TilesW(g) * OutTile(g) + g.KernelW - 1;

    private static int Parts(in Conv2dGeometry g) => Math.Max(1, Math.Min(g.Batch, CpuWorkers.Threads));

    /// <summary>Samples per chunk: about <see cref="TargetTiles"/> tiles within the forward's or backward's budget, at most one
    /// core's share of the batch.</summary>
    private static int ChunkSamples(in Conv2dGeometry g, bool backward)
    {
        int perSample = TilesPerSample(g), parts = Parts(g);
        int share = Math.Max(1, (g.Batch + parts - 1) / parts);
        long budget = backward ? BackwardBudget : ForwardBudget;
        long samples = Math.Min((TargetTiles + perSample - 1) / perSample, budget / ((long)Positions * g.InChannels * perSample));
        samples = Math.Min(samples, MaxTilesPerSample / perSample);
        return (int)Math.Clamp(samples, 1, share);
    }

    /// <summary>The buffers hold the larger (backward) chunk.</summary>
    private static int ChunkSamples(in Conv2dGeometry g) => ChunkSamples(g, backward: true);

    private static int PaddedTiles(in Conv2dGeometry g) => RoundUp(ChunkSamples(g) * TilesPerSample(g), 16);
    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
    private static long RoundUp(long value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>The 36 products of one strip of at most NR tiles (forward: M_ξ = U_ξ · V_ξ; backward: dV_ξ = U_ξᵀ · dM_ξ):
    /// c_ξ [rows, NR] = a_ξ [rows, depth] · b_ξ [depth, NR] for ξ = 0 … 35, each a column of micro-kernel calls.</summary>
    private static void StripProducts(float* a, long aBlock, float* b, long bBlock, float* c, long cBlock, int rows, int depth, int columns)
    {
        int mr = CpuGemm.MR;
        for (int xi = 0; xi < Positions; xi++)
        {
            float* ax = a + xi * aBlock, bx = b + xi * bBlock, cx = c + xi * cBlock;
            for (int ir = 0; ir < rows; ir += mr)
                CpuGemm.MicroKernel(depth, ax + (long)ir * depth, bx, cx + (long)ir * CpuGemm.NR, CpuGemm.NR, 0f, Math.Min(mr, rows - ir), columns);
        }
    }

    /// <summary>One chunk's padded samples, plus 8 floats: a tile row is read and written as 8 floats, 6 of them its own.</summary>
    private static long PaddedChunkLength(in Conv2dGeometry g) => RoundUp((long)ChunkSamples(g) * g.InChannels * PaddedH(g) * PaddedW(g) + 8, 16);
    /// <summary>The distance between two positions' blocks: the block rounded up to 16 floats plus 16, so the 36 blocks do not
    /// start a multiple of 4 KiB apart (36 vectors a transform reads or writes at once would fall into one L1 set).</summary>
    private static long BlockStride(long length) => RoundUp(length, 16) + 16;
    private static long WeightBlock(in Conv2dGeometry g) => BlockStride((long)g.OutChannels * g.InChannels);
    private static long TransformedWeightLength(in Conv2dGeometry g) => Positions * WeightBlock(g);
    private static long InputTransformLength(in Conv2dGeometry g) => Positions * BlockStride((long)g.InChannels * PaddedTiles(g));
    private static long OutputTransformLength(in Conv2dGeometry g) => Positions * BlockStride((long)g.OutChannels * PaddedTiles(g));

    /// <summary>Per core: the padded input chunk, the padded input-gradient chunk, V (36 × inC × tiles), M or dM
    /// (36 × outC × tiles), and a partial dU (36 × outC × inC).</summary>
    private static long PartLength(in Conv2dGeometry g)
        => 2 * PaddedChunkLength(g) + InputTransformLength(g) + OutputTransformLength(g) + TransformedWeightLength(g);

    /// <summary>16 floats to align the start to 64 bytes, the transformed weight U (36 × outC × inC) and its packed copy, then
    /// one <see cref="PartLength"/> per core.</summary>
    internal static long WorkspaceLength(in Conv2dGeometry g) => 16 + SharedLength(g) + Parts(g) * PartLength(g);

    /// <summary>U, then U packed as the micro-kernel's A operand per position (rows rounded up to 12, the widest micro-tile).</summary>
    private static long SharedLength(in Conv2dGeometry g) => TransformedWeightLength(g) + PackedWeightLength(g);
    private static long PackedWeightLength(in Conv2dGeometry g)
        => RoundUp((long)Positions * Math.Max(RoundUp(g.OutChannels, 12) * g.InChannels, RoundUp(g.InChannels, 12) * g.OutChannels), 16);

    private static float* Align(float* workspace) => (float*)(((nint)workspace + 63) & ~(nint)63);

    // G[k][a] = f_k·p_k^a for the points p = 0, 1, −1, 2, −2 (f = 1/4, −1/6, −1/6, 1/24, 1/24), G[5][a] = [a = r − 1].
    private static readonly double[] s_points = [0, 1, -1, 2, -2];
    private static readonly double[] s_scales = [0.25, -1.0 / 6, -1.0 / 6, 1.0 / 24, 1.0 / 24];

    private static double G(int k, int a, int r)
    {
        if (k == 5) return a == r - 1 ? 1 : 0;
        double value = s_scales[k];
        for (int i = 0; i < a; i++) value *= s_points[k];
        return value;
    }

    // The operands of the parallel call in flight; written by the thread that owns CpuWorkers.
    private static Conv2dGeometry s_geometry;
    private static float* s_y, s_x, s_dy, s_dx, s_bias, s_u, s_parts0;
    private static bool s_relu, s_accumulateDx, s_backward;
    private static int s_partCount;

    /// <summary>y = act(conv(x, W) + b) (see <see cref="CpuConvolution.Conv2d_Forward"/>; arguments already checked).</summary>
    internal static void Forward(float* y, float* x, float* weight, float* bias, float* workspace, in Conv2dGeometry g, bool relu)
    {
        float* ws = Align(workspace), u = ws, packed = u + TransformedWeightLength(g);
        TransformWeight(g, weight, u);
        // The forward drives the micro-kernel itself: U_ξ packed once, V written by the transform in packed-B layout.
        long rows = RoundUp(g.OutChannels, 12), block = WeightBlock(g);
        for (int xi = 0; xi < Positions; xi++)
            CpuGemm.PackA(false, u + xi * block, g.InChannels, 0, 0, g.OutChannels, g.InChannels, 1f, packed + xi * rows * g.InChannels);
        Run(g, backward: false, y, x, null, null, bias, packed, ws + SharedLength(g), relu, accumulateDx: false);
    }

    /// <summary>dW (+)= ∂/∂W, dx (+)= ∂/∂x (skipped when null) of Σ dy·conv(x, W) (arguments already checked).</summary>
    internal static void Backward(float* dx, float* dWeight, float* dy, float* x, float* weight, float* workspace, in Conv2dGeometry g,
        bool accumulateDx, bool accumulateParameters)
    {
        float* ws = Align(workspace), u = ws, packed = u + TransformedWeightLength(g), parts = ws + SharedLength(g);
        if (dx != null)
        {
            // dV_ξ = U_ξᵀ · dM_ξ: U_ξᵀ packed once as the micro-kernel's A.
            TransformWeight(g, weight, u);
            long rows = RoundUp(g.InChannels, 12), block = WeightBlock(g);
            for (int xi = 0; xi < Positions; xi++)
                CpuGemm.PackA(true, u + xi * block, g.InChannels, 0, 0, g.InChannels, g.OutChannels, 1f, packed + xi * rows * g.OutChannels);
        }
        int partCount = Run(g, backward: true, null, x, dy, dx, null, packed, parts, relu: false, accumulateDx);
        // Each part summed its samples' dU; part 0's buffer collects them in part order.
        long partLength = PartLength(g), dULength = TransformedWeightLength(g);
        float* dU = parts + (partLength - TransformedWeightLength(g));
        for (int part = 1; part < partCount; part++)
        {
            float* other = parts + part * partLength + (partLength - TransformedWeightLength(g));
            for (long i = 0; i < dULength; i++) dU[i] += other[i];
        }
        WeightGradient(g, dU, dWeight, !accumulateParameters);
    }

    private static int Run(in Conv2dGeometry g, bool backward, float* y, float* x, float* dy, float* dx, float* bias, float* u, float* parts,
        bool relu, bool accumulateDx)
    {
        int partCount = Parts(g);
        long work = (long)g.Batch * g.OutChannels * g.InChannels * TilesPerSample(g) * Positions;
        if (partCount > 1 && work >= 1L << 18 && CpuWorkers.TryAcquire())
        {
            s_geometry = g;
            s_y = y; s_x = x; s_dy = dy; s_dx = dx; s_bias = bias; s_u = u; s_parts0 = parts;
            (s_relu, s_accumulateDx, s_backward, s_partCount) = (relu, accumulateDx, backward, partCount);
            CpuWorkers.RunAndRelease(&Part);
            return partCount;
        }
        RunSamples(g, backward, 0, g.Batch, y, x, dy, dx, bias, u, parts, relu, accumulateDx);
        return 1;
    }

    private static void Part(int part, int _)
    {
        if (part >= s_partCount) return;
        Conv2dGeometry g = s_geometry;
        int start = (int)((long)g.Batch * part / s_partCount), end = (int)((long)g.Batch * (part + 1) / s_partCount);
        RunSamples(g, s_backward, start, end, s_y, s_x, s_dy, s_dx, s_bias, s_u, s_parts0 + part * PartLength(g), s_relu, s_accumulateDx);
    }

    private static void RunSamples(in Conv2dGeometry g, bool backward, int start, int end, float* y, float* x, float* dy, float* dx,
        float* bias, float* u, float* buffers, bool relu, bool accumulateDx)
    {
        int inC = g.InChannels, outC = g.OutChannels, perSample = TilesPerSample(g), chunk = ChunkSamples(g, backward);
        int tpad = RoundUp(chunk * perSample, 16);
        // The part's samples in chunks of equal size (a multiple of 8 where that fits): 32 samples at most 29 a chunk were
        // 29 + 3, and the short chunk paid a whole chunk's per-position overheads for a tenth of the tiles.
        if (end - start > chunk)
        {
            int chunks = (end - start + chunk - 1) / chunk, even = (end - start + chunks - 1) / chunks;
            chunk = RoundUp(even, 8) <= chunk ? RoundUp(even, 8) : even;
        }
        int paddedH = PaddedH(g), paddedW = PaddedW(g), m = OutTile(g), tilesW = TilesW(g);
        float* xPad = buffers, dxPad = xPad + PaddedChunkLength(g), v = dxPad + PaddedChunkLength(g);
        float* mBuffer = v + InputTransformLength(g), dU = mBuffer + OutputTransformLength(g);
        // Every tile whole (the output a multiple of the tile size): tile rows move as vectors, no edge to cut.
        bool full = g.OutHeight % m == 0 && g.OutWidth % m == 0;
        int* tileIn = stackalloc int[MaxTilesPerSample + 16];
        int* tileOut = stackalloc int[MaxTilesPerSample + 16];
        int* tileRows = stackalloc int[MaxTilesPerSample + 16];
        int* tileColumns = stackalloc int[MaxTilesPerSample + 16];
        float* stage = stackalloc float[Positions * Lanes];
        float* stage2 = stackalloc float[Positions * Lanes];
        long inPlane = g.InPlane, outPlane = g.OutPlane, paddedPlane = (long)paddedH * paddedW;
        long vBlock = BlockStride((long)inC * tpad), mBlock = BlockStride((long)outC * tpad), uBlock = WeightBlock(g);
        if (backward && start == end) new Span<float>(dU, (int)(Positions * uBlock)).Clear();
        for (int s0 = start; s0 < end; s0 += chunk)
        {
            int count = Math.Min(chunk, end - s0), tiles = count * perSample;
            // Tiles in position-major order (the chunk's samples side by side for each tile position): the 8 tiles of a lane
            // group lie in different samples whenever the chunk has 8 or more, so the input gradient's overlapping patches
            // are never added twice in a row (each add would wait for the store before it, which a load that overlaps it
            // only in part cannot forward), and the column order of the products does not matter.
            for (int t = 0; t < RoundUp(tiles, 16); t++)
            {
                int tt = Math.Min(t, tiles - 1), r = tt / count, sample = tt - r * count, th = r / tilesW, tw = r - th * tilesW;
                tileIn[t] = (int)(sample * inC * paddedPlane + (long)th * m * paddedW + tw * m);
                tileOut[t] = (int)(sample * outC * outPlane + (long)th * m * g.OutWidth + tw * m);
                tileRows[t] = t < tiles ? Math.Min(m, g.OutHeight - th * m) : 0;
                tileColumns[t] = t < tiles ? Math.Min(m, g.OutWidth - tw * m) : 0;
            }
            PadChunk(g, x + s0 * inC * inPlane, count, xPad, paddedH, paddedW);
            // V_ξ as NR-column strips [tiles / 16, inC, 16]: the micro-kernel's B (forward) and the weight gradient's operand.
            InputTransform(xPad, inC, paddedPlane, paddedW, tiles, tpad, tileIn, v, CpuGemm.NR, (long)inC * CpuGemm.NR, stage);
            if (!backward && (long)Positions * outC * tpad <= StripThreshold)
            {
                int mr = CpuGemm.MR;
                long aBlock = RoundUp(outC, 12) * (long)inC;
                for (int xi = 0; xi < Positions; xi++)
                {
                    float* a = u + xi * aBlock, b = v + xi * vBlock, c = mBuffer + xi * mBlock;
                    for (int jr = 0; jr < tiles; jr += CpuGemm.NR)
                    {
                        int columns = Math.Min(CpuGemm.NR, tiles - jr);
                        for (int ir = 0; ir < outC; ir += mr)
                            CpuGemm.MicroKernel(inC, a + (long)ir * inC, b + (long)jr * inC, c + (long)ir * tpad + jr, tpad, 0f, Math.Min(mr, outC - ir), columns);
                    }
                }
                OutputTransform(mBuffer, m, outC, tiles, tpad, tileOut, tileRows, tileColumns, y + s0 * outC * outPlane, outPlane, g.OutWidth,
                    bias, relu, full, stage, stage2);
                continue;
            }
            if (!backward)
            {
                // M_ξ of the whole chunk would not stay in L2: one 16-tile strip at a time, its 36 products M_ξ [outC, 16]
                // (tens of KiB), then their output transform.
                long aBlock = RoundUp(outC, 12) * (long)inC, stripBlock = BlockStride((long)outC * CpuGemm.NR);
                for (int jr = 0; jr < tiles; jr += CpuGemm.NR)
                {
                    int columns = Math.Min(CpuGemm.NR, tiles - jr);
                    StripProducts(u, aBlock, v + (long)jr * inC, vBlock, mBuffer, stripBlock, outC, inC, columns);
                    OutputTransform(mBuffer, m, outC, columns, CpuGemm.NR, tileOut + jr, tileRows + jr, tileColumns + jr, y + s0 * outC * outPlane,
                        outPlane, g.OutWidth, bias, relu, full, stage, stage2);
                }
                continue;
            }
            // dM_ξ as NR-column strips [tiles / 16, outC, 16]: the micro-kernel's B of dV_ξ and the weight gradient's operand.
            OutputGradientTransform(dy + s0 * outC * outPlane, m, outC, tiles, tpad, tileOut, tileRows, tileColumns, outPlane, g.OutWidth,
                mBuffer, full, stage);
            if ((long)Positions * inC * tpad <= StripThreshold)
            {
                for (int xi = 0; xi < Positions; xi++)
                {
                    WeightProducts(mBuffer + xi * mBlock, v + xi * vBlock, dU + xi * uBlock, outC, inC, RoundUp(tiles, 16) / CpuGemm.NR, s0 == start);
                    // V_ξ has been read: dV_ξ = U_ξᵀ · dM_ξ takes its place (as rows [inC, tpad]).
                    if (dx == null) continue;
                    int mr = CpuGemm.MR;
                    float* a = u + xi * RoundUp(inC, 12) * (long)outC, b = mBuffer + xi * mBlock, c = v + xi * vBlock;
                    for (int jr = 0; jr < tiles; jr += CpuGemm.NR)
                    {
                        int columns = Math.Min(CpuGemm.NR, tiles - jr);
                        for (int ir = 0; ir < inC; ir += mr)
                            CpuGemm.MicroKernel(outC, a + (long)ir * outC, b + (long)jr * outC, c + (long)ir * tpad + jr, tpad, 0f, Math.Min(mr, inC - ir), columns);
                    }
                }
                if (dx == null) continue;
                new Span<float>(dxPad, (int)(count * inC * paddedPlane)).Clear();
                InputGradientTransform(v, inC, paddedPlane, paddedW, tiles, tpad, tileIn, dxPad, stage);
                CropChunk(g, dxPad, count, dx + s0 * inC * inPlane, paddedH, paddedW, accumulateDx);
                continue;
            }
            for (int xi = 0; xi < Positions; xi++)
                WeightProducts(mBuffer + xi * mBlock, v + xi * vBlock, dU + xi * uBlock, outC, inC, RoundUp(tiles, 16) / CpuGemm.NR, s0 == start);
            if (dx == null) continue;
            // dV_ξ of the whole chunk would not stay in L2, and V has been read. One 16-tile strip at a time: dV_ξ = U_ξᵀ · dM_ξ for the 36 positions into a strip buffer at the
            // start of V's space ([36, inC, 16], in L1/L2), then its input-gradient transform.
            new Span<float>(dxPad, (int)(count * inC * paddedPlane)).Clear();
            {
                long aBlock = RoundUp(inC, 12) * (long)outC, stripBlock = BlockStride((long)inC * CpuGemm.NR);
                for (int jr = 0; jr < tiles; jr += CpuGemm.NR)
                {
                    int columns = Math.Min(CpuGemm.NR, tiles - jr);
                    StripProducts(u, aBlock, mBuffer + (long)jr * outC, mBlock, v, stripBlock, inC, outC, columns);
                    InputGradientTransform(v, inC, paddedPlane, paddedW, columns, CpuGemm.NR, tileIn + jr, dxPad, stage);
                }
            }
            CropChunk(g, dxPad, count, dx + s0 * inC * inPlane, paddedH, paddedW, accumulateDx);
        }
    }

    /// <summary>dU[o, c] (+)= Σ_t dM[o, t]·V[c, t] over <paramref name="strips"/>·16 tiles (dM is zero past the chunk's last
    /// tile, V holds finite copies there), both operands as 16-column strips ([strips, outC, 16] and [strips, inC, 16], the
    /// micro-kernel's B layout): dot products along the tiles in tiles of 4 output × 2 input channels (8 accumulators, 6
    /// loads per 8 FMAs), reduced once per chunk. Unlike a GEMM call per position it packs nothing, which is what the
    /// few-channel layers (10 × 20 products per position) paid for.</summary>
    private static void WeightProducts(float* dM, float* v, float* dU, int outC, int inC, int strips, bool overwrite)
    {
        const int nr = CpuGemm.NR;
        long dStep = (long)outC * nr, xStep = (long)inC * nr;
        float* sums = stackalloc float[Lanes];
        // 16 lanes where the GEMM runs its AVX-512 kernels (forcing AVX2 or portable for tests narrows this too).
        bool wide = CpuGemm.Kernel == GemmKernel.Avx512;
        for (int o0 = 0; o0 < outC; o0 += 4)
        {
            int o1 = Math.Min(o0 + 1, outC - 1), o2 = Math.Min(o0 + 2, outC - 1), o3 = Math.Min(o0 + 3, outC - 1);
            for (int c0 = 0; c0 < inC; c0 += 2)
            {
                int c1 = Math.Min(c0 + 1, inC - 1);
                float* x = v + (long)c0 * nr, d = dM + (long)o0 * nr;
                int r1 = (o1 - o0) * nr, r2 = (o2 - o0) * nr, r3 = (o3 - o0) * nr, second = (c1 - c0) * nr;
                Vector256.Store(wide ? DotTile512(d, r1, r2, r3, dStep, x, second, xStep, strips)
                    : DotTile(d, r1, r2, r3, dStep, x, second, xStep, strips), sums);
                // sums = [o0c0, o0c1, o1c0, o1c1, o2c0, o2c1, o3c0, o3c1]; clamped duplicates are not written.
                for (int i = 0; i < 4 && o0 + i < outC; i++)
                    for (int j = 0; j < 2 && c0 + j < inC; j++)
                    {
                        float* target = dU + (long)(o0 + i) * inC + c0 + j;
                        *target = overwrite ? sums[2 * i + j] : *target + sums[2 * i + j];
                    }
            }
        }
    }

    /// <summary>The 4×2 dot products of rows d, d + r1, d + r2, d + r3 with rows x, x + second over <paramref name="strips"/>
    /// strips of 16 floats (the next strip <paramref name="dStep"/> and <paramref name="xStep"/> floats on), as
    /// [d·x, d·x₂, d₁·x, d₁·x₂, …]. Its own method so the eight accumulators stay in registers.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<float> DotTile(float* d, int r1, int r2, int r3, long dStep, float* x, int second, long xStep, int strips)
    {
        Vector256<float> a00 = Vector256<float>.Zero, a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int q = 0; q < 2 * strips; q++)
        {
            // Strip q / 2, its first or second 8 floats.
            long dp = (q >> 1) * dStep + (q & 1) * Lanes, xp = (q >> 1) * xStep + (q & 1) * Lanes;
            float* d0 = d + dp, d1 = d0 + r1, d2 = d0 + r2, d3 = d0 + r3, x0 = x + xp, x1 = x0 + second;
            const int p = 0;
            Vector256<float> xa = Vector256.Load(x0 + p), xb = Vector256.Load(x1 + p), value = Vector256.Load(d0 + p);
            a00 = Vector256.FusedMultiplyAdd(value, xa, a00);
            a01 = Vector256.FusedMultiplyAdd(value, xb, a01);
            value = Vector256.Load(d1 + p);
            a10 = Vector256.FusedMultiplyAdd(value, xa, a10);
            a11 = Vector256.FusedMultiplyAdd(value, xb, a11);
            value = Vector256.Load(d2 + p);
            a20 = Vector256.FusedMultiplyAdd(value, xa, a20);
            a21 = Vector256.FusedMultiplyAdd(value, xb, a21);
            value = Vector256.Load(d3 + p);
            a30 = Vector256.FusedMultiplyAdd(value, xa, a30);
            a31 = Vector256.FusedMultiplyAdd(value, xb, a31);
        }
        return CpuConvolution.HorizontalSums(a00, a01, a10, a11, a20, a21, a30, a31);
    }

    /// <summary><see cref="DotTile"/> in 16 lanes (AVX-512), folded to 8 before the same reduction.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<float> DotTile512(float* d, int r1, int r2, int r3, long dStep, float* x, int second, long xStep, int strips)
    {
        Vector512<float> a00 = Vector512<float>.Zero, a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int q = 0; q < strips; q++, d += dStep, x += xStep)
        {
            const int p = 0;
            float* d1 = d + r1, d2 = d + r2, d3 = d + r3, x1 = x + second;
            Vector512<float> xa = Vector512.Load(x + p), xb = Vector512.Load(x1 + p), value = Vector512.Load(d + p);
            a00 = Vector512.FusedMultiplyAdd(value, xa, a00);
            a01 = Vector512.FusedMultiplyAdd(value, xb, a01);
            value = Vector512.Load(d1 + p);
            a10 = Vector512.FusedMultiplyAdd(value, xa, a10);
            a11 = Vector512.FusedMultiplyAdd(value, xb, a11);
            value = Vector512.Load(d2 + p);
            a20 = Vector512.FusedMultiplyAdd(value, xa, a20);
            a21 = Vector512.FusedMultiplyAdd(value, xb, a21);
            value = Vector512.Load(d3 + p);
            a30 = Vector512.FusedMultiplyAdd(value, xa, a30);
            a31 = Vector512.FusedMultiplyAdd(value, xb, a31);
        }
        return CpuConvolution.HorizontalSums(Fold(a00), Fold(a01), Fold(a10), Fold(a11), Fold(a20), Fold(a21), Fold(a30), Fold(a31));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fold(Vector512<float> v) => v.GetLower() + v.GetUpper();

    /// <summary>xPad[s, c, pH + h, pW + w] = x[s, c, h, w], zero elsewhere (the bottom and right rows the last tiles read
    /// past the padding included).</summary>
    private static void PadChunk(in Conv2dGeometry g, float* x, int count, float* padded, int paddedH, int paddedW)
    {
        int h = g.InHeight, w = g.InWidth, channels = count * g.InChannels;
        // Only the border is cleared (none when the tiles cover the input exactly, as for a 5×5 layer without padding on 12×12).
        int top = g.PadH, bottom = paddedH - h - top, left = g.PadW, right = paddedW - w - left;
        for (int c = 0; c < channels; c++)
        {
            float* plane = padded + (long)c * paddedH * paddedW, source = x + (long)c * h * w;
            if (top > 0) new Span<float>(plane, top * paddedW).Clear();
            if (bottom > 0) new Span<float>(plane + (top + h) * paddedW, bottom * paddedW).Clear();
            for (int row = 0; row < h; row++)
            {
                float* to = plane + (top + row) * paddedW;
                for (int i = 0; i < left; i++) to[i] = 0f;
                CopyRow(source + row * w, to + left, w, accumulate: false);
                for (int i = left + w; i < paddedW; i++) to[i] = 0f;
            }
        }
    }

    /// <summary>to[i] (+)= from[i] for i &lt; n: 8 and 4 floats a step, then single ones.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRow(float* from, float* to, int n, bool accumulate)
    {
        int i = 0;
        if (accumulate)
        {
            for (; i <= n - 8; i += 8) Vector256.Store(Vector256.Load(to + i) + Vector256.Load(from + i), to + i);
            if (i <= n - 4)
            {
                Vector128.Store(Vector128.Load(to + i) + Vector128.Load(from + i), to + i);
                i += 4;
            }
            for (; i < n; i++) to[i] += from[i];
            return;
        }
        for (; i <= n - 8; i += 8) Vector256.Store(Vector256.Load(from + i), to + i);
        if (i <= n - 4)
        {
            Vector128.Store(Vector128.Load(from + i), to + i);
            i += 4;
        }
        for (; i < n; i++) to[i] = from[i];
    }

    /// <summary>dx[s, c, h, w] (+)= dxPad[s, c, pH + h, pW + w].</summary>
    private static void CropChunk(in Conv2dGeometry g, float* padded, int count, float* dx, int paddedH, int paddedW, bool accumulate)
    {
        int h = g.InHeight, w = g.InWidth, channels = count * g.InChannels;
        for (int c = 0; c < channels; c++)
        {
            float* source = padded + ((long)c * paddedH + g.PadH) * paddedW + g.PadW, destination = dx + (long)c * h * w;
            for (int row = 0; row < h; row++) CopyRow(source + row * paddedW, destination + row * w, w, accumulate);
        }
    }

    /// <summary>G as floats, [6, r] row-major, for r = 3 and 5.</summary>
    private static readonly float[] s_g3 = GMatrix(3), s_g5 = GMatrix(5);

    private static float[] GMatrix(int r)
    {
        var matrix = new float[Alpha * r];
        for (int k = 0; k < Alpha; k++)
            for (int a = 0; a < r; a++) matrix[k * r + a] = (float)G(k, a, r);
        return matrix;
    }

    /// <summary>U[(k·6 + l), o, c] = (G W[o, c] Gᵀ)[k, l]: 8 (o, c) pairs at once in Vector256 lanes (U is contiguous in
    /// o·inC + c), the last few pairs one by one.</summary>
    private static void TransformWeight(in Conv2dGeometry g, float* weight, float* u)
    {
        int r = g.KernelH, area = r * r, pairs = g.OutChannels * g.InChannels;
        long stride = WeightBlock(g);
        float* stage = stackalloc float[25 * Lanes];
        Vector256<float>* temp = stackalloc Vector256<float>[Alpha * 5];
        fixed (float* gm = r == 3 ? s_g3 : s_g5)
        {
            int q0 = 0;
            for (; q0 + Lanes <= pairs; q0 += Lanes)
            {
                for (int lane = 0; lane < Lanes; lane++)
                {
                    float* w = weight + (long)(q0 + lane) * area;
                    for (int e = 0; e < area; e++) stage[e * Lanes + lane] = w[e];
                }
                for (int k = 0; k < Alpha; k++)
                    for (int b = 0; b < r; b++)
                    {
                        Vector256<float> sum = Vector256<float>.Zero;
                        for (int a = 0; a < r; a++) sum += Vector256.Create(gm[k * r + a]) * Vector256.Load(stage + (a * r + b) * Lanes);
                        temp[k * r + b] = sum;
                    }
                for (int k = 0; k < Alpha; k++)
                    for (int l = 0; l < Alpha; l++)
                    {
                        Vector256<float> sum = Vector256<float>.Zero;
                        for (int b = 0; b < r; b++) sum += temp[k * r + b] * Vector256.Create(gm[l * r + b]);
                        Vector256.Store(sum, u + (k * Alpha + l) * stride + q0);
                    }
            }
            for (; q0 < pairs; q0++)
            {
                float* w = weight + (long)q0 * area;
                float* scalarTemp = stage;
                for (int k = 0; k < Alpha; k++)
                    for (int b = 0; b < r; b++)
                    {
                        float sum = 0;
                        for (int a = 0; a < r; a++) sum += gm[k * r + a] * w[a * r + b];
                        scalarTemp[k * r + b] = sum;
                    }
                for (int k = 0; k < Alpha; k++)
                    for (int l = 0; l < Alpha; l++)
                    {
                        float sum = 0;
                        for (int b = 0; b < r; b++) sum += scalarTemp[k * r + b] * gm[l * r + b];
                        u[(k * Alpha + l) * stride + q0] = sum;
                    }
            }
        }
    }

    /// <summary>dW[o, c] (+)= Gᵀ dU[·, o, c] G, 8 (o, c) pairs at once like <see cref="TransformWeight"/>.</summary>
    private static void WeightGradient(in Conv2dGeometry g, float* dU, float* dWeight, bool overwrite)
    {
        int r = g.KernelH, area = r * r, pairs = g.OutChannels * g.InChannels;
        long stride = WeightBlock(g);
        float* stage = stackalloc float[25 * Lanes];
        Vector256<float>* temp = stackalloc Vector256<float>[5 * Alpha];
        fixed (float* gm = r == 3 ? s_g3 : s_g5)
        {
            int q0 = 0;
            for (; q0 + Lanes <= pairs; q0 += Lanes)
            {
                for (int a = 0; a < r; a++)
                    for (int l = 0; l < Alpha; l++)
                    {
                        Vector256<float> sum = Vector256<float>.Zero;
                        for (int k = 0; k < Alpha; k++) sum += Vector256.Create(gm[k * r + a]) * Vector256.Load(dU + (k * Alpha + l) * stride + q0);
                        temp[a * Alpha + l] = sum;
                    }
                for (int a = 0; a < r; a++)
                    for (int b = 0; b < r; b++)
                    {
                        Vector256<float> sum = Vector256<float>.Zero;
                        for (int l = 0; l < Alpha; l++) sum += temp[a * Alpha + l] * Vector256.Create(gm[l * r + b]);
                        Vector256.Store(sum, stage + (a * r + b) * Lanes);
                    }
                for (int lane = 0; lane < Lanes; lane++)
                {
                    float* w = dWeight + (long)(q0 + lane) * area;
                    for (int e = 0; e < area; e++) w[e] = overwrite ? stage[e * Lanes + lane] : w[e] + stage[e * Lanes + lane];
                }
            }
            for (; q0 < pairs; q0++)
            {
                float* scalarTemp = stage;
                for (int a = 0; a < r; a++)
                    for (int l = 0; l < Alpha; l++)
                    {
                        float sum = 0;
                        for (int k = 0; k < Alpha; k++) sum += gm[k * r + a] * dU[(k * Alpha + l) * stride + q0];
                        scalarTemp[a * Alpha + l] = sum;
                    }
                float* w = dWeight + (long)q0 * area;
                for (int a = 0; a < r; a++)
                    for (int b = 0; b < r; b++)
                    {
                        float sum = 0;
                        for (int l = 0; l < Alpha; l++) sum += scalarTemp[a * Alpha + l] * gm[l * r + b];
                        w[a * r + b] = overwrite ? sum : w[a * r + b] + sum;
                    }
            }
        }
    }

    /// <summary>V[ξ, c, t] = (Bᵀ X_t B)[ξ] for every channel and tile: 8 tiles' 6×6 patches gathered into lanes, then the
    /// transform along rows and along columns. V_ξ[c, t] is stored at ξ·channels·tpad + c·channelStride + ⌊t/16⌋·stripStride
    /// + t mod 16 (rows: tpad, 16; the micro-kernel's packed B: 16, channels·16).</summary>
    private static void InputTransform(float* padded, int channels, long paddedPlane, int paddedW, int tiles, int tpad, int* tileIn,
        float* v, long channelStride, long stripStride, float* stage)
    {
        long block = BlockStride((long)channels * tpad);
        for (int c = 0; c < channels; c++)
        {
            float* plane = padded + c * paddedPlane;
            for (int t0 = 0; t0 < RoundUp(tiles, 16); t0 += Lanes)
            {
                if (Transposes)
                {
                    // Each tile row is 6 contiguous floats: 8 tiles' rows (8 loads, 2 floats past the patch) transposed in
                    // registers, and transformed along the row before they are stored.
                    int* offsets = tileIn + t0;
                    for (int i = 0; i < Alpha; i++) GatherRow(plane + i * paddedW, offsets, stage + i * Alpha * Lanes);
                }
                else
                {
                    for (int lane = 0; lane < Lanes; lane++)
                    {
                        float* source = plane + tileIn[t0 + lane];
                        float* destination = stage + lane;
                        for (int i = 0; i < Alpha; i++, source += paddedW)
                            for (int j = 0; j < Alpha; j++) destination[(i * Alpha + j) * Lanes] = source[j];
                    }
                    for (int i = 0; i < Alpha; i++) TransformBt(stage + i * Alpha * Lanes, Lanes, stage + i * Alpha * Lanes, Lanes);
                }
                float* output = v + c * channelStride + t0 / CpuGemm.NR * stripStride + t0 % CpuGemm.NR;
                for (int j = 0; j < Alpha; j++) TransformBt(stage + j * Lanes, Alpha * Lanes, output + j * block, Alpha * block);
            }
        }
    }

    /// <summary>dxPad[tile patch] += (B dV_t Bᵀ) for every channel and tile (patches overlap, so this adds).</summary>
    private static void InputGradientTransform(float* dV, int channels, long paddedPlane, int paddedW, int tiles, int tpad, int* tileIn,
        float* padded, float* stage)
    {
        long block = BlockStride((long)channels * tpad);
        for (int c = 0; c < channels; c++)
        {
            float* plane = padded + c * paddedPlane;
            for (int t0 = 0; t0 < tiles; t0 += Lanes)
            {
                float* input = dV + (long)c * tpad + t0;
                for (int k = 0; k < Alpha; k++) TransformB(input + k * Alpha * block, block, stage + k * Alpha * Lanes, Lanes);
                for (int j = 0; j < Alpha; j++) TransformB(stage + j * Lanes, Alpha * Lanes, stage + j * Lanes, Alpha * Lanes);
                int lanes = Math.Min(Lanes, tiles - t0);
                if (Transposes)
                {
                    for (int i = 0; i < Alpha; i++) ScatterAddRow(stage + i * Alpha * Lanes, plane + i * paddedW, tileIn + t0, lanes);
                    continue;
                }
                for (int lane = 0; lane < lanes; lane++)
                {
                    float* destination = plane + tileIn[t0 + lane];
                    float* source = stage + lane;
                    for (int i = 0; i < Alpha; i++, destination += paddedW)
                        for (int j = 0; j < Alpha; j++) destination[j] += source[(i * Alpha + j) * Lanes];
                }
            }
        }
    }

    /// <summary>y[tile] = act(Aᵀ M_t A + b) for every output channel and tile, cut at the output's edge (<paramref name="full"/>:
    /// no tile is cut).</summary>
    private static void OutputTransform(float* mBuffer, int m, int channels, int tiles, int tpad, int* tileOut, int* tileRows,
        int* tileColumns, float* y, long outPlane, int outW, float* bias, bool relu, bool full, float* stage, float* stage2)
    {
        long block = BlockStride((long)channels * tpad);
        bool transposes = full && Transposes;
        for (int o = 0; o < channels; o++)
        {
            Vector256<float> b = Vector256.Create(bias == null ? 0f : bias[o]);
            float* yo = y + o * outPlane;
            for (int t0 = 0; t0 < tiles; t0 += Lanes)
            {
                float* input = mBuffer + (long)o * tpad + t0;
                // Along l: stage[k, j] for j < m.
                for (int k = 0; k < Alpha; k++) TransformAt(m, input + k * Alpha * block, block, stage + k * Alpha * Lanes, Lanes);
                // Along k: stage2[i, j].
                for (int j = 0; j < m; j++) TransformAt(m, stage + j * Lanes, Alpha * Lanes, stage2 + j * Lanes, m * Lanes);
                for (int i = 0; i < m * m; i++)
                {
                    Vector256<float> value = Vector256.Load(stage2 + i * Lanes) + b;
                    if (relu) value = Vector256.Max(value, Vector256<float>.Zero);
                    Vector256.Store(value, stage2 + i * Lanes);
                }
                int lanes = Math.Min(Lanes, tiles - t0);
                if (transposes && lanes == Lanes)
                {
                    for (int i = 0; i < m; i++) ScatterOutputRow(m, stage2 + i * m * Lanes, yo + i * outW, tileOut + t0);
                    continue;
                }
                for (int lane = 0; lane < lanes; lane++)
                {
                    int t = t0 + lane, rows = tileRows[t], columns = tileColumns[t];
                    float* destination = yo + tileOut[t];
                    for (int i = 0; i < rows; i++)
                        for (int j = 0; j < columns; j++) destination[i * outW + j] = stage2[(i * m + j) * Lanes + lane];
                }
            }
        }
    }

    /// <summary>dM[ξ, o, t] = (A dY_t Aᵀ)[ξ], dY_t zero past the output's edge and for the lanes past the last tile, as
    /// NR-column strips [tpad / 16, outC, 16] per position (<paramref name="full"/>: no tile is cut).</summary>
    private static void OutputGradientTransform(float* dy, int m, int channels, int tiles, int tpad, int* tileOut, int* tileRows,
        int* tileColumns, long outPlane, int outW, float* packed, bool full, float* stage)
    {
        long block = BlockStride((long)channels * tpad);
        bool transposes = full && Transposes;
        for (int o = 0; o < channels; o++)
        {
            float* dyo = dy + o * outPlane;
            for (int t0 = 0; t0 < RoundUp(tiles, 16); t0 += Lanes)
            {
                if (transposes && t0 + Lanes <= tiles)
                {
                    for (int i = 0; i < m; i++) GatherOutputRow(m, dyo + i * outW, tileOut + t0, stage + i * Alpha * Lanes);
                }
                else
                {
                    for (int lane = 0; lane < Lanes; lane++)
                    {
                        int t = t0 + lane, rows = tileRows[t], columns = tileColumns[t];
                        float* source = dyo + tileOut[t];
                        for (int i = 0; i < m; i++)
                            for (int j = 0; j < m; j++)
                                stage[(i * Alpha + j) * Lanes + lane] = i < rows && j < columns ? source[i * outW + j] : 0f;
                    }
                }
                // Along j (m → 6) for each row i, then along i for each l, into dM.
                for (int i = 0; i < m; i++) TransformA(m, stage + i * Alpha * Lanes, Lanes, stage + i * Alpha * Lanes, Lanes);
                float* output = packed + t0 / CpuGemm.NR * ((long)channels * CpuGemm.NR) + o * CpuGemm.NR + t0 % CpuGemm.NR;
                for (int l = 0; l < Alpha; l++) TransformA(m, stage + l * Lanes, Alpha * Lanes, output + l * block, Alpha * block);
            }
        }
    }

    /// <summary>stage[j·8 + lane] = row[offsets[lane] + j] for j &lt; m (4 or 2): 8 whole output-tile rows transposed into lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GatherOutputRow(int m, float* row, int* offsets, float* stage)
    {
        if (m == 4)
        {
            Vector256<float> r0 = Vector256.Create(Sse.LoadVector128(row + offsets[0]), Sse.LoadVector128(row + offsets[4]));
            Vector256<float> r1 = Vector256.Create(Sse.LoadVector128(row + offsets[1]), Sse.LoadVector128(row + offsets[5]));
            Vector256<float> r2 = Vector256.Create(Sse.LoadVector128(row + offsets[2]), Sse.LoadVector128(row + offsets[6]));
            Vector256<float> r3 = Vector256.Create(Sse.LoadVector128(row + offsets[3]), Sse.LoadVector128(row + offsets[7]));
            Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
            Avx.Store(stage, Avx.Shuffle(t0, t2, 0x44));
            Avx.Store(stage + Lanes, Avx.Shuffle(t0, t2, 0xEE));
            Avx.Store(stage + 2 * Lanes, Avx.Shuffle(t1, t3, 0x44));
            Avx.Store(stage + 3 * Lanes, Avx.Shuffle(t1, t3, 0xEE));
            return;
        }
        Vector256<float> a = Vector256.Create(Pair(row + offsets[0], row + offsets[1]), Pair(row + offsets[4], row + offsets[5]));
        Vector256<float> b = Vector256.Create(Pair(row + offsets[2], row + offsets[3]), Pair(row + offsets[6], row + offsets[7]));
        Avx.Store(stage, Avx.Shuffle(a, b, 0x88));
        Avx.Store(stage + Lanes, Avx.Shuffle(a, b, 0xDD));
    }

    /// <summary>[p[0], p[1], q[0], q[1]].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Pair(float* p, float* q) => Sse2.LoadHigh(Sse2.LoadScalarVector128((double*)p), (double*)q).AsSingle();

    /// <summary>row[offsets[lane] + j] = stage[j·8 + lane] for j &lt; m (4 or 2): the transpose of <see cref="GatherOutputRow"/>
    /// (tiles do not overlap in the output).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScatterOutputRow(int m, float* stage, float* row, int* offsets)
    {
        if (m == 4)
        {
            Vector256<float> c0 = Avx.LoadVector256(stage), c1 = Avx.LoadVector256(stage + Lanes);
            Vector256<float> c2 = Avx.LoadVector256(stage + 2 * Lanes), c3 = Avx.LoadVector256(stage + 3 * Lanes);
            Vector256<float> t0 = Avx.UnpackLow(c0, c1), t1 = Avx.UnpackHigh(c0, c1), t2 = Avx.UnpackLow(c2, c3), t3 = Avx.UnpackHigh(c2, c3);
            Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
            Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
            Sse.Store(row + offsets[0], u0.GetLower());
            Sse.Store(row + offsets[1], u1.GetLower());
            Sse.Store(row + offsets[2], u2.GetLower());
            Sse.Store(row + offsets[3], u3.GetLower());
            Sse.Store(row + offsets[4], u0.GetUpper());
            Sse.Store(row + offsets[5], u1.GetUpper());
            Sse.Store(row + offsets[6], u2.GetUpper());
            Sse.Store(row + offsets[7], u3.GetUpper());
            return;
        }
        Vector256<float> d0 = Avx.LoadVector256(stage), d1 = Avx.LoadVector256(stage + Lanes);
        Vector256<float> lo = Avx.UnpackLow(d0, d1), hi = Avx.UnpackHigh(d0, d1);
        StorePairs(row + offsets[0], row + offsets[1], lo.GetLower());
        StorePairs(row + offsets[2], row + offsets[3], hi.GetLower());
        StorePairs(row + offsets[4], row + offsets[5], lo.GetUpper());
        StorePairs(row + offsets[6], row + offsets[7], hi.GetUpper());
    }

    /// <summary>p[0..1] = v[0..1], q[0..1] = v[2..3].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePairs(float* p, float* q, Vector128<float> v)
    {
        Sse2.StoreScalar((double*)p, v.AsDouble());
        Sse2.StoreHigh((double*)q, v.AsDouble());
    }

    /// <summary>stage[k·8 + lane] = (Bᵀ d)[k] with d[j] = row[offsets[lane] + j], j &lt; 6: 8 rows of 8 floats transposed (columns 6
    /// and 7 dropped) and transformed in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GatherRow(float* row, int* offsets, float* stage)
    {
        Vector256<float> r0 = Avx.LoadVector256(row + offsets[0]), r1 = Avx.LoadVector256(row + offsets[1]);
        Vector256<float> r2 = Avx.LoadVector256(row + offsets[2]), r3 = Avx.LoadVector256(row + offsets[3]);
        Vector256<float> r4 = Avx.LoadVector256(row + offsets[4]), r5 = Avx.LoadVector256(row + offsets[5]);
        Vector256<float> r6 = Avx.LoadVector256(row + offsets[6]), r7 = Avx.LoadVector256(row + offsets[7]);
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        TransformBt(Avx.Permute2x128(u0, u4, 0x20), Avx.Permute2x128(u1, u5, 0x20), Avx.Permute2x128(u2, u6, 0x20),
            Avx.Permute2x128(u3, u7, 0x20), Avx.Permute2x128(u0, u4, 0x31), Avx.Permute2x128(u1, u5, 0x31), stage, Lanes);
    }

    /// <summary>row[offsets[lane] + j] += stage[j·8 + lane] for j &lt; 6 and the first <paramref name="lanes"/> lanes: the
    /// transpose of <see cref="GatherRow"/> (columns 6 and 7 add zero), tile after tile since the patches overlap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScatterAddRow(float* stage, float* row, int* offsets, int lanes)
    {
        Vector256<float> r0 = Avx.LoadVector256(stage), r1 = Avx.LoadVector256(stage + Lanes);
        Vector256<float> r2 = Avx.LoadVector256(stage + 2 * Lanes), r3 = Avx.LoadVector256(stage + 3 * Lanes);
        Vector256<float> r4 = Avx.LoadVector256(stage + 4 * Lanes), r5 = Avx.LoadVector256(stage + 5 * Lanes);
        Vector256<float> r6 = Vector256<float>.Zero, r7 = Vector256<float>.Zero;
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        AddRow(row + offsets[0], Avx.Permute2x128(u0, u4, 0x20));
        if (lanes > 1) AddRow(row + offsets[1], Avx.Permute2x128(u1, u5, 0x20));
        if (lanes > 2) AddRow(row + offsets[2], Avx.Permute2x128(u2, u6, 0x20));
        if (lanes > 3) AddRow(row + offsets[3], Avx.Permute2x128(u3, u7, 0x20));
        if (lanes > 4) AddRow(row + offsets[4], Avx.Permute2x128(u0, u4, 0x31));
        if (lanes > 5) AddRow(row + offsets[5], Avx.Permute2x128(u1, u5, 0x31));
        if (lanes > 6) AddRow(row + offsets[6], Avx.Permute2x128(u2, u6, 0x31));
        if (lanes > 7) AddRow(row + offsets[7], Avx.Permute2x128(u3, u7, 0x31));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow(float* row, Vector256<float> values) => Avx.Store(row, Avx.LoadVector256(row) + values);

    // One-dimensional transforms of 6 (or m) vectors of 8 lanes, read `stride` floats apart and written `outStride` apart
    // (in place is fine: every input is loaded before the first store).

    /// <summary>Bᵀ d: [4d0 − 5d2 + d4, −4d1 − 4d2 + d3 + d4, 4d1 − 4d2 − d3 + d4, −2d1 − d2 + 2d3 + d4, 2d1 − d2 − 2d3 + d4,
    /// 4d1 − 5d3 + d5].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformBt(float* input, long stride, float* output, long outStride)
        => TransformBt(Vector256.Load(input), Vector256.Load(input + stride), Vector256.Load(input + 2 * stride),
            Vector256.Load(input + 3 * stride), Vector256.Load(input + 4 * stride), Vector256.Load(input + 5 * stride), output, outStride);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformBt(Vector256<float> d0, Vector256<float> d1, Vector256<float> d2, Vector256<float> d3, Vector256<float> d4,
        Vector256<float> d5, float* output, long outStride)
    {
        Vector256<float> four = Vector256.Create(4f), five = Vector256.Create(5f);
        Vector256<float> a = d4 - four * d2, b = d3 - four * d1, c = d4 - d2, e = (d3 - d1) * 2f;
        Vector256.Store(four * d0 - five * d2 + d4, output);
        Vector256.Store(a + b, output + outStride);
        Vector256.Store(a - b, output + 2 * outStride);
        Vector256.Store(c + e, output + 3 * outStride);
        Vector256.Store(c - e, output + 4 * outStride);
        Vector256.Store(four * d1 - five * d3 + d5, output + 5 * outStride);
    }

    /// <summary>B v, the adjoint of <see cref="TransformBt(float*, long, float*, long)"/>:
    /// [4v0, 4(v5 − p) − 2q, −5v0 − 4s − w, p + 2q − 5v5, v0 + s + w, v5] with p = v1 − v2, q = v3 − v4, s = v1 + v2,
    /// w = v3 + v4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformB(float* input, long stride, float* output, long outStride)
    {
        Vector256<float> v0 = Vector256.Load(input), v1 = Vector256.Load(input + stride), v2 = Vector256.Load(input + 2 * stride);
        Vector256<float> v3 = Vector256.Load(input + 3 * stride), v4 = Vector256.Load(input + 4 * stride), v5 = Vector256.Load(input + 5 * stride);
        Vector256<float> p = v1 - v2, q = v3 - v4, s = v1 + v2, w = v3 + v4;
        Vector256.Store(v0 * 4f, output);
        Vector256.Store((v5 - p) * 4f - q * 2f, output + outStride);
        Vector256.Store(-(v0 * 5f) - s * 4f - w, output + 2 * outStride);
        Vector256.Store(p + q * 2f - v5 * 5f, output + 3 * outStride);
        Vector256.Store(v0 + s + w, output + 4 * outStride);
        Vector256.Store(v5, output + 5 * outStride);
    }

    /// <summary>Aᵀ m for m outputs: [m0 + s1 + s2, d1 + 2d2, s1 + 4s2, d1 + 8d2 + m5] (F(4, 3)) or [m0 + s1 + s2, d1 + 2d2 + m5]
    /// (F(2, 5)), s1 = m1 + m2, d1 = m1 − m2, s2 = m3 + m4, d2 = m3 − m4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformAt(int m, float* input, long stride, float* output, long outStride)
    {
        Vector256<float> m0 = Vector256.Load(input), m1 = Vector256.Load(input + stride), m2 = Vector256.Load(input + 2 * stride);
        Vector256<float> m3 = Vector256.Load(input + 3 * stride), m4 = Vector256.Load(input + 4 * stride), m5 = Vector256.Load(input + 5 * stride);
        Vector256<float> s1 = m1 + m2, d1 = m1 - m2, s2 = m3 + m4, d2 = m3 - m4;
        Vector256.Store(m0 + s1 + s2, output);
        if (m == 2)
        {
            Vector256.Store(d1 + d2 * 2f + m5, output + outStride);
            return;
        }
        Vector256.Store(d1 + d2 * 2f, output + outStride);
        Vector256.Store(s1 + s2 * 4f, output + 2 * outStride);
        Vector256.Store(d1 + d2 * 8f + m5, output + 3 * outStride);
    }

    /// <summary>A y, the adjoint of <see cref="TransformAt"/> (m inputs → 6): F(4, 3) [y0, e + o, e − o, e2 + o2, e2 − o2, y3] with
    /// e = y0 + y2, o = y1 + y3, e2 = y0 + 4y2, o2 = 2y1 + 8y3; F(2, 5) [y0, y0 + y1, y0 − y1, y0 + 2y1, y0 − 2y1, y1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformA(int m, float* input, long stride, float* output, long outStride)
    {
        Vector256<float> y0 = Vector256.Load(input), y1 = Vector256.Load(input + stride);
        if (m == 2)
        {
            Vector256<float> twice = y1 * 2f;
            Vector256.Store(y0, output);
            Vector256.Store(y0 + y1, output + outStride);
            Vector256.Store(y0 - y1, output + 2 * outStride);
            Vector256.Store(y0 + twice, output + 3 * outStride);
            Vector256.Store(y0 - twice, output + 4 * outStride);
            Vector256.Store(y1, output + 5 * outStride);
            return;
        }
        Vector256<float> y2 = Vector256.Load(input + 2 * stride), y3 = Vector256.Load(input + 3 * stride);
        Vector256<float> e = y0 + y2, o = y1 + y3, e2 = y0 + y2 * 4f, o2 = y1 * 2f + y3 * 8f;
        Vector256.Store(y0, output);
        Vector256.Store(e + o, output + outStride);
        Vector256.Store(e - o, output + 2 * outStride);
        Vector256.Store(e2 + o2, output + 3 * outStride);
        Vector256.Store(e2 - o2, output + 4 * outStride);
        Vector256.Store(y3, output + 5 * outStride);
    }
}
