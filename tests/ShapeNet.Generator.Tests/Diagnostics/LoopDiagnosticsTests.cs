using static ShapeNet.Generator.Tests.Diagnostics.DiagnosticTest;

namespace ShapeNet.Generator.Tests.Diagnostics;

/// <summary>Loop regions (docs/dsl.md "Loops"): a step that changes a carried variable's shape (SN0125), a loop to a run-time
/// length whose body a region cannot hold (SN0210), a loop to the length of a tensor whose first axis is the batch (SN0209),
/// and malformed loops that must give diagnostics, never an internal error.</summary>
public class LoopDiagnosticsTests
{
    /// <summary>A network over a sequence [Steps, Batch, Features] (static) and [Seq, Batch, Features]; its forward body is
    /// <paramref name="body"/> (from line 18, indented by 8).</summary>
    private static string Net(string body, string input = "Tensor<Steps, Batch, Features> x") => $$"""
        using ShapeNet;

        namespace Curriculum;

        [Dim(5)] public partial struct Steps;
        [Dim(3)] public partial struct Features;
        [Dim(4)] public partial struct Hidden;

        [Network]
        public partial class Net
        {
            [RnnCell(3, 4)] partial RnnCell Cell { get; }
            [Linear(4, 4)] partial Linear Fc { get; }

            [Forward]
            public Tensor Forward({{input}}, Tensor<Batch, Hidden> h0)
            {
        {{body}}
            }
        }
        """;

    [Fact]
    public void A_loop_region_with_a_cell_a_head_and_collected_outputs_has_no_diagnostic()
    {
        Assert.Empty(Run(Net("""
                    var h = h0;
                    var outputs = Fc(h0);
                    for (int t = 0; t < Steps.Size; t++)
                    {
                        h = Cell(x[t], h);
                        outputs = Concat([outputs, Tanh(Fc(h))], 1);
                    }
                    return outputs;
            """)));
    }

    [Fact]
    public void SN0125_a_step_that_changes_the_shape_of_a_carried_variable()
    {
        string source = Net("""
                    var h = h0;
                    for (int t = 0; t < 3; t++)
                        h = Concat([Cell(x[t], h0), h], 1);
                    return h;
            """);

        Only(source, "SN0125", 19, 9,
            "The loop 'for (int t = 0; t < 3; t++)' changes the shape of 'h' from [Batch, Hidden=4] to [Batch, 8] in one step; a variable carried from one step to the next must keep its shape (grow a result along an axis with h = Concat([h, piece], axis) instead)");
    }

    [Fact]
    public void SN0210_a_loop_to_the_run_time_length_whose_counter_is_used_as_a_number()
    {
        string source = Net("""
                    var h = h0;
                    for (int t = 1; t < x.Size(0); t++)
                        h = Cell(x[t - 1], h);
                    return h;
            """, "Tensor<Seq, Batch, Features> x");

        Only(source, "SN0210", 19, 9,
            "The loop 'for (int t = 1; t < x.Size(0); t++)' cannot be compiled to a loop over its steps: the counter 't' is used in 't - 1'; in a compiled loop it only indexes a tensor local (t as in x[t])");
    }

    [Fact]
    public void SN0210_a_loop_to_the_run_time_length_with_a_statement_a_region_cannot_hold()
    {
        string source = Net("""
                    var h = h0;
                    for (int t = 0; t < x.Size(0); t++)
                    {
                        h = Cell(x[t], h);
                        if (t > 2) return h;
                    }
                    return h;
            """, "Tensor<Seq, Batch, Features> x");

        Only(source, "SN0210", 19, 9,
            "The loop 'for (int t = 0; t < x.Size(0); t++)' cannot be compiled to a loop over its steps: its body has a if statement ('if (t > 2) return h;'); a compiled loop's body declares tensor locals and assigns them");
    }

    [Fact]
    public void SN0209_a_loop_to_the_length_of_a_tensor_whose_first_axis_is_the_batch()
    {
        string source = Net("""
                    var h = h0;
                    for (int t = 0; t < h0.Size(0); t++)
                        h = Fc(h);
                    return h;
            """);

        Only(source, "SN0209", 19, 29,
            "The loop 'for (int t = 0; t < h0.Size(0); t++)' runs to 'h0.Size(0)', which is neither a constant nor a dimension's size: 'h0' is [Batch, Hidden=4], whose first axis is the batch; loop to the length of a sequence whose first axis is a dimension or the run-time Seq");
    }

    [Fact]
    public void A_constant_bound_body_a_region_cannot_hold_is_unrolled()
    {
        // x[t - 1] uses the counter as a number: the loop is unrolled (four copies of the cell), not a region.
        Infrastructure.GeneratorResult result = Infrastructure.GeneratorHarness.Run(Net("""
                    var h = h0;
                    for (int t = 1; t < Steps.Size; t++)
                        h = Cell(x[t - 1], h);
                    return h;
            """));
        result.AssertNoErrors();
        string generated = result.GeneratedSources.Single(kv => kv.Key.EndsWith("Net.g.cs", StringComparison.Ordinal)).Value;
        Assert.DoesNotContain("for (int t", generated, StringComparison.Ordinal);
        Assert.Equal(4, generated.Split('\n').Count(l => l.TrimStart().StartsWith("Backend.Recurrent_Forward", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("for (int t = 0; t < x.Size(0); t++) { }")]
    [InlineData("for (int t = 0; t < x.Size(0); t++) h = h;")]
    [InlineData("for (int t = 0; t < x.Size(0); t++) h = x[t];")]
    [InlineData("for (int t = 0; t < x.Size(0); t++) h = Cell(x[t], g);")]
    [InlineData("for (int t = 0; t < x.Size(0); t++) { var y = Cell(x[t], h); h = y + h; y = y * 2f; }")]
    [InlineData("for (int t = 0; t < x.Size(0); t++) g = Concat([g, Cell(x[t], h)], 1);")]
    [InlineData("for (int t = 0; t < x.Size(0); t++) g = Concat([g, Cell(x[t], h)], axis);")]
    [InlineData("for (int t = 0; t < x.Size(0); t++) (h, g) = (Cell(x[t], h), g);")]
    [InlineData("for (int t = 0; t < x.Size(0); t++) for (int s = 0; s < 2; s++) h = Cell(x[t], h);")]
    [InlineData("for (int t = 0; t < x.Size(0); t++) h = Cell(x[t], h) + x[t + 0];")]
    [InlineData("for (int t = 0; t < x.Size(0); t++) h = Cell(y[t], h);")]
    [InlineData("for (int t = 0; t < x.Size(0); t++) h = Cell(h0[t], h);")]
    [InlineData("for (int t = 0; t < x.Size(0); t++) h = Cell(x[t], Concat([h, h], 1));")]
    [InlineData("for (int t = 0; t < Steps.Size; t++) g = Concat([g, h], 0);")]
    [InlineData("for (int t = 0; t < Steps.Size; t++) g = Concat([g, x], 1);")]
    [InlineData("for (int t = 3; t < Steps.Size + 1; t++) h = Cell(x[t], h);")]
    [InlineData("for (int t = 0; t < x.Size(0); t++) { g = h; h = Cell(x[t], h); }")]
    [InlineData("for (int t = 0; t < x.Size(0); t++) { var tmp = g; g = h; h = tmp; }")]
    [InlineData("for (int t = 0; t < 100000; t++) h = Fc(h);")]
    public void Malformed_loops_give_diagnostics_or_compile_and_never_an_internal_error(string loop)
    {
        foreach (string input in new[] { "Tensor<Seq, Batch, Features> x", "Tensor<Steps, Batch, Features> x" })
        {
            string source = Net($$"""
                        var h = h0;
                        var g = h0;
                        const int axis = 1;
                        {{loop}}
                        return h + g;
                """, input);
            Microsoft.CodeAnalysis.Diagnostic[] diagnostics = Run(source);
            Assert.DoesNotContain(diagnostics, d => d.Id is "SN0900" or "SN0901");
        }
    }
}
