using static ShapeNet.Generator.Tests.Diagnostics.DiagnosticTest;

namespace ShapeNet.Generator.Tests.Diagnostics;

/// <summary>Diagnostics of the recurrent layers, integer inputs and indexing: a layer's input size (SN0120), an initial state of
/// the wrong shape (SN0121), floats where ids belong (SN0122) and ids where floats belong (SN0123), an index past a static
/// sequence length (SN0124), the run-time Seq dimension where it cannot go yet (SN0015), the two directions concatenated into a Linear of the wrong
/// size (SN0101, which names the concatenated parts) and the layer's hyper-parameters (SN0009).</summary>
public class RecurrentDiagnosticsTests
{
    private const string Header = """
        using ShapeNet;

        namespace Curriculum;

        [Dim(7)] public partial struct Steps;
        [Dim(8)] public partial struct Features;
        [Dim(16)] public partial struct Hidden;
        [Dim(5)] public partial struct Languages;

        """;

    [Fact]
    public void A_valid_recurrent_classifier_has_no_diagnostic()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Embedding(32, 8, PaddingIdx = 0)] partial Embedding Embed { get; }
                [Gru(8, 16, NumLayers = 2, Bidirectional = true, Dropout = 0.1)] partial Gru Gru1 { get; }
                [Linear(32, 5)] partial Linear Fc { get; }

                [Forward]
                public Tensor<Batch, Languages> Forward(IntTensor<Steps, Batch> ids, IntTensor<Batch> lengths)
                {
                    var hN = Gru1(Embed(ids), lengths: lengths).HN;
                    return Fc(Concat([hN[-2], hN[-1]], 1));
                }
            }
            """;

        Infrastructure.GeneratorHarness.Run(Header + body).AssertNoErrors();
    }

    [Fact]
    public void SN0120_a_gru_fed_more_features_than_its_input_size()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Embedding(32, 10)] partial Embedding Embed { get; }
                [Gru(8, 16)] partial Gru Gru1 { get; }

                [Forward]
                public Tensor Forward(IntTensor<Steps, Batch> ids) => Gru1(Embed(ids)).Output;
            }
            """;

        Only(Header + body, "SN0120", 16, 59,
            "Gru1 expects 8 input features per step, but 'Embed(ids)' gives 10 (its shape is [Steps=7, Batch, 10])");
    }

    [Fact]
    public void SN0121_an_initial_state_without_the_layers_times_directions_axis()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Gru(8, 16, NumLayers = 2, Bidirectional = true)] partial Gru Gru1 { get; }

                [Forward]
                public Tensor Forward(Tensor<Steps, Batch, Features> x, Tensor<Batch, Hidden> h0) => Gru1(x, h0).Output;
            }
            """;

        Only(Header + body, "SN0121", 15, 90,
            "Gru1 expects h0 [4, Batch, 16] ([layers × directions = 2 × 2, Batch, hidden = 16]), but 'h0' is [Batch, Hidden=16]");
    }

    [Fact]
    public void SN0101_both_directions_concatenated_into_a_linear_sized_for_one()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Gru(8, 16, Bidirectional = true)] partial Gru Gru1 { get; }
                [Linear(16, 5)] partial Linear Fc { get; }

                [Forward]
                public Tensor Forward(Tensor<Steps, Batch, Features> x)
                {
                    var hN = Gru1(x).HN;
                    return Fc(Concat([hN[-2], hN[-1]], 1));
                }
            }
            """;

        Only(Header + body, "SN0101", 19, 16,
            "Fc expects 16 input features, but Concat([hN[-2], hN[-1]], 1) gives 32 = 16 + 16 (it concatenates hN[-2] [Batch, 16] and hN[-1] [Batch, 16])");
    }

    [Fact]
    public void SN0122_an_embedding_fed_floats()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Embedding(32, 8)] partial Embedding Embed { get; }

                [Forward]
                public Tensor Forward(Tensor<Steps, Batch> x) => Embed(x);
            }
            """;

        Only(Header + body, "SN0122", 15, 54, "Embed takes integer ids (an IntTensor) for 'ids', but 'x' is a float tensor [Steps=7, Batch]");
    }

    [Fact]
    public void SN0122_lengths_given_as_floats()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Rnn(8, 16)] partial Rnn Rnn1 { get; }

                [Forward]
                public Tensor Forward(Tensor<Steps, Batch, Features> x, Tensor<Batch> lengths) => Rnn1(x, lengths: lengths).HN;
            }
            """;

        Only(Header + body, "SN0122", 15, 87, "Rnn1 takes integer ids (an IntTensor) for 'lengths', but 'lengths' is a float tensor [Batch]");
    }

    [Fact]
    public void SN0123_ids_given_to_an_op_on_floats()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Forward]
                public Tensor Forward(IntTensor<Batch, Features> ids) => Relu(ids);
            }
            """;

        Only(Header + body, "SN0123", 13, 62,
            "Relu takes float tensors, but 'ids' is an IntTensor [Batch, Features=8]: look its ids up with an Embedding layer or encode them with OneHot first");
    }

    [Fact]
    public void SN0124_an_index_past_the_static_sequence_length()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Forward]
                public Tensor Forward(Tensor<Steps, Batch, Features> x) => x[7] + x[-7];
            }
            """;

        Only(Header + body, "SN0124", 13, 64, "'x[7]': index 7 is outside [-7, 7) along axis 0 of 'x' [Steps=7, Batch, Features=8]");
    }

    private const string SeqFix = ": declare the padded sequence length as a dimension ([Dim(14)] public partial struct Steps;) and pass each example's length to the recurrent layer (Gru1(x, lengths: lengths))";

    [Fact]
    public void The_run_time_seq_dimension_compiles_through_the_ops_that_take_it()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Gru(8, 16)] partial Gru Gru1 { get; }
                [Linear(16, 5)] partial Linear Fc { get; }

                [Forward]
                public Tensor Forward(Tensor<Seq, Batch, Features> x, IntTensor<Batch> lengths) => Relu(Fc(Gru1(x, lengths: lengths).Output)) * 2f;
            }
            """;

        Infrastructure.GeneratorHarness.Run(Header + body).AssertNoErrors();
    }

    [Fact]
    public void SN0015_an_op_that_cannot_take_the_run_time_seq_dimension()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Forward]
                public Tensor Forward(Tensor<Seq, Batch, Features> x)
                {
                    var (values, indices) = TopK(x, 2, 2);
                    return values;
                }
            }
            """;

        Only(Header + body, "SN0015", 15, 33,
            "'TopK(x, 2, 2)' (TopK) cannot take the built-in Seq dimension (a sequence length known only at run time) yet ([Seq, Batch, Features=8] -> [Seq, Batch, 2], [Seq, Batch, 2])" + SeqFix);
    }

    [Fact]
    public void Reshapes_reductions_and_broadcasts_over_the_run_time_seq_dimension_compile()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Gru(8, 16)] partial Gru Gru1 { get; }
                [Linear(16, 5)] partial Linear Fc { get; }

                [Forward]
                public Tensor Forward(Tensor<Seq, Batch, Features> x)
                {
                    var y = Gru1(x).Output;
                    var tokens = Fc(Reshape(y, -1, 16));
                    return Softmax(tokens, 1) * Sum(Fc(Mean(y, 0)), 0) + Flatten(y, 0)[0] * 0f;
                }
            }
            """;

        // Flatten(y, 0) is [Seq·Batch·16]: an index along it cannot be checked (SN0015), the rest compiles.
        Only(Header + body, "SN0015", 20, 62,
            "'Flatten(y, 0)[0]' (an index along Seq) cannot take the built-in Seq dimension (a sequence length known only at run time) yet (its length is known only at run time, so index 0 cannot be checked)" + SeqFix);
    }

    [Fact]
    public void SN0109_a_reverse_reshape_that_asks_for_the_batch_twice()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Forward]
                public Tensor Forward(Tensor<Seq, Batch, Features> x) => Reshape(Reshape(x, -1, 8), x.Size(1), x.Size(1), -1);
            }
            """;

        Only(Header + body, "SN0109", 13, 62,
            "'Reshape(Reshape(x, -1, 8), x.Size(1), x.Size(1), -1)': [Batch, Batch, -1] asks for more run-time dimensions than Reshape(x, -1, 8) [Seq·Batch, 8] has (Seq·Batch)");
    }

    [Fact]
    public void SN0109_a_reverse_reshape_that_leaves_the_batch_out()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Forward]
                public Tensor Forward(Tensor<Seq, Batch, Features> x) => Reshape(Reshape(x, -1, 8), x.Size(0), 8);
            }
            """;

        Only(Header + body, "SN0109", 13, 62,
            "'Reshape(Reshape(x, -1, 8), x.Size(0), 8)': [Seq, 8] does not account for all of Reshape(x, -1, 8) [Seq·Batch, 8]; write -1 for the rest");
    }

    [Fact]
    public void SN0106_a_concat_along_the_run_time_seq_axis()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Forward]
                public Tensor Forward(Tensor<Seq, Batch, Features> x) => Concat([x, x], 0);
            }
            """;

        Only(Header + body, "SN0106", 13, 62,
            "'Concat([x, x], 0)' cannot concatenate along axis 0: it is the run-time axis Seq, whose size is known only at run time; concatenate along a feature axis");
    }

    [Fact]
    public void SN0117_a_chunk_along_the_run_time_seq_axis()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Forward]
                public Tensor Forward(Tensor<Seq, Batch, Features> x)
                {
                    var (a, b) = Chunk(x, 2, 0);
                    return a + b;
                }
            }
            """;

        Only(Header + body, "SN0117", 15, 22,
            "'Chunk(x, 2, 0)' cannot cut axis 0 of x [Seq, Batch, Features=8]: it is the run-time axis Seq, whose size is known only at run time; cut along a feature axis");
    }

    [Fact]
    public void SN0109_a_reshape_of_seq_without_minus_one()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Forward]
                public Tensor Forward(Tensor<Seq, Batch, Features> x) => Reshape(x, 4, 2);
            }
            """;

        Only(Header + body, "SN0109", 13, 62,
            "'Reshape(x, 4, 2)': x [Seq, Batch, Features=8] has the run-time dimensions Seq, Batch; write -1 where they go");
    }

    [Fact]
    public void SN0109_a_reshape_of_seq_whose_sizes_do_not_divide_the_static_ones()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Forward]
                public Tensor Forward(Tensor<Seq, Batch, Features> x) => Reshape(x, -1, 3);
            }
            """;

        Only(Header + body, "SN0109", 13, 62,
            "'Reshape(x, -1, 3)': -1 stands for Seq, Batch times what is left of the static sizes of [Seq, Batch, Features=8] (8), but the other sizes multiply to 3, which does not divide it");
    }

    [Fact]
    public void SN0015_an_index_along_the_run_time_seq_dimension()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Forward]
                public Tensor Forward(Tensor<Seq, Batch, Features> x) => Relu(x[2]);
            }
            """;

        Only(Header + body, "SN0015", 13, 67,
            "'x[2]' (an index along Seq) cannot take the built-in Seq dimension (a sequence length known only at run time) yet (its length is known only at run time, so index 2 cannot be checked)" + SeqFix);
    }

    [Fact]
    public void SN0015_an_index_along_seq_in_a_differentiable_function()
    {
        // Seq itself is fine in a function (its method reads the length from x); an index along it is not.
        const string body = """
            public static partial class Functions
            {
                [Differentiable]
                public static Tensor<Batch, Features> Last(Tensor<Seq, Batch, Features> x) => x[3] * 2f;
            }
            """;

        Only(Header + body, "SN0015", 12, 83,
            "'x[3]' (an index along Seq) cannot take the built-in Seq dimension (a sequence length known only at run time) yet (its length is known only at run time, so index 3 cannot be checked)" + SeqFix);
    }

    [Fact]
    public void A_cell_carried_through_a_loop_over_time_compiles_to_one_call_each_way()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [GruCell(8, 16)] partial GruCell Cell { get; }

                [Forward]
                public Tensor Forward(Tensor<Steps, Batch, Features> x, Tensor<Batch, Hidden> h0)
                {
                    var h = h0;
                    for (int t = 0; t < Steps.Size; t++)
                        h = Cell(x[t], h);
                    return h;
                }
            }
            """;

        Infrastructure.GeneratorResult result = Infrastructure.GeneratorHarness.Run(Header + body);
        result.AssertNoErrors();
        string generated = result.GeneratedSources.Single(kv => kv.Key.EndsWith("Net.g.cs", StringComparison.Ordinal)).Value;
        // Not one copy of the cell per step: one forward and one backward call over the 7 steps.
        Assert.Equal(1, generated.Split("Backend.Recurrent_Forward(").Length - 1);
        Assert.Equal(1, generated.Split("Backend.Recurrent_Backward(").Length - 1);
        Assert.Contains("(the loop over time: one call, 7 steps)", generated, StringComparison.Ordinal);
        Assert.Contains(", null, 7, batch, training, 0UL, 0u);", generated, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cell_loop_to_the_run_time_sequence_length_is_one_call_sized_per_pass()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [RnnCell(8, 16)] partial RnnCell Cell { get; }

                [Forward]
                public Tensor Forward(Tensor<Seq, Batch, Features> x, Tensor<Batch, Hidden> h0)
                {
                    var h = h0;
                    for (int t = 0; t < x.Size(0); t++) h = Cell(x[t], h);
                    return h;
                }
            }
            """;

        Infrastructure.GeneratorResult result = Infrastructure.GeneratorHarness.Run(Header + body);
        result.AssertNoErrors();
        string generated = result.GeneratedSources.Single(kv => kv.Key.EndsWith("Net.g.cs", StringComparison.Ordinal)).Value;
        Assert.Equal(1, generated.Split("Backend.Recurrent_Forward(").Length - 1);
        Assert.Equal(1, generated.Split("Backend.Recurrent_Backward(").Length - 1);
        Assert.Contains("(the loop over time: one call, seq steps)", generated, StringComparison.Ordinal);
        Assert.Contains(", null, seq, batch, training, 0UL, 0u);", generated, StringComparison.Ordinal);
        Assert.Contains("= Allocate(checked(sequenceCapacity * batchCapacity * 16));", generated, StringComparison.Ordinal); // the states of every step, at the capacity
    }

    [Fact]
    public void SN0124_a_cell_loop_past_the_end_of_the_sequence()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [GruCell(8, 16)] partial GruCell Cell { get; }

                [Forward]
                public Tensor Forward(Tensor<Steps, Batch, Features> x, Tensor<Batch, Hidden> h0)
                {
                    var h = h0;
                    for (int t = 0; t < 9; t++) h = Cell(x[t], h);
                    return h;
                }
            }
            """;

        Only(Header + body, "SN0124", 18, 41,
            "'for (int t = 0; t < 9; t++) h = Cell(x[t], h)': index 8 is outside [-7, 7) along axis 0 of 'x' [Steps=7, Batch, Features=8]");
    }

    [Fact]
    public void SN0009_recurrent_hyper_parameters_each_reported()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Lstm(0, 16, NumLayers = 0, Dropout = 1)] partial Lstm Lstm1 { get; }
                [Embedding(4, 2, PaddingIdx = 4)] partial Embedding Embed { get; }

                [Forward]
                public Tensor Forward(Tensor<Steps, Batch, Features> x) => x;
            }
            """;

        Microsoft.CodeAnalysis.Diagnostic[] all = Run(Header + body);
        Infrastructure.DiagnosticAssert.Has(all, "SN0009", 12, 6, "Layer 'Lstm1': the input size must be a positive int, but it is 0");
        Infrastructure.DiagnosticAssert.Has(all, "SN0009", 12, 6, "Layer 'Lstm1': NumLayers must be at least 1, but it is 0");
        Infrastructure.DiagnosticAssert.Has(all, "SN0009", 12, 6, "Layer 'Lstm1': Dropout must lie in [0, 1), but it is 1");
        Infrastructure.DiagnosticAssert.Has(all, "SN0009", 13, 6, "Layer 'Embed': PaddingIdx must lie in [-4, 4) (negative counts from the end), but it is 4");
        Assert.Equal(4, all.Length);
    }

    [Fact]
    public void SN0205_a_required_input_left_out_and_a_state_that_is_not_a_tuple()
    {
        const string body = """
            [Network]
            public partial class Net
            {
                [Lstm(8, 16)] partial Lstm Lstm1 { get; }

                [Forward]
                public Tensor Forward(Tensor<Steps, Batch, Features> x, Tensor<One, Batch, Hidden> h0) => Lstm1(x, h0).Output;
            }

            [Dim(1)] public partial struct One;
            """;

        Only(Header + body, "SN0205", 15, 95,
            "Lstm1 cannot be called as 'Lstm1(x, h0)': 'state' is a tuple of 2 tensors, (h, c): it takes Lstm1(input, (h, c) state = null, lengths = null)");
    }

    private static void Diagnostic_is(string source, string id, int line, int column, string message)
    {
        Microsoft.CodeAnalysis.Diagnostic[] all = Run(source);
        Infrastructure.DiagnosticAssert.Has(all, id, line, column, message);
    }
}
