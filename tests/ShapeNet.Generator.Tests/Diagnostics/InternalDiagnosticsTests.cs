using Microsoft.CodeAnalysis;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Ops;
using ShapeNet.Generator.Tests.Infrastructure;
using Xunit.Sdk;

namespace ShapeNet.Generator.Tests.Diagnostics;

/// <summary>
/// SN0900: the generator turns its own failures into a diagnostic instead of throwing. SN0901 (a missing gradient
/// rule) is reported by the emitter and tested with it.
/// </summary>
public class InternalDiagnosticsTests
{
    /// <summary>The forward method's location, as the model holds it: a reference into the parse's location table.</summary>
    private static readonly SourceRef ForwardLocation = new(3);

    private static readonly Shape PixelsBatch = Shape.Of(Dim.Batch, new Dim("Pixels", 784));

    private static Node InputNode(int index, string name) =>
        new(index, NodeKind.Input, name, EquatableArray<ValueRef>.Empty, new InputArgs(index), name, null);

    private static Node Call(int id, NodeKind kind, string op, int input, string text, SourceRef? location = null) =>
        new(id, kind, op, EquatableArray.Create(ValueRef.Of(input)), NoArgs.Value, text, location);

    private static EquatableArray<DeclaredReturn> ReturnsTensor => EquatableArray.Create(new DeclaredReturn(null, "global::ShapeNet.Tensor"));

    /// <summary>An MLP-like network whose forward is <paramref name="nodes"/> (node 0 is the input x), with no layers.</summary>
    private static NetworkModel Network(params Node[] nodes)
    {
        var forward = new GraphModel("Forward", false, EquatableArray<string>.Empty,
            EquatableArray.Create(new GraphInput("x", PixelsBatch, "global::ShapeNet.Tensor<global::ShapeNet.Batch, global::Curriculum.Pixels>", null)),
            ReturnsTensor, "global::ShapeNet.Tensor", EquatableArray.Create(nodes), EquatableArray.Create(ValueRef.Of(nodes.Length - 1)), OutputTree.Single,
            ForwardLocation);
        return new NetworkModel("Curriculum", "Mlp", "public", EquatableArray<string>.Empty, EquatableArray<string>.Empty,
            EquatableArray<LayerModel>.Empty, forward, EquatableArray<DiagnosticInfo>.Empty);
    }

    /// <summary>The message the generator would report for <paramref name="info"/>.</summary>
    private static string Message(DiagnosticInfo info) =>
        DiagnosticAssert.Message(Diagnostic.Create(DiagnosticDescriptors.Get(info.Id), Location.None, info.Arguments.ToArray<object>()));

    [Fact]
    public void SN0900_when_inference_throws_on_a_call_of_a_layer_the_network_does_not_have()
    {
        NetworkModel network = Network(
            InputNode(0, "x"),
            Call(1, NodeKind.Layer, "Fc9", 0, "Fc9(x)"));

        NetworkSpec spec = ShapeInference.Infer(network);

        Assert.Null(spec.Graph);
        DiagnosticInfo diagnostic = Assert.Single(spec.Diagnostics);
        Assert.Equal("SN0900", diagnostic.Id);
        Assert.Equal(ForwardLocation, diagnostic.Location);
        Assert.Equal(
            "ShapeNet's generator failed on 'Mlp': InvalidOperationException: Sequence contains no matching element. This is a bug in ShapeNet; the network was not generated",
            Message(diagnostic));
    }

    [Fact]
    public void SN0900_when_inference_throws_on_a_node_that_names_a_missing_input()
    {
        NetworkModel network = Network(
            InputNode(0, "x"),
            Call(1, NodeKind.Op, "Relu", 7, "Relu(y)"));

        NetworkSpec spec = ShapeInference.Infer(network);

        Assert.Null(spec.Graph);
        DiagnosticInfo diagnostic = Assert.Single(spec.Diagnostics);
        Assert.Equal("SN0900", diagnostic.Id);
        Assert.Equal(ForwardLocation, diagnostic.Location);
        Assert.StartsWith("ShapeNet's generator failed on 'Mlp': IndexOutOfRangeException: ", Message(diagnostic));
    }

    [Fact]
    public void SN0900_for_an_op_without_a_shape_rule()
    {
        var frobnicate = new SourceRef(5);
        NetworkModel network = Network(
            InputNode(0, "x"),
            Call(1, NodeKind.Op, "Frobnicate", 0, "Frobnicate(x)", frobnicate));

        NetworkSpec spec = ShapeInference.Infer(network);

        Assert.Null(spec.Graph);
        DiagnosticInfo diagnostic = Assert.Single(spec.Diagnostics);
        Assert.Equal("SN0900", diagnostic.Id);
        Assert.Equal(frobnicate, diagnostic.Location);
        Assert.Equal(
            "ShapeNet's generator failed on 'Frobnicate(x)': no shape rule for op Frobnicate. This is a bug in ShapeNet; the network was not generated",
            Message(diagnostic));
    }

    [Fact]
    public void SN0900_when_inference_of_a_function_throws()
    {
        var graph = new GraphModel("Swish", true, EquatableArray<string>.Empty,
            EquatableArray.Create(new GraphInput("x", PixelsBatch, "global::ShapeNet.Tensor", null)), ReturnsTensor, "global::ShapeNet.Tensor",
            EquatableArray.Create(InputNode(0, "x"), Call(1, NodeKind.Layer, "Fc", 0, "Fc(x)")),
            EquatableArray.Create(ValueRef.Of(1)), OutputTree.Single, ForwardLocation);
        var function = new FunctionModel("Curriculum", "Activations", "public", true, EquatableArray<string>.Empty, "public", graph,
            EquatableArray<DiagnosticInfo>.Empty);

        FunctionSpec spec = ShapeInference.Infer(function);

        Assert.Null(spec.Graph);
        DiagnosticInfo diagnostic = Assert.Single(spec.Diagnostics);
        Assert.Equal("SN0900", diagnostic.Id);
        Assert.Equal(ForwardLocation, diagnostic.Location);
        Assert.StartsWith("ShapeNet's generator failed on 'Swish': InvalidOperationException: ", Message(diagnostic));
    }

    public static TheoryData<string, string> MalformedSources() => new()
    {
        { "incomplete code", """
            using ShapeNet;
            namespace Curriculum;
            [Dim(784)] public partial struct Pixels;
            [Dim(10)] public partial struct Digits;
            [Network]
            public partial class Mlp
            {
                [Linear(784, 10)] partial Linear Fc { get; }
                [Forward]
                public Tensor<Batch, Digits> Forward(Tensor<Batch, Pixels> x)
                {
                    return Fc(
            """ },
        { "syntax error mid-body", """
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
                    var h = Relu(Fc1(x)) +* ;
                    h = ) Fc2(;
                    return Fc2(h);
                }
            }
            """ },
        { "network with no body", """
            using ShapeNet;
            namespace Curriculum;
            [Network] public partial class Mlp;
            [Network] public partial class Empty { }
            """ },
        { "forward with a block body and no return", """
            using ShapeNet;
            namespace Curriculum;
            [Dim(784)] public partial struct Pixels;
            [Dim(10)] public partial struct Digits;
            [Network]
            public partial class Mlp
            {
                [Linear(784, 10)] partial Linear Fc { get; }
                [Forward]
                public Tensor<Batch, Digits> Forward(Tensor<Batch, Pixels> x)
                {
                    var logits = Fc(x);
                }
            }
            """ },
        { "forward without a body", """
            using ShapeNet;
            namespace Curriculum;
            [Dim(784)] public partial struct Pixels;
            [Dim(10)] public partial struct Digits;
            [Network]
            public partial class Mlp
            {
                [Linear(784, 10)] partial Linear Fc { get; }
                [Forward]
                public partial Tensor<Batch, Digits> Forward(Tensor<Batch, Pixels> x);
            }
            """ },
        { "garbage attribute arguments", """
            using ShapeNet;
            namespace Curriculum;
            [Dim("ten")] public partial struct Digits;
            [Dim] public partial struct Pixels;
            [Dim(1, 2)] public partial struct Pair;
            [Dim(null)] public partial struct Nothing;
            [Network("mlp")]
            public partial class Mlp
            {
                [Linear("wide", null)] partial Linear Fc1 { get; }
                [Linear(784)] partial Linear Fc2 { get; }
                [Linear(784, 10, Bias = "yes", Name = 3)] partial Linear Fc3 { get; }
                [Block(12)] partial Mlp Self { get; }
                [Forward(1)]
                public Tensor<Batch, Digits> Forward(Tensor<Batch, Pixels> x) => Fc3(Fc2(Fc1(x)));
            }
            """ },
        { "attributes in odd places", """
            using ShapeNet;
            namespace Curriculum;
            [Dim(784)] public partial struct Pixels;
            public partial class Outer
            {
                [Network]
                private partial class Inner
                {
                    [Forward]
                    public Tensor<Batch, Pixels> Forward<T>(Tensor<Batch, T> x) where T : IDim => x;
                }
            }
            [Network] public partial struct NotAClass { }
            [Network] public partial record Rec;
            [Dim(3)] public partial class NotAStruct { }
            public static partial class Fns
            {
                [Differentiable] public static void Nothing() { }
                [Differentiable] public static Tensor<Batch, Pixels> Generic<T>(Tensor<Batch, T> x) => x;
                [Differentiable] public static extern Tensor<Batch, Pixels> External(Tensor<Batch, Pixels> x);
            }
            """ },
        { "unbalanced braces", """
            using ShapeNet;
            namespace Curriculum;
            [Dim(784)] public partial struct Pixels;
            [Network]
            public partial class Mlp
            {
                [Forward]
                public Tensor<Batch, Pixels> Forward(Tensor<Batch, Pixels> x)
                {
                    for (int i = 0; i < 3; i++) {
                        x = Relu(x);
                    return x;
            """ },
    };

    /// <summary>Op calls at the edge of what the DSL accepts, each alone in a forward body so that inference runs.</summary>
    public static TheoryData<string> OddOpCalls() => new()
    {
        "Concat([], 1)",
        "Concat([x], 5)",
        "Concat(new Tensor[0])",
        "Reshape(v, new int[0])",
        "Reshape(v, 0, -1, -1)",
        "Reshape(x)",
        "Sum(x, new int[0])",
        "Sum(x, [0, 0, 1])",
        "Mean(v, 3, true)",
        "Softmax(x, 1.5)",
        "Softmax(x, axis: 1, axis: 0)",
        "Transpose(x, 0, 9)",
        "Transpose(Sum(x))",
        "Dot(x)",
        "Dot(Sum(x), v)",
        "x / 0",
        "0 / x",
        "1 + 2",
        "MatMul(Sum(x), v)",
        "MatMul(v, v)",
        "Flatten(Sum(x))",
        "Flatten(v)",
        "Pow(x, \"two\")",
        "CrossEntropyLoss(Sum(x), v)",
        "MseLoss(x)",
        "Fc(Sum(x))",
        "Fc(x, reduction: Reduction.Sum)",
        "-(+x)",
        "this.Fc(x)",
        "Ops.Relu(x)",
        "Forward(x, v)",
        "x[0]",
        "default",
        "null!",
    };

    [Theory]
    [MemberData(nameof(OddOpCalls))]
    public void The_generator_never_throws_on_odd_op_calls(string call)
    {
        string source = $$"""
            using ShapeNet;
            namespace Curriculum;
            [Dim(784)] public partial struct Pixels;
            [Dim(6)] public partial struct Six;
            [Network]
            public partial class Odd
            {
                [Linear(784, 6)] partial Linear Fc { get; }
                [Forward]
                public Tensor<Batch, Six> Forward(Tensor<Batch, Pixels> x, Tensor<Six> v) => {{call}};
            }
            """;

        The_generator_never_throws_on_malformed_source(call, source);
    }

    [Theory]
    [MemberData(nameof(MalformedSources))]
    public void The_generator_never_throws_on_malformed_source(string description, string source)
    {
        GeneratorResult result = GeneratorHarness.Run(source);

        if (result.GeneratorRun.Exception is not null)
            throw new XunitException($"The generator threw on {description}: {result.GeneratorRun.Exception}");
        Diagnostic[] crashes = result.GeneratorDiagnostics.Concat(result.CompilationDiagnostics)
            .Where(d => d.Id is "AD0001" or "CS8784" or "CS8785" or "SN0900").ToArray();
        if (crashes.Length > 0)
            throw new XunitException($"The generator failed on {description}:{Environment.NewLine}{DiagnosticAssert.FormatAll(crashes)}");
    }
}
