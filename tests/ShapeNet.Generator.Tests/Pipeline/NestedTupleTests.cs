using ShapeNet.Generator.Tests.Infrastructure;
using static ShapeNet.Generator.Tests.Diagnostics.DiagnosticTest;

namespace ShapeNet.Generator.Tests.Pipeline;

/// <summary>Nested tuples, the shape of a recurrent layer's <c>(output, (h_n, c_n))</c>: a block returns one, its parent
/// deconstructs it nestedly, and the generated code (block, parent and the block's own plan returning the nested tuple)
/// compiles; a deconstruction with another nesting is SN0118.</summary>
public class NestedTupleTests
{
    private const string Dims = """
        using ShapeNet;

        namespace Demo;

        [Dim(4)] public partial struct Four;

        [Network]
        public partial class Triple
        {
            [Linear(4, 12)] partial Linear Fc { get; }

            [Forward]
            public (Tensor<Batch, Four> Y, (Tensor<Batch, Four> H, Tensor<Batch, Four> C) State) Forward(Tensor<Batch, Four> x)
            {
                var (y, h, c) = Chunk(Fc(x), 3, 1);
                return (y, (h, Tanh(c)));
            }
        }

        """;

    [Fact]
    public void A_nested_tuple_returned_by_a_block_is_deconstructed_by_its_parent()
    {
        GeneratorResult result = GeneratorHarness.Run(Dims + """
            [Network]
            public partial class UsesTriple
            {
                [Block] partial Triple T { get; }

                [Forward]
                public Tensor<Batch, Four> Forward(Tensor<Batch, Four> x)
                {
                    var (y, (h, _)) = T.Forward(x);
                    return y + h;
                }
            }
            """);

        result.AssertNoErrors();
        string parent = result.Source("Demo.UsesTriple");
        Assert.Contains("// Chunk(Fc(x), 3, 1): [Batch, 4], [Batch, 4], [Batch, 4] <- [Batch, 12]", parent);
        // The discarded c is computed only if something uses it: Tanh(c) feeds nothing the output needs.
        Assert.DoesNotContain("UnaryOp.Tanh", parent);
        string block = result.Source("Demo.Triple");
        Assert.Contains("public (global::ShapeNet.Tensor<global::ShapeNet.Batch, global::Demo.Four> Y, (global::ShapeNet.Tensor<global::ShapeNet.Batch, global::Demo.Four> H, global::ShapeNet.Tensor<global::ShapeNet.Batch, global::Demo.Four> C) State) Forward(", block);
        Assert.Contains("public void Forward(global::ShapeNet.Tensor<global::ShapeNet.Batch, global::Demo.Four> x, global::System.Span<float> output, global::System.Span<float> output1, global::System.Span<float> output2)", block);
    }

    [Fact]
    public void SN0118_a_nested_tuple_deconstructed_flat()
    {
        Only(Dims + """
            [Network]
            public partial class UsesTriple
            {
                [Block] partial Triple T { get; }

                [Forward]
                public Tensor<Batch, Four> Forward(Tensor<Batch, Four> x)
                {
                    var (y, state) = T.Forward(x);
                    return y;
                }
            }
            """, "SN0118", 27, 26,
            "'T.Forward(x)' gives (tensor, (tensor, tensor)), but it is deconstructed as (y, state)");
    }
}
