using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Cpu;

/// <summary>The adapter: buffers, offsets and batching reach the span kernels correctly.</summary>
public class CpuBackendTests
{
    private readonly IBackend _backend = CpuBackend.Instance;

    [Fact]
    public void Wrap_shares_the_host_array_and_Allocate_is_zeroed()
    {
        float[] host = [1f, 2f, 3f];
        var wrapped = (CpuBuffer)_backend.Wrap(host);
        Assert.Same(host, wrapped.Array);
        _backend.Fill(wrapped, 9f, 1, 2);
        Assert.Equal([1f, 9f, 9f], host);
        Assert.All(((CpuBuffer)_backend.Allocate(5)).Array, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Upload_and_Download_honour_offsets()
    {
        DeviceBuffer buffer = _backend.Allocate(6);
        _backend.Upload([4f, 5f], buffer, 3);
        var back = new float[3];
        _backend.Download(buffer, back, 2);
        Assert.Equal([0f, 4f, 5f], back);
    }

    [Fact]
    public void Strided_batched_gemm_multiplies_each_batch_at_its_offsets()
    {
        const int batches = 3, m = 4, n = 5, k = 6, offset = 2;
        float[] a = TestData.Uniform(1, offset + batches * m * k), b = TestData.Uniform(2, offset + batches * k * n);
        var c = new float[offset + batches * m * n];
        _backend.Gemm(false, false, m, n, k, 1f, _backend.Wrap(a), offset, k, _backend.Wrap(b), offset, n, 0f, _backend.Wrap(c), offset, n,
            batches, m * k, k * n, m * n);
        var expected = new double[c.Length];
        for (int batch = 0; batch < batches; batch++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double sum = 0;
                    for (int p = 0; p < k; p++) sum += (double)a[offset + batch * m * k + i * k + p] * b[offset + batch * k * n + p * n + j];
                    expected[offset + batch * m * n + i * n + j] = sum;
                }
        Numerics.AssertClose(expected, c, 1e-5, 1e-5, "batched gemm", batches, m, n);
    }

    [Fact]
    public void Loss_forward_writes_the_scalar_and_backward_reads_dLoss_from_a_buffer()
    {
        DeviceBuffer input = _backend.Wrap([0.5f, -1f, 2f, 0f]), target = _backend.Wrap([0f, 1f]);
        DeviceBuffer loss = _backend.Allocate(1), dLoss = _backend.Wrap([2f]), dInput = _backend.Allocate(4);
        _backend.Loss_Forward(LossKind.Nll, Reduction.Mean, loss, input, target, 2, 2);
        Assert.Equal(-(0.5f + 0f) / 2f, ((CpuBuffer)loss).Array[0]);
        _backend.Loss_Backward(LossKind.Nll, Reduction.Mean, dInput, dLoss, input, target, 2, 2, accumulate: false);
        Assert.Equal([-1f, 0f, 0f, -1f], ((CpuBuffer)dInput).Array);
    }

    [Fact]
    public void Foreign_buffers_are_rejected_with_their_type_name()
    {
        var e = Assert.Throws<ArgumentException>(() => _backend.Fill(new ForeignBuffer(), 0f, 0, 1));
        Assert.Contains("ForeignBuffer", e.Message);
    }

    private sealed class ForeignBuffer() : DeviceBuffer(1);
}
