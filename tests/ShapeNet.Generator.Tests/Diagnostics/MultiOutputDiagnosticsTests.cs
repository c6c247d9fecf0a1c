using ShapeNet.Generator.Tests.Infrastructure;
using static ShapeNet.Generator.Tests.Diagnostics.DiagnosticTest;

namespace ShapeNet.Generator.Tests.Diagnostics;

/// <summary>SN0117–SN0119: ops that return several tensors (Chunk, Split, TopK) and tuples used with another structure.</summary>
public class MultiOutputDiagnosticsTests
{
    private static string Network(string body, string returns = "Tensor<Batch, Eight>") => $$"""
        using ShapeNet;

        namespace Curriculum;

        [Dim(8)] public partial struct Eight;
        [Dim(4)] public partial struct Four;

        [Network]
        public partial class Cuts
        {
            [Forward]
            public {{returns}} Forward(Tensor<Batch, Eight> x)
            {
        {{body}}
            }
        }
        """;

    [Fact]
    public void SN0117_split_sizes_that_do_not_add_up()
    {
        Only(Network("""
                    var (a, b) = Split(x, [3, 4], 1);
                    return Concat([a, b], 1);
            """), "SN0117", 14, 22,
            "'Split(x, [3, 4], 1)' cannot cut axis 1 of x [Batch, Eight=8]: the sizes 3 + 4 = 7 do not add up to 8");
    }

    [Fact]
    public void SN0117_a_split_size_that_is_not_positive()
    {
        Only(Network("""
                    var (a, b) = Split(x, [8, 0], 1);
                    return a;
            """), "SN0117", 14, 22,
            "'Split(x, [8, 0], 1)' cannot cut axis 1 of x [Batch, Eight=8]: every size must be positive, but one is 0");
    }

    [Fact]
    public void SN0117_a_chunk_count_that_is_not_positive()
    {
        Only(Network("""
                    var (a, b) = Chunk(x, 0, 1);
                    return a;
            """), "SN0117", 14, 22,
            "'Chunk(x, 0, 1)' cannot cut axis 1 of x [Batch, Eight=8]: the chunk count must be positive, but it is 0");
    }

    [Fact]
    public void SN0117_chunks_along_the_batch()
    {
        Only(Network("""
                    var (a, b) = Chunk(x, 2, 0);
                    return a;
            """), "SN0117", 14, 22,
            "'Chunk(x, 2, 0)' cannot cut axis 0 of x [Batch, Eight=8]: it is the batch axis, whose size is known only at run time; cut along a feature axis");
    }

    [Fact]
    public void SN0118_more_names_than_chunks()
    {
        // 8 into 3 chunks is 3, 3 and 2; four names do not fit.
        Only(Network("""
                    var (a, b, c, d) = Chunk(x, 3, 1);
                    return a;
            """, "Tensor<Batch, Curriculum.Three>") + "\n[Dim(3)] public partial struct Three;", "SN0118", 14, 28,
            "'Chunk(x, 3, 1)' gives (tensor, tensor, tensor), but it is deconstructed as (a, b, c, d)");
    }

    [Fact]
    public void SN0118_a_tuple_used_as_one_tensor()
    {
        Only(Network("""
                    return Relu(Chunk(x, 2, 1));
            """), "SN0118", 14, 21,
            "'Chunk(x, 2, 1)' gives (tensor, tensor), but it is used as one tensor; deconstruct it: var (a, b) = Chunk(x, 2, 1);");
    }

    [Fact]
    public void SN0118_a_single_tensor_deconstructed()
    {
        Only(Network("""
                    var (a, b) = Relu(x);
                    return a;
            """), "SN0118", 14, 22,
            "'Relu(x)' gives tensor, but it is deconstructed as (a, b)");
    }

    [Fact]
    public void SN0118_a_returned_tuple_that_differs_from_the_declared_one()
    {
        Only(Network("""
                    var (a, b) = Chunk(x, 2, 1);
                    return (a, b);
            """, "(Tensor<Batch, Four>, (Tensor<Batch, Four>, Tensor<Batch, Four>))"), "SN0118", 15, 16,
            "'(a, b)' gives (tensor, tensor), but Forward declares its return type as (tensor, (tensor, tensor))");
    }

    [Fact]
    public void SN0119_top_k_larger_than_the_axis()
    {
        Only(Network("""
                    var (values, indices) = TopK(x, 9, 1);
                    return values;
            """), "SN0119", 14, 33,
            "'TopK(x, 9, 1)' asks for the top 9 along axis 1 of x [Batch, Eight=8], which has 8 (k must be between 1 and 8)");
    }
}
