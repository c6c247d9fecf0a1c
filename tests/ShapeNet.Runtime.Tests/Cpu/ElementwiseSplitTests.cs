using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Cpu;

/// <summary>
/// Element-wise calls of at least <see cref="CpuSplit.Threshold"/> values run split over the CPU workers
/// (<see cref="CpuSplit"/>): through the backend at every thread count they must give exactly the bits of the span kernel
/// on the whole range (activations and their gradients, same-shape Add/Sub/Mul/Div and their gradients, overwriting and
/// accumulating, 2×2/2 max pooling with its indices and gradient). Sizes are odd so the parts' cuts fall mid-plane and
/// mid-vector. Runs alone: the thread count is process-wide.
/// </summary>
[Collection(nameof(AllocationMeasurement))]
public class ElementwiseSplitTests
{
    private const int N = 37 * 5315;   // 196,655: three times the threshold and a bit, a multiple of the binary tests' rows of 37
    private readonly IBackend _backend = CpuBackend.Instance;

    public static TheoryData<int> ThreadCounts() => new(new[] { 1, CpuBackend.MaxThreads }.Distinct());

    private static void WithThreads(int threads, Action body)
    {
        CpuBackend.Threads = threads;
        try
        {
            body();
        }
        finally
        {
            CpuBackend.Threads = CpuBackend.MaxThreads;
        }
    }

    [Theory]
    [MemberData(nameof(ThreadCounts))]
    public void Unary_ops_and_their_gradients_give_the_span_kernels_bits(int threads) => WithThreads(threads, () =>
    {
        float[] x = TestData.Uniform(1, N, -3f, 3f), dy = TestData.Uniform(2, N), start = TestData.Uniform(3, N);
        // Every unary op (each value a function of its own input alone), with PyTorch's default parameters where it has them.
        foreach (UnaryOp op in Enum.GetValues<UnaryOp>())
        {
            (float parameter, float parameter2) = op switch
            {
                UnaryOp.LeakyRelu => (0.01f, 0f),
                UnaryOp.Elu => (1f, 0f),
                UnaryOp.Softplus => (1f, 20f),
                UnaryOp.Hardtanh => (-1f, 1f),
                UnaryOp.Pow => (3f, 0f),
                UnaryOp.AddScalar or UnaryOp.MulScalar or UnaryOp.RSubScalar or UnaryOp.RDivScalar => (1.5f, 0f),
                _ => (0f, 0f),
            };
            float[] y = new float[N], expectedY = new float[N];
            _backend.Unary_Forward(op, parameter, _backend.Wrap(y), _backend.Wrap(x), N, parameter2);
            CpuElementwise.Unary_Forward(op, parameter, expectedY, x, parameter2);
            Numerics.AssertSameBits(expectedY, y, $"{op} forward, {threads} thread(s), split against the span kernel");
            foreach (bool accumulate in new[] { false, true })
            {
                float[] dx = (float[])start.Clone(), expectedDx = (float[])start.Clone();
                _backend.Unary_Backward(op, parameter, _backend.Wrap(dx), _backend.Wrap(dy), _backend.Wrap(x), _backend.Wrap(y), N, accumulate, parameter2);
                CpuElementwise.Unary_Backward(op, parameter, expectedDx, dy, x, y, accumulate, parameter2);
                Numerics.AssertSameBits(expectedDx, dx, $"{op} backward (accumulate {accumulate}), {threads} thread(s), split against the span kernel");
            }
        }
    });

    [Theory]
    [MemberData(nameof(ThreadCounts))]
    public void Same_shape_binary_ops_and_their_gradients_give_the_span_kernels_bits(int threads) => WithThreads(threads, () =>
    {
        int[] shape = [N / 37, 37];
        float[] a = TestData.Uniform(4, N), b = TestData.Uniform(5, N, 0.5f, 2f), dz = TestData.Uniform(6, N), start = TestData.Uniform(7, N);
        foreach (BinaryOp op in Enum.GetValues<BinaryOp>())
        {
            float[] z = new float[N], expectedZ = new float[N];
            _backend.Binary_Forward(op, _backend.Wrap(z), _backend.Wrap(a), shape, _backend.Wrap(b), shape, shape);
            CpuElementwise.Binary_Forward(op, expectedZ, a, shape, b, shape, shape);
            Numerics.AssertSameBits(expectedZ, z, $"{op} forward, {threads} thread(s), split against the span kernel");
            foreach (int operand in new[] { 0, 1 })
                foreach (bool accumulate in new[] { false, true })
                {
                    float[] d = (float[])start.Clone(), expectedD = (float[])start.Clone();
                    _backend.Binary_Backward(op, operand, _backend.Wrap(d), _backend.Wrap(dz), _backend.Wrap(a), shape, _backend.Wrap(b), shape, shape,
                        accumulate);
                    CpuElementwise.Binary_Backward(op, operand, expectedD, dz, a, shape, b, shape, shape, accumulate);
                    Numerics.AssertSameBits(expectedD, d, $"{op} backward of operand {operand} (accumulate {accumulate}), {threads} thread(s), split against the span kernel");
                }
        }
    });

    [Theory]
    [MemberData(nameof(ThreadCounts))]
    public void Max_pooling_and_its_gradient_give_the_span_kernels_bits(int threads) => WithThreads(threads, () =>
    {
        // 19 samples × 7 channels of 25×24 (odd height: the last row no window covers), 79,800 values: above the threshold.
        const int batch = 19, channels = 7, height = 25, width = 24;
        var desc = new Pool2dDesc(channels, height, width, 2, 2, 2, 2, 0, 0);
        int input = batch * channels * height * width, pooled = batch * channels * (height / 2) * (width / 2);
        Assert.True(input >= CpuSplit.Threshold);
        float[] x = TestData.Uniform(8, input), dy = TestData.Uniform(9, pooled), start = TestData.Uniform(10, input);
        float[] y = new float[pooled], indices = new float[pooled], expectedY = new float[pooled], expectedIndices = new float[pooled];
        _backend.MaxPool2d_Forward(_backend.Wrap(y), _backend.Wrap(indices), _backend.Wrap(x), desc, batch);
        CpuPooling.MaxPool2d_Forward(expectedY, expectedIndices, x, batch, channels, height, width, 2, 2, 2, 2, 0, 0);
        Numerics.AssertSameBits(expectedY, y, $"max pooling, {threads} thread(s), split against the span kernel");
        Numerics.AssertSameBits(expectedIndices, indices, $"max pooling indices, {threads} thread(s), split against the span kernel");
        foreach (bool accumulate in new[] { false, true })
        {
            float[] dx = (float[])start.Clone(), expectedDx = (float[])start.Clone();
            _backend.MaxPool2d_Backward(_backend.Wrap(dx), _backend.Wrap(dy), _backend.Wrap(indices), desc, batch, accumulate);
            CpuPooling.MaxPool2d_Backward(expectedDx, dy, indices, batch, channels, height, width, 2, 2, 2, 2, 0, 0, accumulate);
            Numerics.AssertSameBits(expectedDx, dx, $"max pooling backward (accumulate {accumulate}), {threads} thread(s), split against the span kernel");
        }
    });
}
