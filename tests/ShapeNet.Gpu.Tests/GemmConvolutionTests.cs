using ILGPU;
using ILGPU.Runtime;
using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Backends.Gpu;

namespace ShapeNet.Gpu.Tests;

/// <summary>Gpu/Gemm.cs (both kernels), Gpu/Linear.cs, Gpu/Convolution.cs and Gpu/Embedding.cs. Products: 1e-4 relative +
/// 1e-5 absolute (the CPU's blocked FMA micro-kernel and the device's sequential sums round differently). Shapes stay small:
/// the tiled kernel's barriers are OS-thread rendezvous on ILGPU's CPU accelerator.</summary>
[Collection(GpuCollection.Name)]
public sealed class GemmConvolutionTests(GpuFixture gpu)
{
    private const float Rtol = 1e-4f, Atol = 1e-5f;

    public static TheoryData<bool, bool, bool> GemmCases()
    {
        var data = new TheoryData<bool, bool, bool>();
        foreach (bool tiled in new[] { false, true })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true }) data.Add(tiled, ta, tb);
        return data;
    }

    [Theory]
    [MemberData(nameof(GemmCases))]
    public void Gemm_matches_the_cpu_with_transposes_strides_and_batches(bool tiled, bool transposeA, bool transposeB)
    {
        const int m = 19, n = 21, k = 18, batch = 2, pad = 3;
        int lda = (transposeA ? m : k) + pad, ldb = (transposeB ? k : n) + pad, ldc = n + pad;
        int aRows = transposeA ? k : m, bRows = transposeB ? n : k;
        long strideA = (long)aRows * lda + 5, strideB = (long)bRows * ldb + 2, strideC = (long)m * ldc + 1;
        float[] a = Parity.Random((int)(strideA * batch), 131), b = Parity.Random((int)(strideB * batch), 132), c = Parity.Random((int)(strideC * batch), 133);
        float[] expected = (float[])c.Clone();
        for (int i = 0; i < batch; i++)
            CpuGemm.Gemm(transposeA, transposeB, m, n, k, 0.5f, a.AsSpan((int)(i * strideA)), lda, b.AsSpan((int)(i * strideB)), ldb,
                1.5f, expected.AsSpan((int)(i * strideC)), ldc);
        using var aDevice = gpu.Upload(a);
        using var bDevice = gpu.Upload(b);
        using var cDevice = gpu.Upload(c);
        gpu.Kernels.Gemm.Gemm(transposeA, transposeB, m, n, k, 0.5f, aDevice.View, lda, bDevice.View, ldb, 1.5f, cDevice.View, ldc,
            default, GpuGemm.BiasMode.None, UnaryOp.Identity, batch, strideA, strideB, strideC, tiled);
        Parity.Close(expected, gpu.Download(cDevice, c.Length), $"GEMM {(tiled ? "tiled" : "one thread per output")} " +
            $"{(transposeA ? "T" : "N")}{(transposeB ? "T" : "N")} m {m} n {n} k {k} batch {batch}", Rtol, Atol);
    }

    [Theory]
    [InlineData(false, UnaryOp.Identity, true)]
    [InlineData(false, UnaryOp.Relu, true)]
    [InlineData(true, UnaryOp.Sigmoid, true)]
    [InlineData(true, UnaryOp.Tanh, false)]
    public void Linear_forward_and_backward_match_the_cpu(bool tiled, UnaryOp activation, bool withBias)
    {
        const int rows = 9, inFeatures = 17, outFeatures = 6;
        float[] x = Parity.Random(rows * inFeatures, 141), w = Parity.Random(outFeatures * inFeatures, 142), b = withBias ? Parity.Random(outFeatures, 143) : [];
        float[] y = new float[rows * outFeatures];
        CpuLinear.Linear_Forward(y, x, w, b, rows, inFeatures, outFeatures, activation);
        var kernels = new GpuKernels(gpu.Accelerator) { TiledGemm = tiled };
        using var xDevice = gpu.Upload(x);
        using var wDevice = gpu.Upload(w);
        using var bDevice = gpu.Upload(b);
        using var yDevice = gpu.Upload(new float[y.Length]);
        kernels.Linear.Linear_Forward(yDevice.View, xDevice.View, wDevice.View, withBias ? bDevice.View : default, rows, inFeatures, outFeatures, activation);
        string what = $"Linear {inFeatures}→{outFeatures} rows {rows} {activation} bias={withBias} tiled={tiled}";
        Parity.Close(y, gpu.Download(yDevice, y.Length), what + " forward", Rtol, Atol);

        float[] dy = Parity.Random(rows * outFeatures, 144);
        foreach (bool accumulate in new[] { false, true })
        {
            float[] dx = Parity.Random(rows * inFeatures, 145), dW = Parity.Random(outFeatures * inFeatures, 146), dB = withBias ? Parity.Random(outFeatures, 147) : [];
            using var dxDevice = gpu.Upload(dx);
            using var dwDevice = gpu.Upload(dW);
            using var dbDevice = gpu.Upload(dB);
            using var dyDevice = gpu.Upload(dy);
            CpuLinear.Linear_Backward(dx, dW, dB, dy, x, w, rows, inFeatures, outFeatures, accumulate, accumulate);
            kernels.Linear.Linear_Backward(dxDevice.View, dwDevice.View, withBias ? dbDevice.View : default, dyDevice.View, xDevice.View, wDevice.View,
                rows, inFeatures, outFeatures, accumulate, accumulate);
            Parity.Close(dx, gpu.Download(dxDevice, dx.Length), what + $" dx accumulate={accumulate}", Rtol, Atol);
            Parity.Close(dW, gpu.Download(dwDevice, dW.Length), what + $" dW accumulate={accumulate}", Rtol, Atol);
            if (withBias) Parity.Close(dB, gpu.Download(dbDevice, dB.Length), what + $" db accumulate={accumulate}", Rtol, Atol);
        }
    }

    public static TheoryData<int[], bool> ConvCases() => new()
    {
        // batch, inC, H, W, outC, kH, kW, sH, sW, pH, pW, dH, dW, groups; tiled GEMM
        { new[] { 2, 1, 8, 8, 3, 5, 5, 1, 1, 0, 0, 1, 1, 1 }, false },   // the first layer of the basic CNN, smaller
        { new[] { 2, 3, 6, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1 }, false },   // same-size 3×3 (residual blocks)
        { new[] { 1, 4, 7, 6, 6, 3, 2, 2, 1, 1, 0, 1, 1, 2 }, false },   // stride, asymmetric kernel, groups
        { new[] { 1, 2, 9, 9, 2, 3, 3, 1, 2, 2, 1, 2, 1, 1 }, false },   // dilation
        { new[] { 2, 3, 5, 5, 4, 1, 1, 1, 1, 0, 0, 1, 1, 1 }, true },    // pointwise, tiled GEMM
        { new[] { 1, 2, 6, 6, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1 }, true },    // 3×3 pad 1, tiled GEMM
    };

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2d_forward_and_backward_match_the_cpu(int[] s, bool tiled)
    {
        var g = new Conv2dGeometry(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11], s[12], s[13]);
        string what = $"Conv2d N{g.Batch} {g.InChannels}→{g.OutChannels} {g.InHeight}×{g.InWidth} k{g.KernelH}×{g.KernelW} s{g.StrideH}×{g.StrideW} " +
            $"p{g.PadH}×{g.PadW} d{g.DilationH}×{g.DilationW} groups {g.Groups} tiled={tiled}";
        float[] x = Parity.Random((int)g.InputLength, 151), w = Parity.Random(g.WeightLength, 152, -0.5f, 0.5f), b = Parity.Random(g.OutChannels, 153);
        float[] cpuWorkspace = new float[CpuConvolution.WorkspaceLength(g)];
        var kernels = new GpuKernels(gpu.Accelerator) { TiledGemm = tiled };
        using var xDevice = gpu.Upload(x);
        using var wDevice = gpu.Upload(w);
        using var bDevice = gpu.Upload(b);
        using var workspace = gpu.Upload(new float[GpuConvolution.WorkspaceLength(g)]);
        foreach (UnaryOp activation in new[] { UnaryOp.Identity, UnaryOp.Relu })
        {
            float[] y = new float[g.OutputLength];
            CpuConvolution.Conv2d_Forward(y, x, w, b, cpuWorkspace, g, activation);
            using var yDevice = gpu.Upload(new float[y.Length]);
            kernels.Convolution.Conv2d_Forward(yDevice.View, xDevice.View, wDevice.View, bDevice.View, workspace.View, g, activation);
            Parity.Close(y, gpu.Download(yDevice, y.Length), $"{what} {activation} forward", Rtol, Atol);
        }

        float[] dy = Parity.Random((int)g.OutputLength, 154);
        using var dyDevice = gpu.Upload(dy);
        foreach (bool accumulate in new[] { false, true })
        {
            float[] dx = Parity.Random((int)g.InputLength, 155), dW = Parity.Random(g.WeightLength, 156), dB = Parity.Random(g.OutChannels, 157);
            using var dxDevice = gpu.Upload(dx);
            using var dwDevice = gpu.Upload(dW);
            using var dbDevice = gpu.Upload(dB);
            CpuConvolution.Conv2d_Backward(dx, dW, dB, dy, x, w, cpuWorkspace, g, accumulate, accumulate);
            kernels.Convolution.Conv2d_Backward(dxDevice.View, dwDevice.View, dbDevice.View, dyDevice.View, xDevice.View, wDevice.View, workspace.View,
                g, accumulate, accumulate);
            Parity.Close(dx, gpu.Download(dxDevice, dx.Length), $"{what} dx accumulate={accumulate}", Rtol, Atol);
            Parity.Close(dW, gpu.Download(dwDevice, dW.Length), $"{what} dW accumulate={accumulate}", Rtol, Atol);
            Parity.Close(dB, gpu.Download(dbDevice, dB.Length), $"{what} db accumulate={accumulate}", Rtol, Atol);
        }
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(4)]
    public void Embedding_and_one_hot_match_the_cpu_with_int32_ids_and_padding(int paddingIdx)
    {
        const int num = 5, dim = 3, rows = 7;
        float[] weight = Parity.Random(num * dim, 161), dy = Parity.Random(rows * dim, 162), old = Parity.Random(num * dim, 163);
        int[] ids = [4, 0, 4, 2, 4, 0, 1];
        float[] y = new float[rows * dim];
        CpuEmbedding.Embedding_Forward(y, weight, ids, num, dim);
        using var wDevice = gpu.Upload(weight);
        using var idDevice = gpu.Accelerator.Allocate1D<int>(ids.Length);
        idDevice.View.CopyFromCPU(ids);
        using var yDevice = gpu.Upload(new float[y.Length]);
        gpu.Kernels.Embedding.Embedding_Forward(yDevice.View, idDevice.View, wDevice.View, rows, num, dim);
        Parity.Exact(y, gpu.Download(yDevice, y.Length), "Embedding forward");
        foreach (bool accumulate in new[] { false, true })
        {
            float[] dW = (float[])old.Clone();
            CpuEmbedding.Embedding_Backward(dW, dy, ids, num, dim, paddingIdx, accumulate);
            using var dwDevice = gpu.Upload(old);
            using var dyDevice = gpu.Upload(dy);
            gpu.Kernels.Embedding.Embedding_Backward(dwDevice.View, dyDevice.View, idDevice.View, rows, num, dim, paddingIdx, accumulate);
            Parity.Exact(dW, gpu.Download(dwDevice, dW.Length), $"Embedding backward paddingIdx={paddingIdx} accumulate={accumulate}");
        }
        float[] oneHot = new float[rows * num];
        CpuEmbedding.OneHot_Forward(oneHot, ids, num);
        using var oneHotDevice = gpu.Upload(new float[oneHot.Length]);
        gpu.Kernels.Embedding.OneHot_Forward(oneHotDevice.View, idDevice.View, rows, num);
        Parity.Exact(oneHot, gpu.Download(oneHotDevice, oneHot.Length), "OneHot forward");
    }

    [Fact]
    public void Embedding_ids_are_checked_on_the_host_with_the_cpu_message()
    {
        var gpuError = Assert.Throws<ArgumentOutOfRangeException>(() => GpuEmbedding.CheckIds([1, 5, 0], 5, "Embedding"));
        var cpuError = Assert.Throws<ArgumentOutOfRangeException>(() => CpuEmbedding.Embedding_Forward(new float[6], new float[10], [1, 5, 0], 5, 2));
        Assert.Equal(cpuError.Message, gpuError.Message);
    }
}
