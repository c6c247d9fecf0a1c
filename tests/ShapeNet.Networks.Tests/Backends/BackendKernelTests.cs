using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Networks.Tests.Backends;

/// <summary>
/// The kernel suite of the backend seam, written once over every <see cref="IBackend"/> in <see cref="TestBackends"/>: each
/// scenario runs through the interface only (inputs uploaded, outputs downloaded, descriptors prepared, workspaces sized by
/// the backend), so it holds for a device backend as for the CPU. Memory calls are checked against exact expected values;
/// every other family against the CPU backend, the reference whose span kernels the CPU tests check against naive loops
/// and PyTorch: bit for bit for the copies and the CPU decorators, within the stated tolerance for an independent
/// implementation (the naive reference backend sums in double; the GPU backend's kernels on ILGPU's CPU accelerator). Sizes
/// are small (the GPU backend on the CPU accelerator runs about a million elements a second) but take every path: groups,
/// stride, padding and dilation, broadcasting, accumulation, null optional operands, int32 ids and labels, every recurrent
/// mode with lengths, both directions, stacked layers and dropout between them.
/// </summary>
[Collection(GpuTestBackendCollection.Name)]
public class BackendKernelTests
{
    /// <summary>Seeded inputs (the runtime tests' helpers, which this project does not link).</summary>
    private static class TestData
    {
        public static float[] Uniform(int seed, int count, float low = -1f, float high = 1f)
        {
            var random = new Random(seed);
            var values = new float[count];
            for (int i = 0; i < count; i++) values[i] = low + (high - low) * random.NextSingle();
            return values;
        }

        /// <summary>Magnitudes in [low, high] with a random sign (away from a kink or pole at 0).</summary>
        public static float[] AwayFromZero(int seed, int count, float low, float high)
        {
            var random = new Random(seed);
            var values = new float[count];
            for (int i = 0; i < count; i++) values[i] = (low + (high - low) * random.NextSingle()) * (random.Next(2) == 0 ? -1f : 1f);
            return values;
        }
    }

    // An independent implementation differs from the CPU's float kernels by rounding (dot products of ≤ 100 terms).
    private const double Rtol = 1e-4, Atol = 1e-5;

    private static DeviceBuffer Up(IBackend b, float[] values)
    {
        DeviceBuffer buffer = b.Allocate(values.Length);
        b.Upload(values, buffer);
        return buffer;
    }

    private static float[] Down(IBackend b, DeviceBuffer buffer)
    {
        b.Synchronize();
        var values = new float[buffer.Length];
        b.Download(buffer, values);
        return values;
    }

    /// <summary>Runs <paramref name="scenario"/> on the CPU backend and on <paramref name="name"/> and compares every output.</summary>
    private static void AgreesWithCpu(string name, string what, Func<IBackend, float[][]> scenario, double rtol = Rtol, double atol = Atol)
    {
        float[][] expected = scenario(CpuBackend.Instance);
        float[][] actual = scenario(TestBackends.Create(name));
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Numerics.AssertClose(expected[i], actual[i], rtol, atol, $"{what}: output {i} on {name}", expected[i].Length);
    }

    // ---- memory --------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(TestBackends.Implementing), KernelFamily.Memory, MemberType = typeof(TestBackends))]
    public void Memory_calls_allocate_zeros_and_move_values_at_their_offsets(string name)
    {
        IBackend b = TestBackends.Create(name);
        DeviceBuffer buffer = b.Allocate(8);
        Assert.Equal(new float[8], Down(b, buffer));
        b.Upload([1, 2, 3], buffer, 2);
        b.Fill(buffer, 9f, 6, 2);
        Assert.Equal([0f, 0, 1, 2, 3, 0, 9, 9], Down(b, buffer));
        var part = new float[2];
        b.Download(buffer, part, 3);
        Assert.Equal([2f, 3], part);

        // Staged: the caller writes into the backend's span, EndUpload sends it.
        values(b.BeginUpload(buffer, 1, 3));
        b.EndUpload(buffer, 1, 3);
        Assert.Equal([0f, 7, 8, 9, 3, 0, 9, 9], Down(b, buffer));
        static void values(Span<float> staged) => new float[] { 7, 8, 9 }.CopyTo(staged);

        // y += alpha·x on a slice; rows of 2 with strides 3 and 4, then added again.
        DeviceBuffer y = Up(b, [1, 1, 1, 1]);
        b.Axpy(0.5f, Up(b, [2, 4, 6]), 1, y, 1, 2);
        Assert.Equal([1f, 3, 4, 1], Down(b, y));
        DeviceBuffer rows = b.Allocate(8);
        DeviceBuffer source = Up(b, [1, 2, 0, 3, 4, 0]);
        b.CopyRows(rows, 1, 4, source, 0, 3, rowLength: 2, rows: 2, accumulate: false);
        b.CopyRows(rows, 1, 4, source, 0, 3, rowLength: 2, rows: 2, accumulate: true);
        Assert.Equal([0f, 2, 4, 0, 0, 6, 8, 0], Down(b, rows));

        // SharesHostMemory says whether Wrap shares the host array (a write to it shows) or uploads a copy.
        float[] host = [1f];
        DeviceBuffer wrapped = b.Wrap(host);
        host[0] = 2f;
        Assert.Equal(b.SharesHostMemory ? 2f : 1f, Down(b, wrapped)[0]);
    }

    // ---- GEMM and Linear ----------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(TestBackends.Implementing), KernelFamily.Dense, MemberType = typeof(TestBackends))]
    public void Gemm_agrees_with_the_cpu_for_every_transpose_and_a_strided_batch(string name)
    {
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                AgreesWithCpu(name, $"Gemm ta={ta} tb={tb}", b =>
                {
                    const int m = 5, n = 7, k = 6, batch = 2;
                    DeviceBuffer a = Up(b, TestData.Uniform(1, batch * m * k + 3)), bm = Up(b, TestData.Uniform(2, batch * k * n));
                    DeviceBuffer c = Up(b, TestData.Uniform(3, batch * m * n));
                    b.Gemm(ta, tb, m, n, k, 0.75f, a, 3, ta ? m : k, bm, 0, tb ? k : n, 0.5f, c, 0, n, batch, m * k, k * n, m * n);
                    return [Down(b, c)];
                });
    }

    [Theory]
    [MemberData(nameof(TestBackends.Implementing), KernelFamily.Dense, MemberType = typeof(TestBackends))]
    public void Linear_forward_and_backward_agree_with_the_cpu(string name)
    {
        foreach (UnaryOp activation in new[] { UnaryOp.Identity, UnaryOp.Relu, UnaryOp.Tanh })
            AgreesWithCpu(name, $"Linear {activation}", b =>
            {
                var desc = new LinearDesc(6, 4, activation);
                const int capacity = 5, rows = 3;
                b.Prepare(desc, capacity);
                DeviceBuffer x = Up(b, TestData.Uniform(4, capacity * 6)), w = Up(b, TestData.Uniform(5, 24)), bias = Up(b, TestData.Uniform(6, 4));
                DeviceBuffer y = b.Allocate(capacity * 4), dy = Up(b, TestData.Uniform(7, capacity * 4));
                DeviceBuffer dx = Up(b, TestData.Uniform(8, capacity * 6)), dw = Up(b, TestData.Uniform(9, 24)), db = b.Allocate(4);
                b.Linear_Forward(y, x, w, bias, desc, rows);
                b.Linear_Backward(dx, dw, db, dy, x, w, desc, rows, accumulateDx: true, accumulateParameters: false);
                DeviceBuffer dw2 = b.Allocate(24);
                b.Linear_Backward(null, dw2, null, dy, x, w, desc, rows, accumulateDx: false, accumulateParameters: false);
                return [Down(b, y), Down(b, dx), Down(b, dw), Down(b, db), Down(b, dw2)];
            });
    }

    // ---- convolution family -------------------------------------------------------------------

    public static TheoryData<string, int> ConvolutionCases()
    {
        var data = new TheoryData<string, int>();
        foreach (object[] backend in TestBackends.Implementing(KernelFamily.Convolution))
            for (int geometry = 0; geometry < Geometries.Length; geometry++) data.Add((string)backend[0], geometry);
        return data;
    }

    // Grouped, strided, padded and dilated; "same" 3×3 (the implicit GEMM); one input channel 5×5 (the direct kernel).
    private static readonly Conv2dDesc[] Geometries =
    [
        new(4, 7, 9, 6, 3, 3, strideH: 2, strideW: 1, padH: 1, padW: 2, dilationH: 1, dilationW: 2, groups: 2, activation: UnaryOp.Relu),
        new(3, 8, 8, 5, 3, 3, padH: 1, padW: 1),
        new(1, 12, 12, 4, 5, 5, activation: UnaryOp.Relu),
    ];

    [Theory]
    [MemberData(nameof(ConvolutionCases))]
    public void Conv2d_forward_and_backward_agree_with_the_cpu(string name, int geometry)
    {
        Conv2dDesc desc = Geometries[geometry];
        AgreesWithCpu(name, desc.ToString(), b =>
        {
            const int capacity = 3, batch = 2;
            b.Prepare(desc, capacity);
            DeviceBuffer workspace = b.Allocate(Math.Max(1, b.Conv2d_WorkspaceLength(desc, capacity)));
            DeviceBuffer x = Up(b, TestData.Uniform(10, (int)(capacity * desc.InputLength)));
            DeviceBuffer w = Up(b, TestData.Uniform(11, desc.WeightLength)), bias = Up(b, TestData.Uniform(12, desc.OutChannels));
            DeviceBuffer y = b.Allocate(capacity * desc.OutputLength), dy = Up(b, TestData.Uniform(13, (int)(capacity * desc.OutputLength)));
            DeviceBuffer dx = Up(b, TestData.Uniform(14, (int)(capacity * desc.InputLength))), dw = b.Allocate(desc.WeightLength);
            DeviceBuffer db = Up(b, TestData.Uniform(15, desc.OutChannels));
            b.Conv2d_Forward(y, x, w, bias, workspace, desc, batch);
            b.Conv2d_Backward(dx, dw, db, dy, x, w, workspace, desc, batch, accumulateDx: true, accumulateParameters: true);
            DeviceBuffer dw2 = b.Allocate(desc.WeightLength);
            b.Conv2d_Backward(null, dw2, null, dy, x, w, workspace, desc, batch, accumulateDx: false, accumulateParameters: false);
            return [Down(b, y), Down(b, dx), Down(b, dw), Down(b, db), Down(b, dw2)];
        });
    }

    [Theory]
    [MemberData(nameof(TestBackends.Implementing), KernelFamily.Convolution, MemberType = typeof(TestBackends))]
    public void Pooling_forward_and_backward_agree_with_the_cpu(string name)
    {
        foreach (bool countIncludePad in new[] { true, false })
            AgreesWithCpu(name, $"pooling countIncludePad={countIncludePad}", b =>
            {
                var desc = new Pool2dDesc(3, 7, 6, 3, 2, 2, 2, 1, 1, countIncludePad);
                const int capacity = 3, batch = 2;
                b.Prepare(desc, capacity);
                DeviceBuffer x = Up(b, TestData.Uniform(20, (int)(capacity * desc.InputLength)));
                DeviceBuffer dy = Up(b, TestData.Uniform(21, (int)(capacity * desc.OutputLength)));
                DeviceBuffer max = b.Allocate(capacity * desc.OutputLength), indices = b.Allocate(capacity * desc.OutputLength);
                DeviceBuffer avg = b.Allocate(capacity * desc.OutputLength);
                DeviceBuffer dxMax = Up(b, TestData.Uniform(22, (int)(capacity * desc.InputLength))), dxAvg = b.Allocate(capacity * desc.InputLength);
                b.MaxPool2d_Forward(max, indices, x, desc, batch);
                b.MaxPool2d_Backward(dxMax, dy, indices, desc, batch, accumulate: true);
                b.AvgPool2d_Forward(avg, x, desc, batch);
                b.AvgPool2d_Backward(dxAvg, dy, desc, batch, accumulate: false);
                DeviceBuffer global = b.Allocate(batch * 3), dxGlobal = b.Allocate(batch * 3 * 42);
                b.GlobalAvgPool_Forward(global, x, batch, 3, 42);
                b.GlobalAvgPool_Backward(dxGlobal, Up(b, TestData.Uniform(23, batch * 3)), batch, 3, 42, accumulate: false);
                return [Down(b, max), Down(b, indices), Down(b, dxMax), Down(b, avg), Down(b, dxAvg), Down(b, global), Down(b, dxGlobal)];
            });
    }

    [Theory]
    [MemberData(nameof(TestBackends.Implementing), KernelFamily.Convolution, MemberType = typeof(TestBackends))]
    public void BatchNorm_and_dropout_agree_with_the_cpu(string name)
    {
        AgreesWithCpu(name, "BatchNorm2d and Dropout", b =>
        {
            var desc = new BatchNormDesc(3, 10, momentum: 0.2f, eps: 1e-3f);
            const int capacity = 4, batch = 3;
            b.Prepare(desc, capacity);
            int count = (int)(capacity * desc.SampleLength);
            DeviceBuffer x = Up(b, TestData.Uniform(30, count, -2, 3)), y = b.Allocate(count), eval = b.Allocate(count);
            DeviceBuffer mean = b.Allocate(3), invStd = b.Allocate(3), runningMean = Up(b, [0.1f, 0, -0.1f]), runningVar = Up(b, [1f, 2, 0.5f]);
            DeviceBuffer weight = Up(b, [1.5f, -0.5f, 1]), bias = Up(b, [0.1f, 0.2f, 0.3f]);
            DeviceBuffer dy = Up(b, TestData.Uniform(31, count)), dx = b.Allocate(count), dWeight = b.Allocate(3), dBias = Up(b, [1f, 1, 1]);
            b.BatchNorm2d_Forward(y, mean, invStd, runningMean, runningVar, x, weight, bias, desc, batch, training: true);
            b.BatchNorm2d_Backward(dx, dWeight, dBias, dy, x, mean, invStd, weight, desc, batch, training: true,
                accumulateDx: false, accumulateParameters: true);
            b.BatchNorm2d_Forward(eval, mean, invStd, runningMean, runningVar, x, weight, bias, desc, batch, training: false);

            DeviceBuffer dropped = b.Allocate(count), mask = b.Allocate(count), dDropped = Up(b, TestData.Uniform(32, count));
            b.Dropout_Forward(dropped, mask, x, batch * desc.SampleLength, 0.3f, seed: 77, step: 5);
            b.Dropout_Backward(dDropped, dy, mask, batch * desc.SampleLength, 0.3f, accumulate: true);
            return [Down(b, y), Down(b, runningMean), Down(b, runningVar), Down(b, dx), Down(b, dWeight), Down(b, dBias), Down(b, eval),
                Down(b, dropped), Down(b, mask), Down(b, dDropped)];
        });
    }

    // ---- element-wise, reductions, layout -----------------------------------------------------

    [Theory]
    [MemberData(nameof(TestBackends.Implementing), KernelFamily.Elementwise, MemberType = typeof(TestBackends))]
    public void Every_unary_op_agrees_with_the_cpu_forward_and_backward(string name)
    {
        foreach (UnaryOp op in Enum.GetValues<UnaryOp>())
        {
            // Ops defined for positive inputs (or with a pole at 0) get x in [0.5, 2]; the others both signs, away from kinks at 0.
            bool positive = op is UnaryOp.Log or UnaryOp.Sqrt or UnaryOp.Pow or UnaryOp.RDivScalar;
            // The op's constants: Hardtanh's (min, max), Softplus's (beta, threshold), else one scalar (slope, alpha, exponent, c).
            (float parameter, float parameter2) = op switch { UnaryOp.Hardtanh => (-1f, 1f), UnaryOp.Softplus => (1.5f, 20f), _ => (1.5f, 0f) };
            AgreesWithCpu(name, $"Unary {op}", b =>
            {
                float[] values = positive ? TestData.Uniform(40, 24, 0.5f, 2f) : TestData.AwayFromZero(40, 24, 0.05f, 2f);
                DeviceBuffer x = Up(b, values), y = b.Allocate(24), dx = Up(b, TestData.Uniform(41, 24));
                b.Unary_Forward(op, parameter, y, x, 20, parameter2);
                b.Unary_Backward(op, parameter, dx, Up(b, TestData.Uniform(42, 24)), x, y, 20, accumulate: true, parameter2);
                return [Down(b, y), Down(b, dx)];
            });
        }
    }

    [Theory]
    [MemberData(nameof(TestBackends.Implementing), KernelFamily.Elementwise, MemberType = typeof(TestBackends))]
    public void Broadcast_binary_ops_reductions_softmax_and_permute_agree_with_the_cpu(string name)
    {
        foreach (BinaryOp op in Enum.GetValues<BinaryOp>())
            AgreesWithCpu(name, $"Binary {op}", b =>
            {
                int[] aShape = [2, 1, 4], bShape = [1, 3, 4], zShape = [2, 3, 4];
                DeviceBuffer a = Up(b, TestData.AwayFromZero(50, 8, 0.5f, 2)), bb = Up(b, TestData.AwayFromZero(51, 12, 0.5f, 2));
                DeviceBuffer z = b.Allocate(24), dz = Up(b, TestData.Uniform(52, 24)), da = b.Allocate(8), db = Up(b, TestData.Uniform(53, 12));
                b.Binary_Forward(op, z, a, aShape, bb, bShape, zShape);
                b.Binary_Backward(op, 0, da, dz, a, aShape, bb, bShape, zShape, accumulate: false);
                b.Binary_Backward(op, 1, db, dz, a, aShape, bb, bShape, zShape, accumulate: true);
                return [Down(b, z), Down(b, da), Down(b, db)];
            });
        foreach (ReduceOp op in Enum.GetValues<ReduceOp>())
            AgreesWithCpu(name, $"Reduce {op}", b =>
            {
                int[] shape = [2, 3, 4];
                bool[] axes = [true, false, true];
                DeviceBuffer x = Up(b, TestData.Uniform(54, 24)), y = b.Allocate(3), dx = Up(b, TestData.Uniform(55, 24));
                b.Reduce_Forward(op, y, x, shape, axes);
                b.Reduce_Backward(op, dx, Up(b, TestData.Uniform(56, 3)), shape, axes, accumulate: true);
                return [Down(b, y), Down(b, dx)];
            });
        foreach (bool log in new[] { false, true })
            AgreesWithCpu(name, $"Softmax log={log}", b =>
            {
                DeviceBuffer x = Up(b, TestData.Uniform(57, 30, -3, 3)), y = b.Allocate(30), dx = b.Allocate(30);
                b.Softmax_Forward(y, x, 2, 5, 3, log);
                b.Softmax_Backward(dx, Up(b, TestData.Uniform(58, 30)), y, 2, 5, 3, log, accumulate: false);
                return [Down(b, y), Down(b, dx)];
            });
        AgreesWithCpu(name, "Permute", b =>
        {
            DeviceBuffer x = Up(b, TestData.Uniform(59, 24)), y = Up(b, TestData.Uniform(60, 24));
            b.Permute(y, x, [2, 3, 4], [2, 0, 1], accumulate: true);
            return [Down(b, y)];
        }, rtol: 0, atol: 0);
    }

    [Theory]
    [MemberData(nameof(TestBackends.Implementing), KernelFamily.Elementwise, MemberType = typeof(TestBackends))]
    public void TopK_and_Pick_agree_with_the_cpu_forward_and_backward(string name)
    {
        foreach (bool largest in new[] { true, false })
            AgreesWithCpu(name, $"TopK largest={largest}", b =>
            {
                // x viewed as [outer 2, dim 6, inner 3]; distinct values, so the order (and the indices) are defined.
                const int outer = 2, dim = 6, inner = 3, k = 4;
                DeviceBuffer x = Up(b, TestData.Uniform(61, outer * dim * inner, -3, 3));
                DeviceBuffer values = b.Allocate(outer * k * inner), indices = b.Allocate(outer * k * inner);
                DeviceBuffer dx = Up(b, TestData.Uniform(62, outer * dim * inner)), dx2 = Up(b, TestData.Uniform(63, outer * dim * inner));
                DeviceBuffer dValues = Up(b, TestData.Uniform(64, outer * k * inner));
                b.TopK_Forward(values, indices, x, outer, dim, inner, k, largest);
                b.TopK_Backward(dx, dValues, indices, outer, dim, inner, k, accumulate: true);
                b.TopK_Backward(dx2, dValues, indices, outer, dim, inner, k, accumulate: false);
                return [Down(b, values), Down(b, indices), Down(b, dx), Down(b, dx2)];
            });
        AgreesWithCpu(name, "Pick", b =>
        {
            const int rows = 4, cols = 5;
            DeviceBuffer x = Up(b, TestData.Uniform(65, rows * cols)), indices = Up(b, [4, 0, 2, 4]), y = b.Allocate(rows);
            DeviceBuffer dx = Up(b, TestData.Uniform(66, rows * cols)), dx2 = Up(b, TestData.Uniform(67, rows * cols)), dy = Up(b, TestData.Uniform(68, rows));
            b.Pick_Forward(y, x, indices, rows, cols);
            b.Pick_Backward(dx, dy, indices, rows, cols, accumulate: true);
            b.Pick_Backward(dx2, dy, indices, rows, cols, accumulate: false);
            return [Down(b, y), Down(b, dx), Down(b, dx2)];
        });
    }

    // ---- losses and optimizers ----------------------------------------------------------------

    [Theory]
    [MemberData(nameof(TestBackends.Implementing), KernelFamily.Losses, MemberType = typeof(TestBackends))]
    public void Every_loss_agrees_with_the_cpu_forward_and_backward(string name)
    {
        foreach (LossKind kind in Enum.GetValues<LossKind>())
            foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum })
                AgreesWithCpu(name, $"{kind} {reduction}", b =>
                {
                    const int rows = 4, cols = 3;
                    bool classes = kind is LossKind.CrossEntropy or LossKind.Nll;
                    float[] input = kind == LossKind.Bce ? TestData.Uniform(70, rows * cols, 0.05f, 0.95f) : TestData.Uniform(70, rows * cols, -2, 2);
                    float[] target = classes ? [2, 0, 1, 2] : TestData.Uniform(71, rows * cols, 0, 1);
                    DeviceBuffer x = Up(b, input), t = Up(b, target), loss = b.Allocate(1), dLoss = Up(b, [0.5f]);
                    DeviceBuffer dx = Up(b, TestData.Uniform(72, rows * cols));
                    b.Loss_Forward(kind, reduction, loss, x, t, rows, cols);
                    b.Loss_Backward(kind, reduction, dx, dLoss, x, t, rows, cols, accumulate: true);
                    return [Down(b, loss), Down(b, dx)];
                });
    }

    [Theory]
    [MemberData(nameof(TestBackends.Implementing), KernelFamily.Optimizers, MemberType = typeof(TestBackends))]
    public void Optimizer_steps_agree_with_the_cpu(string name)
    {
        AgreesWithCpu(name, "optimizer steps", b =>
        {
            const int n = 10;
            float[] start = TestData.Uniform(80, n), gradient = TestData.Uniform(81, n);
            DeviceBuffer g = Up(b, gradient);
            DeviceBuffer sgd = Up(b, start), momentum = b.Allocate(n);
            b.Sgd_Step(sgd, g, momentum, n, 0.1f, 0.9f, 0.1f, 0.01f, nesterov: true, maximize: false, firstStep: true);
            b.Sgd_Step(sgd, g, momentum, n, 0.1f, 0.9f, 0.1f, 0.01f, nesterov: true, maximize: false, firstStep: false);
            DeviceBuffer adam = Up(b, start), m = b.Allocate(n), v = b.Allocate(n), vMax = b.Allocate(n);
            for (int step = 1; step <= 2; step++)
                b.Adam_Step(adam, g, m, v, vMax, n, 1e-2f, 0.9f, 0.999f, 1e-8f, 0.01f, decoupledWeightDecay: true, maximize: false, step);
            DeviceBuffer adagrad = Up(b, start), sum = b.Allocate(n);
            b.Adagrad_Step(adagrad, g, sum, n, 0.1f, 0.01f, 0.001f, 1e-10f, maximize: true, step: 1);
            DeviceBuffer rms = Up(b, start), square = b.Allocate(n), average = b.Allocate(n), rmsMomentum = b.Allocate(n);
            b.RmsProp_Step(rms, g, square, average, rmsMomentum, n, 0.01f, 0.99f, 1e-8f, 0.001f, 0.5f, centered: true, maximize: false);
            return [Down(b, sgd), Down(b, momentum), Down(b, adam), Down(b, m), Down(b, v), Down(b, vMax), Down(b, adagrad), Down(b, sum),
                Down(b, rms), Down(b, square), Down(b, average), Down(b, rmsMomentum)];
        });
    }

    // ---- int32 buffers, embedding, one-hot, int-label losses -----------------------------------

    [Theory]
    [MemberData(nameof(TestBackends.Implementing), KernelFamily.Integer, MemberType = typeof(TestBackends))]
    public void Int32_buffers_embedding_one_hot_and_index_losses_agree_with_the_cpu(string name)
    {
        IBackend backend = TestBackends.Create(name);
        DeviceBuffer ids = backend.AllocateInt32(5);
        Assert.Equal(BufferElementType.Int32, ids.ElementType);
        var all = new int[5];
        backend.DownloadInt32(ids, all);
        Assert.Equal(new int[5], all);
        backend.UploadInt32([7, 8], ids, 2);
        var part = new int[4];
        backend.DownloadInt32(ids, part, 1);
        Assert.Equal([0, 7, 8, 0], part);

        AgreesWithCpu(name, "Embedding, OneHot and int-label losses", b =>
        {
            const int num = 7, dim = 3, capacity = 6, n = 4;
            DeviceBuffer idBuffer = b.AllocateInt32(capacity);
            b.UploadInt32([3, 0, 6, 3], idBuffer);
            DeviceBuffer y = b.Allocate(capacity * dim), weight = Up(b, TestData.Uniform(90, num * dim));
            b.Embedding_Forward(y, weight, idBuffer, n, num, dim);
            DeviceBuffer dy = Up(b, TestData.Uniform(91, capacity * dim));
            DeviceBuffer dWeight = Up(b, TestData.Uniform(92, num * dim)), dWeight2 = Up(b, TestData.Uniform(93, num * dim));
            b.Embedding_Backward(dWeight, dy, idBuffer, n, num, dim, paddingIdx: 3, accumulate: true);
            b.Embedding_Backward(dWeight2, dy, idBuffer, n, num, dim, paddingIdx: -1, accumulate: false);
            DeviceBuffer oneHot = b.Allocate(capacity * num);
            b.OneHot_Forward(oneHot, idBuffer, n, num);
            var outputs = new List<float[]> { Down(b, y), Down(b, dWeight), Down(b, dWeight2), Down(b, oneHot) };
            foreach (LossKind kind in new[] { LossKind.CrossEntropy, LossKind.Nll })
                foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum })
                {
                    DeviceBuffer logits = Up(b, TestData.Uniform(94, n * num, -2, 2)), loss = b.Allocate(1), dLogits = Up(b, TestData.Uniform(95, n * num));
                    b.IndexLoss_Forward(kind, reduction, loss, logits, idBuffer, n, num);
                    b.IndexLoss_Backward(kind, reduction, dLogits, Up(b, [0.5f]), logits, idBuffer, n, num, accumulate: true);
                    outputs.Add(Down(b, loss));
                    outputs.Add(Down(b, dLogits));
                }
            return [.. outputs];
        });

        // A bad id is an error naming it, its row and the limit, before anything is written.
        DeviceBuffer bad = backend.AllocateInt32(3), target = backend.Allocate(9);
        backend.UploadInt32([1, 2, 40], bad);
        backend.Fill(target, 5f, 0, 9);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => backend.Embedding_Forward(target, backend.Allocate(32 * 3), bad, 3, 32, 3));
        Assert.Contains("id 40 at position 2 (row 2 of the output) is outside [0, 32): the table has 32 rows.", error.Message);
        Assert.All(Down(backend, target), v => Assert.Equal(5f, v));
    }

    // ---- recurrent stacks ------------------------------------------------------------------------

    // Every mode; stacked, bidirectional, batch-first, per-example lengths and dropout between layers among them.
    private static readonly RecurrentDescriptor[] Stacks =
    [
        new(RecurrentMode.Gru, 3, 4, 2, Bidirectional: true, Dropout: 0.25f),
        new(RecurrentMode.Lstm, 3, 4, 1, Bidirectional: false, BatchFirst: true),
        new(RecurrentMode.RnnTanh, 3, 4, 1, Bidirectional: true),
        new(RecurrentMode.RnnRelu, 3, 4, 2, Bidirectional: false, BatchFirst: true),
    ];

    public static TheoryData<string, int> RecurrentCases()
    {
        var data = new TheoryData<string, int>();
        foreach (object[] backend in TestBackends.Implementing(KernelFamily.Recurrent))
            for (int stack = 0; stack < Stacks.Length; stack++) data.Add((string)backend[0], stack);
        return data;
    }

    [Theory]
    [MemberData(nameof(RecurrentCases))]
    public void Recurrent_stacks_agree_with_the_cpu_forward_and_backward(string name, int stack)
    {
        RecurrentDescriptor d = Stacks[stack];
        bool withLengths = stack % 2 == 0, lstm = d.HasCellState;
        AgreesWithCpu(name, $"{d}{(withLengths ? ", lengths [4, 2, 3]" : "")}", b =>
        {
            const int seqCapacity = 5, batchCapacity = 4, seq = 4, batch = 3;
            int stateCapacity = d.NumLayers * d.Directions * batchCapacity * d.HiddenSize;
            long states = (long)d.NumLayers * d.Directions * batch * d.HiddenSize, sequences = (long)seqCapacity * batchCapacity;
            DeviceBuffer Values(int seed, long capacity, long count, float scale = 1f)
            {
                DeviceBuffer buffer = b.Allocate(capacity);
                b.Upload(TestData.Uniform(seed, (int)count, -scale, scale), buffer);
                return buffer;
            }
            DeviceBuffer[] parameters = [.. Enumerable.Range(0, d.ParameterTensorCount).Select(p => Values(100 + p, d.ParameterLength(p), d.ParameterLength(p), 0.5f))];
            DeviceBuffer[] gradients = [.. Enumerable.Range(0, d.ParameterTensorCount).Select(p => Values(130 + p, d.ParameterLength(p), d.ParameterLength(p)))];
            RecurrentTensors bound = b.Recurrent_Bind(d, parameters), boundGradients = b.Recurrent_Bind(d, gradients);
            // The backend sizes its own reserve and workspace, at the capacity; the calls run at a smaller sequence and batch.
            DeviceBuffer reserve = b.Allocate(b.Recurrent_ReserveLength(d, seqCapacity, batchCapacity));
            DeviceBuffer workspace = b.Allocate(b.Recurrent_WorkspaceLength(d, seqCapacity, batchCapacity));
            DeviceBuffer x = Values(101, sequences * d.InputSize, seq * batch * d.InputSize), h0 = Values(102, stateCapacity, states, 0.5f);
            DeviceBuffer c0 = Values(103, stateCapacity, states, 0.5f), dOutput = Values(104, sequences * d.OutputSize, seq * batch * d.OutputSize);
            DeviceBuffer dhN = Values(105, stateCapacity, states), dcN = Values(106, stateCapacity, states);
            DeviceBuffer output = b.Allocate(sequences * d.OutputSize), hN = b.Allocate(stateCapacity), cN = b.Allocate(stateCapacity);
            DeviceBuffer lengths = b.AllocateInt32(batchCapacity);
            b.UploadInt32([4, 2, 3], lengths);
            b.Recurrent_Forward(d, output, hN, lstm ? cN : null, reserve, workspace, x, h0, lstm ? c0 : null, bound, withLengths ? lengths : null,
                seq, batch, training: true, dropoutSeed: 99, dropoutStep: 3);
            DeviceBuffer dx = Values(107, sequences * d.InputSize, seq * batch * d.InputSize), dh0 = Values(108, stateCapacity, states);
            DeviceBuffer dc0 = Values(109, stateCapacity, states);
            b.Recurrent_Backward(d, dx, dh0, lstm ? dc0 : null, boundGradients, workspace, dOutput, dhN, lstm ? dcN : null, reserve, x, bound,
                withLengths ? lengths : null, seq, batch, training: true, accumulateDx: true, accumulateParameters: true);
            return [Down(b, output), Down(b, hN), Down(b, cN), Down(b, dx), Down(b, dh0), Down(b, dc0), .. gradients.Select(g => Down(b, g))];
        });
    }

    [Theory]
    [MemberData(nameof(TestBackends.Implementing), KernelFamily.Recurrent, MemberType = typeof(TestBackends))]
    public void Recurrent_sizing_is_the_backends_and_covers_what_its_calls_use(string name)
    {
        IBackend b = TestBackends.Create(name);
        foreach (RecurrentDescriptor d in Stacks)
        {
            long reserve = b.Recurrent_ReserveLength(d, 5, 4), workspace = b.Recurrent_WorkspaceLength(d, 5, 4);
            Assert.True(reserve > 0 && workspace > 0, $"{d}: reserve {reserve}, workspace {workspace}");
            // Monotone in the sequence and the batch: a plan sized at its capacity serves every smaller call.
            Assert.True(b.Recurrent_ReserveLength(d, 4, 3) <= reserve && b.Recurrent_WorkspaceLength(d, 4, 3) <= workspace, d.ToString());
        }
    }
}
