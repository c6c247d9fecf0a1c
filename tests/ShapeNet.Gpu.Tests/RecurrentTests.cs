using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Backends.Gpu;

namespace ShapeNet.Gpu.Tests;

/// <summary>Gpu/Recurrent.cs (the gate kernels and the GEMMs around them) against CpuRecurrent's cells: RNN (tanh, relu), GRU
/// and LSTM, forward and backward, with and without the initial states, accumulating and not. 1e-4 relative + 1e-5 absolute
/// (the CPU's TensorPrimitives sigmoid/tanh and the device's DeviceMath round differently).</summary>
[Collection(GpuCollection.Name)]
public sealed class RecurrentTests(GpuFixture gpu)
{
    private const float Rtol = 1e-4f, Atol = 1e-5f;

    public static TheoryData<RecurrentMode, bool> Cases()
    {
        var data = new TheoryData<RecurrentMode, bool>();
        foreach (RecurrentMode mode in Enum.GetValues<RecurrentMode>())
            foreach (bool withStates in new[] { true, false }) data.Add(mode, withStates);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Cells_forward_and_backward_match_the_cpu(RecurrentMode mode, bool withStates)
    {
        const int batch = 3, inputSize = 4, hidden = 5;
        bool lstm = mode == RecurrentMode.Lstm;
        int gh = GpuRecurrent.Gates(mode) * hidden, state = batch * hidden;
        float[] x = Parity.Random(batch * inputSize, 201), h = withStates ? Parity.Random(state, 202) : [];
        float[] c = lstm && withStates ? Parity.Random(state, 203) : [];
        float[] wIh = Parity.Random(gh * inputSize, 204, -0.6f, 0.6f), wHh = Parity.Random(gh * hidden, 205, -0.6f, 0.6f);
        float[] bIh = Parity.Random(gh, 206), bHh = Parity.Random(gh, 207);
        var descriptor = new RecurrentDescriptor(mode, inputSize, hidden);
        float[] reserve = new float[CpuRecurrent.ReserveLength(descriptor, 1, batch)];
        float[] workspace = new float[CpuRecurrent.WorkspaceLength(descriptor, 1, batch)];
        float[] hNext = new float[state], cNext = lstm ? new float[state] : [];
        switch (mode)
        {
            case RecurrentMode.Gru:
                CpuRecurrent.GruCell_Forward(hNext, reserve, workspace, x, h, wIh, wHh, bIh, bHh, batch, inputSize, hidden);
                break;
            case RecurrentMode.Lstm:
                CpuRecurrent.LstmCell_Forward(hNext, cNext, reserve, workspace, x, h, c, wIh, wHh, bIh, bHh, batch, inputSize, hidden);
                break;
            default:
                CpuRecurrent.RnnCell_Forward(hNext, reserve, workspace, x, h, wIh, wHh, bIh, bHh, batch, inputSize, hidden, mode == RecurrentMode.RnnRelu);
                break;
        }

        using var xD = gpu.Upload(x);
        using var hD = gpu.Upload(h);
        using var cD = gpu.Upload(c);
        using var wIhD = gpu.Upload(wIh);
        using var wHhD = gpu.Upload(wHh);
        using var bIhD = gpu.Upload(bIh);
        using var bHhD = gpu.Upload(bHh);
        using var reserveD = gpu.Upload(new float[GpuRecurrent.CellReserveLength(mode, batch, hidden)]);
        using var workspaceD = gpu.Upload(new float[GpuRecurrent.CellWorkspaceLength(mode, batch, hidden)]);
        using var hNextD = gpu.Upload(new float[state]);
        using var cNextD = gpu.Upload(new float[state]);
        gpu.Kernels.Recurrent.Cell_Forward(mode, hNextD.View, lstm ? cNextD.View : default, reserveD.View, workspaceD.View, xD.View,
            withStates ? hD.View : default, lstm && withStates ? cD.View : default, wIhD.View, wHhD.View, bIhD.View, bHhD.View, batch, inputSize, hidden);
        string what = $"{mode} cell (states {(withStates ? "given" : "zero")})";
        Parity.Close(hNext, gpu.Download(hNextD, state), what + " h'", Rtol, Atol);
        if (lstm) Parity.Close(cNext, gpu.Download(cNextD, state), what + " c'", Rtol, Atol);

        float[] dhNext = Parity.Random(state, 208), dcNext = lstm ? Parity.Random(state, 209) : [];
        using var dhNextD = gpu.Upload(dhNext);
        using var dcNextD = gpu.Upload(dcNext);
        foreach (bool accumulate in new[] { false, true })
        {
            float[] dx = Parity.Random(batch * inputSize, 210), dh = Parity.Random(state, 211), dc = lstm ? Parity.Random(state, 212) : [];
            float[] dwIh = Parity.Random(gh * inputSize, 213), dwHh = Parity.Random(gh * hidden, 214);
            float[] dbIh = Parity.Random(gh, 215), dbHh = Parity.Random(gh, 216);
            using var dxD = gpu.Upload(dx);
            using var dhD = gpu.Upload(dh);
            using var dcD = gpu.Upload(dc);
            using var dwIhD = gpu.Upload(dwIh);
            using var dwHhD = gpu.Upload(dwHh);
            using var dbIhD = gpu.Upload(dbIh);
            using var dbHhD = gpu.Upload(dbHh);
            float[] cpuWork = new float[workspace.Length];
            switch (mode)
            {
                case RecurrentMode.Gru:
                    CpuRecurrent.GruCell_Backward(dx, dh, dwIh, dwHh, dbIh, dbHh, cpuWork, dhNext, reserve, x, wIh, wHh, batch, inputSize, hidden,
                        accumulate, accumulate);
                    break;
                case RecurrentMode.Lstm:
                    CpuRecurrent.LstmCell_Backward(dx, dh, dc, dwIh, dwHh, dbIh, dbHh, cpuWork, dhNext, dcNext, reserve, x, wIh, wHh, batch,
                        inputSize, hidden, accumulate, accumulate);
                    break;
                default:
                    CpuRecurrent.RnnCell_Backward(dx, dh, dwIh, dwHh, dbIh, dbHh, cpuWork, dhNext, reserve, x, wIh, wHh, batch, inputSize, hidden,
                        mode == RecurrentMode.RnnRelu, accumulate, accumulate);
                    break;
            }
            gpu.Kernels.Recurrent.Cell_Backward(mode, dxD.View, dhD.View, lstm ? dcD.View : default, dwIhD.View, dwHhD.View, dbIhD.View, dbHhD.View,
                workspaceD.View, dhNextD.View, lstm ? dcNextD.View : default, reserveD.View, xD.View, wIhD.View, wHhD.View, batch, inputSize, hidden,
                accumulate, accumulate);
            string back = $"{what} backward accumulate={accumulate}";
            Parity.Close(dx, gpu.Download(dxD, dx.Length), back + " dx", Rtol, Atol);
            Parity.Close(dh, gpu.Download(dhD, dh.Length), back + " dh", Rtol, Atol);
            if (lstm) Parity.Close(dc, gpu.Download(dcD, dc.Length), back + " dc", Rtol, Atol);
            Parity.Close(dwIh, gpu.Download(dwIhD, dwIh.Length), back + " dW_ih", Rtol, Atol);
            Parity.Close(dwHh, gpu.Download(dwHhD, dwHh.Length), back + " dW_hh", Rtol, Atol);
            Parity.Close(dbIh, gpu.Download(dbIhD, dbIh.Length), back + " db_ih", Rtol, Atol);
            Parity.Close(dbHh, gpu.Download(dbHhD, dbHh.Length), back + " db_hh", Rtol, Atol);
        }
    }
}
