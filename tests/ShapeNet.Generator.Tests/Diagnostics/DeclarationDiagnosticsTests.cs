using static ShapeNet.Generator.Tests.Diagnostics.DiagnosticTest;

namespace ShapeNet.Generator.Tests.Diagnostics;

/// <summary>SN0001–SN0012: declarations of dimensions, networks, layers and differentiable functions.</summary>
public class DeclarationDiagnosticsTests
{
    [Fact]
    public void SN0001_dimension_of_size_zero()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(784)] public partial struct Pixels;
            [Dim(0)] public partial struct Hidden;
            [Dim(10)] public partial struct Digits;
            """;

        Only(source, "SN0001", 6, 6, "Dimension 'Hidden' must have a positive size, but [Dim(0)] gives 0");
    }

    [Fact]
    public void SN0001_dimension_of_negative_size()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(784)] public partial struct Pixels;
            [Dim(-3)] public partial struct Hidden;
            """;

        Only(source, "SN0001", 6, 6, "Dimension 'Hidden' must have a positive size, but [Dim(-3)] gives -3");
    }

    [Fact]
    public void SN0002_two_dim_attributes_on_one_declaration()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(784)] public partial struct Pixels;
            [Dim(10)][Dim(12)] public partial struct Digits;
            """;

        Only(source, "SN0002", 6, 11, "Dimension 'Digits' is defined more than once ([Dim(10)] and [Dim(12)]); keep one definition");
    }

    [Fact]
    public void SN0002_two_partial_declarations_each_with_a_dim()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(10)] public partial struct Digits;
            [Dim(784)] public partial struct Pixels;
            [Dim(12)] public partial struct Digits;
            """;

        Only(source, "SN0002", 7, 2, "Dimension 'Digits' is defined more than once ([Dim(10)] and [Dim(12)]); keep one definition");
    }

    [Fact]
    public void SN0003_network_class_not_partial()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(784)] public partial struct Pixels;
            [Dim(10)] public partial struct Digits;

            [Network]
            public class Mlp
            {
                [Linear(784, 10)] partial Linear Fc { get; }

                [Forward]
                public Tensor<Batch, Digits> Forward(Tensor<Batch, Pixels> x) => Fc(x);
            }
            """;

        Only(source, "SN0003", 9, 14,
            "Network class 'Mlp' must be declared partial: the generator adds its layers, constructors and compiled plan to it");
    }

    [Fact]
    public void SN0003_dimension_struct_not_partial()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(784)] public struct Pixels;
            [Dim(10)] public partial struct Digits;
            """;

        Only(source, "SN0003", 5, 26, "Dimension struct 'Pixels' must be declared partial: the generator adds its size to it");
    }

    [Fact]
    public void SN0004_network_without_forward()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(784)] public partial struct Pixels;
            [Dim(10)] public partial struct Digits;

            [Network]
            public partial class Mlp
            {
                [Linear(784, 10)] partial Linear Fc { get; }

                public Tensor<Batch, Digits> Forward(Tensor<Batch, Pixels> x) => Fc(x);
            }
            """;

        Only(source, "SN0004", 9, 22,
            "Network 'Mlp' has no [Forward] method: add one, e.g. '[Forward] public Tensor<Batch, Out> Forward(Tensor<Batch, In> x) { ... }'");
    }

    [Fact]
    public void SN0005_network_with_two_forwards()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(784)] public partial struct Pixels;
            [Dim(10)] public partial struct Digits;

            [Network]
            public partial class Mlp
            {
                [Linear(784, 10)] partial Linear Fc { get; }

                [Forward]
                public Tensor<Batch, Digits> Forward(Tensor<Batch, Pixels> x) => Fc(x);

                [Forward]
                public Tensor<Batch, Digits> Predict(Tensor<Batch, Pixels> x) => Softmax(Fc(x), 1);
            }
            """;

        Only(source, "SN0005", 17, 34, "Network 'Mlp' has more than one [Forward] method ('Forward' and 'Predict'); keep one");
    }

    [Fact]
    public void SN0006_untyped_tensor_parameter()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(784)] public partial struct Pixels;
            [Dim(10)] public partial struct Digits;

            [Network]
            public partial class Mlp
            {
                [Linear(784, 10)] partial Linear Fc { get; }

                [Forward]
                public Tensor<Batch, Digits> Forward(Tensor x) => Fc(x);
            }
            """;

        Only(source, "SN0006", 14, 49,
            "Parameter 'x' of 'Forward' must be a typed tensor such as Tensor<Batch, Features>, but its type is 'Tensor'");
    }

    [Fact]
    public void SN0006_parameter_that_is_not_a_tensor()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(784)] public partial struct Pixels;
            [Dim(10)] public partial struct Digits;

            [Network]
            public partial class Mlp
            {
                [Linear(784, 10)] partial Linear Fc { get; }

                [Forward]
                public Tensor<Batch, Digits> Forward(Tensor<Batch, Pixels> x, float[] mask) => Fc(x);
            }
            """;

        Only(source, "SN0006", 14, 75,
            "Parameter 'mask' of 'Forward' must be a typed tensor such as Tensor<Batch, Features>, but its type is 'float[]'");
    }

    [Fact]
    public void SN0006_return_value_that_is_not_a_tensor()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(784)] public partial struct Pixels;
            [Dim(10)] public partial struct Digits;

            [Network]
            public partial class Mlp
            {
                [Linear(784, 10)] partial Linear Fc { get; }

                [Forward]
                public float[] Forward(Tensor<Batch, Pixels> x) => Fc(x);
            }
            """;

        Only(source, "SN0006", 14, 12,
            "The return value of 'Forward' must be a typed tensor such as Tensor<Batch, Features>, but its type is 'float[]'");
    }

    [Fact]
    public void SN0007_type_argument_that_is_not_a_dimension()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(10)] public partial struct Digits;
            public struct Pixels { }

            [Network]
            public partial class Mlp
            {
                [Linear(784, 10)] partial Linear Fc { get; }

                [Forward]
                public Tensor<Batch, Digits> Forward(Tensor<Batch, Pixels> x) => Fc(x);
            }
            """;

        Only(source, "SN0007", 14, 64,
            "'Pixels' is not a dimension: declare it as '[Dim(n)] public partial struct Pixels;' or use Batch");
    }

    [Fact]
    public void SN0007_block_type_argument_that_is_not_a_dimension()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(784)] public partial struct Pixels;
            public struct Features { }

            [Network]
            public partial class Dense<TIn> where TIn : IDim
            {
                [Linear(784, 784)] partial Linear Fc { get; }

                [Forward]
                public Tensor<Batch, TIn> Forward(Tensor<Batch, TIn> x) => Relu(Fc(x));
            }

            [Network]
            public partial class Encoder
            {
                [Block] partial Dense<Features> Layer1 { get; }

                [Forward]
                public Tensor<Batch, Pixels> Forward(Tensor<Batch, Pixels> x) => Layer1.Forward(x);
            }
            """;

        Only(source, "SN0007", 20, 37,
            "'Features' is not a dimension: declare it as '[Dim(n)] public partial struct Features;' or use Batch");
    }

    [Fact]
    public void SN0008_layer_property_not_partial()
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
                [Linear(128, 10)] Linear Fc2 { get; }

                [Forward]
                public Tensor<Batch, Digits> Forward(Tensor<Batch, Pixels> x) => Fc2(Relu(Fc1(x)));
            }
            """;

        Only(source, "SN0008", 12, 30,
            "Layer 'Fc2' must be declared as 'partial Linear Fc2 { get; }', but it is not a partial property");
    }

    [Fact]
    public void SN0008_layer_property_of_the_wrong_type()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(784)] public partial struct Pixels;
            [Dim(10)] public partial struct Digits;

            [Network]
            public partial class Mlp
            {
                [Linear(784, 128)] partial Tensor Fc1 { get; }
                [Linear(128, 10)] partial Linear Fc2 { get; }

                [Forward]
                public Tensor<Batch, Digits> Forward(Tensor<Batch, Pixels> x) => Fc2(Relu(Fc1(x)));
            }
            """;

        Only(source, "SN0008", 11, 39,
            "Layer 'Fc1' must be declared as 'partial Linear Fc1 { get; }', but it is of type 'Tensor'");
    }

    [Fact]
    public void SN0009_linear_with_zero_input_features()
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
                [Linear(0, 10)] partial Linear Fc2 { get; }

                [Forward]
                public Tensor<Batch, Digits> Forward(Tensor<Batch, Pixels> x) => Fc2(Relu(Fc1(x)));
            }
            """;

        Only(source, "SN0009", 12, 6, "Layer 'Fc2': in-features must be positive, but it is 0");
    }

    [Fact]
    public void SN0010_network_with_a_base_class()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(784)] public partial struct Pixels;
            [Dim(10)] public partial struct Digits;

            public abstract class Classifier { }

            [Network]
            public partial class Mlp : Classifier
            {
                [Linear(784, 10)] partial Linear Fc { get; }

                [Forward]
                public Tensor<Batch, Digits> Forward(Tensor<Batch, Pixels> x) => Fc(x);
            }
            """;

        Only(source, "SN0010", 11, 28,
            "Network 'Mlp' derives from 'Classifier': a [Network] class may not declare a base class, the generator derives it from ShapeNet.Module");
    }

    [Fact]
    public void SN0011_differentiable_method_not_static()
    {
        const string source = """
            using ShapeNet;
            using static ShapeNet.Ops;

            namespace Curriculum;

            [Dim(128)] public partial struct Hidden;

            public partial class Activations
            {
                [Differentiable]
                public Tensor<Batch, Hidden> Swish(Tensor<Batch, Hidden> x) => x * Sigmoid(x);
            }
            """;

        Only(source, "SN0011", 11, 34,
            "[Differentiable] method 'Swish' must be static, in a partial class, with typed tensor parameters; learnable parameters belong in a [Network]");
    }

    [Fact]
    public void SN0012_block_containing_itself()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(128)] public partial struct Hidden;

            [Network]
            public partial class Tower
            {
                [Linear(128, 128)] partial Linear Fc { get; }
                [Block] partial Tower Next { get; }

                [Forward]
                public Tensor<Batch, Hidden> Forward(Tensor<Batch, Hidden> x) => Next.Forward(Relu(Fc(x)));
            }
            """;

        Only(source, "SN0012", 11, 27, "Block 'Next' of type 'Tower' contains itself through Tower; a network cannot be its own layer");
    }

    [Fact]
    public void SN0012_two_blocks_containing_each_other()
    {
        const string source = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(128)] public partial struct Hidden;

            [Network]
            public partial class Encoder
            {
                [Block] partial Decoder Inner { get; }

                [Forward]
                public Tensor<Batch, Hidden> Forward(Tensor<Batch, Hidden> x) => Inner.Forward(x);
            }

            [Network]
            public partial class Decoder
            {
                [Block] partial Encoder Outer { get; }

                [Forward]
                public Tensor<Batch, Hidden> Forward(Tensor<Batch, Hidden> x) => Outer.Forward(x);
            }
            """;

        var all = Run(source);
        Infrastructure.DiagnosticAssert.Has(all, "SN0012", 19, 29,
            "Block 'Outer' of type 'Encoder' contains itself through Encoder → Decoder; a network cannot be its own layer");
        Infrastructure.DiagnosticAssert.Has(all, "SN0012", 10, 29,
            "Block 'Inner' of type 'Decoder' contains itself through Decoder → Encoder; a network cannot be its own layer");
        Assert.Equal(2, all.Length);
    }
}
