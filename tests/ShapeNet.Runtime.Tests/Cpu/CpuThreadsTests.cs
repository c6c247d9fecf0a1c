using ShapeNet.Backends.Cpu;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Cpu;

/// <summary><see cref="CpuBackend.Threads"/>: its range, and that a GEMM gives the same bits on one thread as on all
/// (the split is over C's columns or rows, never over the depth). Runs alone: it changes a process-wide setting.</summary>
[Collection(nameof(AllocationMeasurement))]
public class CpuThreadsTests
{
    [Fact]
    public void Threads_defaults_to_every_core_and_rejects_counts_outside_1_to_MaxThreads()
    {
        Assert.Equal(Math.Clamp(Environment.ProcessorCount, 1, 16), CpuBackend.MaxThreads);
        Assert.Equal(CpuBackend.MaxThreads, CpuBackend.Threads);
        var zero = Assert.Throws<ArgumentOutOfRangeException>(() => CpuBackend.Threads = 0);
        Assert.Contains($"1 to {CpuBackend.MaxThreads} threads", zero.Message);
        Assert.Contains("not 0", zero.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => CpuBackend.Threads = CpuBackend.MaxThreads + 1);
        Assert.Equal(CpuBackend.MaxThreads, CpuBackend.Threads);
    }

    [Fact]
    public void A_large_gemm_gives_the_same_bits_on_one_thread_as_on_all()
    {
        const int n = 300;
        float[] a = TestData.Uniform(11, n * n), b = TestData.Uniform(12, n * n);
        float[] all = new float[n * n], one = new float[n * n];
        CpuGemm.Gemm(false, true, n, n, n, 1f, a, n, b, n, 0f, all, n);
        try
        {
            CpuBackend.Threads = 1;
            Assert.Equal(1, CpuBackend.Threads);
            CpuGemm.Gemm(false, true, n, n, n, 1f, a, n, b, n, 0f, one, n);
        }
        finally
        {
            CpuBackend.Threads = CpuBackend.MaxThreads;
        }
        Assert.Equal(all, one);
    }

    [Fact]
    public void Batch_one_linear_layers_give_the_same_bits_on_one_thread_as_on_all()
    {
        // The dot-product path (one row times a transposed weight matrix), large enough to be split over the threads.
        foreach (var (n, k) in new[] { (512, 784), (256, 512), (128, 256), (10, 64) })
        {
            float[] x = TestData.Uniform(13, k), weight = TestData.Uniform(14, n * k), bias = TestData.Uniform(15, n);
            float[] all = new float[n], one = new float[n];
            CpuLinear.Linear_Forward(all, x, weight, bias, 1, k, n, ShapeNet.Backends.UnaryOp.Relu);
            try
            {
                CpuBackend.Threads = 1;
                CpuLinear.Linear_Forward(one, x, weight, bias, 1, k, n, ShapeNet.Backends.UnaryOp.Relu);
            }
            finally
            {
                CpuBackend.Threads = CpuBackend.MaxThreads;
            }
            Assert.Equal(all, one);
        }
    }
}
