using static ShapeNet.Generator.Tests.Diagnostics.DiagnosticTest;

namespace ShapeNet.Generator.Tests.Diagnostics;

/// <summary>SN0201–SN0206: C# a static graph cannot take, found while parsing a forward body.</summary>
public class ConstructDiagnosticsTests
{
    /// <summary>An MLP whose forward body is <paramref name="body"/> (from line 17, indented by 8).</summary>
    private static string Mlp(string body) => $$"""
        using ShapeNet;

        namespace Curriculum;

        [Dim(784)] public partial struct Pixels;
        [Dim(10)] public partial struct Digits;

        [Network]
        public partial class Mlp
        {
            [Linear(784, 128)] partial Linear Fc1 { get; }
            [Linear(128, 10)] partial Linear Fc2 { get; }

            [Forward]
            public Tensor<Batch, Digits> Forward(Tensor<Batch, Pixels> x)
            {
        {{body}}
            }
        }
        """;

    [Fact]
    public void The_mlp_template_compiles_to_a_graph_without_diagnostics()
    {
        Assert.Empty(Run(Mlp("""
                    var h = Relu(Fc1(x));
                    return Fc2(h);
            """)));
    }

    [Fact]
    public void SN0201_while_loop_says_what_to_use_instead()
    {
        string source = Mlp("""
                    var b = Fc1(x);
                    while (Norm(b) < 1000) b = b * 2;
                    return Fc2(b);
            """);

        Only(source, "SN0201", 18, 9,
            "The 'while' statement cannot be compiled into a network's static graph: a loop whose count depends on tensor values has no static graph; use a 'for' loop over a constant range (for (int i = 0; i < 3; i++)), or run the loop eagerly outside the network");
    }

    [Fact]
    public void SN0201_do_loop()
    {
        string source = Mlp("""
                    var h = Relu(Fc1(x));
                    do
                    {
                        h = h * 2;
                    } while (Sum(h) < 1000);
                    return Fc2(h);
            """);

        Only(source, "SN0201", 18, 9,
            "The 'do' statement cannot be compiled into a network's static graph: a loop whose count depends on tensor values has no static graph; use a 'for' loop over a constant range, or run the loop eagerly outside the network");
    }

    [Fact]
    public void SN0201_foreach_loop()
    {
        string source = Mlp("""
                    var h = Relu(Fc1(x));
                    foreach (double scale in new[] { 0.5, 2.0 })
                        h = h * scale;
                    return Fc2(h);
            """);

        Only(source, "SN0201", 18, 9,
            "The 'foreach' statement cannot be compiled into a network's static graph: iterate with a 'for' loop over a constant range instead");
    }

    [Fact]
    public void SN0201_if_statement()
    {
        string source = Mlp("""
                    var h = Relu(Fc1(x));
                    if (Training)
                        h = h * 0.5;
                    return Fc2(h);
            """);

        Only(source, "SN0201", 18, 9,
            "The 'if' statement cannot be compiled into a network's static graph: a static graph cannot branch; select with arithmetic (mask * a + (1 - mask) * b), or branch in C# around the call of the network");
    }

    [Fact]
    public void SN0209_for_loop_with_a_bound_known_only_at_run_time()
    {
        string source = Mlp("""
                    var h = Relu(Fc1(x));
                    for (int i = 0; i < x.Shape[0]; i++)
                        h = h * 2;
                    return Fc2(h);
            """);

        Only(source, "SN0209", 18, 29,
            "The loop 'for (int i = 0; i < x.Shape[0]; i++)' runs to 'x.Shape[0]', which is neither a constant nor a dimension's size: loop to a constant (t < 7) or to a dimension's size (t < Steps.Size for [Dim(7)] public partial struct Steps;)");
    }

    [Fact]
    public void SN0209_for_loop_to_the_run_time_seq()
    {
        string source = Mlp("""
                    var h = Relu(Fc1(x));
                    for (int i = 0; i < Seq.Size; i++)
                        h = h * 2;
                    return Fc2(h);
            """);

        Only(source, "SN0209", 18, 29,
            "The loop 'for (int i = 0; i < Seq.Size; i++)' runs to 'Seq.Size', which is neither a constant nor a dimension's size: the run-time Seq has no size in C# (Seq.Size is IDim.Dynamic when the body runs eagerly), so loop to the sequence's length (for (int t = 0; t < x.Size(0); t++) h = Cell(x[t], h);) or to a dimension's size (t < Steps.Size)");
    }

    [Fact]
    public void SN0209_for_loop_to_the_length_of_a_tensor_whose_first_axis_is_the_batch()
    {
        string source = Mlp("""
                    var h = Relu(Fc1(x));
                    for (int i = 0; i < h.Size(0); i++)
                        h = h * 2;
                    return Fc2(h);
            """);

        Only(source, "SN0209", 18, 29,
            "The loop 'for (int i = 0; i < h.Size(0); i++)' runs to 'h.Size(0)', which is neither a constant nor a dimension's size: 'h' is [Batch, 128], whose first axis is the batch; loop to the length of a sequence whose first axis is a dimension or the run-time Seq");
    }

    [Fact]
    public void A_for_loop_to_a_dimension_size_is_a_literal_loop()
    {
        string source = Mlp("""
                    var h = Relu(Fc1(x));
                    for (int i = 0; i < Digits.Size; i++)
                        h = h * 0.9f;
                    return Fc2(h);
            """);

        Infrastructure.GeneratorResult result = Infrastructure.GeneratorHarness.Run(source);
        result.AssertNoErrors();
        string generated = result.GeneratedSources.Single(kv => kv.Key.EndsWith("Mlp.g.cs", StringComparison.Ordinal)).Value;
        int forward = generated.IndexOf("protected override void ForwardCore", StringComparison.Ordinal);
        int backward = generated.IndexOf("protected override void BackwardCore", StringComparison.Ordinal);
        // Digits.Size = 10 steps of a loop region: one call scaling by 0.9 inside a literal loop, a reversed loop in the backward.
        int calls = generated[forward..backward].Split('\n').Count(l => l.TrimStart().StartsWith("Backend.", StringComparison.Ordinal) && l.Contains("0.9f", StringComparison.Ordinal));
        Assert.Equal(1, calls);
        Assert.Contains("for (int t = 0; t < 10; t++)", generated[forward..backward], StringComparison.Ordinal);
        Assert.Contains("for (int t = 9; t >= 0; t--)", generated[backward..], StringComparison.Ordinal);
    }

    [Fact]
    public void SN0210_a_loop_to_a_tensor_length_inclusive()
    {
        string source = Mlp("""
                    var h = Relu(Fc1(x));
                    for (int i = 0; i <= h.Size(0); i++)
                        h = h * 2;
                    return Fc2(h);
            """);

        Only(source, "SN0210", 18, 9,
            "The loop 'for (int i = 0; i <= h.Size(0); i++)' cannot be compiled to a loop over its steps: it runs to h.Size(0) inclusive, one step past the end; loop with t < h.Size(0)");
    }

    [Fact]
    public void SN0202_forward_calling_itself()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(128)] public partial struct Hidden;

            [Network]
            public partial class Deep
            {
                [Linear(128, 128)] partial Linear Fc { get; }

                [Forward]
                public Tensor<Batch, Hidden> Forward(Tensor<Batch, Hidden> x)
                {
                    var h = Relu(Fc(x));
                    return Forward(h);
                }
            }
            """;

        Only(source, "SN0202", 16, 16,
            "'Forward' calls itself: a static graph cannot recurse; unroll the calls, or use a 'for' loop over a constant range");
    }

    [Fact]
    public void SN0205_gelu_approximate_is_none_or_tanh()
    {
        Only(Mlp("""
                    var h = Gelu(Fc1(x), approximate: "exact");
                    return Fc2(h);
            """), "SN0205", 17, 17,
            "Gelu cannot be called as 'Gelu(Fc1(x), approximate: \"exact\")': approximate must be \"none\" or \"tanh\", but it is \"exact\"");
    }

    [Fact]
    public void SN0205_softplus_beta_is_not_zero()
    {
        Only(Mlp("""
                    var h = Softplus(Fc1(x), beta: 0);
                    return Fc2(h);
            """), "SN0205", 17, 17,
            "Softplus cannot be called as 'Softplus(Fc1(x), beta: 0)': beta must not be 0 (the result is divided by it)");
    }

    [Fact]
    public void SN0205_hardtanh_bounds_are_ordered()
    {
        Only(Mlp("""
                    var h = Hardtanh(Fc1(x), 1, -1.5);
                    return Fc2(h);
            """), "SN0205", 17, 17,
            "Hardtanh cannot be called as 'Hardtanh(Fc1(x), 1, -1.5)': minVal (1) must not be greater than maxVal (-1.5)");
    }

    [Fact]
    public void SN0110_pick_needs_one_index_per_row()
    {
        Only(Mlp("""
                    var h = Fc1(x);
                    return Fc2(h) + Pick(h, h);
            """), "SN0110", 18, 25,
            "'Pick(h, h)' needs indices [N] of rank 1, one per row of x, but 'Fc1(x)' is [Batch, 128]");
    }

    [Fact]
    public void SN0205_pick_needs_as_many_indices_as_rows()
    {
        Only(Mlp("""
                    var h = Fc1(x);
                    return Fc2(h) + Pick(h, Sum(h, 0));
            """), "SN0205", 18, 25,
            "Pick cannot be called as 'Pick(h, Sum(h, 0))': it needs one index per row of x, but Fc1(x) is [Batch, 128] and Sum(h, 0) is [128]");
    }

    [Fact]
    public void SN0203_call_of_an_unknown_function()
    {
        string source = Mlp("""
                    var h = Mish(Fc1(x));
                    return Fc2(h);
            """);

        Only(source, "SN0203", 17, 17,
            "'Mish' is not a ShapeNet op, a layer or a block of 'Mlp'; ops are the methods of ShapeNet.Ops (Relu, Softmax, MatMul, Sum, ...)");
    }

    [Fact]
    public void SN0204_axis_held_in_a_local_variable()
    {
        string source = Mlp("""
                    int axis = 1;
                    var logits = Fc2(Relu(Fc1(x)));
                    return Softmax(logits, axis);
            """);

        Only(source, "SN0204", 19, 32,
            "Argument 'axis' of Softmax must be a compile-time constant (a literal or a const), but 'axis' is not");
    }

    [Fact]
    public void SN0204_is_not_reported_for_a_const_local()
    {
        Assert.Empty(Run(Mlp("""
                    const int axis = 1;
                    var logits = Fc2(Relu(Fc1(x)));
                    return Softmax(logits, axis);
            """)));
    }

    [Fact]
    public void SN0205_op_missing_an_argument()
    {
        string source = Mlp("""
                    var logits = Fc2(Relu(Fc1(x)));
                    return Softmax(logits);
            """);

        Only(source, "SN0205", 18, 16, "Softmax cannot be called as 'Softmax(logits)': expected Softmax(x, axis)");
    }

    [Fact]
    public void SN0205_layer_given_two_tensors()
    {
        string source = Mlp("""
                    var h = Relu(Fc1(x, x));
                    return Fc2(h);
            """);

        Only(source, "SN0205", 17, 22, "Fc1 cannot be called as 'Fc1(x, x)': a layer takes one tensor");
    }

    [Fact]
    public void SN0205_block_forward_given_two_tensors()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(784)] public partial struct Pixels;
            [Dim(128)] public partial struct Hidden;

            [Network]
            public partial class Encoder
            {
                [Linear(784, 128)] partial Linear Fc { get; }

                [Forward]
                public Tensor<Batch, Hidden> Forward(Tensor<Batch, Pixels> x) => Relu(Fc(x));
            }

            [Network]
            public partial class Siamese
            {
                [Block] partial Encoder Shared { get; }

                [Forward]
                public Tensor<Batch, Hidden> Forward(Tensor<Batch, Pixels> a, Tensor<Batch, Pixels> b) => Shared.Forward(a, b);
            }
            """;

        Only(source, "SN0205", 23, 95, "Shared.Forward cannot be called as 'Shared.Forward(a, b)': it takes 1 tensor(s)");
    }

    [Fact]
    public void SN0206_method_called_on_a_tensor()
    {
        string source = Mlp("""
                    var h = Fc1(x).Relu();
                    return Fc2(h);
            """);

        Only(source, "SN0206", 17, 17,
            "'Fc1(x).Relu()' cannot be compiled into a network's static graph: call an op (Relu(x)), a layer (Fc1(x)) or a block's forward (Block1.Forward(x))");
    }

    [Fact]
    public void SN0206_conditional_expression()
    {
        string source = Mlp("""
                    var h = Relu(Fc1(x));
                    return Fc2(Training ? h * 0.5 : h);
            """);

        Only(source, "SN0206", 18, 20,
            "'Training ? h * 0.5 : h' cannot be compiled into a network's static graph: a static graph cannot branch; select with arithmetic (mask * a + (1 - mask) * b)");
    }
}
