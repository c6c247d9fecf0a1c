using ShapeNet.Generator.Tests.Infrastructure;
using static ShapeNet.Generator.Tests.Diagnostics.DiagnosticTest;

namespace ShapeNet.Generator.Tests.Diagnostics;

/// <summary>SN0101–SN0111: shapes that do not fit, found by shape inference.</summary>
public class ShapeDiagnosticsTests
{
    [Fact]
    public void SN0101_linear_after_flatten_shows_the_product()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(20)] public partial struct C20;
            [Dim(4)] public partial struct Four;
            [Dim(10)] public partial struct Digits;

            [Network]
            public partial class ConvHead
            {
                [Linear(512, 10)] partial Linear Fc { get; }

                [Forward]
                public Tensor<Batch, Digits> Forward(Tensor<Batch, C20, Four, Four> h)
                {
                    return Fc(Flatten(h));
                }
            }
            """;

        Only(source, "SN0101", 17, 16,
            "Fc expects 512 input features, but Flatten(h) gives 320 = 20 × 4 × 4 (h is [Batch, C20=20, Four=4, Four=4])");
    }

    [Fact]
    public void SN0101_second_linear_of_an_mlp()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(784)] public partial struct Pixels;
            [Dim(10)] public partial struct Digits;

            [Network]
            public partial class Mlp
            {
                [Linear(784, 128)] partial Linear Fc1 { get; }
                [Linear(256, 10)] partial Linear Fc2 { get; }

                [Forward]
                public Tensor<Batch, Digits> Forward(Tensor<Batch, Pixels> x)
                {
                    var h = Relu(Fc1(x));
                    return Fc2(h);
                }
            }
            """;

        Only(source, "SN0101", 18, 16, "Fc2 expects 256 input features, but Relu(Fc1(x)) gives 128 (its shape is [Batch, 128])");
    }

    [Fact]
    public void SN0101_first_linear_given_the_network_input()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(784)] public partial struct Pixels;
            [Dim(10)] public partial struct Digits;

            [Network]
            public partial class Mlp
            {
                [Linear(28, 128)] partial Linear Fc1 { get; }
                [Linear(128, 10)] partial Linear Fc2 { get; }

                [Forward]
                public Tensor<Batch, Digits> Forward(Tensor<Batch, Pixels> x) => Fc2(Relu(Fc1(x)));
            }
            """;

        Only(source, "SN0101", 15, 79, "Fc1 expects 28 input features, but x gives 784 (its shape is [Batch, Pixels=784])");
    }

    [Fact]
    public void SN0102_features_cannot_broadcast()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(3)] public partial struct Rgb;
            [Dim(4)] public partial struct Four;

            [Network]
            public partial class Normalize
            {
                [Forward]
                public Tensor<Batch, Rgb> Forward(Tensor<Batch, Rgb> x, Tensor<Four> mean)
                {
                    var centered = x - mean;
                    return centered;
                }
            }
            """;

        Only(source, "SN0102", 14, 24,
            "'x - mean' cannot broadcast x [Batch, Rgb=3] with mean [Four=4]: axis 1 of the result would need 3 and 4 to be equal, or one of them 1");
    }

    [Fact]
    public void SN0102_batch_broadcasts_only_with_batch_or_one()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(32)] public partial struct Rows;
            [Dim(128)] public partial struct Hidden;

            [Network]
            public partial class Shift
            {
                [Linear(128, 128)] partial Linear Fc { get; }

                [Forward]
                public Tensor<Batch, Hidden> Forward(Tensor<Batch, Hidden> x, Tensor<Rows, Hidden> offset) => Fc(x) + offset;
            }
            """;

        Only(source, "SN0102", 14, 99,
            "'Fc(x) + offset' cannot broadcast Fc(x) [Batch, 128] with offset [Rows=32, Hidden=128]: axis 0 of the result would need Batch and 32 to be equal, or one of them 1");
    }

    [Fact]
    public void SN0103_matmul_inner_dimensions_differ()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(784)] public partial struct Pixels;
            [Dim(128)] public partial struct Hidden;
            [Dim(10)] public partial struct Digits;

            [Network]
            public partial class Projection
            {
                [Forward]
                public Tensor<Batch, Digits> Forward(Tensor<Batch, Pixels> x, Tensor<Hidden, Digits> w) => MatMul(x, w);
            }
            """;

        Only(source, "SN0103", 13, 96,
            "'MatMul(x, w)' multiplies [Batch, Pixels=784] by [Hidden=128, Digits=10]: the inner dimensions differ (x has 784 columns, w has 128 rows)");
    }

    [Fact]
    public void SN0104_reshape_changes_the_element_count()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(6)] public partial struct Six;
            [Dim(4)] public partial struct Four;
            [Dim(5)] public partial struct Five;

            [Network]
            public partial class Regroup
            {
                [Forward]
                public Tensor<Five, Five> Forward(Tensor<Six, Four> m) => Reshape(m, 5, 5);
            }
            """;

        Only(source, "SN0104", 13, 63, "'Reshape(m, 5, 5)' reshapes [Six=6, Four=4] (24 elements) to [5, 5] (25 elements)");
    }

    [Fact]
    public void SN0104_reshape_with_minus_one_that_does_not_divide()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(6)] public partial struct Six;
            [Dim(4)] public partial struct Four;
            [Dim(5)] public partial struct Five;

            [Network]
            public partial class Regroup
            {
                [Forward]
                public Tensor<Five, Five> Forward(Tensor<Six, Four> m) => Reshape(m, 5, -1);
            }
            """;

        Only(source, "SN0104", 13, 63, "'Reshape(m, 5, -1)' reshapes [Six=6, Four=4] (24 elements) to [5, -1] (a multiple of 5 elements)");
    }

    [Fact]
    public void SN0105_softmax_axis_out_of_range()
    {
        const string source = """
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
                    var logits = Fc2(Relu(Fc1(x)));
                    return Softmax(logits, 2);
                }
            }
            """;

        Only(source, "SN0105", 18, 16, "'Softmax(logits, 2)': axis 2 is out of range for a tensor of rank 2 [Batch, 10]");
    }

    [Fact]
    public void SN0106_concat_lists_every_branch()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(784)] public partial struct Pixels;
            [Dim(112)] public partial struct Mixed;

            [Network]
            public partial class Inception
            {
                [Linear(784, 64)] partial Linear Branch1 { get; }
                [Linear(784, 32)] partial Linear Branch2 { get; }
                [Linear(784, 16)] partial Linear Branch3 { get; }

                [Forward]
                public Tensor<Batch, Mixed> Forward(Tensor<Batch, Pixels> x)
                {
                    return Concat([Branch1(x), Branch2(x), Branch3(x)]);
                }
            }
            """;

        Only(source, "SN0106", 18, 16,
            "'Concat([Branch1(x), Branch2(x), Branch3(x)])' cannot concatenate along axis 0: the inputs differ on another axis: Branch1(x) [Batch, 64], Branch2(x) [Batch, 32], Branch3(x) [Batch, 16]");
    }

    [Fact]
    public void SN0106_concat_along_the_batch()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(784)] public partial struct Pixels;
            [Dim(64)] public partial struct Features;

            [Network]
            public partial class TwoTowers
            {
                [Linear(784, 64)] partial Linear Left { get; }
                [Linear(784, 64)] partial Linear Right { get; }

                [Forward]
                public Tensor<Batch, Features> Forward(Tensor<Batch, Pixels> x) => Concat([Left(x), Right(x)], 0);
            }
            """;

        Only(source, "SN0106", 15, 72,
            "'Concat([Left(x), Right(x)], 0)' cannot concatenate along axis 0: it is the batch axis, whose size is known only at run time; concatenate along a feature axis");
    }

    [Fact]
    public void SN0107_returned_shape_differs_from_the_declared_one()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(784)] public partial struct Pixels;
            [Dim(10)] public partial struct Digits;

            [Network]
            public partial class Mlp
            {
                [Linear(784, 128)] partial Linear Fc1 { get; }
                [Linear(128, 20)] partial Linear Fc2 { get; }

                [Forward]
                public Tensor<Batch, Digits> Forward(Tensor<Batch, Pixels> x)
                {
                    var h = Relu(Fc1(x));
                    return Fc2(h);
                }
            }
            """;

        Only(source, "SN0107", 18, 16, "'Forward' is declared to return [Batch, Digits=10], but 'Fc2(h)' is [Batch, 20]");
    }

    [Fact]
    public void SN0108_cross_entropy_given_one_hot_targets()
    {
        const string source = """
            using ShapeNet;
            using static ShapeNet.Ops;

            namespace Curriculum;

            [Dim(10)] public partial struct Digits;

            public static partial class Objectives
            {
                [Differentiable]
                public static Tensor Classification(Tensor<Batch, Digits> scores, Tensor<Batch, Digits> labels) =>
                    CrossEntropyLoss(scores, labels);
            }
            """;

        Only(source, "SN0108", 12, 9,
            "'CrossEntropyLoss(scores, labels)': CrossEntropyLoss takes scores [N, classes] and class indices [N], but scores is [Batch, Digits=10] and labels is [Batch, Digits=10]");
    }

    [Fact]
    public void SN0108_mse_with_input_and_target_of_different_shapes()
    {
        const string source = """
            using ShapeNet;
            using static ShapeNet.Ops;

            namespace Curriculum;

            [Dim(10)] public partial struct Digits;

            public static partial class Objectives
            {
                [Differentiable]
                public static Tensor Regression(Tensor<Batch, Digits> prediction, Tensor<Batch> target) =>
                    MseLoss(prediction, target);
            }
            """;

        Only(source, "SN0108", 12, 9,
            "'MseLoss(prediction, target)': MseLoss takes an input and a target of the same shape, but prediction is [Batch, Digits=10] and target is [Batch]");
    }

    [Fact]
    public void SN0109_reshape_without_minus_one_for_the_batch()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(20)] public partial struct C20;
            [Dim(4)] public partial struct Four;
            [Dim(10)] public partial struct Digits;

            [Network]
            public partial class ConvHead
            {
                [Linear(320, 10)] partial Linear Fc { get; }

                [Forward]
                public Tensor<Batch, Digits> Forward(Tensor<Batch, C20, Four, Four> h) => Fc(Reshape(h, 320));
            }
            """;

        Only(source, "SN0109", 15, 82,
            "'Reshape(h, 320)': h [Batch, C20=20, Four=4, Four=4] has the run-time dimension Batch; write -1 where the batch goes");
    }

    [Fact]
    public void SN0109_minus_one_that_cannot_be_the_batch()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(20)] public partial struct C20;
            [Dim(4)] public partial struct Four;
            [Dim(10)] public partial struct Digits;

            [Network]
            public partial class ConvHead
            {
                [Linear(300, 10)] partial Linear Fc { get; }

                [Forward]
                public Tensor<Batch, Digits> Forward(Tensor<Batch, C20, Four, Four> h) => Fc(Reshape(h, -1, 300));
            }
            """;

        Only(source, "SN0109", 15, 82,
            "'Reshape(h, -1, 300)': -1 can stand for Batch only when the other sizes multiply to the rest of [Batch, C20=20, Four=4, Four=4] (320), but they multiply to 300");
    }

    [Fact]
    public void SN0109_flatten_from_the_batch_axis()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(20)] public partial struct C20;
            [Dim(4)] public partial struct Four;
            [Dim(10)] public partial struct Digits;

            [Network]
            public partial class ConvHead
            {
                [Linear(320, 10)] partial Linear Fc { get; }

                [Forward]
                public Tensor<Batch, Digits> Forward(Tensor<Batch, C20, Four, Four> h) => Fc(Flatten(h, 0));
            }
            """;

        Only(source, "SN0109", 15, 82,
            "'Flatten(h, 0)': flattening from axis 0 would merge Batch into a static dimension; flatten from axis 1 (the default) to keep the batch");
    }

    [Fact]
    public void SN0110_dot_of_batched_operands()
    {
        const string source = """
            using ShapeNet;
            using static ShapeNet.Ops;

            namespace Curriculum;

            [Dim(128)] public partial struct Hidden;

            public static partial class Similarity
            {
                [Differentiable]
                public static Tensor Score(Tensor<Batch, Hidden> a, Tensor<Hidden> b) => Dot(a, b);
            }
            """;

        Only(source, "SN0110", 11, 78, "'Dot(a, b)' needs two vectors (rank 1), but 'a' is [Batch, Hidden=128]");
    }

    [Fact]
    public void SN0110_transpose_of_a_vector()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(128)] public partial struct Hidden;

            [Network]
            public partial class Gate
            {
                [Forward]
                public Tensor<Batch, Hidden> Forward(Tensor<Batch, Hidden> x, Tensor<Hidden> scale) => x * Transpose(scale);
            }
            """;

        Only(source, "SN0110", 11, 96, "'Transpose(scale)' needs a tensor of rank 2 or more, but 'scale' is [Hidden=128]");
    }

    [Fact]
    public void SN0111_block_given_the_wrong_input_shape()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(784)] public partial struct Pixels;
            [Dim(128)] public partial struct Hidden;
            [Dim(10)] public partial struct Digits;

            [Network]
            public partial class Encoder
            {
                [Linear(784, 128)] partial Linear Fc { get; }

                [Forward]
                public Tensor<Batch, Hidden> Forward(Tensor<Batch, Pixels> x) => Relu(Fc(x));
            }

            [Network]
            public partial class Classifier
            {
                [Linear(784, 128)] partial Linear Stem { get; }
                [Block] partial Encoder Block1 { get; }
                [Linear(128, 10)] partial Linear Head { get; }

                [Forward]
                public Tensor<Batch, Digits> Forward(Tensor<Batch, Pixels> x)
                {
                    var h = Relu(Stem(x));
                    return Head(Block1.Forward(h));
                }
            }
            """;

        Only(source, "SN0111", 29, 21, "Block1 expects [Batch, Pixels=784] for 'x', but 'Relu(Stem(x))' is [Batch, 128]");
    }

    [Fact]
    public void SN0111_generic_block_bound_to_a_dimension_that_does_not_fit()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(784)] public partial struct Pixels;
            [Dim(128)] public partial struct Hidden;
            [Dim(10)] public partial struct Digits;

            [Network]
            public partial class Residual<TIn> where TIn : IDim
            {
                [Linear(128, 128)] partial Linear Fc { get; }

                [Forward]
                public Tensor<Batch, TIn> Forward(Tensor<Batch, TIn> x) => x + Relu(Fc(x));
            }

            [Network]
            public partial class Classifier
            {
                [Linear(784, 128)] partial Linear Stem { get; }
                [Block] partial Residual<Hidden> Block1 { get; }
                [Linear(128, 10)] partial Linear Head { get; }

                [Forward]
                public Tensor<Batch, Digits> Forward(Tensor<Batch, Pixels> x) => Head(Block1.Forward(x));
            }
            """;

        Only(source, "SN0111", 26, 75, "Block1 expects [Batch, Hidden=128] for 'x', but 'x' is [Batch, Pixels=784]");
    }
}
