using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Backends.Gpu;

namespace ShapeNet.Gpu.Tests;

/// <summary>
/// Every <see cref="IBackend"/> call, forward and backward, through <see cref="GpuBackend"/> (on ILGPU's CPU accelerator) against
/// <see cref="CpuBackend"/> on the same random inputs: buffers made by each backend's own Allocate/Wrap, results read back
/// with Download. Accumulating calls run with accumulate false and true onto the same non-zero start. Tolerances:
/// 1e-5 relative + 1e-6 absolute for element-wise, reductions, softmax, losses and pooling; 1e-4 + 1e-5 for products
/// (GEMM, Linear, Conv2d) and batch norm; optimizers and dropout bit-exact.
/// </summary>
[Collection(GpuCollection.Name)]
public sealed class BackendParityTests(GpuFixture gpu)
{
    private const float ProductRtol = 1e-4f, ProductAtol = 1e-5f;
    private readonly IBackend _cpu = CpuBackend.Instance;
    private GpuBackend G => _vendor ? gpu.VendorBackend : gpu.Backend;
    private bool _vendor;
    private string Path => _vendor ? gpu.IsCuda ? " (cuBLAS/cuDNN)" : " (cuBLAS/cuDNN path, managed stand-ins)" : "";

    /// <summary>The same values on both backends.</summary>
    private (DeviceBuffer Cpu, DeviceBuffer Gpu) Pair(float[] values) => (_cpu.Wrap((float[])values.Clone()), G.Wrap(values));

    private (DeviceBuffer Cpu, DeviceBuffer Gpu) Zeros(long length) => (_cpu.Allocate(length), G.Allocate(length));

    private float[] Read(IBackend backend, DeviceBuffer buffer)
    {
        var values = new float[buffer.Length];
        backend.Download(buffer, values);
        return values;
    }

    private void Close((DeviceBuffer Cpu, DeviceBuffer Gpu) pair, string what, float rtol = 1e-5f, float atol = 1e-6f)
        => Parity.Close(Read(_cpu, pair.Cpu), Read(G, pair.Gpu), what, rtol, atol);

    private void Exact((DeviceBuffer Cpu, DeviceBuffer Gpu) pair, string what) => Parity.Exact(Read(_cpu, pair.Cpu), Read(G, pair.Gpu), what);

    [Fact]
    public void Memory_calls_allocate_upload_download_fill_and_copy_rows_like_the_cpu()
    {
        var zeros = Zeros(300);
        Exact(zeros, "Allocate (zero-filled)");
        float[] values = Parity.Random(300, 1);
        _cpu.Upload(values.AsSpan(10, 50), zeros.Cpu, 20);
        G.Upload(values.AsSpan(10, 50), zeros.Gpu, 20);
        _cpu.Fill(zeros.Cpu, 2.5f, 100, 30);
        G.Fill(zeros.Gpu, 2.5f, 100, 30);
        Exact(zeros, "Upload at an offset and Fill");
        var partial = new float[40];
        G.Download(zeros.Gpu, partial, 15);
        Parity.Exact(Read(_cpu, zeros.Cpu)[15..55], partial, "Download at an offset");

        var source = Pair(Parity.Random(200, 2));
        foreach (bool accumulate in new[] { false, true })
        {
            var destination = Pair(Parity.Random(300, 3));
            _cpu.CopyRows(destination.Cpu, 7, 29, source.Cpu, 3, 17, 11, 9, accumulate);
            G.CopyRows(destination.Gpu, 7, 29, source.Gpu, 3, 17, 11, 9, accumulate);
            Exact(destination, $"CopyRows accumulate={accumulate}");
        }
        G.Synchronize();
        Assert.Throws<ArgumentException>(() => G.Fill(_cpu.Allocate(4), 0f, 0, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => G.Upload(values, G.Allocate(10)));
    }

    [Theory]
    [InlineData(false, false, false)]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    [InlineData(true, true, false)]
    [InlineData(false, false, true)]
    [InlineData(true, false, true)]
    [InlineData(false, true, true)]
    [InlineData(true, true, true)]
    public void Gemm_matches_with_offsets_strides_and_batches(bool transposeA, bool transposeB, bool vendor)
    {
        _vendor = vendor;
        const int m = 7, n = 9, k = 5, batch = 2;
        int lda = (transposeA ? m : k) + 2, ldb = (transposeB ? k : n) + 1, ldc = n + 3;
        long strideA = (long)(transposeA ? k : m) * lda + 1, strideB = (long)(transposeB ? n : k) * ldb, strideC = (long)m * ldc + 2;
        var a = Pair(Parity.Random((int)(4 + strideA * batch), 11));
        var b = Pair(Parity.Random((int)(2 + strideB * batch), 12));
        var c = Pair(Parity.Random((int)(6 + strideC * batch), 13));
        _cpu.Gemm(transposeA, transposeB, m, n, k, 0.7f, a.Cpu, 4, lda, b.Cpu, 2, ldb, 0.3f, c.Cpu, 6, ldc, batch, strideA, strideB, strideC);
        G.Gemm(transposeA, transposeB, m, n, k, 0.7f, a.Gpu, 4, lda, b.Gpu, 2, ldb, 0.3f, c.Gpu, 6, ldc, batch, strideA, strideB, strideC);
        Close(c, $"Gemm {(transposeA ? 'T' : 'N')}{(transposeB ? 'T' : 'N')}{Path}", ProductRtol, ProductAtol);
    }

    [Theory]
    [InlineData(UnaryOp.Identity, true, false)]
    [InlineData(UnaryOp.Relu, true, false)]
    [InlineData(UnaryOp.Sigmoid, false, false)]
    [InlineData(UnaryOp.Tanh, true, false)]
    [InlineData(UnaryOp.Identity, true, true)]
    [InlineData(UnaryOp.Sigmoid, false, true)]
    [InlineData(UnaryOp.Tanh, true, true)]
    public void Linear_forward_and_backward_match(UnaryOp activation, bool withBias, bool vendor)
    {
        _vendor = vendor;
        const int rows = 6, inF = 7, outF = 5;
        var x = Pair(Parity.Random(rows * inF, 21));
        var w = Pair(Parity.Random(outF * inF, 22));
        var bias = withBias ? Pair(Parity.Random(outF, 23)) : default;
        var y = Zeros(rows * outF);
        var desc = new LinearDesc(inF, outF, activation);
        _cpu.Linear_Forward(y.Cpu, x.Cpu, w.Cpu, bias.Cpu, desc, rows);
        G.Linear_Forward(y.Gpu, x.Gpu, w.Gpu, bias.Gpu, desc, rows);
        Close(y, $"Linear forward {activation} bias={withBias}{Path}", ProductRtol, ProductAtol);
        var dy = Pair(Parity.Random(rows * outF, 24));
        foreach (bool accumulate in new[] { false, true })
        {
            var dx = Pair(Parity.Random(rows * inF, 25));
            var dw = Pair(Parity.Random(outF * inF, 26));
            var db = withBias ? Pair(Parity.Random(outF, 27)) : default;
            _cpu.Linear_Backward(dx.Cpu, dw.Cpu, db.Cpu, dy.Cpu, x.Cpu, w.Cpu, desc, rows, accumulate, accumulate);
            G.Linear_Backward(dx.Gpu, dw.Gpu, db.Gpu, dy.Gpu, x.Gpu, w.Gpu, desc, rows, accumulate, accumulate);
            Close(dx, $"Linear dx accumulate={accumulate}{Path}", ProductRtol, ProductAtol);
            Close(dw, $"Linear dW accumulate={accumulate}{Path}", ProductRtol, ProductAtol);
            if (withBias) Close(db, $"Linear db accumulate={accumulate}{Path}", ProductRtol, ProductAtol);
        }
    }

    [Theory]
    [InlineData(2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, UnaryOp.Relu, false)]
    [InlineData(1, 4, 8, 8, 6, 3, 3, 2, 2, 1, 1, 1, 1, 2, UnaryOp.Identity, false)]
    [InlineData(2, 2, 6, 5, 3, 1, 1, 1, 1, 0, 0, 1, 1, 1, UnaryOp.Identity, false)]
    [InlineData(1, 2, 9, 9, 2, 3, 2, 1, 2, 2, 1, 2, 1, 1, UnaryOp.Relu, false)]
    [InlineData(2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, UnaryOp.Relu, true)]
    [InlineData(1, 4, 8, 8, 6, 3, 3, 2, 2, 1, 1, 1, 1, 2, UnaryOp.Identity, true)]
    public void Conv2d_forward_and_backward_match(int batch, int inC, int h, int w, int outC, int kh, int kw, int sh, int sw, int ph, int pw,
        int dh, int dw, int groups, UnaryOp activation, bool vendor)
    {
        _vendor = vendor;
        var desc = new Conv2dDesc(inC, h, w, outC, kh, kw, sh, sw, ph, pw, dh, dw, groups, activation);
        Conv2dGeometry g = desc.Geometry(batch);
        string what = $"Conv2d {Parity.Shape(batch, inC, h, w)}→{outC} k{kh}×{kw} s{sh}×{sw} p{ph}×{pw} d{dh}×{dw} g{groups}{Path}";
        var x = Pair(Parity.Random((int)g.InputLength, 31));
        var weight = Pair(Parity.Random(g.WeightLength, 32));
        var bias = Pair(Parity.Random(outC, 33));
        long cpuWork = _cpu.Conv2d_WorkspaceLength(desc, batch);
        DeviceBuffer? cpuWorkspace = cpuWork > 0 ? _cpu.Allocate(cpuWork) : null;
        DeviceBuffer gpuWorkspace = G.Allocate(G.Conv2d_WorkspaceLength(desc, batch));
        var y = Zeros(g.OutputLength);
        _cpu.Conv2d_Forward(y.Cpu, x.Cpu, weight.Cpu, bias.Cpu, cpuWorkspace, desc, batch);
        G.Conv2d_Forward(y.Gpu, x.Gpu, weight.Gpu, bias.Gpu, gpuWorkspace, desc, batch);
        Close(y, what + " forward", ProductRtol, ProductAtol);
        var dy = Pair(Parity.Random((int)g.OutputLength, 34));
        foreach (bool accumulate in new[] { false, true })
        {
            var dx = Pair(Parity.Random((int)g.InputLength, 35));
            var dW = Pair(Parity.Random(g.WeightLength, 36));
            var db = Pair(Parity.Random(outC, 37));
            _cpu.Conv2d_Backward(dx.Cpu, dW.Cpu, db.Cpu, dy.Cpu, x.Cpu, weight.Cpu, cpuWorkspace, desc, batch, accumulate, accumulate);
            // The plan's workspace, or none: then the backend uses its own scratch (what a plan sized for the CPU would pass).
            G.Conv2d_Backward(dx.Gpu, dW.Gpu, db.Gpu, dy.Gpu, x.Gpu, weight.Gpu, accumulate ? null : gpuWorkspace, desc, batch, accumulate, accumulate);
            Close(dx, $"{what} dx accumulate={accumulate}", ProductRtol, ProductAtol);
            Close(dW, $"{what} dW accumulate={accumulate}", ProductRtol, ProductAtol);
            Close(db, $"{what} db accumulate={accumulate}", ProductRtol, ProductAtol);
        }
        if (vendor && !gpu.IsCuda)
            foreach (string call in new[] { "cudnnConvolutionForward", "cudnnConvolutionBackwardData", "cudnnConvolutionBackwardFilter" })
                Assert.Contains(call, gpu.CuDnn!.Calls);
    }

    [Fact]
    public void The_vendor_path_calls_the_libraries_and_releases_what_it_made()
    {
        if (gpu.IsCuda) return; // the stand-ins work on host memory: CPU accelerator only
        var kernels = new GpuKernels(gpu.Accelerator);
        var cublas = new ManagedCuBlas(gpu.Accelerator);
        var cudnn = new ManagedCuDnn(gpu.Accelerator);
        CuDnnConvolution? convolution = null;
        var backend = new GpuBackend(kernels, new CuBlasGemm(kernels, cublas), k => convolution = new CuDnnConvolution(k, cudnn));
        Assert.Equal("cuBLAS 12.4.5", kernels.Blas.Name);
        Assert.Equal("cuDNN 9.1.0", backend.Convolution.Name);
        var desc = new Conv2dDesc(2, 5, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, UnaryOp.Relu);
        Conv2dGeometry g = desc.Geometry(1);
        Assert.Equal(ManagedCuDnn.AlgorithmBytes / sizeof(float), backend.Conv2d_WorkspaceLength(desc, 1));
        DeviceBuffer x = backend.Wrap(Parity.Random((int)g.InputLength, 131)), w = backend.Wrap(Parity.Random(g.WeightLength, 132));
        DeviceBuffer y = backend.Allocate(g.OutputLength), small = backend.Allocate(4);
        // A workspace too small for the chosen algorithm is replaced by the backend's scratch, never overrun.
        backend.Conv2d_Forward(y, x, w, null, small, desc, 1);
        backend.Linear_Forward(y, x, w, null, new LinearDesc(9, 3), 2);
        Assert.Equal(1, convolution!.GeometryCount);
        Assert.Equal(["cublasCreate_v2", "cublasSetStream_v2", "cublasSetMathMode", "cublasSgemm_v2"], cublas.Calls);
        Assert.Equal(4, cudnn.LiveDescriptors);
        backend.Dispose();
        Assert.Equal(0, cudnn.LiveDescriptors);
        Assert.Equal("cudnnDestroy", cudnn.Calls[^1]);
        Assert.Equal("cublasDestroy_v2", cublas.Calls[^1]);
        Assert.Throws<InvalidOperationException>(() => CuDnnConvolution.Choose([new ShapeNet.Native.CuDnnNative.AlgoPerf { Status = 3 }], "forward", g));
    }

    [Theory]
    [InlineData(2, 2, 6, 6, 2, 2, 2, 2, 0, 0)]
    [InlineData(1, 3, 7, 5, 3, 2, 2, 1, 1, 1)]
    public void Pooling_forward_and_backward_match(int batch, int channels, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw)
    {
        var maxDesc = new Pool2dDesc(channels, h, w, kh, kw, sh, sw, ph, pw);
        int inCount = batch * channels * h * w, outCount = (int)(batch * maxDesc.OutputLength);
        string what = $"k{kh}×{kw} s{sh}×{sw} p{ph}×{pw} on {Parity.Shape(batch, channels, h, w)}";
        var x = Pair(Parity.Random(inCount, 41));
        var dy = Pair(Parity.Random(outCount, 42));
        var y = Zeros(outCount);
        var indices = Zeros(outCount);
        _cpu.MaxPool2d_Forward(y.Cpu, indices.Cpu, x.Cpu, maxDesc, batch);
        G.MaxPool2d_Forward(y.Gpu, indices.Gpu, x.Gpu, maxDesc, batch);
        Exact(y, "MaxPool2d forward " + what);
        Exact(indices, "MaxPool2d indices " + what);
        foreach (bool accumulate in new[] { false, true })
        {
            var dx = Pair(Parity.Random(inCount, 43));
            _cpu.MaxPool2d_Backward(dx.Cpu, dy.Cpu, indices.Cpu, maxDesc, batch, accumulate);
            G.MaxPool2d_Backward(dx.Gpu, dy.Gpu, indices.Gpu, maxDesc, batch, accumulate);
            Close(dx, $"MaxPool2d backward {what} accumulate={accumulate}");
            foreach (bool includePad in new[] { true, false })
            {
                var avgDesc = new Pool2dDesc(channels, h, w, kh, kw, sh, sw, ph, pw, includePad);
                var avg = Zeros(outCount);
                _cpu.AvgPool2d_Forward(avg.Cpu, x.Cpu, avgDesc, batch);
                G.AvgPool2d_Forward(avg.Gpu, x.Gpu, avgDesc, batch);
                Close(avg, $"AvgPool2d forward {what} countIncludePad={includePad}");
                var dxa = Pair(Parity.Random(inCount, 44));
                _cpu.AvgPool2d_Backward(dxa.Cpu, dy.Cpu, avgDesc, batch, accumulate);
                G.AvgPool2d_Backward(dxa.Gpu, dy.Gpu, avgDesc, batch, accumulate);
                Close(dxa, $"AvgPool2d backward {what} countIncludePad={includePad} accumulate={accumulate}");
            }
            var gy = Zeros(batch * channels);
            _cpu.GlobalAvgPool_Forward(gy.Cpu, x.Cpu, batch, channels, h * w);
            G.GlobalAvgPool_Forward(gy.Gpu, x.Gpu, batch, channels, h * w);
            Close(gy, "GlobalAvgPool forward " + what);
            var gdy = Pair(Parity.Random(batch * channels, 45));
            var gdx = Pair(Parity.Random(inCount, 46));
            _cpu.GlobalAvgPool_Backward(gdx.Cpu, gdy.Cpu, batch, channels, h * w, accumulate);
            G.GlobalAvgPool_Backward(gdx.Gpu, gdy.Gpu, batch, channels, h * w, accumulate);
            Close(gdx, $"GlobalAvgPool backward {what} accumulate={accumulate}");
        }
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void BatchNorm2d_forward_and_backward_match(bool training, bool affine)
    {
        const int batch = 3, channels = 4, plane = 5;
        int count = batch * channels * plane;
        string what = $"BatchNorm2d training={training} affine={affine}";
        var x = Pair(Parity.Random(count, 51));
        var weight = affine ? Pair(Parity.Random(channels, 52, 0.5f, 1.5f)) : default;
        var bias = affine ? Pair(Parity.Random(channels, 53)) : default;
        var runningMean = Pair(Parity.Random(channels, 54));
        var runningVar = Pair(Parity.Random(channels, 55, 0.5f, 2f));
        var y = Zeros(count);
        var saveMean = Zeros(channels);
        var saveInvStd = Zeros(channels);
        var desc = new BatchNormDesc(channels, plane, 0.1f, 1e-5f);
        _cpu.BatchNorm2d_Forward(y.Cpu, saveMean.Cpu, saveInvStd.Cpu, runningMean.Cpu, runningVar.Cpu, x.Cpu, weight.Cpu, bias.Cpu, desc, batch, training);
        G.BatchNorm2d_Forward(y.Gpu, saveMean.Gpu, saveInvStd.Gpu, runningMean.Gpu, runningVar.Gpu, x.Gpu, weight.Gpu, bias.Gpu, desc, batch, training);
        Close(y, what + " y", ProductRtol, ProductAtol);
        Close(saveMean, what + " saved mean", ProductRtol, ProductAtol);
        Close(saveInvStd, what + " saved inverse std", ProductRtol, ProductAtol);
        Close(runningMean, what + " running mean", ProductRtol, ProductAtol);
        Close(runningVar, what + " running variance", ProductRtol, ProductAtol);
        var dy = Pair(Parity.Random(count, 56));
        foreach (bool accumulate in new[] { false, true })
        {
            var dx = Pair(Parity.Random(count, 57));
            var dWeight = affine ? Pair(Parity.Random(channels, 58)) : default;
            var dBias = affine ? Pair(Parity.Random(channels, 59)) : default;
            _cpu.BatchNorm2d_Backward(dx.Cpu, dWeight.Cpu, dBias.Cpu, dy.Cpu, x.Cpu, saveMean.Cpu, saveInvStd.Cpu, weight.Cpu,
                desc, batch, training, accumulate, accumulate);
            G.BatchNorm2d_Backward(dx.Gpu, dWeight.Gpu, dBias.Gpu, dy.Gpu, x.Gpu, saveMean.Gpu, saveInvStd.Gpu, weight.Gpu,
                desc, batch, training, accumulate, accumulate);
            Close(dx, $"{what} dx accumulate={accumulate}", ProductRtol, ProductAtol);
            if (affine)
            {
                Close(dWeight, $"{what} dWeight accumulate={accumulate}", ProductRtol, ProductAtol);
                Close(dBias, $"{what} dBias accumulate={accumulate}", ProductRtol, ProductAtol);
            }
        }
    }

    [Fact]
    public void Dropout_forward_and_backward_are_bit_exact()
    {
        const int n = 257;
        var x = Pair(Parity.Random(n, 61));
        var y = Zeros(n);
        var mask = Zeros(n);
        _cpu.Dropout_Forward(y.Cpu, mask.Cpu, x.Cpu, n, 0.3f, 1234UL, 7);
        G.Dropout_Forward(y.Gpu, mask.Gpu, x.Gpu, n, 0.3f, 1234UL, 7);
        Exact(mask, "Dropout mask");
        Exact(y, "Dropout forward");
        var dy = Pair(Parity.Random(n, 62));
        foreach (bool accumulate in new[] { false, true })
        {
            var dx = Pair(Parity.Random(n, 63));
            _cpu.Dropout_Backward(dx.Cpu, dy.Cpu, mask.Cpu, n, 0.3f, accumulate);
            G.Dropout_Backward(dx.Gpu, dy.Gpu, mask.Gpu, n, 0.3f, accumulate);
            Exact(dx, $"Dropout backward accumulate={accumulate}");
        }
    }

    public static TheoryData<UnaryOp> UnaryOps() => [.. Enum.GetValues<UnaryOp>()];

    [Theory]
    [MemberData(nameof(UnaryOps))]
    public void Unary_forward_and_backward_match(UnaryOp op)
    {
        const int n = 97;
        bool positive = op is UnaryOp.Log or UnaryOp.Sqrt or UnaryOp.Pow or UnaryOp.RDivScalar;
        var x = Pair(Parity.Random(n, 71, positive ? 0.2f : -3f, 3f));
        float parameter = op == UnaryOp.Pow ? 2.5f : 1.7f;
        var y = Zeros(n);
        _cpu.Unary_Forward(op, parameter, y.Cpu, x.Cpu, n);
        G.Unary_Forward(op, parameter, y.Gpu, x.Gpu, n);
        Close(y, $"Unary {op} forward");
        var dy = Pair(Parity.Random(n, 72));
        foreach (bool accumulate in new[] { false, true })
        {
            var dx = Pair(Parity.Random(n, 73));
            _cpu.Unary_Backward(op, parameter, dx.Cpu, dy.Cpu, x.Cpu, y.Cpu, n, accumulate);
            G.Unary_Backward(op, parameter, dx.Gpu, dy.Gpu, x.Gpu, y.Gpu, n, accumulate);
            Close(dx, $"Unary {op} backward accumulate={accumulate}");
        }
    }

    [Theory]
    [InlineData(BinaryOp.Add)]
    [InlineData(BinaryOp.Sub)]
    [InlineData(BinaryOp.Mul)]
    [InlineData(BinaryOp.Div)]
    public void Binary_forward_and_backward_match_with_broadcasting(BinaryOp op)
    {
        int[] aShape = [2, 1, 4], bShape = [1, 3, 4], zShape = [2, 3, 4];
        var a = Pair(Parity.Random(8, 81, 0.5f, 2f));
        var b = Pair(Parity.Random(12, 82, 0.5f, 2f));
        var z = Zeros(24);
        _cpu.Binary_Forward(op, z.Cpu, a.Cpu, aShape, b.Cpu, bShape, zShape);
        G.Binary_Forward(op, z.Gpu, a.Gpu, aShape, b.Gpu, bShape, zShape);
        Close(z, $"Binary {op} forward");
        var dz = Pair(Parity.Random(24, 83));
        foreach (int operand in new[] { 0, 1 })
            foreach (bool accumulate in new[] { false, true })
            {
                var d = Pair(Parity.Random(operand == 0 ? 8 : 12, 84));
                _cpu.Binary_Backward(op, operand, d.Cpu, dz.Cpu, a.Cpu, aShape, b.Cpu, bShape, zShape, accumulate);
                G.Binary_Backward(op, operand, d.Gpu, dz.Gpu, a.Gpu, aShape, b.Gpu, bShape, zShape, accumulate);
                Close(d, $"Binary {op} backward operand {operand} accumulate={accumulate}");
            }
    }

    [Theory]
    [InlineData(ReduceOp.Sum)]
    [InlineData(ReduceOp.Mean)]
    public void Reduce_softmax_and_permute_match(ReduceOp op)
    {
        int[] shape = [3, 4, 5];
        bool[] axes = [true, false, true];
        var x = Pair(Parity.Random(60, 91));
        var y = Zeros(4);
        _cpu.Reduce_Forward(op, y.Cpu, x.Cpu, shape, axes);
        G.Reduce_Forward(op, y.Gpu, x.Gpu, shape, axes);
        Close(y, $"Reduce {op} forward");
        var dy = Pair(Parity.Random(4, 92));
        var dx60 = Pair(Parity.Random(60, 93));
        foreach (bool accumulate in new[] { false, true })
        {
            var dx = Pair(Parity.Random(60, 94));
            _cpu.Reduce_Backward(op, dx.Cpu, dy.Cpu, shape, axes, accumulate);
            G.Reduce_Backward(op, dx.Gpu, dy.Gpu, shape, axes, accumulate);
            Close(dx, $"Reduce {op} backward accumulate={accumulate}");
        }
        foreach (bool log in new[] { false, true })
        {
            var s = Zeros(60);
            _cpu.Softmax_Forward(s.Cpu, x.Cpu, 3, 4, 5, log);
            G.Softmax_Forward(s.Gpu, x.Gpu, 3, 4, 5, log);
            Close(s, $"Softmax log={log} forward");
            foreach (bool accumulate in new[] { false, true })
            {
                var dx = Pair(Parity.Random(60, 95));
                _cpu.Softmax_Backward(dx.Cpu, dx60.Cpu, s.Cpu, 3, 4, 5, log, accumulate);
                G.Softmax_Backward(dx.Gpu, dx60.Gpu, s.Gpu, 3, 4, 5, log, accumulate);
                Close(dx, $"Softmax log={log} backward accumulate={accumulate}");
            }
        }
        foreach (bool largest in new[] { true, false })
        {
            // Top 2 of the 4 along the middle axis of [3, 4, 5]: values, indices and the scattered backward.
            var values = Zeros(30);
            var indices = Zeros(30);
            _cpu.TopK_Forward(values.Cpu, indices.Cpu, x.Cpu, 3, 4, 5, 2, largest);
            G.TopK_Forward(values.Gpu, indices.Gpu, x.Gpu, 3, 4, 5, 2, largest);
            Close(values, $"TopK largest={largest} values");
            Close(indices, $"TopK largest={largest} indices");
            var dValues = Pair(Parity.Random(30, 97));
            foreach (bool accumulate in new[] { false, true })
            {
                var dx = Pair(Parity.Random(60, 98));
                _cpu.TopK_Backward(dx.Cpu, dValues.Cpu, indices.Cpu, 3, 4, 5, 2, accumulate);
                G.TopK_Backward(dx.Gpu, dValues.Gpu, indices.Gpu, 3, 4, 5, 2, accumulate);
                Close(dx, $"TopK largest={largest} backward accumulate={accumulate}");
            }
        }
        foreach (bool accumulate in new[] { false, true })
        {
            var p = Pair(Parity.Random(60, 96));
            _cpu.Permute(p.Cpu, x.Cpu, shape, [2, 0, 1], accumulate);
            G.Permute(p.Gpu, x.Gpu, shape, [2, 0, 1], accumulate);
            Exact(p, $"Permute accumulate={accumulate}");
        }
    }

    [Theory]
    [InlineData(LossKind.Mse)]
    [InlineData(LossKind.Bce)]
    [InlineData(LossKind.BceWithLogits)]
    [InlineData(LossKind.CrossEntropy)]
    [InlineData(LossKind.Nll)]
    public void Losses_forward_and_backward_match(LossKind kind)
    {
        const int rows = 6, cols = 5;
        bool classes = kind is LossKind.CrossEntropy or LossKind.Nll;
        float[] inputValues = kind == LossKind.Bce ? Parity.Random(rows * cols, 101, 0.05f, 0.95f)
            : kind == LossKind.Nll ? Parity.Random(rows * cols, 101, -3f, -0.1f) : Parity.Random(rows * cols, 101);
        float[] targetValues = classes ? [.. Enumerable.Range(0, rows).Select(r => (float)(r * 3 % cols))]
            : kind == LossKind.Mse ? Parity.Random(rows * cols, 102) : Parity.Random(rows * cols, 102, 0f, 1f);
        var input = Pair(inputValues);
        var target = Pair(targetValues);
        var dLoss = Pair([0.75f]);
        foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum })
        {
            var loss = Zeros(1);
            _cpu.Loss_Forward(kind, reduction, loss.Cpu, input.Cpu, target.Cpu, rows, cols);
            G.Loss_Forward(kind, reduction, loss.Gpu, input.Gpu, target.Gpu, rows, cols);
            Close(loss, $"{kind} {reduction} forward");
            foreach (bool accumulate in new[] { false, true })
            {
                var dInput = Pair(Parity.Random(rows * cols, 103));
                _cpu.Loss_Backward(kind, reduction, dInput.Cpu, dLoss.Cpu, input.Cpu, target.Cpu, rows, cols, accumulate);
                G.Loss_Backward(kind, reduction, dInput.Gpu, dLoss.Gpu, input.Gpu, target.Gpu, rows, cols, accumulate);
                Close(dInput, $"{kind} {reduction} backward accumulate={accumulate}");
            }
        }
    }

    [Fact]
    public void Optimizer_steps_are_bit_exact_over_three_steps()
    {
        const int n = 33;
        var gradient = Pair(Parity.Random(n, 111));
        var sgd = Pair(Parity.Random(n, 112));
        var sgdMomentum = Zeros(n);
        var adam = Pair(Parity.Random(n, 113));
        (var m1, var v1, var vmax) = (Zeros(n), Zeros(n), Zeros(n));
        var adagrad = Pair(Parity.Random(n, 114));
        var stateSum = Zeros(n);
        var rms = Pair(Parity.Random(n, 115));
        (var square, var gradAvg, var rmsMomentum) = (Zeros(n), Zeros(n), Zeros(n));
        for (int step = 1; step <= 3; step++)
        {
            _cpu.Sgd_Step(sgd.Cpu, gradient.Cpu, sgdMomentum.Cpu, n, 0.1f, 0.9f, 0.1f, 0.01f, true, false, step == 1);
            G.Sgd_Step(sgd.Gpu, gradient.Gpu, sgdMomentum.Gpu, n, 0.1f, 0.9f, 0.1f, 0.01f, true, false, step == 1);
            _cpu.Adam_Step(adam.Cpu, gradient.Cpu, m1.Cpu, v1.Cpu, vmax.Cpu, n, 0.01f, 0.9f, 0.999f, 1e-8f, 0.01f, true, false, step);
            G.Adam_Step(adam.Gpu, gradient.Gpu, m1.Gpu, v1.Gpu, vmax.Gpu, n, 0.01f, 0.9f, 0.999f, 1e-8f, 0.01f, true, false, step);
            _cpu.Adagrad_Step(adagrad.Cpu, gradient.Cpu, stateSum.Cpu, n, 0.1f, 0.01f, 0.01f, 1e-10f, false, step);
            G.Adagrad_Step(adagrad.Gpu, gradient.Gpu, stateSum.Gpu, n, 0.1f, 0.01f, 0.01f, 1e-10f, false, step);
            _cpu.RmsProp_Step(rms.Cpu, gradient.Cpu, square.Cpu, gradAvg.Cpu, rmsMomentum.Cpu, n, 0.01f, 0.99f, 1e-8f, 0.01f, 0.9f, true, false);
            G.RmsProp_Step(rms.Gpu, gradient.Gpu, square.Gpu, gradAvg.Gpu, rmsMomentum.Gpu, n, 0.01f, 0.99f, 1e-8f, 0.01f, 0.9f, true, false);
        }
        Exact(sgd, "SGD (momentum, dampening, Nesterov, weight decay)");
        Exact(adam, "AdamW with AMSGrad");
        Exact(adagrad, "Adagrad");
        Exact(rms, "RMSprop (centered, momentum)");
    }

    [Fact]
    public void Buffers_of_a_plan_share_one_arena_and_staging_reuses_its_memory()
    {
        using var backend = new GpuBackend(gpu.Kernels);
        DeviceBuffer[] buffers = [.. Enumerable.Range(1, 20).Select(i => backend.Allocate(i * 100))];
        Assert.Equal(1, backend.ArenaCount);
        float[] values = Parity.Random(500, 121);
        for (int step = 0; step < 10; step++)
        {
            backend.Upload(values, buffers[4]);
            backend.Upload(values.AsSpan(0, 300), buffers[2]);
        }
        var back = new float[500];
        backend.Download(buffers[4], back);
        Parity.Exact(values, back, "upload through the staging memory");
        // Freed with the last buffer: a new plan's buffers go to a new arena.
        foreach (DeviceBuffer buffer in buffers) buffer.Dispose();
        Assert.Equal(0, backend.ArenaFloats);
        DeviceBuffer again = backend.Allocate(10);
        Assert.Equal(2, backend.ArenaCount);
        again.Dispose();
    }
}

/// <summary>The backend-seam members the plan uses beyond the kernels (staged uploads, Axpy for the loss sum, preparation),
/// against what they must produce.</summary>
[Collection(GpuCollection.Name)]
public sealed class BackendSeamTests(GpuFixture gpu)
{
    [Fact]
    public void Staged_uploads_axpy_and_preparation_work_on_the_device()
    {
        using var backend = new GpuBackend(gpu.Kernels);
        Assert.False(backend.SharesHostMemory);
        DeviceBuffer target = backend.Allocate(100);
        float[] expected = new float[100];
        for (int round = 0; round < 50; round++)
        {
            Span<float> staged = backend.BeginUpload(target, 10 + round, 40);
            for (int i = 0; i < 40; i++) staged[i] = expected[10 + round + i] = round * 100 + i;
            backend.EndUpload(target, 10 + round, 40);
        }
        var back = new float[100];
        backend.Download(target, back);
        Parity.Exact(expected, back, "staged uploads in stream order");
        Assert.Throws<InvalidOperationException>(() => backend.EndUpload(target, 0, 3));
        backend.BeginUpload(target, 0, 3);
        Assert.Throws<InvalidOperationException>(() => backend.Upload([1f], target));
        backend.EndUpload(target, 0, 3);

        DeviceBuffer x = backend.Wrap([1f, 2f, 3f, 4f]), sum = backend.Wrap([10f, 20f, 30f, 40f, 50f]);
        backend.Axpy(0.5f, x, 1, sum, 2, 3);
        var sums = new float[5];
        backend.Download(sum, sums);
        Assert.Equal([10f, 20f, 31f, 41.5f, 52f], sums);

        var desc = new Conv2dDesc(2, 6, 6, 3, 3, 3);
        backend.Prepare(desc, 4);
        backend.Prepare(new Pool2dDesc(3, 4, 4, 2, 2, 2, 2), 4);
        backend.Prepare(new BatchNormDesc(3, 16), 4);
        backend.Prepare(new LinearDesc(5, 2), 4);
        Assert.Equal(GpuConvolution.WorkspaceLength(desc.Geometry(4)), backend.Conv2d_WorkspaceLength(desc, 4));
    }
}
