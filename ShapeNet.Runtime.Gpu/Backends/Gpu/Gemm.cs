using ILGPU;
using ILGPU.Runtime;

namespace ShapeNet.Backends.Gpu;

/// <summary>
/// Row-major strided-batch GEMM, C = act(alpha·op(A)·op(B) + beta·C + bias) (mirror of <c>Cpu/Gemm.cs</c>): ShapeNet's own
/// kernel for where cuBLAS is not (ILGPU's CPU accelerator in CI, other accelerators, a CUDA machine without cuBLAS).
/// Two kernels, both tested: a shared-memory tiled one (16×16 tiles, one group per tile, the GPU's) and one thread
/// per output (ILGPU's CPU accelerator, where each barrier of the tiled kernel is an OS-thread rendezvous). As BLAS, beta = 0
/// does not read C. The epilogue adds a bias per column (Linear) or per row (Conv2d) and applies Identity, Relu,
/// Sigmoid or Tanh.
/// </summary>
public sealed class GpuGemm
{
    internal const int Tile = 16;

    private readonly GpuKernels _k;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmArgs> _naive;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmArgs> _tiled;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, GemmArgs> _epilogue;

    internal GpuGemm(GpuKernels k)
    {
        _k = k;
        _naive = k.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmArgs>(GemmKernel);
        _tiled = k.Accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmArgs>(GemmTiledKernel);
        _epilogue = k.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, GemmArgs>(EpilogueKernel);
    }

    /// <summary>C[b] = alpha·op(A[b])·op(B[b]) + beta·C[b] for b &lt; batchCount; op(A) is m×k, op(B) k×n; lda/ldb/ldc are the
    /// row strides of A, B, C as stored; views start at each operand's first element.</summary>
    public void Gemm(bool transposeA, bool transposeB, int m, int n, int k, float alpha, ArrayView<float> a, int lda,
        ArrayView<float> b, int ldb, float beta, ArrayView<float> c, int ldc, int batchCount = 1, long strideA = 0, long strideB = 0, long strideC = 0)
        => Gemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, default, BiasMode.None, UnaryOp.Identity,
            batchCount, strideA, strideB, strideC, _k.TiledGemm);

    /// <summary>The GEMM with its epilogue, choosing the kernel explicitly (tests run both).</summary>
    internal void Gemm(bool transposeA, bool transposeB, int m, int n, int k, float alpha, ArrayView<float> a, int lda,
        ArrayView<float> b, int ldb, float beta, ArrayView<float> c, int ldc, ArrayView<float> bias, BiasMode biasMode, UnaryOp activation,
        int batchCount, long strideA, long strideB, long strideC, bool tiled, long strideBias = 0)
    {
        if (m < 0 || n < 0 || k < 0 || batchCount < 1)
            throw new ArgumentException($"GEMM sizes m {m}, n {n}, k {k} must be non-negative and batchCount {batchCount} positive.");
        if (activation is not (UnaryOp.Identity or UnaryOp.Relu or UnaryOp.Sigmoid or UnaryOp.Tanh))
            throw new ArgumentException($"The GEMM epilogue applies Identity, Relu, Sigmoid or Tanh, not {activation}.", nameof(activation));
        int aRows = transposeA ? k : m, aCols = transposeA ? m : k, bRows = transposeB ? n : k, bCols = transposeB ? k : n;
        CheckOperand("A", a, aRows, aCols, lda, batchCount, strideA);
        CheckOperand("B", b, bRows, bCols, ldb, batchCount, strideB);
        CheckOperand("C", c, m, n, ldc, batchCount, strideC);
        if (biasMode != BiasMode.None)
            GpuKernels.Need(bias, (batchCount - 1) * strideBias + (biasMode == BiasMode.PerColumn ? n : m), "GEMM epilogue", "bias");
        long outputs = (long)m * n * batchCount;
        if (outputs == 0) return;
        var args = new GemmArgs
        {
            M = m, N = n, K = k, TransposeA = transposeA ? 1 : 0, TransposeB = transposeB ? 1 : 0, Alpha = alpha, Beta = beta,
            Lda = lda, Ldb = ldb, Ldc = ldc, StrideA = strideA, StrideB = strideB, StrideC = strideC,
            BiasMode = (int)biasMode, Activation = (int)activation, StrideBias = strideBias,
        };
        if (tiled)
        {
            int tilesM = (m + Tile - 1) / Tile, tilesN = (n + Tile - 1) / Tile;
            int groups = GpuKernels.Count((long)tilesM * tilesN * batchCount, "GEMM tiles");
            _tiled(_k.Stream, new KernelConfig(groups, Tile * Tile), c, a, b, bias, args);
        }
        else
        {
            _naive(_k.Stream, GpuKernels.Count(outputs, "GEMM"), c, a, b, bias, args);
        }
    }

    internal static void CheckOperand(string name, ArrayView<float> view, int rows, int cols, int ld, int batchCount, long stride)
    {
        if (rows == 0 || cols == 0) return;
        if (ld < cols) throw new ArgumentException($"GEMM: the row stride of {name} ({ld}) is below its {cols} columns.", name);
        long extent = (long)(batchCount - 1) * stride + (long)(rows - 1) * ld + cols;
        if (stride < 0 || extent > view.Length)
            throw new ArgumentException($"GEMM: {name} ({batchCount} × {rows}×{cols}, row stride {ld}, batch stride {stride}) needs {extent} values, " +
                $"the view has {view.Length}.", name);
    }

    /// <summary>C = act(C + bias) over a strided batch of m×n matrices (row stride ldc): the epilogue after a vendor GEMM
    /// (cuBLAS has none), the same arithmetic as the fused one (alpha·sum + beta·C is what the GEMM left in C).</summary>
    public void Epilogue(ArrayView<float> c, int m, int n, int ldc, int batchCount, long strideC, ArrayView<float> bias, BiasMode biasMode,
        long strideBias, UnaryOp activation)
    {
        if (biasMode == BiasMode.None && activation == UnaryOp.Identity) return;
        if (activation is not (UnaryOp.Identity or UnaryOp.Relu or UnaryOp.Sigmoid or UnaryOp.Tanh))
            throw new ArgumentException($"The GEMM epilogue applies Identity, Relu, Sigmoid or Tanh, not {activation}.", nameof(activation));
        CheckOperand("C", c, m, n, ldc, batchCount, strideC);
        if (biasMode != BiasMode.None)
            GpuKernels.Need(bias, (batchCount - 1) * strideBias + (biasMode == BiasMode.PerColumn ? n : m), "GEMM epilogue", "bias");
        long outputs = (long)m * n * batchCount;
        if (outputs == 0) return;
        var args = new GemmArgs
        {
            M = m, N = n, Ldc = ldc, StrideC = strideC, BiasMode = (int)biasMode, Activation = (int)activation, StrideBias = strideBias,
            Alpha = 1f, Beta = 0f,
        };
        _epilogue(_k.Stream, GpuKernels.Count(outputs, "GEMM epilogue"), c, bias, args);
    }

    public enum BiasMode
    {
        None = 0,
        /// <summary>bias[j] added to column j (Linear: one per output feature).</summary>
        PerColumn = 1,
        /// <summary>bias[i] added to row i (Conv2d: one per output channel).</summary>
        PerRow = 2,
    }

    public struct GemmArgs
    {
        public int M, N, K, TransposeA, TransposeB, Lda, Ldb, Ldc, BiasMode, Activation;
        public float Alpha, Beta;
        public long StrideA, StrideB, StrideC;
        /// <summary>Step of the bias between batch entries (Conv2d's groups: each group has its own output channels).</summary>
        public long StrideBias;
    }

    // ---- device code ---------------------------------------------------------------------------

    private static float Epilogue(float sum, ArrayView<float> c, long at, ArrayView<float> bias, long batch, int row, int column, GemmArgs g)
    {
        float v = g.Alpha * sum;
        if (g.Beta != 0f) v += g.Beta * c[at];
        if (g.BiasMode == (int)BiasMode.PerColumn) v += bias[batch * g.StrideBias + column];
        else if (g.BiasMode == (int)BiasMode.PerRow) v += bias[batch * g.StrideBias + row];
        return (UnaryOp)g.Activation switch
        {
            UnaryOp.Relu => DeviceMath.Relu(v),
            UnaryOp.Sigmoid => DeviceMath.Sigmoid(v),
            UnaryOp.Tanh => DeviceMath.Tanh(v),
            _ => v,
        };
    }

    /// <summary>One thread per output element of the batch.</summary>
    [Kernel]
    internal static void GemmKernel(Index1D index, ArrayView<float> c, ArrayView<float> a, ArrayView<float> b, ArrayView<float> bias, GemmArgs g)
    {
        long perBatch = (long)g.M * g.N;
        long batch = index / perBatch;
        int within = (int)(index % perBatch), row = within / g.N, column = within % g.N;
        long aBase = batch * g.StrideA, bBase = batch * g.StrideB;
        float sum = 0f;
        for (int p = 0; p < g.K; p++)
        {
            float av = g.TransposeA != 0 ? a[aBase + (long)p * g.Lda + row] : a[aBase + (long)row * g.Lda + p];
            float bv = g.TransposeB != 0 ? b[bBase + (long)column * g.Ldb + p] : b[bBase + (long)p * g.Ldb + column];
            sum += av * bv;
        }
        long at = batch * g.StrideC + (long)row * g.Ldc + column;
        c[at] = Epilogue(sum, c, at, bias, batch, row, column, g);
    }

    /// <summary>One thread per element of C: C = act(C + bias) (alpha 1, beta 0: the GEMM already wrote alpha·AB + beta·C).</summary>
    [Kernel]
    internal static void EpilogueKernel(Index1D index, ArrayView<float> c, ArrayView<float> bias, GemmArgs g)
    {
        long perBatch = (long)g.M * g.N;
        long batch = index / perBatch;
        int within = (int)(index % perBatch), row = within / g.N, column = within % g.N;
        long at = batch * g.StrideC + (long)row * g.Ldc + column;
        c[at] = Epilogue(c[at], c, at, bias, batch, row, column, g);
    }

    /// <summary>One 16×16 group per output tile: the group stages a 16×16 tile of op(A) and of op(B) in shared memory per
    /// step of 16 along k, each thread accumulates its output over the staged tiles.</summary>
    [Kernel]
    internal static void GemmTiledKernel(ArrayView<float> c, ArrayView<float> a, ArrayView<float> b, ArrayView<float> bias, GemmArgs g)
    {
        var aTile = SharedMemory.Allocate<float>(Tile * Tile);
        var bTile = SharedMemory.Allocate<float>(Tile * Tile);
        int tilesM = (g.M + Tile - 1) / Tile, tilesN = (g.N + Tile - 1) / Tile;
        int groupIndex = Grid.IdxX;
        int batch = groupIndex / (tilesM * tilesN), tile = groupIndex % (tilesM * tilesN);
        int tx = Group.IdxX % Tile, ty = Group.IdxX / Tile;
        int row = tile / tilesN * Tile + ty, column = tile % tilesN * Tile + tx;
        long aBase = batch * g.StrideA, bBase = batch * g.StrideB;
        float sum = 0f;
        for (int p0 = 0; p0 < g.K; p0 += Tile)
        {
            // Thread (ty, tx) loads op(A)[row, p0 + tx] and op(B)[p0 + ty, column], zero outside the matrices.
            int pa = p0 + tx, pb = p0 + ty;
            float av = 0f, bv = 0f;
            if (row < g.M && pa < g.K) av = g.TransposeA != 0 ? a[aBase + (long)pa * g.Lda + row] : a[aBase + (long)row * g.Lda + pa];
            if (column < g.N && pb < g.K) bv = g.TransposeB != 0 ? b[bBase + (long)column * g.Ldb + pb] : b[bBase + (long)pb * g.Ldb + column];
            aTile[ty * Tile + tx] = av;
            bTile[ty * Tile + tx] = bv;
            Group.Barrier();
            for (int q = 0; q < Tile; q++) sum += aTile[ty * Tile + q] * bTile[q * Tile + tx];
            Group.Barrier();
        }
        if (row < g.M && column < g.N)
        {
            long at = batch * g.StrideC + (long)row * g.Ldc + column;
            c[at] = Epilogue(sum, c, at, bias, batch, row, column, g);
        }
    }
}
