using System.Numerics.Tensors;
using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Cpu;

public class GemmTests
{
    /// <summary>C = alpha·op(A)·op(B) + beta·C in double; beta = 0 ignores C. op(A) and op(B)ᵀ are first
    /// copied row-major so the inner product runs over contiguous memory (the reference dominates the test time).</summary>
    private static double[] Reference(bool transposeA, bool transposeB, int m, int n, int k, double alpha, float[] a, int lda,
        float[] b, int ldb, double beta, float[] c, int ldc)
    {
        var opA = new double[m * k];
        var opBTransposed = new double[n * k];
        for (int i = 0; i < m; i++)
            for (int p = 0; p < k; p++) opA[i * k + p] = transposeA ? a[p * lda + i] : a[i * lda + p];
        for (int j = 0; j < n; j++)
            for (int p = 0; p < k; p++) opBTransposed[j * k + p] = transposeB ? b[j * ldb + p] : b[p * ldb + j];
        var result = TestData.ToDouble(c);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                ReadOnlySpan<double> row = opA.AsSpan(i * k, k), column = opBTransposed.AsSpan(j * k, k);
                double sum = 0;
                for (int p = 0; p < k; p++) sum += row[p] * column[p];
                result[i * ldc + j] = alpha * sum + (beta == 0 ? 0 : beta * c[i * ldc + j]);
            }
        return result;
    }

    internal static void Check(bool transposeA, bool transposeB, int m, int n, int k, float alpha, float beta, int padding, int seed)
    {
        int lda = (transposeA ? m : k) + padding, ldb = (transposeB ? k : n) + padding, ldc = n + padding;
        float[] a = TestData.Uniform(seed, (transposeA ? k : m) * lda);
        float[] b = TestData.Uniform(seed + 1, (transposeB ? n : k) * ldb);
        float[] c = TestData.Uniform(seed + 2, m * ldc);
        double[] expected = Reference(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        CpuGemm.Gemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        // float32 accumulation of k products of magnitude ≤ 1: error grows about linearly in k.
        Numerics.AssertClose(expected, c, rtol: 1e-5, atol: 2e-6 * (k + 1),
            $"gemm tA={transposeA} tB={transposeB} alpha={alpha} beta={beta} pad={padding}", m, n, k);
    }

    public static TheoryData<int, int, int> OddShapes() => new()
    {
        { 1, 1, 1 }, { 3, 17, 1 }, { 1, 65, 63 }, { 17, 3, 129 }, { 63, 65, 17 }, { 65, 63, 3 },
        { 129, 17, 65 }, { 3, 257, 63 }, { 257, 3, 17 }, { 17, 129, 257 }, { 6, 16, 256 }, { 12, 32, 300 },
    };

    [Theory]
    [MemberData(nameof(OddShapes))]
    public void All_transposes_match_a_double_reference_on_odd_shapes(int m, int n, int k)
    {
        foreach (bool transposeA in new[] { false, true })
            foreach (bool transposeB in new[] { false, true })
                Check(transposeA, transposeB, m, n, k, 1f, 0f, padding: 0, seed: m * 7 + n * 13 + k);
    }

    [Theory]
    [InlineData(0.5f, -1.5f)]
    [InlineData(2f, 1f)]
    [InlineData(-1f, 0.25f)]
    public void Alpha_and_beta_scale_the_product_and_the_old_output(float alpha, float beta)
    {
        foreach (bool transposeA in new[] { false, true })
            foreach (bool transposeB in new[] { false, true })
                Check(transposeA, transposeB, 33, 47, 70, alpha, beta, padding: 0, seed: 5);
    }

    [Fact]
    public void Leading_dimensions_larger_than_the_width_are_respected()
    {
        foreach (bool transposeA in new[] { false, true })
            foreach (bool transposeB in new[] { false, true })
                Check(transposeA, transposeB, 29, 41, 37, 1.5f, 0.5f, padding: 7, seed: 11);
    }

    [Fact]
    public void Large_product_split_over_both_cores_matches_the_reference()
    {
        // 150·230·270 multiply-adds is above the parallel threshold; k > 256 crosses a depth block, m > 144
        // crosses a row block, and the odd sizes leave edge tiles in both parts.
        foreach (bool transposeA in new[] { false, true })
            foreach (bool transposeB in new[] { false, true })
                Check(transposeA, transposeB, 150, 230, 270, 1f, 0.5f, padding: 3, seed: 21);
        // Taller than wide: the parts split the rows instead of the columns.
        Check(false, false, 500, 40, 300, 1f, 0f, padding: 0, seed: 22);
    }

    [Theory]
    [InlineData(1, 13, 16)]      // one full vector of depth, no tail; 13 columns leave a 1-column rest after blocks of 4
    [InlineData(1, 512, 784)]    // the MNIST MLP's first layer at batch 1 (784 = 49·16: AVX-512 has no tail, AVX2 none)
    [InlineData(2, 7, 17)]       // a 1-value depth tail
    [InlineData(1, 300, 1000)]   // above the split threshold: columns over both threads
    [InlineData(2, 301, 333)]    // split, with depth tails and a ragged last block
    public void Rows_times_a_transposed_matrix_take_the_dot_product_path_and_match(int m, int n, int k)
    {
        // op(A) = A, op(B) = Bᵀ with at most 2 rows: the streaming dot-product path (batch-1 inference), with padding,
        // alpha and beta, and beta = 0 over NaN.
        Check(false, true, m, n, k, 1f, 0f, padding: 0, seed: m + n + k);
        Check(false, true, m, n, k, -0.5f, 1.5f, padding: 5, seed: m + n + k + 1);
        float[] a = TestData.Uniform(3, m * k), b = TestData.Uniform(4, n * k);
        float[] c = Enumerable.Repeat(float.NaN, m * n).ToArray();
        CpuGemm.Gemm(false, true, m, n, k, 1f, a, k, b, k, 0f, c, n);
        Numerics.AssertClose(Reference(false, true, m, n, k, 1, a, k, b, k, 0, new float[m * n], n), c, 1e-5, 2e-6 * (k + 1),
            "dot-product path, beta = 0 over NaN", m, n, k);
    }

    [Fact]
    public void The_dot_product_path_fuses_bias_and_activation_and_is_bitwise_repeatable()
    {
        const int m = 1, n = 301, k = 300;
        float[] a = TestData.Uniform(5, m * k), b = TestData.Uniform(6, n * k), bias = TestData.Uniform(7, n);
        float[] fused = new float[m * n], again = new float[m * n];
        CpuGemm.GemmWithEpilogue(false, true, m, n, k, 1f, a, k, b, k, 0f, fused, n, bias, UnaryOp.Tanh);
        CpuGemm.GemmWithEpilogue(false, true, m, n, k, 1f, a, k, b, k, 0f, again, n, bias, UnaryOp.Tanh);
        Assert.Equal(fused, again);
        double[] expected = Reference(false, true, m, n, k, 1, a, k, b, k, 0, new float[m * n], n);
        for (int j = 0; j < n; j++) expected[j] = Math.Tanh(expected[j] + bias[j]);
        Numerics.AssertClose(expected, fused, 1e-5, 2e-6 * (k + 1), "dot-product path + bias + tanh", m, n, k);
    }

    /// <summary>With beta = 0, the dot-product path adds the bias and applies a ReLU to each value as it stores it, instead of
    /// the vector pass the other paths (and sigmoid, tanh) use: the result must be the pass's bits, NaN included.</summary>
    [Theory]
    [InlineData(1, 37, 784)]    // rows read one at a time, over both threads
    [InlineData(2, 300, 300)]   // two rows, a depth tail
    [InlineData(1, 21, 64)]     // four rows at a time and a ragged end
    public void The_dot_product_path_fuses_bias_and_relu_with_the_bits_of_the_separate_pass(int m, int n, int k)
    {
        float[] a = TestData.Uniform(21, m * k), b = TestData.Uniform(22, n * k), bias = TestData.Uniform(23, n);
        a[0] = float.NaN;              // row 0 of C: NaN everywhere, which a ReLU keeps
        Array.Clear(b, k, k);          // column 1: a zero dot product, so the value is the bias alone
        foreach (UnaryOp activation in new[] { UnaryOp.Relu, UnaryOp.Identity })
        {
            float[] fused = new float[m * n], separate = new float[m * n];
            CpuGemm.GemmWithEpilogue(false, true, m, n, k, 1f, a, k, b, k, 0f, fused, n, bias, activation);
            CpuGemm.Gemm(false, true, m, n, k, 1f, a, k, b, k, 0f, separate, n);
            for (int i = 0; i < m; i++)
            {
                Span<float> row = separate.AsSpan(i * n, n);
                TensorPrimitives.Add(row, bias, row);
                if (activation == UnaryOp.Relu) TensorPrimitives.Max(row, 0f, row);
            }
            Numerics.AssertSameBits(separate, fused, $"{activation}, {m}×{n}×{k}: fused against bias + activation applied afterwards");
        }
    }

    /// <summary>The dot-product path reads a weight row that does not start on a 64-byte line as aligned vectors and rebuilds
    /// the unaligned ones, and copies a misaligned input row to an aligned buffer: the result must be the same bits wherever
    /// the rows lie, for depths with and without a tail,
    /// and the values outside the rows it loads (here NaN) must not leak in.</summary>
    [Theory]
    [InlineData(1, 37, 784)]    // rows read one at a time (depth ≥ 256), no tail
    [InlineData(2, 9, 300)]     // one at a time, a 12-value depth tail
    [InlineData(1, 19, 100)]    // four rows at a time
    [InlineData(2, 21, 47)]
    [InlineData(1, 5, 16)]
    public void The_dot_product_path_gives_the_same_bits_at_every_alignment_of_the_weights(int m, int n, int k)
        => CheckDotProductAlignment(m, n, k);

    internal static unsafe void CheckDotProductAlignment(int m, int n, int k)
    {
        float[] a = TestData.Uniform(11, m * k), weights = TestData.Uniform(12, n * k), bias = TestData.Uniform(13, n);
        float[]? first = null;
        for (int offset = 0; offset < 16; offset++)
        {
            // Weights at offset floats past the first 64-byte line of a pinned buffer, NaN around them.
            float[] store = GC.AllocateArray<float>(n * k + 64, pinned: true);
            Array.Fill(store, float.NaN);
            int lead;
            fixed (float* p = store) lead = (int)((64 - ((nint)p & 63)) & 63) / 4;
            Array.Copy(weights, 0, store, lead + offset, n * k);
            // The input rows at another offset (the path copies a misaligned one to an aligned stack buffer).
            float[] inputs = GC.AllocateArray<float>(m * k + 64, pinned: true);
            int inputLead;
            fixed (float* p = inputs) inputLead = (int)((64 - ((nint)p & 63)) & 63) / 4 + offset * 7 % 16;
            Array.Copy(a, 0, inputs, inputLead, m * k);
            float[] c = new float[m * n];
            CpuGemm.GemmWithEpilogue(false, true, m, n, k, 1f, inputs.AsSpan(inputLead, m * k), k, store.AsSpan(lead + offset, n * k), k, 0f, c, n, bias, UnaryOp.Relu);
            if (first == null)
            {
                first = c;
                double[] expected = Reference(false, true, m, n, k, 1, a, k, weights, k, 0, new float[m * n], n);
                for (int i = 0; i < expected.Length; i++) expected[i] = Math.Max(0, expected[i] + bias[i % n]);
                Numerics.AssertClose(expected, c, 1e-5, 2e-6 * (k + 1), "dot-product path at a 64-byte line", m, n, k);
            }
            else
            {
                Numerics.AssertSameBits(first, c, $"weights {offset} floats past a 64-byte line against aligned ones");
            }
        }
    }

    [Fact]
    public void Beta_zero_ignores_NaN_in_the_old_output()
    {
        foreach (int size in new[] { 5, 64, 150 })
        {
            float[] a = TestData.Uniform(1, size * size), b = TestData.Uniform(2, size * size);
            float[] c = Enumerable.Repeat(float.NaN, size * size).ToArray();
            CpuGemm.Gemm(false, false, size, size, size, 1f, a, size, b, size, 0f, c, size);
            double[] expected = Reference(false, false, size, size, size, 1, a, size, b, size, 0, new float[size * size], size);
            Numerics.AssertClose(expected, c, 1e-5, 2e-6 * (size + 1), "gemm beta=0 over NaN", size, size, size);
        }
    }

    [Fact]
    public void Empty_depth_or_zero_alpha_leaves_beta_times_C()
    {
        float[] c = [1f, float.NaN, 3f, 4f];
        CpuGemm.Gemm(false, false, 2, 2, 0, 1f, [], 1, [], 2, 0f, c, 2);
        Numerics.AssertClose(new double[] { 0, 0, 0, 0 }, c, 0, 0, "k = 0, beta = 0", 2, 2);

        float[] a = [1f, 2f, 3f, 4f];
        c = [1f, 2f, 3f, 4f];
        CpuGemm.Gemm(false, false, 2, 2, 2, 0f, a, 2, a, 2, 2f, c, 2);
        Numerics.AssertClose(new double[] { 2, 4, 6, 8 }, c, 0, 0, "alpha = 0, beta = 2", 2, 2);
    }

    [Fact]
    public void Too_short_operands_are_rejected_before_any_pointer_access()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            CpuGemm.Gemm(false, false, 4, 4, 4, 1f, new float[15], 4, new float[16], 4, 0f, new float[16], 4));
        Assert.Contains("needs 16 values, the span has 15", e.Message);
    }
}
