using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Cpu;

/// <summary>
/// The recurrent kernels (<see cref="CpuRecurrent"/>) against <see cref="RecurrentReference"/>: forward values, and every
/// gradient (input, initial states, each parameter tensor) against float64 central finite differences of the reference,
/// through time, for each mode at several lengths, bidirectional, multi-layer, batch-first, variable lengths and dropout.
/// </summary>
public class RecurrentTests
{
    private const int Input = 3, Hidden = 4, Batch = 3;

    public sealed record Case(string Name, int SeqLength, int Layers, bool Bidirectional, int[]? Lengths = null,
        bool BatchFirst = false, bool Bias = true, float Dropout = 0f, bool Training = false, bool Accumulate = false)
    {
        public override string ToString() => Name;
    }

    private static readonly Case[] Cases =
    [
        new("one step", 1, 1, false),
        new("three steps, bidirectional", 3, 1, true, Accumulate: true),
        new("five steps, no bias", 5, 1, false, Bias: false),
        new("two layers, bidirectional, variable lengths", 4, 2, true, Lengths: [4, 2, 3]),
        new("two layers, batch first, unsorted lengths", 5, 2, false, Lengths: [2, 5, 1], BatchFirst: true, Accumulate: true),
        new("three layers, bidirectional, dropout in training", 3, 3, true, Lengths: [3, 3, 2], Dropout: 0.3f, Training: true),
    ];

    public static TheoryData<RecurrentMode, Case> ModesAndCases()
    {
        var data = new TheoryData<RecurrentMode, Case>();
        foreach (RecurrentMode mode in Enum.GetValues<RecurrentMode>())
            foreach (Case c in Cases) data.Add(mode, c);
        return data;
    }

    private static RecurrentDescriptor Descriptor(RecurrentMode mode, Case c) =>
        new(mode, Input, Hidden, c.Layers, c.Bidirectional, c.Bias, c.BatchFirst, c.Dropout);

    private static float[][] Parameters(RecurrentDescriptor d, int seed)
    {
        var result = new float[d.ParameterTensorCount][];
        for (int p = 0; p < result.Length; p++)
            result[p] = TestData.Uniform(seed + p, TestData.Count(d.ParameterShape(p)), -0.6f, 0.6f);
        return result;
    }

    private sealed record Run(float[] Output, float[] HN, float[] CN, float[] Reserve, float[] Workspace);

    private static Run Forward(RecurrentDescriptor d, Case c, float[] x, float[] h0, float[] c0, float[][] parameters)
    {
        int states = d.NumLayers * d.Directions * Batch * Hidden;
        var run = new Run(new float[c.SeqLength * Batch * d.OutputSize], new float[states], new float[d.HasCellState ? states : 0],
            new float[CpuRecurrent.ReserveLength(d, c.SeqLength, Batch)], new float[CpuRecurrent.WorkspaceLength(d, c.SeqLength, Batch)]);
        CpuRecurrent.Recurrent_Forward(d, run.Output, run.HN, run.CN, run.Reserve, run.Workspace, x, h0, c0, parameters, c.Lengths,
            c.SeqLength, Batch, c.Training, dropoutSeed: 77, dropoutStep: 5);
        return run;
    }

    [Theory]
    [MemberData(nameof(ModesAndCases))]
    public void Forward_matches_the_reference(RecurrentMode mode, Case c)
    {
        RecurrentDescriptor d = Descriptor(mode, c);
        int states = d.NumLayers * d.Directions * Batch * Hidden;
        float[] x = TestData.Uniform(1, c.SeqLength * Batch * Input), h0 = TestData.Uniform(2, states, -0.5f, 0.5f);
        float[] c0 = d.HasCellState ? TestData.Uniform(3, states, -0.5f, 0.5f) : [];
        float[][] parameters = Parameters(d, 10);
        Run run = Forward(d, c, x, h0, c0, parameters);

        double[] expected = RecurrentReference.Forward(d, TestData.ToDouble(x), TestData.ToDouble(h0),
            d.HasCellState ? TestData.ToDouble(c0) : null, parameters.Select(p => TestData.ToDouble(p)).ToArray(), c.Lengths,
            c.SeqLength, Batch, c.Training, 77, 5);
        float[] actual = [.. run.Output, .. run.HN, .. run.CN];
        Numerics.AssertClose(expected, actual, 1e-5, 1e-6, $"{d} {c.Name}: output, h_n{(d.HasCellState ? ", c_n" : "")}", actual.Length);
        if (c.Lengths is not null) AssertPaddingIsZero(d, c, run.Output, d.OutputSize, "output");
    }

    [Theory]
    [MemberData(nameof(ModesAndCases))]
    public void Backward_through_time_matches_finite_differences(RecurrentMode mode, Case c)
    {
        RecurrentDescriptor d = Descriptor(mode, c);
        int states = d.NumLayers * d.Directions * Batch * Hidden;
        float[] x = TestData.Uniform(21, c.SeqLength * Batch * Input), h0 = TestData.Uniform(22, states, -0.5f, 0.5f);
        float[] c0 = d.HasCellState ? TestData.Uniform(23, states, -0.5f, 0.5f) : [];
        float[][] parameters = Parameters(d, 30);
        Run run = Forward(d, c, x, h0, c0, parameters);

        // Upstream gradients everywhere, padded steps included (the kernel must ignore those).
        float[] dOutput = TestData.Uniform(41, run.Output.Length), dhN = TestData.Uniform(42, states);
        float[] dcN = d.HasCellState ? TestData.Uniform(43, states) : [];
        float[] dx = c.Accumulate ? TestData.Uniform(44, x.Length) : new float[x.Length];
        float[] dh0 = c.Accumulate ? TestData.Uniform(45, states) : new float[states];
        float[] dc0 = d.HasCellState ? (c.Accumulate ? TestData.Uniform(46, states) : new float[states]) : [];
        float[][] gradients = parameters.Select((p, i) => c.Accumulate ? TestData.Uniform(50 + i, p.Length) : new float[p.Length]).ToArray();
        double[] dx0 = TestData.ToDouble(dx), dh00 = TestData.ToDouble(dh0), dc00 = TestData.ToDouble(dc0);
        double[][] gradients0 = gradients.Select(g => TestData.ToDouble(g)).ToArray();
        CpuRecurrent.Recurrent_Backward(d, dx, dh0, dc0, gradients, run.Workspace, dOutput, dhN, dcN, run.Reserve, x, parameters,
            c.Lengths, c.SeqLength, Batch, c.Training, c.Accumulate, c.Accumulate);

        double[] upstream = TestData.ToDouble([.. MaskPadding(d, c, dOutput), .. dhN, .. dcN]);
        double[] xd = TestData.ToDouble(x), h0d = TestData.ToDouble(h0), c0d = TestData.ToDouble(c0);
        double[][] pd = parameters.Select(p => TestData.ToDouble(p)).ToArray();
        double[] Reference(double[] xv, double[] hv, double[]? cv, double[][] pv) =>
            RecurrentReference.Forward(d, xv, hv, cv, pv, c.Lengths, c.SeqLength, Batch, c.Training, 77, 5);
        double[]? cArg = d.HasCellState ? c0d : null;

        string what = $"{d} {c.Name}";
        Check(Numerics.FiniteDifference(v => Reference(v, h0d, cArg, pd), xd, upstream), dx0, dx, $"{what}: dx", x.Length);
        Check(Numerics.FiniteDifference(v => Reference(xd, v, cArg, pd), h0d, upstream), dh00, dh0, $"{what}: dh0", states);
        if (d.HasCellState)
            Check(Numerics.FiniteDifference(v => Reference(xd, h0d, v, pd), c0d, upstream), dc00, dc0, $"{what}: dc0", states);
        for (int p = 0; p < parameters.Length; p++)
        {
            int index = p;
            double[] numeric = Numerics.FiniteDifference(v =>
            {
                double[][] replaced = (double[][])pd.Clone();
                replaced[index] = v;
                return Reference(xd, h0d, cArg, replaced);
            }, pd[p], upstream);
            Check(numeric, gradients0[p], gradients[p], $"{what}: d{d.ParameterName(p)}", d.ParameterShape(p));
        }
        if (c.Lengths is not null && !c.Accumulate) AssertPaddingIsZero(d, c, dx, Input, "dx");
    }

    private static void Check(double[] numeric, double[] initial, float[] actual, string what, params int[] shape) =>
        Numerics.AssertClose(numeric.Select((g, i) => g + initial[i]).ToArray(), actual, 1e-3, 1e-4, what, shape);

    /// <summary>dOutput with its padded steps zeroed: what a finite difference of the reference sees (its padded outputs are constant).</summary>
    private static float[] MaskPadding(RecurrentDescriptor d, Case c, float[] dOutput)
    {
        float[] masked = (float[])dOutput.Clone();
        if (c.Lengths is null) return masked;
        for (int t = 0; t < c.SeqLength; t++)
            for (int b = 0; b < Batch; b++)
                if (t >= c.Lengths[b])
                    Array.Clear(masked, Row(d, c, t, b) * d.OutputSize, d.OutputSize);
        return masked;
    }

    private static int Row(RecurrentDescriptor d, Case c, int t, int b) => d.BatchFirst ? b * c.SeqLength + t : t * Batch + b;

    private static void AssertPaddingIsZero(RecurrentDescriptor d, Case c, float[] values, int width, string what)
    {
        for (int t = 0; t < c.SeqLength; t++)
            for (int b = 0; b < Batch; b++)
                if (t >= c.Lengths![b])
                    Assert.True(values.AsSpan(Row(d, c, t, b) * width, width).ToArray().All(v => v == 0f),
                        $"{what} at padded step {t} of example {b} (length {c.Lengths[b]}) is not zero.");
    }

    [Theory]
    [InlineData(RecurrentMode.Gru)]
    [InlineData(RecurrentMode.Lstm)]
    public void A_batch_gives_each_example_what_it_gives_alone_whatever_the_order_of_lengths(RecurrentMode mode)
    {
        // Sorted by decreasing length the recurrent GEMM covers only the running rows; any order must give the same values.
        var d = new RecurrentDescriptor(mode, Input, Hidden, 2, Bidirectional: true);
        const int seq = 6;
        int[] lengths = [6, 4, 2, 1], unsorted = [2, 6, 1, 4];
        int[] order = [2, 0, 3, 1]; // unsorted[i] = lengths[order[i]]
        float[][] parameters = Parameters(d, 60);
        float[] x = TestData.Uniform(61, seq * 4 * Input);
        float[] xPermuted = new float[x.Length];
        for (int t = 0; t < seq; t++)
            for (int i = 0; i < 4; i++)
                Array.Copy(x, (t * 4 + order[i]) * Input, xPermuted, (t * 4 + i) * Input, Input);
        (float[] output, float[] hN) = RunBatch(d, x, parameters, lengths, seq, 4);
        (float[] outputPermuted, float[] hNPermuted) = RunBatch(d, xPermuted, parameters, unsorted, seq, 4);
        for (int i = 0; i < 4; i++)
        {
            for (int t = 0; t < seq; t++)
                Assert.Equal(output.AsSpan((t * 4 + order[i]) * d.OutputSize, d.OutputSize).ToArray(),
                    outputPermuted.AsSpan((t * 4 + i) * d.OutputSize, d.OutputSize).ToArray());
            for (int k = 0; k < 4; k++)
                Assert.Equal(hN.AsSpan((k * 4 + order[i]) * Hidden, Hidden).ToArray(), hNPermuted.AsSpan((k * 4 + i) * Hidden, Hidden).ToArray());
        }
    }

    private static (float[] Output, float[] HN) RunBatch(RecurrentDescriptor d, float[] x, float[][] parameters, int[] lengths, int seq, int batch)
    {
        var output = new float[seq * batch * d.OutputSize];
        var hN = new float[d.NumLayers * d.Directions * batch * Hidden];
        CpuRecurrent.Recurrent_Forward(d, output, hN, default, new float[CpuRecurrent.ReserveLength(d, seq, batch)],
            new float[CpuRecurrent.WorkspaceLength(d, seq, batch)], x, default, default, parameters, lengths, seq, batch, training: false);
        return (output, hN);
    }

    [Theory]
    [InlineData(0, "Example 1 has length 0: every sequence needs at least one step.")]
    [InlineData(4, "Example 1 has length 4, more than the padded sequence length 3.")]
    public void Lengths_of_zero_or_past_the_padded_length_are_errors(int badLength, string message)
    {
        var d = new RecurrentDescriptor(RecurrentMode.Gru, Input, Hidden);
        float[][] parameters = Parameters(d, 70);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => CpuRecurrent.Recurrent_Forward(d, new float[3 * 2 * Hidden], default, default,
            new float[CpuRecurrent.ReserveLength(d, 3, 2)], new float[CpuRecurrent.WorkspaceLength(d, 3, 2)], new float[3 * 2 * Input],
            default, default, parameters, [3, badLength], 3, 2, training: false));
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void Wrong_sizes_are_errors_naming_the_expected_shape()
    {
        var d = new RecurrentDescriptor(RecurrentMode.Lstm, Input, Hidden, 2);
        float[][] parameters = Parameters(d, 80);
        float[] reserve = new float[CpuRecurrent.ReserveLength(d, 3, 2)], workspace = new float[CpuRecurrent.WorkspaceLength(d, 3, 2)];
        var e = Assert.Throws<ArgumentException>(() => CpuRecurrent.Recurrent_Forward(d, new float[3 * 2 * Hidden], default, default,
            reserve, workspace, new float[3 * 2 * (Input + 1)], default, default, parameters, default, 3, 2, training: false));
        Assert.StartsWith("Lstm: x must hold 18 values ([3, 2, 3]), it holds 24.", e.Message);

        parameters[5] = new float[7];
        e = Assert.Throws<ArgumentException>(() => CpuRecurrent.Recurrent_Forward(d, new float[3 * 2 * Hidden], default, default,
            reserve, workspace, new float[3 * 2 * Input], default, default, parameters, default, 3, 2, training: false));
        Assert.StartsWith("Lstm(input 3, hidden 4, layers 2): parameters[5] (weight_hh_l1) must hold 64 values [16, 4], it holds 7.", e.Message);

        e = Assert.Throws<ArgumentException>(() => CpuRecurrent.Recurrent_Forward(d, new float[3 * 2 * Hidden], default, default,
            reserve.AsSpan(1), workspace, new float[3 * 2 * Input], default, default, Parameters(d, 80), default, 3, 2, training: false));
        Assert.Contains("the reserve holds", e.Message);
    }

    [Fact]
    public void Parameter_names_and_shapes_follow_pytorch()
    {
        var d = new RecurrentDescriptor(RecurrentMode.Gru, 10, 16, 2, Bidirectional: true);
        Assert.Equal(16, d.ParameterTensorCount);
        string[] names = Enumerable.Range(0, 16).Select(d.ParameterName).ToArray();
        Assert.Equal(["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
            "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
            "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
            "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse"], names);
        Assert.Equal([48, 10], d.ParameterShape(0));
        Assert.Equal([48, 32], d.ParameterShape(8));
        Assert.Equal([48, 16], d.ParameterShape(13));
        Assert.Equal([48], d.ParameterShape(15));
    }
}
