using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Cpu;

/// <summary>The backend seam of the integer and recurrent calls: int32 buffers, Embedding/OneHot, the recurrent stack over
/// bound parameter buffers and int-target losses reach the span kernels with the right slices (buffers sized for a capacity,
/// a smaller batch and sequence per call), and bad ids or buffers give errors that name what is wrong.</summary>
public class RecurrentBackendTests
{
    private readonly IBackend _backend = CpuBackend.Instance;

    [Fact]
    public void Int32_buffers_are_zeroed_typed_and_honour_offsets()
    {
        DeviceBuffer ids = _backend.AllocateInt32(5);
        Assert.Equal(BufferElementType.Int32, ids.ElementType);
        Assert.Equal(BufferElementType.Float32, _backend.Allocate(1).ElementType);
        _backend.UploadInt32([7, 8], ids, 2);
        var back = new int[4];
        _backend.DownloadInt32(ids, back, 1);
        Assert.Equal([0, 7, 8, 0], back);
    }

    [Fact]
    public void Embedding_and_OneHot_match_the_span_kernels_on_the_first_rows_of_capacity_buffers()
    {
        const int num = 7, dim = 3, capacity = 6, n = 4;
        float[] weight = TestData.Uniform(1, num * dim), dy = TestData.Uniform(2, capacity * dim);
        int[] ids = [3, 0, 6, 3];
        DeviceBuffer idBuffer = _backend.AllocateInt32(capacity), y = _backend.Allocate(capacity * dim), dWeight = _backend.Allocate(num * dim);
        _backend.UploadInt32(ids, idBuffer);
        _backend.Embedding_Forward(y, _backend.Wrap(weight), idBuffer, n, num, dim);
        var expected = new float[n * dim];
        CpuEmbedding.Embedding_Forward(expected, weight, ids, num, dim);
        Assert.Equal(expected, ((CpuBuffer)y).Array[..(n * dim)]);

        _backend.Embedding_Backward(dWeight, _backend.Wrap(dy), idBuffer, n, num, dim, paddingIdx: 0, accumulate: false);
        var expectedGradient = new float[num * dim];
        CpuEmbedding.Embedding_Backward(expectedGradient, dy.AsSpan(0, n * dim), ids, num, dim, paddingIdx: 0, accumulate: false);
        Assert.Equal(expectedGradient, ((CpuBuffer)dWeight).Array);

        DeviceBuffer oneHot = _backend.Allocate(capacity * num);
        _backend.OneHot_Forward(oneHot, idBuffer, n, num);
        for (int r = 0; r < n; r++)
            for (int c = 0; c < num; c++) Assert.Equal(c == ids[r] ? 1f : 0f, ((CpuBuffer)oneHot).Array[r * num + c]);
    }

    [Fact]
    public void An_id_out_of_range_names_the_value_the_row_and_the_limit_before_anything_is_written()
    {
        DeviceBuffer ids = _backend.AllocateInt32(3), y = _backend.Allocate(9);
        _backend.UploadInt32([1, 2, 40], ids);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => _backend.Embedding_Forward(y, _backend.Allocate(32 * 3), ids, 3, 32, 3));
        Assert.Contains("id 40 at position 2 (row 2 of the output) is outside [0, 32): the table has 32 rows.", error.Message);
        _backend.Fill(y, 5f, 0, 9);
        Assert.Throws<ArgumentOutOfRangeException>(() => _backend.Embedding_Forward(y, _backend.Allocate(32 * 3), ids, 3, 32, 3));
        Assert.All(((CpuBuffer)y).Array, v => Assert.Equal(5f, v));

        _backend.UploadInt32([-1], ids);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => _backend.OneHot_Forward(y, ids, 1, 9));
        Assert.Contains("OneHot: id -1 at position 0 (row 0 of the output) is outside [0, 9): ids cannot be negative.", error.Message);
    }

    [Fact]
    public void A_float_buffer_where_ids_belong_is_a_clear_error()
    {
        var error = Assert.Throws<ArgumentException>(() => _backend.Embedding_Forward(_backend.Allocate(6), _backend.Allocate(6), _backend.Allocate(2), 2, 2, 3));
        Assert.Contains("needs an int32 buffer (AllocateInt32)", error.Message);
    }

    [Theory]
    [InlineData(RecurrentMode.Gru, true, 2)]
    [InlineData(RecurrentMode.Lstm, false, 1)]
    [InlineData(RecurrentMode.RnnTanh, true, 1)]
    public void Recurrent_forward_and_backward_match_the_span_kernels_at_a_smaller_batch_and_sequence(RecurrentMode mode, bool bidirectional, int layers)
    {
        const int input = 3, hidden = 4, seqCapacity = 6, batchCapacity = 5, seq = 4, batch = 3;
        var d = new RecurrentDescriptor(mode, input, hidden, layers, bidirectional);
        int states = layers * d.Directions * batch * hidden, stateCapacity = layers * d.Directions * batchCapacity * hidden;
        float[][] parameters = Enumerable.Range(0, d.ParameterTensorCount)
            .Select(p => TestData.Uniform(10 + p, (int)d.ParameterLength(p), -0.5f, 0.5f)).ToArray();
        float[][] gradients = parameters.Select(p => new float[p.Length]).ToArray();
        float[] x = TestData.Uniform(1, seq * batch * input), h0 = TestData.Uniform(2, states, -0.5f, 0.5f);
        float[] c0 = d.HasCellState ? TestData.Uniform(3, states, -0.5f, 0.5f) : [];
        float[] dOutput = TestData.Uniform(4, seq * batch * d.OutputSize), dhN = TestData.Uniform(5, states);
        int[] lengths = [4, 2, 3];

        // The span kernels on exact-size arrays.
        var output = new float[seq * batch * d.OutputSize];
        var hN = new float[states];
        var cN = new float[d.HasCellState ? states : 0];
        var reserve = new float[CpuRecurrent.ReserveLength(d, seq, batch)];
        var workspace = new float[CpuRecurrent.WorkspaceLength(d, seq, batch)];
        CpuRecurrent.Recurrent_Forward(d, output, hN, cN, reserve, workspace, x, h0, c0, parameters, lengths, seq, batch, training: true);
        var dx = new float[x.Length];
        var dh0 = new float[states];
        var dc0 = new float[c0.Length];
        float[][] expectedGradients = parameters.Select(p => new float[p.Length]).ToArray();
        CpuRecurrent.Recurrent_Backward(d, dx, dh0, dc0, expectedGradients, workspace, dOutput, dhN, default, reserve, x, parameters, lengths,
            seq, batch, training: true, accumulateDx: false, accumulateParameters: false);

        // The backend on buffers sized for the capacity.
        RecurrentTensors boundParameters = _backend.Recurrent_Bind(d, parameters.Select(_backend.Wrap).ToArray());
        RecurrentTensors boundGradients = _backend.Recurrent_Bind(d, gradients.Select(_backend.Wrap).ToArray());
        DeviceBuffer Buffer(float[] values, long capacity)
        {
            DeviceBuffer buffer = _backend.Allocate(capacity);
            _backend.Upload(values, buffer);
            return buffer;
        }
        long sequenceCapacity = (long)seqCapacity * batchCapacity;
        DeviceBuffer bx = Buffer(x, sequenceCapacity * input), bh0 = Buffer(h0, stateCapacity), bc0 = Buffer(c0, stateCapacity);
        DeviceBuffer bOutput = _backend.Allocate(sequenceCapacity * d.OutputSize), bhN = _backend.Allocate(stateCapacity), bcN = _backend.Allocate(stateCapacity);
        DeviceBuffer bReserve = _backend.Allocate(_backend.Recurrent_ReserveLength(d, seqCapacity, batchCapacity));
        DeviceBuffer bWorkspace = _backend.Allocate(_backend.Recurrent_WorkspaceLength(d, seqCapacity, batchCapacity));
        DeviceBuffer bLengths = _backend.AllocateInt32(batchCapacity);
        _backend.UploadInt32(lengths, bLengths);
        _backend.Recurrent_Forward(d, bOutput, bhN, d.HasCellState ? bcN : null, bReserve, bWorkspace, bx, bh0, d.HasCellState ? bc0 : null,
            boundParameters, bLengths, seq, batch, training: true, dropoutSeed: 0, dropoutStep: 0);
        Assert.Equal(output, ((CpuBuffer)bOutput).Array[..output.Length]);
        Assert.Equal(hN, ((CpuBuffer)bhN).Array[..states]);
        if (d.HasCellState) Assert.Equal(cN, ((CpuBuffer)bcN).Array[..states]);

        DeviceBuffer bdx = _backend.Allocate(sequenceCapacity * input), bdh0 = _backend.Allocate(stateCapacity), bdc0 = _backend.Allocate(stateCapacity);
        _backend.Recurrent_Backward(d, bdx, bdh0, d.HasCellState ? bdc0 : null, boundGradients, bWorkspace, Buffer(dOutput, sequenceCapacity * d.OutputSize),
            Buffer(dhN, stateCapacity), null, bReserve, bx, boundParameters, bLengths, seq, batch, training: true, accumulateDx: false,
            accumulateParameters: false);
        Assert.Equal(dx, ((CpuBuffer)bdx).Array[..dx.Length]);
        Assert.Equal(dh0, ((CpuBuffer)bdh0).Array[..states]);
        if (d.HasCellState) Assert.Equal(dc0, ((CpuBuffer)bdc0).Array[..states]);
        for (int p = 0; p < gradients.Length; p++) Assert.Equal(expectedGradients[p], gradients[p]);
    }

    [Fact]
    public void Binding_checks_the_count_and_the_shapes_of_the_tensors()
    {
        var d = new RecurrentDescriptor(RecurrentMode.Gru, 3, 4);
        var error = Assert.Throws<ArgumentException>(() => _backend.Recurrent_Bind(d, [_backend.Allocate(36)]));
        Assert.Contains("has 4 parameter tensors, 1 were given", error.Message);
        error = Assert.Throws<ArgumentException>(() =>
            _backend.Recurrent_Bind(d, [_backend.Allocate(36), _backend.Allocate(47), _backend.Allocate(12), _backend.Allocate(12)]));
        Assert.Contains("weight_hh_l0 needs 48 values, its buffer holds 47", error.Message);
    }

    [Fact]
    public void A_length_past_the_sequence_is_a_clear_error()
    {
        var d = new RecurrentDescriptor(RecurrentMode.Gru, 2, 2);
        RecurrentTensors bound = _backend.Recurrent_Bind(d, Enumerable.Range(0, 4).Select(p => _backend.Allocate(d.ParameterLength(p))).ToArray());
        DeviceBuffer lengths = _backend.AllocateInt32(2);
        _backend.UploadInt32([3, 4], lengths);
        var error = Assert.ThrowsAny<ArgumentException>(() => _backend.Recurrent_Forward(d, _backend.Allocate(3 * 2 * 2), null, null,
            _backend.Allocate(_backend.Recurrent_ReserveLength(d, 3, 2)), _backend.Allocate(_backend.Recurrent_WorkspaceLength(d, 3, 2)),
            _backend.Allocate(3 * 2 * 2), null, null, bound, lengths, 3, 2, training: false, 0, 0));
        Assert.Contains("4", error.Message);
        Assert.Contains("3", error.Message);
    }

    [Theory]
    [InlineData(LossKind.CrossEntropy, Reduction.Mean)]
    [InlineData(LossKind.Nll, Reduction.Sum)]
    public void Index_losses_equal_the_float_target_losses(LossKind kind, Reduction reduction)
    {
        const int rows = 4, cols = 5;
        float[] input = TestData.Uniform(1, rows * cols);
        int[] targets = [4, 0, 2, 2];
        DeviceBuffer targetBuffer = _backend.AllocateInt32(6), loss = _backend.Allocate(1), dLoss = _backend.Wrap([1.5f]);
        _backend.UploadInt32(targets, targetBuffer);
        _backend.IndexLoss_Forward(kind, reduction, loss, _backend.Wrap(input), targetBuffer, rows, cols);
        float expected = CpuLoss.Loss_Forward(kind, reduction, input, targets.Select(t => (float)t).ToArray(), rows, cols);
        Assert.Equal(expected, ((CpuBuffer)loss).Array[0], 6);

        DeviceBuffer dInput = _backend.Allocate(rows * cols);
        _backend.IndexLoss_Backward(kind, reduction, dInput, dLoss, _backend.Wrap(input), targetBuffer, rows, cols, accumulate: false);
        var expectedGradient = new float[rows * cols];
        CpuLoss.Loss_Backward(kind, reduction, expectedGradient, 1.5f, input, targets.Select(t => (float)t).ToArray(), rows, cols, accumulate: false);
        Numerics.AssertClose(expectedGradient, ((CpuBuffer)dInput).Array, 1e-6, 1e-7, $"{kind} input gradient", rows, cols);

        _backend.UploadInt32([5], targetBuffer, 1);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => _backend.IndexLoss_Forward(kind, reduction, loss, _backend.Wrap(input), targetBuffer, rows, cols));
        Assert.Contains($"{kind}: target 5 of row 1 is outside [0, 5): the input has 5 classes.", error.Message);
    }
}
