namespace ShapeNet.Generator.Tests.Pipeline;

/// <summary>Networks written as users write them, shared by the pipeline, snapshot and execution tests.</summary>
public static class SampleSources
{
    public const string Mlp = """
        using ShapeNet;

        namespace Demo;

        [Dim(784)] public partial struct Pixels;
        [Dim(10)] public partial struct Digits;

        /// <summary>Lecture 9: 784-512-256-128-64-10 with ReLU.</summary>
        [Network]
        public partial class Mlp
        {
            [Linear(784, 512)] partial Linear Fc1 { get; }
            [Linear(512, 256)] partial Linear Fc2 { get; }
            [Linear(256, 128)] partial Linear Fc3 { get; }
            [Linear(128, 64)] partial Linear Fc4 { get; }
            [Linear(64, 10)] partial Linear Fc5 { get; }

            [Forward]
            public Tensor<Batch, Digits> Forward(Tensor<Batch, Pixels> x)
            {
                var h = Relu(Fc1(x));
                h = Relu(Fc2(h));
                h = Relu(Fc3(h));
                h = Relu(Fc4(h));
                return Fc5(h);
            }
        }
        """;

    public const string Autograd = """
        using ShapeNet;
        using static ShapeNet.Ops;

        namespace Demo;

        [Dim(4)] public partial struct Four;

        /// <summary>The book's autograd examples.</summary>
        public static partial class AutogradExamples
        {
            [Differentiable]
            public static Tensor TwiceDot(Tensor<Four> x) => 2 * Dot(x, x);

            [Differentiable]
            public static Tensor SumOfSquares(Tensor<Four> x) => Sum(x * x);

            [Differentiable]
            public static Tensor DetachExample(Tensor<Four> x)
            {
                var u = Detach(x * x);
                var z = u * x;
                return Sum(z);
            }
        }
        """;

    /// <summary>Conv2d → BatchNorm2d → ReLU → MaxPool → Linear, and a block with a BatchNorm2d: parameters and buffers.</summary>
    public const string BatchNormCnn = """
        using ShapeNet;

        namespace Demo;

        [Dim(3)] public partial struct Rgb;
        [Dim(8)] public partial struct Side;
        [Dim(6)] public partial struct Maps;
        [Dim(4)] public partial struct Kinds;

        [Network]
        public partial class ConvBn
        {
            [Conv2d(6, 6, 3, Padding = 1, Bias = false)] partial Conv2d Conv { get; }
            [BatchNorm2d(6, Momentum = 0.3, Affine = false)] partial BatchNorm2d Bn { get; }

            [Forward]
            public Tensor<Batch, Maps, Side, Side> Forward(Tensor<Batch, Maps, Side, Side> x) => Relu(Bn(Conv(x)));
        }

        [Network]
        public partial class BnCnn
        {
            [Conv2d(3, 6, Kernel = 3, Padding = 1)] partial Conv2d Conv1 { get; }
            [BatchNorm2d(6)] partial BatchNorm2d Bn1 { get; }
            [Block] partial ConvBn Block { get; }
            [Linear(96, 4)] partial Linear Fc { get; }

            [Forward]
            public Tensor<Batch, Kinds> Forward(Tensor<Batch, Rgb, Side, Side> x)
            {
                var h = Block.Forward(Relu(Bn1(Conv1(x))));
                return Fc(Flatten(MaxPool2d(h, 2)));
            }
        }
        """;
}
