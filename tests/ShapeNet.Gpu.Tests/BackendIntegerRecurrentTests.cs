using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Backends.Gpu;

namespace ShapeNet.Gpu.Tests;

/// <summary>The int32 and recurrent calls of <see cref="IBackend"/> through <see cref="GpuBackend"/> against <see cref="CpuBackend"/>:
/// int32 buffers, Embedding/OneHot (bit-exact), int-label cross-entropy/NLL (1e-5 relative + 1e-6 absolute), id and label errors
/// with the CPU's messages before anything is written, and the recurrent stacks on the device (every mode, stacked, bidirectional,
/// batch-first, variable lengths, dropout between layers; 1e-4 relative + 1e-5 absolute) on capacity-sized buffers at a smaller
/// batch and sequence.</summary>
[Collection(GpuCollection.Name)]
public sealed class BackendIntegerRecurrentTests(GpuFixture gpu)
{
    private readonly IBackend _cpu = CpuBackend.Instance;
    private GpuBackend G => gpu.Backend;

    private float[] Read(IBackend backend, DeviceBuffer buffer, long length = -1)
    {
        var values = new float[length < 0 ? buffer.Length : length];
        backend.Download(buffer, values);
        return values;
    }

    [Fact]
    public void Int32_buffers_are_zeroed_typed_and_honour_offsets()
    {
        DeviceBuffer ids = G.AllocateInt32(5);
        Assert.Equal(BufferElementType.Int32, ids.ElementType);
        G.UploadInt32([7, 8], ids, 2);
        var back = new int[4];
        G.DownloadInt32(ids, back, 1);
        Assert.Equal([0, 7, 8, 0], back);
        var error = Assert.Throws<ArgumentException>(() => G.Embedding_Forward(G.Allocate(6), G.Allocate(6), G.Allocate(2), 2, 2, 3));
        Assert.Contains("needs an int32 buffer (AllocateInt32)", error.Message);
    }

    [Fact]
    public void Embedding_one_hot_and_index_losses_match_and_bad_ids_fail_first()
    {
        const int num = 7, dim = 3, capacity = 6, n = 4;
        float[] weight = Parity.Random(num * dim, 301), dy = Parity.Random(capacity * dim, 302);
        int[] ids = [3, 0, 6, 3];
        (DeviceBuffer Cpu, DeviceBuffer Gpu) idBuffers = (_cpu.AllocateInt32(capacity), G.AllocateInt32(capacity));
        _cpu.UploadInt32(ids, idBuffers.Cpu);
        G.UploadInt32(ids, idBuffers.Gpu);
        DeviceBuffer cy = _cpu.Allocate(capacity * dim), gy = G.Allocate(capacity * dim);
        _cpu.Embedding_Forward(cy, _cpu.Wrap((float[])weight.Clone()), idBuffers.Cpu, n, num, dim);
        G.Embedding_Forward(gy, G.Wrap(weight), idBuffers.Gpu, n, num, dim);
        Parity.Exact(Read(_cpu, cy), Read(G, gy), "Embedding forward");
        DeviceBuffer cdw = _cpu.Wrap(Parity.Random(num * dim, 303)), gdw = G.Wrap(Parity.Random(num * dim, 303));
        _cpu.Embedding_Backward(cdw, _cpu.Wrap((float[])dy.Clone()), idBuffers.Cpu, n, num, dim, 3, true);
        G.Embedding_Backward(gdw, G.Wrap(dy), idBuffers.Gpu, n, num, dim, 3, true);
        Parity.Exact(Read(_cpu, cdw), Read(G, gdw), "Embedding backward (paddingIdx 3, accumulate)");
        DeviceBuffer coh = _cpu.Allocate(capacity * num), goh = G.Allocate(capacity * num);
        _cpu.OneHot_Forward(coh, idBuffers.Cpu, n, num);
        G.OneHot_Forward(goh, idBuffers.Gpu, n, num);
        Parity.Exact(Read(_cpu, coh), Read(G, goh), "OneHot forward");

        // Index losses: rows = n, cols = num, labels = ids.
        float[] logits = Parity.Random(n * num, 304);
        foreach (LossKind kind in new[] { LossKind.CrossEntropy, LossKind.Nll })
            foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum })
            {
                DeviceBuffer cl = _cpu.Allocate(1), gl = G.Allocate(1);
                DeviceBuffer cin = _cpu.Wrap((float[])logits.Clone()), gin = G.Wrap(logits);
                _cpu.IndexLoss_Forward(kind, reduction, cl, cin, idBuffers.Cpu, n, num);
                G.IndexLoss_Forward(kind, reduction, gl, gin, idBuffers.Gpu, n, num);
                Parity.Close(Read(_cpu, cl), Read(G, gl), $"{kind} {reduction} with int labels");
                DeviceBuffer cd = _cpu.Wrap(Parity.Random(n * num, 305)), gd = G.Wrap(Parity.Random(n * num, 305));
                _cpu.IndexLoss_Backward(kind, reduction, cd, _cpu.Wrap([0.5f]), cin, idBuffers.Cpu, n, num, true);
                G.IndexLoss_Backward(kind, reduction, gd, G.Wrap([0.5f]), gin, idBuffers.Gpu, n, num, true);
                Parity.Close(Read(_cpu, cd), Read(G, gd), $"{kind} {reduction} backward with int labels");
            }

        // Errors: the CPU backend's messages, nothing written.
        DeviceBuffer bad = G.AllocateInt32(3), target = G.Allocate(9);
        G.UploadInt32([1, 2, 40], bad);
        G.Fill(target, 5f, 0, 9);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => G.Embedding_Forward(target, G.Allocate(32 * 3), bad, 3, 32, 3));
        Assert.Contains("id 40 at position 2 (row 2 of the output) is outside [0, 32): the table has 32 rows.", error.Message);
        Assert.All(Read(G, target), v => Assert.Equal(5f, v));
        G.UploadInt32([-1], bad);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => G.OneHot_Forward(target, bad, 1, 9));
        Assert.Contains("OneHot: id -1 at position 0 (row 0 of the output) is outside [0, 9): ids cannot be negative.", error.Message);
        G.UploadInt32([0, 9], bad);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => G.IndexLoss_Forward(LossKind.CrossEntropy, Reduction.Mean, G.Allocate(1), G.Allocate(18), bad, 2, 9));
        Assert.Contains("CrossEntropy: target 9 of row 1 is outside [0, 9): the input has 9 classes.", error.Message);
    }

    [Theory]
    [InlineData(RecurrentMode.Gru, true, 2, 0.25f, false, true)]
    [InlineData(RecurrentMode.Lstm, false, 1, 0f, false, true)]
    [InlineData(RecurrentMode.Lstm, true, 2, 0.3f, true, true)]
    [InlineData(RecurrentMode.RnnTanh, true, 1, 0f, false, false)]
    [InlineData(RecurrentMode.RnnRelu, false, 2, 0f, true, true)]
    [InlineData(RecurrentMode.Gru, false, 1, 0f, true, false)]
    public void Recurrent_stacks_match_the_cpu_backend(RecurrentMode mode, bool bidirectional, int layers, float dropout, bool batchFirst,
        bool withLengths)
    {
        const int input = 3, hidden = 4, seqCapacity = 6, batchCapacity = 5, seq = 4, batch = 3;
        var d = new RecurrentDescriptor(mode, input, hidden, layers, bidirectional, BatchFirst: batchFirst, Dropout: dropout);
        int stateCapacity = layers * d.Directions * batchCapacity * hidden;
        long sequenceCapacity = (long)seqCapacity * batchCapacity;
        int[] lengths = [4, 2, 3];
        var outputs = new List<float[]>[2];
        IBackend[] backends = [_cpu, G];
        for (int which = 0; which < 2; which++)
        {
            IBackend b = backends[which];
            DeviceBuffer Values(int seed, long capacity, long count, float scale = 1f)
            {
                DeviceBuffer buffer = b.Allocate(capacity);
                b.Upload(Parity.Random((int)count, seed, -scale, scale), buffer);
                return buffer;
            }
            DeviceBuffer[] parameters = [.. Enumerable.Range(0, d.ParameterTensorCount).Select(p => Values(10 + p, d.ParameterLength(p), d.ParameterLength(p), 0.5f))];
            DeviceBuffer[] gradients = [.. Enumerable.Range(0, d.ParameterTensorCount).Select(p => Values(40 + p, d.ParameterLength(p), d.ParameterLength(p)))];
            RecurrentTensors boundParameters = b.Recurrent_Bind(d, parameters), boundGradients = b.Recurrent_Bind(d, gradients);
            long states = (long)layers * d.Directions * batch * hidden;
            DeviceBuffer x = Values(1, sequenceCapacity * input, seq * batch * input), h0 = Values(2, stateCapacity, states, 0.5f);
            DeviceBuffer c0 = Values(3, stateCapacity, states, 0.5f), dOutput = Values(4, sequenceCapacity * d.OutputSize, seq * batch * d.OutputSize);
            DeviceBuffer dhN = Values(5, stateCapacity, states), dcN = Values(6, stateCapacity, states);
            DeviceBuffer output = b.Allocate(sequenceCapacity * d.OutputSize), hN = b.Allocate(stateCapacity), cN = b.Allocate(stateCapacity);
            DeviceBuffer reserve = b.Allocate(b.Recurrent_ReserveLength(d, seqCapacity, batchCapacity));
            DeviceBuffer workspace = b.Allocate(b.Recurrent_WorkspaceLength(d, seqCapacity, batchCapacity));
            DeviceBuffer lengthBuffer = b.AllocateInt32(batchCapacity);
            b.UploadInt32(lengths, lengthBuffer);
            bool lstm = d.HasCellState;
            b.Recurrent_Forward(d, output, hN, lstm ? cN : null, reserve, workspace, x, h0, lstm ? c0 : null, boundParameters,
                withLengths ? lengthBuffer : null,
                seq, batch, training: true, dropoutSeed: 99, dropoutStep: 3);
            DeviceBuffer dx = Values(7, sequenceCapacity * input, seq * batch * input), dh0 = Values(8, stateCapacity, states), dc0 = Values(9, stateCapacity, states);
            b.Recurrent_Backward(d, dx, dh0, lstm ? dc0 : null, boundGradients, workspace, dOutput, dhN, lstm ? dcN : null, reserve, x,
                boundParameters, withLengths ? lengthBuffer : null, seq, batch, training: true, accumulateDx: true, accumulateParameters: true);
            outputs[which] = [Read(b, output), Read(b, hN), Read(b, cN), Read(b, dx), Read(b, dh0), Read(b, dc0), .. gradients.Select(g => Read(b, g))];
        }
        string[] names = ["output", "h_n", "c_n", "dx", "dh0", "dc0", .. Enumerable.Range(0, d.ParameterTensorCount).Select(p => "d" + d.ParameterName(p))];
        for (int i = 0; i < names.Length; i++)
            Parity.Close(outputs[0][i], outputs[1][i], $"{d}{(withLengths ? ", lengths [4, 2, 3]" : "")}: {names[i]}", 1e-4f, 1e-5f);
    }
}
