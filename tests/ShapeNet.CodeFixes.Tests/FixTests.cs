using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.Testing;

namespace ShapeNet.CodeFixes.Tests;

/// <summary>
/// Each fix of <see cref="ShapeErrorCodeFixProvider"/>: the source with the generator's diagnostic where it is reported
/// (<c>{|SN0101:…|}</c>), the fix's title, and the fixed source, which the harness compiles with the generator again and
/// requires to have no diagnostic at all (the fix clears the error and introduces none). A test whose fixed source is
/// its source checks that no fix is offered.
/// </summary>
public class FixTests
{
    private static Task Verify(string source, string fixedSource, string? title = null, string? equivalenceKey = null)
    {
        var test = new ShapeFixTest
        {
            TestCode = source,
            FixedCode = fixedSource,
            CodeActionEquivalenceKey = equivalenceKey,
        };
        if (title is not null) test.CodeActionVerifier = (CodeAction action, IVerifier verifier) => verifier.Equal(title, action.Title);
        return test.RunAsync();
    }

    private const string Mlp = """
        using ShapeNet;

        namespace Curriculum;

        [Dim(784)] public partial struct Pixels;
        [Dim(10)] public partial struct Digits;

        [Network]
        public partial class Mlp
        {
            [Linear(784, 128)] partial Linear Fc1 { get; }
            [Linear(SIZE, 10)] partial Linear Fc2 { get; }

            [Forward]
            public Tensor<Batch, Digits> Forward(Tensor<Batch, Pixels> x)
            {
                var h = Relu(Fc1(x));
                return CALL;
            }
        }
        """;

    [Fact]
    public Task SN0101_sets_the_in_features_to_the_inferred_size() =>
        Verify(Mlp.Replace("SIZE", "256").Replace("CALL", "{|SN0101:Fc2(h)|}"),
            Mlp.Replace("SIZE", "128").Replace("CALL", "Fc2(h)"),
            title: "Change Linear(256, 10) to Linear(128, 10)");

    [Fact]
    public Task SN0101_replaces_a_constant_size_too() =>
        Verify(Mlp.Replace("SIZE", "Wide").Replace("CALL", "{|SN0101:Fc2(h)|}")
                .Replace("public partial class Mlp\n{", "public partial class Mlp\n{\n    private const int Wide = 512;\n"),
            Mlp.Replace("SIZE", "128").Replace("CALL", "Fc2(h)")
                .Replace("public partial class Mlp\n{", "public partial class Mlp\n{\n    private const int Wide = 512;\n"),
            title: "Change Linear(Wide, 10) to Linear(128, 10)");

    private const string Cnn = """
        using ShapeNet;

        namespace Curriculum;

        [Dim(1)] public partial struct Gray;
        [Dim(28)] public partial struct Side;
        [Dim(10)] public partial struct Digits;

        [Network]
        public partial class BasicCnn
        {
            [Conv2d(1, 10, Kernel = 5)] partial Conv2d Conv1 { get; }
            [Conv2d(CONV2, 20, Kernel = 5)] partial Conv2d Conv2 { get; }
            [Linear(FC, 10)] partial Linear Fc { get; }

            [Forward]
            public Tensor<Batch, Digits> Forward(Tensor<Batch, Gray, Side, Side> x)
            {
                var h = Relu(MaxPool2d(Conv1(x), 2));
                h = Relu(MaxPool2d(CONVCALL, 2));
                return FCCALL;
            }
        }
        """;

    private static string BasicCnn(string conv2 = "10", string fc = "320", string convCall = "Conv2(h)", string fcCall = "Fc(Flatten(h))") =>
        Cnn.Replace("CONV2", conv2).Replace("FC,", fc + ",").Replace("CONVCALL", convCall).Replace("FCCALL", fcCall);

    [Fact]
    public Task SN0101_inserts_the_missing_Flatten_when_the_flattened_size_is_the_in_features() =>
        Verify(BasicCnn(fcCall: "{|SN0101:Fc(h)|}"), BasicCnn(),
            title: "Insert Flatten: Fc(Flatten(h))");

    [Fact]
    public Task SN0101_without_Flatten_and_with_the_wrong_size_offers_both_together() =>
        Verify(BasicCnn(fc: "512", fcCall: "{|SN0101:Fc(h)|}"), BasicCnn(),
            title: "Insert Flatten: Fc(Flatten(h)), and change Linear(512, 10) to Linear(320, 10)",
            equivalenceKey: "ShapeNet.InsertFlattenAndChangeSize");

    [Fact]
    public Task SN0101_the_brief_s_example_after_Flatten() =>
        Verify(BasicCnn(fc: "512", fcCall: "{|SN0101:Fc(Flatten(h))|}"), BasicCnn(),
            title: "Change Linear(512, 10) to Linear(320, 10)");

    [Fact]
    public Task SN0112_sets_the_in_channels_keeping_the_named_arguments() =>
        Verify(BasicCnn(conv2: "20", convCall: "{|SN0112:Conv2(h)|}"), BasicCnn(),
            title: "Change Conv2d(20, 20, Kernel = 5) to Conv2d(10, 20, Kernel = 5)");

    private const string BatchNormNet = """
        using ShapeNet;

        namespace Curriculum;

        [Dim(1)] public partial struct Gray;
        [Dim(28)] public partial struct Side;

        [Network]
        public partial class BnNet
        {
            [Conv2d(1, 10, Kernel = 5)] partial Conv2d Conv1 { get; }
            [BatchNorm2d(FEATURES, Momentum = 0.2)] partial BatchNorm2d Bn1 { get; }

            [Forward]
            public Tensor Forward(Tensor<Batch, Gray, Side, Side> x) => Relu(CALL);
        }
        """;

    [Fact]
    public Task SN0112_sets_a_BatchNorm2d_s_features() =>
        Verify(BatchNormNet.Replace("FEATURES", "20").Replace("CALL", "{|SN0112:Bn1(Conv1(x))|}"),
            BatchNormNet.Replace("FEATURES", "10").Replace("CALL", "Bn1(Conv1(x))"),
            title: "Change BatchNorm2d(20, Momentum = 0.2) to BatchNorm2d(10, Momentum = 0.2)");

    /// <summary>The layer lives in another file of the partial class: the fix edits that file.</summary>
    [Fact]
    public async Task SN0101_edits_the_file_that_declares_the_layer()
    {
        const string layers = """
            using ShapeNet;

            namespace Curriculum;

            public partial class Mlp
            {
                [Linear(784, 128)] partial Linear Fc1 { get; }
                [Linear(SIZE, 10)] partial Linear Fc2 { get; }
            }
            """;
        const string body = """
            using ShapeNet;

            namespace Curriculum;

            [Dim(784)] public partial struct Pixels;
            [Dim(10)] public partial struct Digits;

            [Network]
            public partial class Mlp
            {
                [Forward]
                public Tensor<Batch, Digits> Forward(Tensor<Batch, Pixels> x) => CALL;
            }
            """;
        var test = new ShapeFixTest();
        test.TestState.Sources.Add(("Body.cs", body.Replace("CALL", "{|SN0101:Fc2(Relu(Fc1(x)))|}")));
        test.TestState.Sources.Add(("Layers.cs", layers.Replace("SIZE", "64")));
        test.FixedState.Sources.Add(("Body.cs", body.Replace("CALL", "Fc2(Relu(Fc1(x)))")));
        test.FixedState.Sources.Add(("Layers.cs", layers.Replace("SIZE", "128")));
        await test.RunAsync();
    }

    private const string Blocks = """
        using ShapeNet;

        namespace Curriculum;

        [Dim(784)] public partial struct Pixels;
        [Dim(128)] public partial struct Hidden;
        [Dim(10)] public partial struct Digits;

        [Network]
        public partial class Residual<TIn> where TIn : IDim
        {
            [Linear(nameof(TIn), nameof(TIn))] partial Linear Fc { get; }

            [Forward]
            public Tensor<Batch, TIn> Forward(Tensor<Batch, TIn> x) => x + Relu(Fc(x));
        }

        [Network]
        public partial class Classifier
        {
            [Linear(784, 128)] partial Linear Stem { get; }
            [Block] partial Residual<DIM> Block1 { get; }
            [Linear(128, 10)] partial Linear Head { get; }

            [Forward]
            public Tensor<Batch, Digits> Forward(Tensor<Batch, Pixels> x)
            {
                var h = Relu(Stem(x));
                return Head(CALL);
            }
        }
        """;

    [Fact]
    public Task SN0111_changes_the_generic_block_s_dimension_to_one_of_the_size_it_is_given() =>
        Verify(Blocks.Replace("DIM", "Pixels").Replace("CALL", "{|SN0111:Block1.Forward(h)|}"),
            Blocks.Replace("DIM", "Hidden").Replace("CALL", "Block1.Forward(h)"),
            title: "Change Residual<Pixels> to Residual<Hidden>");

    [Fact]
    public Task SN0111_declares_a_dimension_when_none_has_the_size() =>
        Verify(Blocks.Replace("DIM", "Pixels").Replace("[Dim(128)] public partial struct Hidden;\n", string.Empty)
                .Replace("CALL", "{|SN0111:Block1.Forward(h)|}"),
            Blocks.Replace("DIM", "Size128").Replace("[Dim(128)] public partial struct Hidden;\n", string.Empty)
                .Replace("[Dim(10)] public partial struct Digits;\n", "[Dim(10)] public partial struct Digits;\n[Dim(128)] public partial struct Size128;\n")
                .Replace("CALL", "Block1.Forward(h)"),
            title: "Change Residual<Pixels> to Residual<Size128> (declaring Size128)");

    private const string Returns = """
        using ShapeNet;

        namespace Curriculum;

        [Dim(784)] public partial struct Pixels;
        [Dim(10)] public partial struct Digits;
        DIMS
        [Network]
        public partial class Mlp
        {
            [Linear(784, 128)] partial Linear Fc1 { get; }
            [Linear(128, 20)] partial Linear Fc2 { get; }

            [Forward]
            public Tensor<Batch, RESULT> Forward(Tensor<Batch, Pixels> x)
            {
                var h = Relu(Fc1(x));
                return CALL;
            }
        }
        """;

    [Fact]
    public Task SN0107_declares_the_returned_shape_with_an_existing_dimension() =>
        Verify(Returns.Replace("DIMS", "[Dim(20)] public partial struct Twenty;\n").Replace("RESULT", "Digits").Replace("CALL", "{|SN0107:Fc2(h)|}"),
            Returns.Replace("DIMS", "[Dim(20)] public partial struct Twenty;\n").Replace("RESULT", "Twenty").Replace("CALL", "Fc2(h)"),
            title: "Change the return type to Tensor<Batch, Twenty>");

    [Fact]
    public Task SN0107_declares_a_new_dimension_after_the_others() =>
        Verify(Returns.Replace("DIMS", string.Empty).Replace("RESULT", "Digits").Replace("CALL", "{|SN0107:Fc2(h)|}"),
            Returns.Replace("DIMS", "[Dim(20)] public partial struct Size20;\n").Replace("RESULT", "Size20").Replace("CALL", "Fc2(h)"),
            title: "Change the return type to Tensor<Batch, Size20> (declaring Size20)");

    /// <summary>A literal size inside a generic block is right for one use only: no fix (the repair is nameof(TIn)). A size
    /// written as nameof(TIn) can only be in a generic block too, so it never gets a literal.</summary>
    [Fact]
    public Task No_fix_for_a_layer_inside_a_generic_block()
    {
        string source = Blocks.Replace("[Linear(nameof(TIn), nameof(TIn))]", "[Linear(784, 784)]").Replace("DIM", "Hidden")
            .Replace("x + Relu(Fc(x))", "x + Relu({|SN0101:Fc(x)|})").Replace("CALL", "Block1.Forward(h)");
        return Verify(source, source);
    }
}
