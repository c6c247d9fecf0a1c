using System.Diagnostics;
using Microsoft.CodeAnalysis;
using ShapeNet.Generator.Tests.Infrastructure;
using Xunit.Sdk;
using static ShapeNet.Generator.Tests.Diagnostics.DiagnosticTest;

namespace ShapeNet.Generator.Tests.Hardening;

/// <summary>Issue 8's generator repros, each a regression test: sizes that overflow or exceed a tensor's limit, loops that would
/// hang the build or the eager code, declarations the generator silently skipped, keyword identifiers, spurious SN0900.</summary>
public class HardeningDiagnosticsTests
{
    private const string Header = """
        using ShapeNet;

        namespace Curriculum;

        [Dim(1)] public partial struct Gray;
        [Dim(28)] public partial struct Side;
        [Dim(10)] public partial struct Digits;
        [Dim(65536)] public partial struct Wide;
        [Dim(65540)] public partial struct Wider;
        [Dim(1073741824)] public partial struct Huge;
        [Dim(32768)] public partial struct Half;

        """;

    [Fact]
    public void SN0115_a_dilation_whose_receptive_field_overflows_names_the_layer_and_the_product()
    {
        Only(Header + """
            [Network]
            public partial class Net
            {
                [Conv2d(1, 1, 3, Dilation = int.MaxValue)] partial Conv2d Conv1 { get; }
                [Forward] public Tensor Forward(Tensor<Batch, Gray, Side, Side> x) => Conv1(x);
            }
            """, "SN0115", 16, 75,
            "Conv1's receptive field 2,147,483,647·2+1 overflows: sizes are 32-bit integers, at most 2,147,483,647");
    }

    [Fact]
    public void SN0115_padding_that_overflows_the_padded_width()
    {
        Only(Header + """
            [Network]
            public partial class Net
            {
                [Conv2d(1, 1, 3, PaddingHeight = 1, PaddingWidth = 1100000000)] partial Conv2d Conv1 { get; }
                [Forward] public Tensor Forward(Tensor<Batch, Gray, Side, Side> x) => Conv1(x);
            }
            """, "SN0115", 16, 75,
            "Conv1's padded width 28+2·1,100,000,000 overflows: sizes are 32-bit integers, at most 2,147,483,647");
    }

    [Fact]
    public void SN0116_an_input_whose_element_count_wraps_a_long_is_rejected_before_pooling()
    {
        Only(Header + """
            [Network]
            public partial class Net
            {
                [Forward] public Tensor Forward(Tensor<Batch, Wide, Wide, Wide, Wide> x) => MaxPool2d(Flatten(x, 2), 2);
            }
            """, "SN0116", 15, 75,
            "Input 'x' is [Batch, Wide=65536, Wide=65536, Wide=65536, Wide=65536]: 18,446,744,073,709,551,616 elements without the batch, over the limit of 2,147,483,591 one tensor can hold");
    }

    [Fact]
    public void SN0116_a_65536_by_65540_conv_plane_is_over_the_plan_memory_limit()
    {
        Only(Header + """
            [Network]
            public partial class Net
            {
                [Conv2d(1, 1, 3)] partial Conv2d Conv1 { get; }
                [Forward] public Tensor Forward(Tensor<Batch, Gray, Wide, Wider> x) => Conv1(x);
            }
            """, "SN0116", 16, 70,
            "Input 'x' is [Batch, Gray=1, Wide=65536, Wider=65540]: 4,295,229,440 elements without the batch, over the limit of 2,147,483,591 one tensor can hold");
    }

    [Fact]
    public void SN0116_a_layer_output_over_the_limit_names_the_call()
    {
        Only(Header + """
            [Network]
            public partial class Net
            {
                [Conv2d(1, 4, 1)] partial Conv2d Conv1 { get; }
                [Forward] public Tensor Forward(Tensor<Batch, Gray, Half, Half> x) => Conv1(x);
            }
            """, "SN0116", 16, 75,
            "'Conv1(x)' is [Batch, 4, 32768, 32768]: 4,294,967,296 elements without the batch, over the limit of 2,147,483,591 one tensor can hold");
    }

    [Fact]
    public void SN0116_a_linear_of_2_to_the_30_squared_weights_is_a_compile_time_error()
    {
        Only(Header + """
            [Network]
            public partial class Net
            {
                [Linear(1 << 30, 1 << 30)] partial Linear Fc { get; }
                [Forward] public Tensor Forward(Tensor<Batch, Huge> x) => Fc(x);
            }
            """, "SN0116", 15, 47,
            "Fc's weight is [1073741824, 1073741824]: 1,152,921,504,606,846,976 elements without the batch, over the limit of 2,147,483,591 one tensor can hold");
    }

    [Fact]
    public void SN0207_nested_loops_are_capped_in_total_and_the_generator_stays_fast()
    {
        var watch = Stopwatch.StartNew();
        Only(Header + """
            [Network]
            public partial class Net
            {
                [Forward]
                public Tensor Forward(Tensor<Batch, Digits> x)
                {
                    for (int i = 0; i < 1024; i++)
                    {
                        for (int j = 0; j < 1024; j++) x = x * j;   // j as a number: unrolled, not a loop region
                    }
                    return x;
                }
            }
            """, "SN0207", 20, 13,
            "The loop 'for (int j = 0; j < 1024; j++)' unrolls to more than 16,384 iterations in total (nested loops count together); unroll fewer iterations or write a smaller body");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"the generator took {watch.Elapsed}");
    }

    [Fact]
    public void SN0207_a_large_body_is_capped_by_its_node_count()
    {
        Only(Header + """
            [Network]
            public partial class Net
            {
                [Forward]
                public Tensor Forward(Tensor<Batch, Digits> x)
                {
                    for (int i = 0; i < 1000; i++)
                        x = Relu(Relu(Relu(Relu(Relu(Relu(Relu(Relu(Relu(Relu(Relu(Relu(Relu(Relu(Relu(Relu(Relu(Relu(Relu(Relu(x)))))))))))))))))))) * i;
                    return x;
                }
            }
            """, "SN0207", 18, 9,
            "The loop 'for (int i = 0; i < 1000; i++)' unrolls to more than 16,384 graph nodes in total (nested loops count together); unroll fewer iterations or write a smaller body");
    }

    [Fact]
    public void SN0208_a_loop_whose_counter_wraps_is_rejected()
    {
        Only(Header + """
            [Network]
            public partial class Net
            {
                [Forward]
                public Tensor Forward(Tensor<Batch, Digits> x)
                {
                    for (int i = int.MaxValue - 2; i <= int.MaxValue; i++) x = Relu(x);
                    return x;
                }
            }
            """, "SN0208", 18, 9,
            "The loop 'for (int i = int.MaxValue - 2; i <= int.MaxValue; i++)' overflows its counter: after 2,147,483,647 the next value 2,147,483,648 is past int.MaxValue (2,147,483,647), so the loop would never end when run eagerly");
    }

    [Fact]
    public void SN0208_a_step_that_jumps_past_the_maximum()
    {
        Only(Header + """
            [Network]
            public partial class Net
            {
                [Forward]
                public Tensor Forward(Tensor<Batch, Digits> x)
                {
                    for (byte i = 250; i < 255; i += 3) x = Relu(x);
                    return x;
                }
            }
            """, "SN0208", 18, 9,
            "The loop 'for (byte i = 250; i < 255; i += 3)' overflows its counter: after 253 the next value 256 is past byte.MaxValue (255), so the loop would never end when run eagerly");
    }

    [Fact]
    public void A_loop_that_ends_at_the_maximum_exactly_is_accepted()
    {
        GeneratorHarness.Run(Header + """
            [Network]
            public partial class Net
            {
                [Forward]
                public Tensor Forward(Tensor<Batch, Digits> x)
                {
                    for (int i = int.MaxValue - 2; i < int.MaxValue; i++) x = Relu(x);
                    return x;
                }
            }
            """).AssertNoErrors();
    }

    [Fact]
    public void SN0001_alone_for_a_negative_dimension_used_by_a_network()
    {
        Only("""
            using ShapeNet;

            namespace Curriculum;

            [Dim(-3)] public partial struct Neg;

            [Network]
            public partial class Net
            {
                [Forward] public Tensor Forward(Tensor<Batch, Neg> x) => Relu(x);
            }
            """, "SN0001", 5, 6, "Dimension 'Neg' must have a positive size, but [Dim(-3)] gives -3");
    }

    [Fact]
    public void SN0013_a_network_nested_in_a_generic_class()
    {
        Only("""
            using ShapeNet;

            namespace Curriculum;

            [Dim(3)] public partial struct Three;

            public partial class Outer<T>
            {
                [Network]
                public partial class Net
                {
                    [Forward] public Tensor Forward(Tensor<Batch, Three> x) => Relu(x);
                }
            }
            """, "SN0013", 10, 26,
            "Network 'Net' cannot be generated: it is nested in the generic type 'Outer<T>'; declare it outside generic types (a network's own type parameters make it a generic block)");
    }

    [Fact]
    public void SN0013_a_network_declared_as_a_partial_record_gets_no_clashing_declaration()
    {
        GeneratorResult result = GeneratorHarness.Run("""
            using ShapeNet;

            namespace Curriculum;

            [Dim(3)] public partial struct Three;

            [Network]
            public partial record Net
            {
                [Forward] public Tensor Forward(Tensor<Batch, Three> x) => x;
            }
            """);

        Diagnostic only = Assert.Single(result.GeneratorDiagnostics);
        DiagnosticAssert.Has(new[] { only }, "SN0013", 8, 23, "Network 'Net' cannot be generated: it is a record; declare it as 'partial class Net'");
        Assert.DoesNotContain(result.GeneratedSources.Keys, k => k.Contains("Net.g.cs", StringComparison.Ordinal));
    }

    [Fact]
    public void Keyword_identifiers_are_escaped_in_generated_code()
    {
        GeneratorResult result = GeneratorHarness.Run("""
            using ShapeNet;
            using static ShapeNet.Ops;

            namespace @namespace;

            [Dim(3)] public partial struct @struct;

            public partial class @public
            {
                [Network]
                public partial class @class
                {
                    [Linear(3, 3)] partial Linear @return { get; }
                    [Forward] public Tensor<Batch, @struct> @void(Tensor<Batch, @struct> @int) => Relu(@return(@int));
                }
            }

            public static partial class @static
            {
                [Differentiable] public static Tensor @double(Tensor<@struct> @in) => Sum(@in * @in);
            }
            """);

        Assert.True(result.GeneratorRun.Exception is null, result.GeneratorRun.Exception?.ToString());
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.True(result.CompilationErrors.IsEmpty, string.Join(Environment.NewLine, result.CompilationErrors) + Environment.NewLine + result.FormatGeneratedSources());
        using GeneratedAssembly assembly = result.Emit();
        var network = (Module)assembly.CreateInstance("namespace.public+class", 0);
        Assert.Equal(new[] { "return.weight", "return.bias" }, network.Parameters.Select(p => p.Name));
        var x = new Tensor(new float[] { 1, -2, 3, 0.5f, 0, -1 }, 2, 3);
        Type typed = typeof(Tensor<,>).MakeGenericType(typeof(Batch), assembly.GetType("namespace.struct"));
        object output = network.GetType().GetMethod("void")!.Invoke(network, new[] { Activator.CreateInstance(typed, x) })!;
        var y = (Tensor)typed.GetProperty("Value")!.GetValue(output)!;
        Assert.Equal(new[] { 2, 3 }, y.Shape);
    }
}
