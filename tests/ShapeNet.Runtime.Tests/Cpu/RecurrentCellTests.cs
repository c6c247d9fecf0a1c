using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Cpu;

/// <summary>The cell kernels (PyTorch's <c>nn.RNNCell</c>, <c>nn.GRUCell</c>, <c>nn.LSTMCell</c>): one step against the float64
/// reference, every gradient against finite differences, with and without biases.</summary>
public class RecurrentCellTests
{
    private const int Batch = 3, Input = 5, Hidden = 4;

    public static TheoryData<RecurrentMode, bool> ModesAndBias()
    {
        var data = new TheoryData<RecurrentMode, bool>();
        foreach (RecurrentMode mode in Enum.GetValues<RecurrentMode>())
        {
            data.Add(mode, true);
            data.Add(mode, false);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ModesAndBias))]
    public void Cell_forward_and_backward_match_the_reference_and_finite_differences(RecurrentMode mode, bool bias)
    {
        var d = new RecurrentDescriptor(mode, Input, Hidden, Bias: bias);
        int gh = d.GateCount * Hidden;
        float[] x = TestData.Uniform(1, Batch * Input), h = TestData.Uniform(2, Batch * Hidden), c = TestData.Uniform(3, Batch * Hidden);
        float[] wIh = TestData.Uniform(4, gh * Input), wHh = TestData.Uniform(5, gh * Hidden);
        float[] bIh = bias ? TestData.Uniform(6, gh) : [], bHh = bias ? TestData.Uniform(7, gh) : [];
        float[] reserve = new float[CpuRecurrent.ReserveLength(d, 1, Batch)], workspace = new float[CpuRecurrent.WorkspaceLength(d, 1, Batch)];
        float[] hNext = new float[Batch * Hidden], cNext = new float[Batch * Hidden];
        switch (mode)
        {
            case RecurrentMode.Gru: CpuRecurrent.GruCell_Forward(hNext, reserve, workspace, x, h, wIh, wHh, bIh, bHh, Batch, Input, Hidden); break;
            case RecurrentMode.Lstm: CpuRecurrent.LstmCell_Forward(hNext, cNext, reserve, workspace, x, h, c, wIh, wHh, bIh, bHh, Batch, Input, Hidden); break;
            default:
                CpuRecurrent.RnnCell_Forward(hNext, reserve, workspace, x, h, wIh, wHh, bIh, bHh, Batch, Input, Hidden, mode == RecurrentMode.RnnRelu);
                break;
        }

        bool lstm = mode == RecurrentMode.Lstm;
        double[] Reference(double[] xv, double[] hv, double[] cv, double[] wi, double[] wh, double[] bi, double[] bh) =>
            RecurrentReference.Forward(d, xv, hv, lstm ? cv : null, bias ? [wi, wh, bi, bh] : [wi, wh], null, 1, Batch);
        double[] xd = TestData.ToDouble(x), hd = TestData.ToDouble(h), cd = TestData.ToDouble(c);
        double[] wid = TestData.ToDouble(wIh), whd = TestData.ToDouble(wHh), bid = TestData.ToDouble(bIh), bhd = TestData.ToDouble(bHh);
        double[] expected = Reference(xd, hd, cd, wid, whd, bid, bhd);
        // The reference returns [output, h_n(, c_n)]; for one step the output is h_n.
        Numerics.AssertClose(expected.AsSpan(0, Batch * Hidden), hNext, 1e-5, 1e-6, $"{mode} cell hNext", Batch, Hidden);
        if (lstm) Numerics.AssertClose(expected.AsSpan(2 * Batch * Hidden), cNext, 1e-5, 1e-6, "LSTM cell cNext", Batch, Hidden);

        float[] dhNext = TestData.Uniform(8, Batch * Hidden), dcNext = TestData.Uniform(9, Batch * Hidden);
        float[] dx = new float[x.Length], dh = new float[h.Length], dc = new float[c.Length];
        float[] dWIh = new float[wIh.Length], dWHh = new float[wHh.Length], dBIh = new float[bIh.Length], dBHh = new float[bHh.Length];
        switch (mode)
        {
            case RecurrentMode.Gru:
                CpuRecurrent.GruCell_Backward(dx, dh, dWIh, dWHh, dBIh, dBHh, workspace, dhNext, reserve, x, wIh, wHh, Batch, Input, Hidden, false, false);
                break;
            case RecurrentMode.Lstm:
                CpuRecurrent.LstmCell_Backward(dx, dh, dc, dWIh, dWHh, dBIh, dBHh, workspace, dhNext, dcNext, reserve, x, wIh, wHh, Batch, Input,
                    Hidden, false, false);
                break;
            default:
                CpuRecurrent.RnnCell_Backward(dx, dh, dWIh, dWHh, dBIh, dBHh, workspace, dhNext, reserve, x, wIh, wHh, Batch, Input, Hidden,
                    mode == RecurrentMode.RnnRelu, false, false);
                break;
        }
        // Upstream: hNext appears twice in the reference's result (output and h_n); weight it once.
        double[] upstream = [.. TestData.ToDouble(dhNext), .. new double[Batch * Hidden], .. lstm ? TestData.ToDouble(dcNext) : []];
        void Check(Func<double[], double[]> f, double[] at, float[] actual, string what) =>
            Numerics.AssertClose(Numerics.FiniteDifference(f, at, upstream), actual, 1e-3, 1e-4, $"{mode} cell {what}", actual.Length);
        Check(v => Reference(v, hd, cd, wid, whd, bid, bhd), xd, dx, "dx");
        Check(v => Reference(xd, v, cd, wid, whd, bid, bhd), hd, dh, "dh");
        if (lstm) Check(v => Reference(xd, hd, v, wid, whd, bid, bhd), cd, dc, "dc");
        Check(v => Reference(xd, hd, cd, v, whd, bid, bhd), wid, dWIh, "dweight_ih");
        Check(v => Reference(xd, hd, cd, wid, v, bid, bhd), whd, dWHh, "dweight_hh");
        if (bias)
        {
            Check(v => Reference(xd, hd, cd, wid, whd, v, bhd), bid, dBIh, "dbias_ih");
            Check(v => Reference(xd, hd, cd, wid, whd, bid, v), bhd, dBHh, "dbias_hh");
        }
    }

    [Fact]
    public void A_cell_with_one_bias_is_an_error()
    {
        var d = new RecurrentDescriptor(RecurrentMode.Gru, Input, Hidden);
        var e = Assert.Throws<ArgumentException>(() => CpuRecurrent.GruCell_Forward(new float[Batch * Hidden],
            new float[CpuRecurrent.ReserveLength(d, 1, Batch)], new float[CpuRecurrent.WorkspaceLength(d, 1, Batch)], new float[Batch * Input],
            default, new float[3 * Hidden * Input], new float[3 * Hidden * Hidden], new float[3 * Hidden], default, Batch, Input, Hidden));
        Assert.StartsWith("Gru cell: pass both biases or neither (bias_ih has 12 values, bias_hh 0).", e.Message);
    }
}
