using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ShapeNet.Backends.Cpu;

/// <summary>The micro-kernel families of <see cref="CpuGemm"/>, narrowest first.</summary>
internal enum GemmKernel
{
    /// <summary>Vector&lt;float&gt; only: any CPU.</summary>
    Portable,
    /// <summary>6×16 tiles of two Vector256 per row, FMA.</summary>
    Avx2,
    /// <summary>12×16 tiles of one Vector512 per row.</summary>
    Avx512,
}

/// <summary>
/// Row-major SGEMM, C = alpha·op(A)·op(B) + beta·C, op(A) is m×k, op(B) is k×n. GotoBLAS structure:
/// a KC×NC panel of op(B) is packed into NR-wide column strips (stays in L3/L2), an MC×KC block of alpha·op(A)
/// into MR-tall row strips (stays in L2), and a register-blocked MR×NR micro-kernel streams one strip of each
/// from L1. Packing makes every transpose combination and leading dimension look the same to the micro-kernel.
/// Large products are split over the cores through <see cref="CpuWorkers"/>.
/// </summary>
[SkipLocalsInit]
public static unsafe class CpuGemm
{
    /// <summary>The widest kernel family this CPU runs, chosen at start-up: AVX-512 when <c>Avx512F.IsSupported</c> and
    /// 512-bit vectors are accelerated, else AVX2 + FMA, else the portable <c>Vector&lt;T&gt;</c> kernels.</summary>
    internal static readonly GemmKernel BestKernel = Avx512F.IsSupported && Vector512.IsHardwareAccelerated ? GemmKernel.Avx512
        : Fma.IsSupported && Avx2.IsSupported ? GemmKernel.Avx2 : GemmKernel.Portable;

    private static GemmKernel s_kernel = BestKernel;

    /// <summary>The kernel family in use: <see cref="BestKernel"/>, or a narrower one forced for tests (both SIMD paths
    /// are tested on an AVX-512 machine) and measurements. Set it only while no GEMM or convolution runs.</summary>
    internal static GemmKernel Kernel
    {
        get => s_kernel;
        set
        {
            if (value > BestKernel) throw new ArgumentOutOfRangeException(nameof(value), value, $"This CPU runs at most the {BestKernel} kernels.");
            s_kernel = value;
        }
    }

    private static bool s_useAvx512 => s_kernel == GemmKernel.Avx512;
    private static bool s_useAvx2 => s_kernel >= GemmKernel.Avx2;

    /// <summary>Micro-tile width in columns: two Vector256 or one Vector512 per row.</summary>
    internal const int NR = 16;
    /// <summary>Micro-tile height: 12 rows × one Vector512 or 6 rows × two Vector256 = 12 accumulators,
    /// which leaves registers for the B vectors and the A broadcast.</summary>
    internal static int MR => s_useAvx512 ? 12 : 6;
    /// <summary>Depth of a packed block: a KC×NR strip of B (16 KiB) fits L1 beside the A strip.</summary>
    internal const int KC = 256;
    /// <summary>Rows of a packed A block: MC×KC floats (~144 KiB on AVX2, 288 KiB on AVX-512) stay in L2.</summary>
    private static int MC => MR * 24;
    /// <summary>The largest <see cref="MC"/> of any kernel family: the packing buffer's rows.</summary>
    private const int MaxMC = 12 * 24;
    /// <summary>Columns of a packed B panel: KC×NC floats (2 MiB) is the L3-resident operand.</summary>
    internal const int NC = 2048;

    /// <summary>Products with fewer multiply-adds than this run on the calling thread: waking a worker
    /// costs more than it saves.</summary>
    private const long ParallelThreshold = 1L << 21;

    // The operands of the parallel call in flight; written by the thread that owns CpuWorkers.
    private static bool s_transposeA, s_transposeB;
    private static int s_m, s_n, s_k, s_lda, s_ldb, s_ldc;
    private static float s_alpha, s_beta;
    private static float* s_a, s_b, s_c, s_bias;
    private static UnaryOp s_activation;

    /// <summary>
    /// op(A) (m,k), op(B) (k,n) -> C (m,n)
    /// C = alpha·op(A)·op(B) + beta·C with row strides lda, ldb, ldc of the stored matrices.
    /// beta = 0 overwrites C without reading it (NaN in the old C does not leak).
    /// </summary>
    public static void Gemm(bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
        => GemmWithEpilogue(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, default, UnaryOp.Identity);

    /// <summary>
    /// op(A) (m,k), op(B) (k,n), bias (n) -> C (m,n)
    /// GEMM whose output pass adds a per-column bias and applies Identity, Relu, Sigmoid or Tanh while each
    /// C block is still in cache. An empty bias means none.
    /// </summary>
    internal static void GemmWithEpilogue(bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc,
        ReadOnlySpan<float> bias, UnaryOp activation)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        CheckMatrix(a.Length, transposeA ? k : m, transposeA ? m : k, lda, nameof(a));
        CheckMatrix(b.Length, transposeB ? n : k, transposeB ? k : n, ldb, nameof(b));
        CheckMatrix(c.Length, m, n, ldc, nameof(c));
        if (!bias.IsEmpty && bias.Length < n)
            throw new ArgumentException($"The bias has {bias.Length} values but C has {n} columns.", nameof(bias));
        if (activation is not (UnaryOp.Identity or UnaryOp.Relu or UnaryOp.Sigmoid or UnaryOp.Tanh))
            throw new ArgumentException($"A fused GEMM activation must be Identity, Relu, Sigmoid or Tanh, not {activation}.", nameof(activation));
        if (m == 0 || n == 0) return;

        fixed (float* pa = a, pb = b, pc = c, pbias = bias)
        {
            if (k == 0 || alpha == 0f)
            {
                ScaleOutput(pc, ldc, m, n, beta);
                ApplyEpilogue(pc, ldc, m, n, pbias, activation);
                return;
            }
            if (m <= GemvMaxRows && !transposeA && transposeB && k >= GemvMinDepth)
            {
                // One or two rows times a weight matrix stored row by row (batch-1 inference through a linear layer):
                // streaming dot products read op(B) once, where packing would read and write it before the product.
                if ((long)n * k >= GemvParallelThreshold && CpuWorkers.TryAcquire())
                {
                    (s_m, s_n, s_k, s_alpha, s_beta, s_lda, s_ldb, s_ldc, s_activation) = (m, n, k, alpha, beta, lda, ldb, ldc, activation);
                    s_a = pa; s_b = pb; s_c = pc; s_bias = pbias;
                    CpuWorkers.RunAndRelease(&GemvPart);
                    return;
                }
                Gemv(m, 0, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, pbias, activation);
                return;
            }
            if (n < NR && k <= KC && (long)m * k <= SmallMaxRowsTimesDepth && s_useAvx2 && SmallPath)
            {
                // A few columns and a shallow depth (the tiny seed models' layers and their weight gradients): packing A and
                // the per-strip calls cost more than the product.
                GemmSmall(transposeA, transposeB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
                if (pbias != null || activation != UnaryOp.Identity)
                    for (int ic = 0; ic < m; ic += MC)
                        ApplyEpilogue(pc + (nint)ic * ldc, ldc, Math.Min(MC, m - ic), n, pbias, activation);
                return;
            }
            if ((long)m * n * k >= ParallelThreshold && CpuWorkers.TryAcquire())
            {
                (s_transposeA, s_transposeB, s_m, s_n, s_k, s_alpha, s_beta) = (transposeA, transposeB, m, n, k, alpha, beta);
                (s_lda, s_ldb, s_ldc, s_activation) = (lda, ldb, ldc, activation);
                s_a = pa; s_b = pb; s_c = pc; s_bias = pbias;
                CpuWorkers.RunAndRelease(&RunPart);
                return;
            }
            GemmBlocked(transposeA, transposeB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, pbias, activation);
        }
    }

    /// <summary>Products with fewer than <see cref="NR"/> columns, a depth of at most <see cref="KC"/> and m·k up to this take
    /// <see cref="GemmSmall"/>.</summary>
    private const int SmallMaxRowsTimesDepth = 1024;

    /// <summary>Whether the small-product path is taken (tests turn it off to compare it with the packed path bit for bit).</summary>
    internal static bool SmallPath { get; set; } = true;

    /// <summary>
    /// C = alpha·op(A)·op(B) + beta·C for n &lt; NR columns and k ≤ KC (one depth block): op(B) packed into one zero-padded
    /// NR-wide strip on the stack, op(A) read in place (no packing), 8 rows of C at a time (4 on AVX2, whose 16 registers
    /// hold 8 accumulator pairs). Every element is the packed path's arithmetic in the same order — the products of
    /// alpha·op(A)[i, p] and op(B)[p, j] fused-added from p = 0 up, then stored as a partial tile (sum + beta·C) — so both
    /// paths give the same bits.
    /// </summary>
    private static void GemmSmall(bool transposeA, bool transposeB, int m, int n, int k, float alpha, float* a, int lda,
        float* b, int ldb, float beta, float* c, int ldc)
    {
        float* packedB = stackalloc float[k * NR];
        for (int p = 0; p < k; p++)
        {
            float* row = packedB + p * NR;
            int j = 0;
            if (transposeB) for (; j < n; j++) row[j] = b[(nint)j * ldb + p];
            else for (; j < n; j++) row[j] = b[(nint)p * ldb + j];
            for (; j < NR; j++) row[j] = 0f;
        }
        // op(A)[i, p] is at a + i·rowStep + p·depthStep.
        nint depthStep = transposeA ? lda : 1, rowStep = transposeA ? 1 : lda;
        float* tile = stackalloc float[8 * NR];
        int group = s_useAvx512 ? 8 : 4;
        for (int i0 = 0; i0 < m; i0 += group)
        {
            int rows = Math.Min(group, m - i0);
            float* a0 = a + i0 * rowStep;
            // Rows past the last one repeat it (their sums are computed and dropped).
            nint r1 = Math.Min(1, rows - 1) * rowStep, r2 = Math.Min(2, rows - 1) * rowStep, r3 = Math.Min(3, rows - 1) * rowStep;
            if (s_useAvx512)
            {
                nint r4 = Math.Min(4, rows - 1) * rowStep, r5 = Math.Min(5, rows - 1) * rowStep;
                nint r6 = Math.Min(6, rows - 1) * rowStep, r7 = Math.Min(7, rows - 1) * rowStep;
                Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
                for (int p = 0; p < k; p++)
                {
                    Vector512<float> bv = Vector512.Load(packedB + p * NR);
                    float* ap = a0 + p * depthStep;
                    c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(alpha * ap[0]), bv, c0);
                    c1 = Avx512F.FusedMultiplyAdd(Vector512.Create(alpha * ap[r1]), bv, c1);
                    c2 = Avx512F.FusedMultiplyAdd(Vector512.Create(alpha * ap[r2]), bv, c2);
                    c3 = Avx512F.FusedMultiplyAdd(Vector512.Create(alpha * ap[r3]), bv, c3);
                    c4 = Avx512F.FusedMultiplyAdd(Vector512.Create(alpha * ap[r4]), bv, c4);
                    c5 = Avx512F.FusedMultiplyAdd(Vector512.Create(alpha * ap[r5]), bv, c5);
                    c6 = Avx512F.FusedMultiplyAdd(Vector512.Create(alpha * ap[r6]), bv, c6);
                    c7 = Avx512F.FusedMultiplyAdd(Vector512.Create(alpha * ap[r7]), bv, c7);
                }
                Vector512.Store(c0, tile); Vector512.Store(c1, tile + 16); Vector512.Store(c2, tile + 32); Vector512.Store(c3, tile + 48);
                Vector512.Store(c4, tile + 64); Vector512.Store(c5, tile + 80); Vector512.Store(c6, tile + 96); Vector512.Store(c7, tile + 112);
            }
            else
            {
                Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
                for (int p = 0; p < k; p++)
                {
                    Vector256<float> b0 = Vector256.Load(packedB + p * NR), b1 = Vector256.Load(packedB + p * NR + 8);
                    float* ap = a0 + p * depthStep;
                    Vector256<float> av = Vector256.Create(alpha * ap[0]);
                    c00 = Fma.MultiplyAdd(av, b0, c00); c01 = Fma.MultiplyAdd(av, b1, c01);
                    av = Vector256.Create(alpha * ap[r1]);
                    c10 = Fma.MultiplyAdd(av, b0, c10); c11 = Fma.MultiplyAdd(av, b1, c11);
                    av = Vector256.Create(alpha * ap[r2]);
                    c20 = Fma.MultiplyAdd(av, b0, c20); c21 = Fma.MultiplyAdd(av, b1, c21);
                    av = Vector256.Create(alpha * ap[r3]);
                    c30 = Fma.MultiplyAdd(av, b0, c30); c31 = Fma.MultiplyAdd(av, b1, c31);
                }
                Vector256.Store(c00, tile); Vector256.Store(c01, tile + 8); Vector256.Store(c10, tile + 16); Vector256.Store(c11, tile + 24);
                Vector256.Store(c20, tile + 32); Vector256.Store(c21, tile + 40); Vector256.Store(c30, tile + 48); Vector256.Store(c31, tile + 56);
            }
            StorePartialTile(tile, c + (nint)i0 * ldc, ldc, beta, rows, n);
        }
    }

    /// <summary>Products with at most this many rows of C, op(A) = A and op(B) = Bᵀ take the dot-product path.</summary>
    internal const int GemvMaxRows = 2;
    /// <summary>The dot-product path needs at least one full vector of depth (its tail reloads the last full vector).</summary>
    private const int GemvMinDepth = 16;
    /// <summary>op(B) sizes (n·k) from which the dot-product path splits C's columns over the threads: it is bound by
    /// reading B, and each core brings its own bandwidth from L2/L3.</summary>
    private const long GemvParallelThreshold = 1L << 16;

    private static void GemvPart(int part, int parts)
    {
        // Whole 16-column blocks, so no two threads write one cache line of C.
        int blocks = (s_n + 15) / 16;
        int start = (int)((long)blocks * part / parts) * 16, end = Math.Min(s_n, (int)((long)blocks * (part + 1) / parts) * 16);
        if (start < end)
            Gemv(s_m, start, end, s_k, s_alpha, s_a, s_lda, s_b, s_ldb, s_beta, s_c, s_ldc, s_bias, s_activation);
    }

    /// <summary>
    /// C[i, j] = alpha·dot(A row i, B row j) + beta·C[i, j] for i &lt; m (at most 2), j in [j0, j1), then bias and activation
    /// on those columns. Rows of at least <see cref="GemvSingleRowMinDepth"/> values are read one at a time, each as a single
    /// linear stream with four vector accumulators (four rows at once, as four interleaved streams, ran at about half the
    /// rate from L2: see docs/performance.md); shorter rows four at a time (<see cref="Dot4"/>). The depth tail reloads the
    /// last full vector with the lanes already counted masked to zero (no scalar loop); each dot product is reduced in a
    /// fixed order, so results do not depend on the thread count or on where the arrays lie in memory.
    /// </summary>
    private static void Gemv(int m, int j0, int j1, int k, float alpha, float* a, int lda, float* b, int ldb, float beta,
        float* c, int ldc, float* bias, UnaryOp activation)
    {
        // A row of A that does not start on a 64-byte line is copied to one that does (when it is small enough for the
        // stack): every vector of it is loaded once per row of B, and a line-crossing load costs two.
        float* aligned = null;
        if (s_useAvx512 && k <= GemvCopyMaxDepth)
        {
            float* buffer = stackalloc float[k + 16];
            aligned = (float*)(((nuint)buffer + 63) & ~(nuint)63);
        }
        for (int i = 0; i < m; i++)
        {
            float* row = a + (nint)i * lda;
            if (aligned != null && ((nuint)row & 63) != 0)
            {
                Buffer.MemoryCopy(row, aligned, (long)k * sizeof(float), (long)k * sizeof(float));
                row = aligned;
            }
            GemvRow(row, c + (nint)i * ldc, j0, j1, k, alpha, b, ldb, beta, bias, activation);
        }
    }

    /// <summary>One row of <see cref="Gemv"/>, in its own method so that the JIT tiers it: a method with a stack allocation is
    /// compiled once, fully optimised but without profile data, and this loop took ~25 % longer there (the MNIST MLP's
    /// 512→256 layer at batch 1 on one thread: 3.5 µs against 2.8).</summary>
    private static void GemvRow(float* row, float* cRow, int j0, int j1, int k, float alpha, float* b, int ldb, float beta,
        float* bias, UnaryOp activation)
    {
        // With nothing to add from C, the bias and a ReLU go with each value as it is stored (the same two roundings as the
        // separate pass); sigmoid and tanh keep the vector pass.
        bool fused = beta == 0f && activation is UnaryOp.Identity or UnaryOp.Relu;
        bool relu = activation == UnaryOp.Relu;
        if (k < GemvSingleRowMinDepth)
        {
            // Short rows: four at a time, so the per-row overhead (reduction, tail) is shared.
            int j = j0;
            for (; j + 4 <= j1; j += 4)
            {
                float* b0 = b + (nint)j * ldb;
                Dot4(row, b0, b0 + ldb, b0 + 2 * (nint)ldb, b0 + 3 * (nint)ldb, k, out float d0, out float d1, out float d2, out float d3);
                Store(cRow, j, alpha * d0, beta, bias, fused, relu);
                Store(cRow, j + 1, alpha * d1, beta, bias, fused, relu);
                Store(cRow, j + 2, alpha * d2, beta, bias, fused, relu);
                Store(cRow, j + 3, alpha * d3, beta, bias, fused, relu);
            }
            for (; j < j1; j++)
            {
                float* bj = b + (nint)j * ldb;
                Dot4(row, bj, bj, bj, bj, k, out float d, out _, out _, out _);
                Store(cRow, j, alpha * d, beta, bias, fused, relu);
            }
        }
        else if (s_useAvx512)
            for (int j = j0; j < j1; j++) Store(cRow, j, alpha * Dot512(row, b + (nint)j * ldb, k), beta, bias, fused, relu);
        else
            for (int j = j0; j < j1; j++) Store(cRow, j, alpha * Dot256(row, b + (nint)j * ldb, k), beta, bias, fused, relu);
        if (!fused && (bias != null || activation != UnaryOp.Identity))
            ApplyEpilogue(cRow + j0, j1 - j0, 1, j1 - j0, bias == null ? null : bias + j0, activation);
    }

    /// <summary>C[j] from its product: with the bias and ReLU (<see cref="Finish"/>) when they are fused, else combined
    /// with the old value (<see cref="Combine"/>), the epilogue following as a pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* cRow, int j, float product, float beta, float* bias, bool fused, bool relu)
        => cRow[j] = fused ? Finish(product, bias, j, relu) : Combine(product, beta, cRow[j]);

    /// <summary>The epilogue of one value: + bias[j] when there is a bias, then max(·, 0) for a ReLU — the roundings and NaN
    /// handling of <see cref="ApplyEpilogue"/>'s vector pass (TensorPrimitives.Max, like MathF.Max, returns NaN for NaN and
    /// +0 for max(−0, 0)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Finish(float value, float* bias, int j, bool relu)
    {
        if (bias != null) value += bias[j];
        return relu ? MathF.Max(value, 0f) : value;
    }

    /// <summary>Depths from which <see cref="Gemv"/> streams one weight row at a time; shorter rows (a recurrent layer's
    /// 100-wide state, the MLP's last layers) go four at a time, where the reduction and the tail of each row cost more than
    /// the stream layout saves (the bi-GRU classifier's batch-1 forward was ~25 % slower with one row at a time).</summary>
    private const int GemvSingleRowMinDepth = 256;

    /// <summary>Depths up to which <see cref="Gemv"/> copies a misaligned row of A to an aligned stack buffer (16 KiB).</summary>
    private const int GemvCopyMaxDepth = 4096;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Combine(float product, float beta, float old) => beta == 0f ? product : product + beta * old;

    /// <summary>
    /// dot(x, w) over k ≥ 16 values with AVX-512: vector t (values 16t … 16t + 15) goes to accumulator t mod 4, the tail
    /// vector (when 16 does not divide k) to accumulator 0, and the four are summed as (s0 + s1) + (s2 + s3), then across
    /// lanes. A weight row that does not start on a 64-byte line (managed arrays lie anywhere) is read as aligned vectors
    /// and each unaligned vector rebuilt from two neighbours with one two-source permute: a line-crossing 64-byte load
    /// costs two, which made the misaligned stream ~20 % slower from L3 and ~50 % from L2. The rebuilt vectors are the
    /// unaligned loads' values, so the sum is the same bits at any alignment. The aligned loads never leave the 64-byte
    /// lines that hold w[0] … w[16·⌊k/16⌋ - 1], so they cannot touch a page the row does not.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot512(float* x, float* w, int k)
    {
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
        int full = k & ~15;
        int p = 0;
        int shift = (int)(((nuint)w & 63) >> 2);
        if (shift == 0)
        {
            for (; p + 64 <= full; p += 64)
            {
                s0 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + p), Vector512.LoadAligned(w + p), s0);
                s1 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + p + 16), Vector512.LoadAligned(w + p + 16), s1);
                s2 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + p + 32), Vector512.LoadAligned(w + p + 32), s2);
                s3 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + p + 48), Vector512.LoadAligned(w + p + 48), s3);
            }
            if (p + 16 <= full) { s0 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + p), Vector512.LoadAligned(w + p), s0); p += 16; }
            if (p + 16 <= full) { s1 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + p), Vector512.LoadAligned(w + p), s1); p += 16; }
            if (p + 16 <= full) { s2 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + p), Vector512.LoadAligned(w + p), s2); p += 16; }
        }
        else
        {
            // Lane l of the unaligned vector at w + p is lane l + shift of the aligned pair (w + p - shift, w + p - shift + 16).
            float* wa = w - shift;
            Vector512<int> pick = Vector512<int>.Indices + Vector512.Create(shift);
            Vector512<float> lo = Vector512.LoadAligned(wa);
            for (; p + 64 <= full; p += 64)
            {
                Vector512<float> h0 = Vector512.LoadAligned(wa + p + 16), h1 = Vector512.LoadAligned(wa + p + 32);
                Vector512<float> h2 = Vector512.LoadAligned(wa + p + 48), h3 = Vector512.LoadAligned(wa + p + 64);
                s0 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + p), Avx512F.PermuteVar16x32x2(lo, pick, h0), s0);
                s1 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + p + 16), Avx512F.PermuteVar16x32x2(h0, pick, h1), s1);
                s2 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + p + 32), Avx512F.PermuteVar16x32x2(h1, pick, h2), s2);
                s3 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + p + 48), Avx512F.PermuteVar16x32x2(h2, pick, h3), s3);
                lo = h3;
            }
            if (p + 16 <= full)
            {
                Vector512<float> h = Vector512.LoadAligned(wa + p + 16);
                s0 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + p), Avx512F.PermuteVar16x32x2(lo, pick, h), s0);
                lo = h; p += 16;
            }
            if (p + 16 <= full)
            {
                Vector512<float> h = Vector512.LoadAligned(wa + p + 16);
                s1 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + p), Avx512F.PermuteVar16x32x2(lo, pick, h), s1);
                lo = h; p += 16;
            }
            if (p + 16 <= full)
            {
                Vector512<float> h = Vector512.LoadAligned(wa + p + 16);
                s2 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + p), Avx512F.PermuteVar16x32x2(lo, pick, h), s2);
                p += 16;
            }
        }
        if (p < k)
        {
            // The last 16 values, the first 16 - (k - p) of them already counted: zero those lanes of x.
            int start = k - 16;
            Vector512<float> keep = Vector512.GreaterThanOrEqual(Vector512<int>.Indices, Vector512.Create(p - start)).AsSingle();
            s0 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + start) & keep, Vector512.Load(w + start), s0);
        }
        return Vector512.Sum((s0 + s1) + (s2 + s3));
    }

    /// <summary>dot(x, w) over k ≥ 16 values with 256-bit vectors (FMA when the CPU has it): as <see cref="Dot512"/> with
    /// 8-lane vectors and unaligned loads (a line-crossing 32-byte load is one in two at most).</summary>
    private static float Dot256(float* x, float* w, int k)
    {
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        int full = k & ~7;
        int p = 0;
        for (; p + 32 <= full; p += 32)
        {
            s0 = MultiplyAdd(Vector256.Load(x + p), Vector256.Load(w + p), s0);
            s1 = MultiplyAdd(Vector256.Load(x + p + 8), Vector256.Load(w + p + 8), s1);
            s2 = MultiplyAdd(Vector256.Load(x + p + 16), Vector256.Load(w + p + 16), s2);
            s3 = MultiplyAdd(Vector256.Load(x + p + 24), Vector256.Load(w + p + 24), s3);
        }
        if (p + 8 <= full) { s0 = MultiplyAdd(Vector256.Load(x + p), Vector256.Load(w + p), s0); p += 8; }
        if (p + 8 <= full) { s1 = MultiplyAdd(Vector256.Load(x + p), Vector256.Load(w + p), s1); p += 8; }
        if (p + 8 <= full) { s2 = MultiplyAdd(Vector256.Load(x + p), Vector256.Load(w + p), s2); p += 8; }
        if (p < k)
        {
            int start = k - 8;
            Vector256<float> keep = Vector256.GreaterThanOrEqual(Vector256<int>.Indices, Vector256.Create(p - start)).AsSingle();
            s0 = MultiplyAdd(Vector256.Load(x + start) & keep, Vector256.Load(w + start), s0);
        }
        return Vector256.Sum((s0 + s1) + (s2 + s3));
    }

    /// <summary>Four dot products of x with b0..b3 over k ≥ 16 values.</summary>
    private static void Dot4(float* x, float* b0, float* b1, float* b2, float* b3, int k, out float d0, out float d1, out float d2, out float d3)
    {
        if (s_useAvx512)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            int p = 0;
            for (; p + 16 <= k; p += 16)
            {
                Vector512<float> xv = Vector512.Load(x + p);
                s0 = Avx512F.FusedMultiplyAdd(xv, Vector512.Load(b0 + p), s0);
                s1 = Avx512F.FusedMultiplyAdd(xv, Vector512.Load(b1 + p), s1);
                s2 = Avx512F.FusedMultiplyAdd(xv, Vector512.Load(b2 + p), s2);
                s3 = Avx512F.FusedMultiplyAdd(xv, Vector512.Load(b3 + p), s3);
            }
            if (p < k)
            {
                // The last 16 values, the first 16 - (k - p) of them already counted: zero those lanes of x.
                int start = k - 16;
                Vector512<float> keep = Vector512.GreaterThanOrEqual(Vector512<int>.Indices, Vector512.Create(p - start)).AsSingle();
                Vector512<float> xv = Vector512.Load(x + start) & keep;
                s0 = Avx512F.FusedMultiplyAdd(xv, Vector512.Load(b0 + start), s0);
                s1 = Avx512F.FusedMultiplyAdd(xv, Vector512.Load(b1 + start), s1);
                s2 = Avx512F.FusedMultiplyAdd(xv, Vector512.Load(b2 + start), s2);
                s3 = Avx512F.FusedMultiplyAdd(xv, Vector512.Load(b3 + start), s3);
            }
            d0 = Vector512.Sum(s0); d1 = Vector512.Sum(s1); d2 = Vector512.Sum(s2); d3 = Vector512.Sum(s3);
            return;
        }
        Vector256<float> t0 = default, t1 = default, t2 = default, t3 = default;
        int q = 0;
        for (; q + 8 <= k; q += 8)
        {
            Vector256<float> xv = Vector256.Load(x + q);
            t0 = MultiplyAdd(xv, Vector256.Load(b0 + q), t0);
            t1 = MultiplyAdd(xv, Vector256.Load(b1 + q), t1);
            t2 = MultiplyAdd(xv, Vector256.Load(b2 + q), t2);
            t3 = MultiplyAdd(xv, Vector256.Load(b3 + q), t3);
        }
        if (q < k)
        {
            int start = k - 8;
            Vector256<float> keep = Vector256.GreaterThanOrEqual(Vector256<int>.Indices, Vector256.Create(q - start)).AsSingle();
            Vector256<float> xv = Vector256.Load(x + start) & keep;
            t0 = MultiplyAdd(xv, Vector256.Load(b0 + start), t0);
            t1 = MultiplyAdd(xv, Vector256.Load(b1 + start), t1);
            t2 = MultiplyAdd(xv, Vector256.Load(b2 + start), t2);
            t3 = MultiplyAdd(xv, Vector256.Load(b3 + start), t3);
        }
        d0 = Vector256.Sum(t0); d1 = Vector256.Sum(t1); d2 = Vector256.Sum(t2); d3 = Vector256.Sum(t3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c)
        => s_useAvx2 ? Fma.MultiplyAdd(a, b, c) : a * b + c;

    private static void CheckMatrix(int length, int rows, int columns, int leadingDimension, string name)
    {
        if (rows < 0 || columns < 0)
            throw new ArgumentException($"Matrix {name} is {rows}×{columns}: sizes must not be negative.", name);
        if (leadingDimension < Math.Max(columns, 1))
            throw new ArgumentException($"Matrix {name} is stored {rows}×{columns} but its row stride is {leadingDimension}.", name);
        long needed = rows == 0 || columns == 0 ? 0 : (long)(rows - 1) * leadingDimension + columns;
        if (length < needed)
            throw new ArgumentException($"Matrix {name} ({rows}×{columns}, row stride {leadingDimension}) needs {needed} values, the span has {length}.", name);
    }

    /// <summary>One part of the parallel call: a contiguous range of C's columns (or rows, when C is tall),
    /// cut at micro-tile boundaries so no two parts write the same tile.</summary>
    private static void RunPart(int part, int parts)
    {
        bool splitColumns = s_n >= s_m;
        int tile = splitColumns ? NR : MR;
        int extent = splitColumns ? s_n : s_m;
        int tiles = (extent + tile - 1) / tile;
        int start = (int)((long)tiles * part / parts) * tile;
        int end = Math.Min(extent, (int)((long)tiles * (part + 1) / parts) * tile);
        if (start >= end) return;
        if (splitColumns)
        {
            float* b = s_transposeB ? s_b + (nint)start * s_ldb : s_b + start;
            float* bias = s_bias == null ? null : s_bias + start;
            GemmBlocked(s_transposeA, s_transposeB, s_m, end - start, s_k, s_alpha, s_a, s_lda, b, s_ldb,
                s_beta, s_c + start, s_ldc, bias, s_activation);
        }
        else
        {
            float* a = s_transposeA ? s_a + start : s_a + (nint)start * s_lda;
            GemmBlocked(s_transposeA, s_transposeB, end - start, s_n, s_k, s_alpha, a, s_lda, s_b, s_ldb,
                s_beta, s_c + (nint)start * s_ldc, s_ldc, s_bias, s_activation);
        }
    }

    /// <summary>Packing buffers of one thread, allocated once in native memory (64-byte aligned, so the
    /// micro-kernel uses aligned loads); the finalizer frees them when the thread is gone.</summary>
    private sealed class PackingArena
    {
        public readonly float* PackedA = (float*)NativeMemory.AlignedAlloc((nuint)(MaxMC * KC * sizeof(float)), 64);
        public readonly float* PackedB = (float*)NativeMemory.AlignedAlloc((nuint)(KC * NC * sizeof(float)), 64);

        ~PackingArena()
        {
            NativeMemory.AlignedFree(PackedA);
            NativeMemory.AlignedFree(PackedB);
        }
    }

    [ThreadStatic] private static PackingArena? t_arena;

    /// <summary>The calling thread's KC×NC packed-B buffer (64-byte aligned), for kernels that pack op(B) themselves
    /// (the implicit convolution) and drive <see cref="MicroKernel"/> directly. Not valid across a call to <see cref="Gemm"/>.</summary>
    internal static float* ThreadPackedB => (t_arena ??= new PackingArena()).PackedB;

    private static void GemmBlocked(bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, float* bias, UnaryOp activation)
    {
        PackingArena arena = t_arena ??= new PackingArena();
        float* packedA = arena.PackedA, packedB = arena.PackedB;
        int mr = MR, mcMax = MC;
        bool hasEpilogue = bias != null || activation != UnaryOp.Identity;
        // Equal depth blocks (784 = 4 × 196, not 3 × 256 + 16): no short last block that costs a whole pass over C.
        int depthBlocks = (k + KC - 1) / KC;
        int kcMax = (k + depthBlocks - 1) / depthBlocks;
        for (int jc = 0; jc < n; jc += NC)
        {
            int nc = Math.Min(NC, n - jc);
            for (int pc = 0; pc < k; pc += kcMax)
            {
                int kc = Math.Min(kcMax, k - pc);
                PackB(transposeB, b, ldb, pc, jc, kc, nc, packedB);
                // Only the first depth block applies beta; later blocks add onto the partial sums in C.
                float blockBeta = pc == 0 ? beta : 1f;
                bool lastDepthBlock = pc + kc == k;
                for (int ic = 0; ic < m; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, m - ic);
                    PackA(transposeA, a, lda, ic, pc, mc, kc, alpha, packedA);
                    float* cBlock = c + (nint)ic * ldc + jc;
                    for (int jr = 0; jr < nc; jr += NR)
                    {
                        int columns = Math.Min(NR, nc - jr);
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int rows = Math.Min(mr, mc - ir);
                            MicroKernel(kc, packedA + (nint)ir * kc, packedB + (nint)jr * kc,
                                cBlock + (nint)ir * ldc + jr, ldc, blockBeta, rows, columns);
                        }
                    }
                    if (lastDepthBlock && hasEpilogue)
                        ApplyEpilogue(cBlock, ldc, mc, nc, bias == null ? null : bias + jc, activation);
                }
            }
        }
    }

    /// <summary>Packs rows [ic, ic+mc) × depth [pc, pc+kc) of alpha·op(A) as MR-row strips, each stored
    /// depth-major (MR values per depth step); rows past mc are zero so edge tiles need no special kernel.</summary>
    internal static void PackA(bool transposeA, float* a, int lda, int ic, int pc, int mc, int kc, float alpha, float* packed)
    {
        int mr = MR;
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            float* strip = packed + (nint)ir * kc;
            if (transposeA)
            {
                // op(A)[i, p] = A[p, i]: each depth step is a contiguous run of the strip's rows.
                if (rows == mr && (mr == 12 || mr == 6) && Vector256.IsHardwareAccelerated)
                {
                    // A full strip: 8 + 4 (or 4 + 2) contiguous values per depth step.
                    Vector256<float> scale8 = Vector256.Create(alpha);
                    Vector128<float> scale4 = Vector128.Create(alpha);
                    for (int p = 0; p < kc; p++)
                    {
                        float* source = a + (nint)(pc + p) * lda + ic + ir;
                        float* destination = strip + p * mr;
                        if (mr == 12)
                        {
                            Vector256.Store(scale8 * Vector256.Load(source), destination);
                            Vector128.Store(scale4 * Vector128.Load(source + 8), destination + 8);
                        }
                        else
                        {
                            Vector128.Store(scale4 * Vector128.Load(source), destination);
                            destination[4] = alpha * source[4];
                            destination[5] = alpha * source[5];
                        }
                    }
                    continue;
                }
                for (int p = 0; p < kc; p++)
                {
                    float* source = a + (nint)(pc + p) * lda + ic + ir;
                    float* destination = strip + p * mr;
                    int i = 0;
                    for (; i < rows; i++) destination[i] = alpha * source[i];
                    for (; i < mr; i++) destination[i] = 0f;
                }
            }
            else if (rows == mr && kc >= 8 && Avx.IsSupported)
            {
                // A full strip of row-major A: 8×8 and 4×8 blocks transposed in registers.
                float* source = a + (nint)(ic + ir) * lda + pc;
                int p = 0;
                for (; p + 8 <= kc; p += 8)
                {
                    int i = 0;
                    for (; i + 8 <= mr; i += 8) Transpose8x8(source + (nint)i * lda + p, lda, strip + p * mr + i, mr, alpha);
                    for (; i + 4 <= mr; i += 4) Transpose4x8(source + (nint)i * lda + p, lda, strip + p * mr + i, mr, alpha);
                    for (; i + 2 <= mr; i += 2) Transpose2x8(source + (nint)i * lda + p, lda, strip + p * mr + i, mr, alpha);
                    for (; i < mr; i++)
                        for (int q = 0; q < 8; q++) strip[(p + q) * mr + i] = alpha * source[(nint)i * lda + p + q];
                }
                for (; p < kc; p++)
                    for (int i = 0; i < mr; i++) strip[p * mr + i] = alpha * source[(nint)i * lda + p];
            }
            else
            {
                for (int i = 0; i < rows; i++)
                {
                    float* source = a + (nint)(ic + ir + i) * lda + pc;
                    float* destination = strip + i;
                    for (int p = 0; p < kc; p++) destination[p * mr] = alpha * source[p];
                }
                for (int i = rows; i < mr; i++)
                    for (int p = 0; p < kc; p++) strip[p * mr + i] = 0f;
            }
        }
    }

    /// <summary>Packs depth [pc, pc+kc) × columns [jc, jc+nc) of op(B) as NR-column strips, each stored
    /// depth-major (NR values per depth step); columns past nc are zero.</summary>
    private static void PackB(bool transposeB, float* b, int ldb, int pc, int jc, int kc, int nc, float* packed)
    {
        for (int jr = 0; jr < nc; jr += NR)
        {
            int columns = Math.Min(NR, nc - jr);
            float* strip = packed + (nint)jr * kc;
            if (transposeB && columns == NR && Avx.IsSupported)
            {
                // op(B)[p, j] = B[j, p]: 8×8 blocks of the stored rows, transposed in registers.
                float* rows = b + (nint)(jc + jr) * ldb + pc;
                int p = 0;
                for (; p + 8 <= kc; p += 8)
                {
                    Transpose8x8(rows + p, ldb, strip + p * NR);
                    Transpose8x8(rows + 8 * (nint)ldb + p, ldb, strip + p * NR + 8);
                }
                for (; p < kc; p++)
                    for (int j = 0; j < NR; j++) strip[p * NR + j] = rows[(nint)j * ldb + p];
            }
            else if (transposeB)
            {
                // op(B)[p, j] = B[j, p]: read each stored row contiguously, scatter with stride NR.
                for (int j = 0; j < columns; j++)
                {
                    float* source = b + (nint)(jc + jr + j) * ldb + pc;
                    for (int p = 0; p < kc; p++) strip[p * NR + j] = source[p];
                }
                for (int j = columns; j < NR; j++)
                    for (int p = 0; p < kc; p++) strip[p * NR + j] = 0f;
            }
            else if (columns == NR)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* source = b + (nint)(pc + p) * ldb + jc + jr;
                    Vector256.Store(Vector256.Load(source), strip + p * NR);
                    Vector256.Store(Vector256.Load(source + 8), strip + p * NR + 8);
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    float* source = b + (nint)(pc + p) * ldb + jc + jr;
                    float* destination = strip + p * NR;
                    int j = 0;
                    for (; j < columns; j++) destination[j] = source[j];
                    for (; j < NR; j++) destination[j] = 0f;
                }
            }
        }
    }

    /// <summary>Reads 8 rows of 8 floats (row stride <paramref name="stride"/>) and writes their transpose as
    /// 8 rows of 8 floats with row stride NR: destination[i·NR + r] = source[r·stride + i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* source, int stride, float* destination)
        => Transpose8x8(source, stride, destination, NR, 1f);

    /// <summary>destination[i·destinationStride + r] = scale · source[r·stride + i] for r, i &lt; 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* source, int stride, float* destination, int destinationStride, float scale)
    {
        nint ds = destinationStride;
        Vector256<float> r0 = Avx.LoadVector256(source), r1 = Avx.LoadVector256(source + stride);
        Vector256<float> r2 = Avx.LoadVector256(source + 2 * (nint)stride), r3 = Avx.LoadVector256(source + 3 * (nint)stride);
        Vector256<float> r4 = Avx.LoadVector256(source + 4 * (nint)stride), r5 = Avx.LoadVector256(source + 5 * (nint)stride);
        Vector256<float> r6 = Avx.LoadVector256(source + 6 * (nint)stride), r7 = Avx.LoadVector256(source + 7 * (nint)stride);
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        Vector256<float> sv = Vector256.Create(scale);
        Avx.Store(destination, sv * Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(destination + ds, sv * Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(destination + 2 * ds, sv * Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(destination + 3 * ds, sv * Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(destination + 4 * ds, sv * Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(destination + 5 * ds, sv * Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(destination + 6 * ds, sv * Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(destination + 7 * ds, sv * Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>destination[i·destinationStride + r] = scale · source[r·stride + i] for r &lt; 4, i &lt; 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x8(float* source, int stride, float* destination, int destinationStride, float scale)
    {
        nint ds = destinationStride;
        Vector256<float> r0 = Avx.LoadVector256(source), r1 = Avx.LoadVector256(source + stride);
        Vector256<float> r2 = Avx.LoadVector256(source + 2 * (nint)stride), r3 = Avx.LoadVector256(source + 3 * (nint)stride);
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> sv = Vector256.Create(scale);
        // u0 holds columns 0 and 4, u1 columns 1 and 5, u2 columns 2 and 6, u3 columns 3 and 7.
        Vector256<float> u0 = sv * Avx.Shuffle(t0, t2, 0x44), u1 = sv * Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = sv * Avx.Shuffle(t1, t3, 0x44), u3 = sv * Avx.Shuffle(t1, t3, 0xEE);
        Vector128.Store(u0.GetLower(), destination);
        Vector128.Store(u1.GetLower(), destination + ds);
        Vector128.Store(u2.GetLower(), destination + 2 * ds);
        Vector128.Store(u3.GetLower(), destination + 3 * ds);
        Vector128.Store(u0.GetUpper(), destination + 4 * ds);
        Vector128.Store(u1.GetUpper(), destination + 5 * ds);
        Vector128.Store(u2.GetUpper(), destination + 6 * ds);
        Vector128.Store(u3.GetUpper(), destination + 7 * ds);
    }

    /// <summary>destination[i·destinationStride + r] = scale · source[r·stride + i] for r &lt; 2, i &lt; 8: the last two rows
    /// of a 6-row AVX2 strip, as eight 64-bit pairs instead of sixteen strided scalar copies.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose2x8(float* source, int stride, float* destination, int destinationStride, float scale)
    {
        nint ds = destinationStride;
        Vector256<float> sv = Vector256.Create(scale);
        Vector256<float> r0 = sv * Avx.LoadVector256(source), r1 = sv * Avx.LoadVector256(source + stride);
        // low = (r0[0], r1[0], r0[1], r1[1] | r0[4], r1[4], r0[5], r1[5]), high = the same for columns 2, 3 | 6, 7.
        Vector256<double> low = Avx.UnpackLow(r0, r1).AsDouble(), high = Avx.UnpackHigh(r0, r1).AsDouble();
        Vector128<double> low0 = low.GetLower(), low1 = low.GetUpper(), high0 = high.GetLower(), high1 = high.GetUpper();
        Sse2.StoreScalar((double*)destination, low0);
        Sse2.StoreHigh((double*)(destination + ds), low0);
        Sse2.StoreScalar((double*)(destination + 2 * ds), high0);
        Sse2.StoreHigh((double*)(destination + 3 * ds), high0);
        Sse2.StoreScalar((double*)(destination + 4 * ds), low1);
        Sse2.StoreHigh((double*)(destination + 5 * ds), low1);
        Sse2.StoreScalar((double*)(destination + 6 * ds), high1);
        Sse2.StoreHigh((double*)(destination + 7 * ds), high1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void MicroKernel(int kc, float* packedA, float* packedB, float* c, int ldc, float beta, int rows, int columns)
    {
        if (s_useAvx512)
        {
            // Edge strips (64 rows = 5 × 12 + 4) compute only the rows they have.
            if (rows <= 4) MicroKernelAvx512Rows4(kc, packedA, packedB, c, ldc, beta, rows, columns);
            else if (rows <= 8) MicroKernelAvx512Rows8(kc, packedA, packedB, c, ldc, beta, rows, columns);
            else MicroKernelAvx512(kc, packedA, packedB, c, ldc, beta, rows, columns);
        }
        else if (s_useAvx2) MicroKernelAvx2(kc, packedA, packedB, c, ldc, beta, rows, columns);
        else MicroKernelPortable(kc, packedA, packedB, c, ldc, beta, rows, columns);
    }

    /// <summary>6×16 tile: 12 Vector256 accumulators; per depth step 2 loads of B, 6 broadcasts of A, 12 FMAs.</summary>
    private static void MicroKernelAvx2(int kc, float* a, float* b, float* c, int ldc, float beta, int rows, int columns)
    {
        if (beta != 0f) PrefetchTile(c, ldc, 6);
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Avx.LoadAlignedVector256(b);
            Vector256<float> b1 = Avx.LoadAlignedVector256(b + 8);
            Vector256<float> av = Avx.BroadcastScalarToVector256(a);
            c00 = Fma.MultiplyAdd(av, b0, c00); c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Avx.BroadcastScalarToVector256(a + 1);
            c10 = Fma.MultiplyAdd(av, b0, c10); c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Avx.BroadcastScalarToVector256(a + 2);
            c20 = Fma.MultiplyAdd(av, b0, c20); c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Avx.BroadcastScalarToVector256(a + 3);
            c30 = Fma.MultiplyAdd(av, b0, c30); c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Avx.BroadcastScalarToVector256(a + 4);
            c40 = Fma.MultiplyAdd(av, b0, c40); c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Avx.BroadcastScalarToVector256(a + 5);
            c50 = Fma.MultiplyAdd(av, b0, c50); c51 = Fma.MultiplyAdd(av, b1, c51);
            a += 6;
            b += 16;
        }
        if (rows == 6 && columns == NR)
        {
            StoreRow(c, c00, c01, beta);
            StoreRow(c + ldc, c10, c11, beta);
            StoreRow(c + 2 * (nint)ldc, c20, c21, beta);
            StoreRow(c + 3 * (nint)ldc, c30, c31, beta);
            StoreRow(c + 4 * (nint)ldc, c40, c41, beta);
            StoreRow(c + 5 * (nint)ldc, c50, c51, beta);
            return;
        }
        float* tile = stackalloc float[6 * NR];
        Vector256.Store(c00, tile); Vector256.Store(c01, tile + 8);
        Vector256.Store(c10, tile + 16); Vector256.Store(c11, tile + 24);
        Vector256.Store(c20, tile + 32); Vector256.Store(c21, tile + 40);
        Vector256.Store(c30, tile + 48); Vector256.Store(c31, tile + 56);
        Vector256.Store(c40, tile + 64); Vector256.Store(c41, tile + 72);
        Vector256.Store(c50, tile + 80); Vector256.Store(c51, tile + 88);
        StorePartialTile(tile, c, ldc, beta, rows, columns);
    }

    /// <summary>Asks for the C tile the kernel will read back (beta ≠ 0: a later depth block) while the FMAs run: its rows
    /// are ldc apart, often a multiple of 4 KiB, and would otherwise miss together at the end. Each 16-float row spans at
    /// most two cache lines.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchTile(float* c, int ldc, int rows)
    {
        if (!Sse.IsSupported) return;
        for (int i = 0; i < rows; i++)
        {
            Sse.Prefetch0(c + (nint)i * ldc);
            Sse.Prefetch0(c + (nint)i * ldc + 15);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, Vector256<float> low, Vector256<float> high, float beta)
    {
        if (beta == 0f)
        {
            Vector256.Store(low, c);
            Vector256.Store(high, c + 8);
        }
        else if (beta == 1f)
        {
            Vector256.Store(low + Vector256.Load(c), c);
            Vector256.Store(high + Vector256.Load(c + 8), c + 8);
        }
        else
        {
            Vector256<float> betaVector = Vector256.Create(beta);
            Vector256.Store(Fma.MultiplyAdd(betaVector, Vector256.Load(c), low), c);
            Vector256.Store(Fma.MultiplyAdd(betaVector, Vector256.Load(c + 8), high), c + 8);
        }
    }

    /// <summary>12×16 tile: 12 Vector512 accumulators; per depth step 1 load of B, 12 broadcasts of A, 12 FMAs.</summary>
    private static void MicroKernelAvx512(int kc, float* a, float* b, float* c, int ldc, float beta, int rows, int columns)
    {
        if (beta != 0f) PrefetchTile(c, ldc, 12);
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        Vector512<float> c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> bv = Avx512F.LoadAlignedVector512(b);
            c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[0]), bv, c0);
            c1 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[1]), bv, c1);
            c2 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[2]), bv, c2);
            c3 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[3]), bv, c3);
            c4 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[4]), bv, c4);
            c5 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[5]), bv, c5);
            c6 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[6]), bv, c6);
            c7 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[7]), bv, c7);
            c8 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[8]), bv, c8);
            c9 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[9]), bv, c9);
            c10 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[10]), bv, c10);
            c11 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[11]), bv, c11);
            a += 12;
            b += 16;
        }
        float* tile = stackalloc float[12 * NR];
        Vector512.Store(c0, tile); Vector512.Store(c1, tile + 16); Vector512.Store(c2, tile + 32);
        Vector512.Store(c3, tile + 48); Vector512.Store(c4, tile + 64); Vector512.Store(c5, tile + 80);
        Vector512.Store(c6, tile + 96); Vector512.Store(c7, tile + 112); Vector512.Store(c8, tile + 128);
        Vector512.Store(c9, tile + 144); Vector512.Store(c10, tile + 160); Vector512.Store(c11, tile + 176);
        if (rows == 12 && columns == NR)
        {
            Vector512<float> betaVector = Vector512.Create(beta);
            for (int i = 0; i < 12; i++)
            {
                float* row = c + (nint)i * ldc;
                Vector512<float> sum = Vector512.Load(tile + i * NR);
                if (beta != 0f) sum = Avx512F.FusedMultiplyAdd(betaVector, Vector512.Load(row), sum);
                Vector512.Store(sum, row);
            }
            return;
        }
        StorePartialTile(tile, c, ldc, beta, rows, columns);
    }

    /// <summary>The 12-row strip's first 4 rows (an edge strip of at most 4 rows).</summary>
    private static void MicroKernelAvx512Rows4(int kc, float* a, float* b, float* c, int ldc, float beta, int rows, int columns)
    {
        int mr = MR;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> bv = Avx512F.LoadAlignedVector512(b);
            c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[0]), bv, c0);
            c1 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[1]), bv, c1);
            c2 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[2]), bv, c2);
            c3 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[3]), bv, c3);
            a += mr;
            b += 16;
        }
        float* tile = stackalloc float[4 * NR];
        Vector512.Store(c0, tile); Vector512.Store(c1, tile + 16); Vector512.Store(c2, tile + 32); Vector512.Store(c3, tile + 48);
        StorePartialTile(tile, c, ldc, beta, rows, columns);
    }

    /// <summary>The 12-row strip's first 8 rows (an edge strip of 5 to 8 rows).</summary>
    private static void MicroKernelAvx512Rows8(int kc, float* a, float* b, float* c, int ldc, float beta, int rows, int columns)
    {
        int mr = MR;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> bv = Avx512F.LoadAlignedVector512(b);
            c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[0]), bv, c0);
            c1 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[1]), bv, c1);
            c2 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[2]), bv, c2);
            c3 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[3]), bv, c3);
            c4 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[4]), bv, c4);
            c5 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[5]), bv, c5);
            c6 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[6]), bv, c6);
            c7 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[7]), bv, c7);
            a += mr;
            b += 16;
        }
        float* tile = stackalloc float[8 * NR];
        Vector512.Store(c0, tile); Vector512.Store(c1, tile + 16); Vector512.Store(c2, tile + 32); Vector512.Store(c3, tile + 48);
        Vector512.Store(c4, tile + 64); Vector512.Store(c5, tile + 80); Vector512.Store(c6, tile + 96); Vector512.Store(c7, tile + 112);
        StorePartialTile(tile, c, ldc, beta, rows, columns);
    }

    /// <summary>Any SIMD width: accumulates the MR×NR tile in a stack buffer with Vector&lt;float&gt;.</summary>
    private static void MicroKernelPortable(int kc, float* a, float* b, float* c, int ldc, float beta, int rows, int columns)
    {
        int mr = MR;
        float* tile = stackalloc float[mr * NR];
        new Span<float>(tile, mr * NR).Clear();
        int width = Vector<float>.Count;
        for (int p = 0; p < kc; p++)
        {
            for (int i = 0; i < mr; i++)
            {
                var av = new Vector<float>(a[i]);
                float* row = tile + i * NR;
                for (int j = 0; j < NR; j += width)
                    Vector.Store(Vector.Load(row + j) + av * Vector.Load(b + j), row + j);
            }
            a += mr;
            b += NR;
        }
        StorePartialTile(tile, c, ldc, beta, rows, columns);
    }

    /// <summary>Writes the top-left rows×columns of a finished NR-wide tile into C (edge tiles).</summary>
    private static void StorePartialTile(float* tile, float* c, int ldc, float beta, int rows, int columns)
    {
        if (columns == NR && Vector256.IsHardwareAccelerated)
        {
            Vector256<float> betaVector = Vector256.Create(beta);
            for (int i = 0; i < rows; i++)
            {
                float* row = c + (nint)i * ldc;
                float* sums = tile + i * NR;
                Vector256<float> low = Vector256.Load(sums), high = Vector256.Load(sums + 8);
                if (beta != 0f)
                {
                    low += betaVector * Vector256.Load(row);
                    high += betaVector * Vector256.Load(row + 8);
                }
                Vector256.Store(low, row);
                Vector256.Store(high, row + 8);
            }
            return;
        }
        for (int i = 0; i < rows; i++)
        {
            float* row = c + (nint)i * ldc;
            float* sums = tile + i * NR;
            if (beta == 0f)
                for (int j = 0; j < columns; j++) row[j] = sums[j];
            else
                for (int j = 0; j < columns; j++) row[j] = sums[j] + beta * row[j];
        }
    }

    /// <summary>C = beta·C, with beta = 0 writing zeros (the product term is empty: k = 0 or alpha = 0).</summary>
    private static void ScaleOutput(float* c, int ldc, int m, int n, float beta)
    {
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + (nint)i * ldc, n);
            if (beta == 0f) row.Clear();
            else if (beta != 1f) TensorPrimitives.Multiply(row, beta, row);
        }
    }

    /// <summary>Adds the bias row and applies the activation to an m×n block of C.</summary>
    private static void ApplyEpilogue(float* c, int ldc, int m, int n, float* bias, UnaryOp activation)
    {
        var biasRow = new ReadOnlySpan<float>(bias, bias == null ? 0 : n);
        if (ldc == n)
        {
            // A contiguous block: the bias row by row, the activation in one call (tiny layers have short rows).
            if (bias != null)
                for (int i = 0; i < m; i++)
                {
                    var row = new Span<float>(c + (nint)i * ldc, n);
                    TensorPrimitives.Add(row, biasRow, row);
                }
            var block = new Span<float>(c, checked(m * n));
            switch (activation)
            {
                case UnaryOp.Relu: TensorPrimitives.Max(block, 0f, block); break;
                case UnaryOp.Sigmoid: TensorPrimitives.Sigmoid(block, block); break;
                case UnaryOp.Tanh: TensorPrimitives.Tanh(block, block); break;
            }
            return;
        }
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + (nint)i * ldc, n);
            if (bias != null) TensorPrimitives.Add(row, biasRow, row);
            switch (activation)
            {
                case UnaryOp.Relu: TensorPrimitives.Max(row, 0f, row); break;
                case UnaryOp.Sigmoid: TensorPrimitives.Sigmoid(row, row); break;
                case UnaryOp.Tanh: TensorPrimitives.Tanh(row, row); break;
            }
        }
    }
}
