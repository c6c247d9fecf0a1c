using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Cpu;

/// <summary>
/// Every GEMM kernel family this CPU can run (AVX-512, AVX2 + FMA, portable), forced one at a time through
/// <see cref="CpuGemm.Kernel"/>: on an AVX-512 machine the AVX2 path and its 6-row tiles would otherwise go untested.
/// The GEMM against a double reference (every transpose, edge tiles, depth and row blocks, the two-thread split, the
/// dot-product path), and the convolutions, which drive the micro-kernel directly, against the direct reference.
/// Runs alone: the kernel choice is process-wide.
/// </summary>
[Collection(nameof(AllocationMeasurement))]
public class KernelPathTests
{
    public static TheoryData<string> Families() => new(Enum.GetValues<GemmKernel>().Where(k => k <= CpuGemm.BestKernel).Select(k => k.ToString()));

    private static void With(string family, Action body)
    {
        CpuGemm.Kernel = Enum.Parse<GemmKernel>(family);
        try
        {
            body();
        }
        finally
        {
            CpuGemm.Kernel = CpuGemm.BestKernel;
        }
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Gemm_matches_the_double_reference_on_each_kernel_family(string family) => With(family, () =>
    {
        Assert.Equal(family, CpuGemm.Kernel.ToString());
        Assert.Equal(family == "Avx512" ? 12 : 6, CpuGemm.MR);
        foreach (bool transposeA in new[] { false, true })
            foreach (bool transposeB in new[] { false, true })
            {
                GemmTests.Check(transposeA, transposeB, 13, 35, 19, 1f, 0f, padding: 0, seed: 1);        // edge tiles both ways
                GemmTests.Check(transposeA, transposeB, 150, 230, 270, 1f, 0.5f, padding: 3, seed: 2);   // split, depth + row blocks
                GemmTests.Check(transposeA, transposeB, 2, 301, 333, -0.5f, 1.5f, padding: 1, seed: 3);  // dot-product path (tA = false, tB = true)
            }
        GemmTests.CheckDotProductAlignment(1, 19, 100);                                                  // dot-product path at every alignment
        GemmTests.CheckDotProductAlignment(2, 21, 47);
        GemmTests.CheckDotProductAlignment(2, 9, 300);
        GemmTests.Check(false, false, 500, 40, 300, 1f, 0f, padding: 0, seed: 4);                        // tall: rows split
    });

    /// <summary>Few columns and a shallow depth (the tiny seed models' layers): the small-product path, against the double
    /// reference and bit for bit against the packed path (turned off through <see cref="CpuGemm.SmallPath"/>), with every
    /// transpose, alpha and beta, padded strides, bias and each fused activation.</summary>
    [Theory]
    [MemberData(nameof(Families))]
    public void Small_products_match_the_reference_and_the_packed_path_bit_for_bit(string family) => With(family, () =>
    {
        (int M, int N, int K)[] shapes = [(32, 6, 8), (32, 4, 6), (32, 1, 4), (6, 8, 32), (1, 2, 10), (10, 1, 2), (13, 15, 7), (3, 5, 256), (128, 3, 8), (1, 1, 1)];
        UnaryOp[] activations = [UnaryOp.Identity, UnaryOp.Relu, UnaryOp.Sigmoid, UnaryOp.Tanh];
        int compared = 0;
        foreach (var (m, n, k) in shapes)
            foreach (bool transposeA in new[] { false, true })
                foreach (bool transposeB in new[] { false, true })
                {
                    GemmTests.Check(transposeA, transposeB, m, n, k, 1f, 0f, padding: 0, seed: m + n + k);
                    GemmTests.Check(transposeA, transposeB, m, n, k, -0.5f, 1.5f, padding: 3, seed: m + n + k + 1);
                    int lda = (transposeA ? m : k) + 1, ldb = (transposeB ? k : n) + 2, ldc = n + 3;
                    float[] a = TestData.Uniform(m, (transposeA ? k : m) * lda), b = TestData.Uniform(n, (transposeB ? n : k) * ldb);
                    float[] c0 = TestData.Uniform(k, m * ldc), bias = TestData.Uniform(m + k, n);
                    foreach (float beta in new[] { 0f, 0.75f })
                        foreach (UnaryOp activation in activations)
                        {
                            float[] small = (float[])c0.Clone(), packed = (float[])c0.Clone();
                            CpuGemm.GemmWithEpilogue(transposeA, transposeB, m, n, k, 1.25f, a, lda, b, ldb, beta, small, ldc, bias, activation);
                            CpuGemm.SmallPath = false;
                            try
                            {
                                CpuGemm.GemmWithEpilogue(transposeA, transposeB, m, n, k, 1.25f, a, lda, b, ldb, beta, packed, ldc, bias, activation);
                            }
                            finally
                            {
                                CpuGemm.SmallPath = true;
                            }
                            Numerics.AssertSameBits(packed, small,
                                $"{family} {m}×{n}×{k} tA={transposeA} tB={transposeB} beta={beta} {activation}, small path against the packed path");
                            compared++;
                        }
                }
        Assert.Equal(shapes.Length * 4 * 2 * activations.Length, compared);
    });

    [Fact]
    public void Forcing_a_family_the_CPU_lacks_is_rejected()
    {
        if (CpuGemm.BestKernel == GemmKernel.Avx512) return;   // nothing wider exists to ask for
        Assert.Throws<ArgumentOutOfRangeException>(() => CpuGemm.Kernel = GemmKernel.Avx512);
        Assert.Equal(CpuGemm.BestKernel, CpuGemm.Kernel);
    }

    /// <summary>The direct kernel's 16-lane forward over the flattened plane (AVX-512 kernels) sums every value in the same
    /// order as the 8-column Vector256 kernel the other families run: same bits, with bias and ReLU, odd channel counts
    /// (clamped 4-channel blocks) and a last 64-position block that overlaps the one before.</summary>
    [Fact]
    public void The_wide_direct_forward_gives_the_bits_of_the_vector256_kernel()
    {
        if (CpuGemm.BestKernel != GemmKernel.Avx512) return;   // only AVX-512 machines have the wide kernel
        IBackend backend = CpuBackend.Instance;
        foreach (string name in new[] { "basic conv1 (1,10,k5) 28x28", "direct 3 channels 3x3 on 10x11, 5 samples (shifted dW, odd depth 27, 6 output channels)",
                     "direct 1 channel 5x5 on 12x13, batch 1 (shifted dW, plane 72)" })
        {
            ConvolutionTests.ConvCase c = ConvolutionTests.Find(name);
            float[] x = TestData.Uniform(11, c.InputLength), w = TestData.Uniform(12, c.WeightLength), b = TestData.Uniform(13, c.OutC);
            float[] Forward(string family)
            {
                var y = new float[c.OutputLength];
                With(family, () =>
                {
                    DeviceBuffer workspace = backend.Allocate(backend.Conv2d_WorkspaceLength(ConvolutionTests.Desc(c, UnaryOp.Relu), c.N));
                    backend.Conv2d_Forward(backend.Wrap(y), backend.Wrap(x), backend.Wrap(w), backend.Wrap(b), workspace,
                        ConvolutionTests.Desc(c, UnaryOp.Relu), c.N);
                });
                return y;
            }
            float[] wide = Forward("Avx512"), narrow = Forward("Avx2");
            Numerics.AssertSameBits(wide, narrow, $"{name}, AVX2 against AVX-512");
            Assert.Contains(wide, v => v > 0);
        }
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Convolutions_match_the_direct_reference_on_each_kernel_family(string family) => With(family, () =>
    {
        IBackend backend = CpuBackend.Instance;
        foreach (string name in new[] { "odd 3x3", "basic conv1 (1,10,k5) 28x28", "basic conv2 (10,20,k5) 12x12", "inception conv (88,20,k5) 12x12", "inception 1x1 (10,16) 12x12" })
        {
            ConvolutionTests.ConvCase c = ConvolutionTests.Find(name);
            float[] x = TestData.Uniform(1, c.InputLength), w = TestData.Uniform(2, c.WeightLength), b = TestData.Uniform(3, c.OutC);
            var y = new float[c.OutputLength];
            DeviceBuffer workspace = backend.Allocate(backend.Conv2d_WorkspaceLength(ConvolutionTests.Desc(c), c.N));
            backend.Conv2d_Forward(backend.Wrap(y), backend.Wrap(x), backend.Wrap(w), backend.Wrap(b), workspace, ConvolutionTests.Desc(c), c.N);
            double[] expected = ConvolutionTests.Reference(c, TestData.ToDouble(x), TestData.ToDouble(w), TestData.ToDouble(b));
            Numerics.AssertClose(expected, y, 1e-5, 1e-6 * c.Depth + 1e-6, $"conv2d forward {name} on {family}", c.N, c.OutC, c.OutH, c.OutW);
        }
    });
}
