using System.Globalization;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Ops;
using ShapeNet.Generator.Planning;
using static ShapeNet.Generator.Tests.Emit.HandBuiltGraph;

namespace ShapeNet.Generator.Tests.Emit;

public sealed partial class EmitterTests
{
    private const string BatchType = "global::ShapeNet.Batch";
    private const string TensorType = "global::ShapeNet.Tensor";

    private const string Dims = """
        using ShapeNet;
        namespace Samples;
        public readonly struct Pixels : IDim { public static int Size => 784; public static string Name => "Pixels"; }
        public readonly struct Digits : IDim { public static int Size => 10; public static string Name => "Digits"; }
        public readonly struct Two : IDim { public static int Size => 2; public static string Name => "Two"; }
        public readonly struct Three : IDim { public static int Size => 3; public static string Name => "Three"; }
        public readonly struct Four : IDim { public static int Size => 4; public static string Name => "Four"; }
        public readonly struct Ten : IDim { public static int Size => 10; public static string Name => "Ten"; }
        """;

    // ---- the MNIST MLP --------------------------------------------------------------------------

    private static (NetworkSpec Spec, int[] Linears) Mlp()
    {
        var g = new HandBuiltGraph();
        int x = g.Input("x", Typed("Pixels"), BatchDim, D("Pixels", 784));
        int[] sizes = { 784, 512, 256, 128, 64, 10 };
        var linears = new List<int>();
        int h = x;
        string text = "x";
        for (int i = 0; i < 5; i++)
        {
            string call = $"Fc{i + 1}({text})";
            h = g.Linear(h, "fc" + (i + 1), sizes[i], sizes[i + 1], call);
            linears.Add(h);
            if (i < 4)
            {
                h = g.Unary("Relu", h, $"Relu({call})");
                text = "h" + (i + 1);
            }
        }
        var layers = Enumerable.Range(0, 5).Select(i => LinearLayer("Fc" + (i + 1), "fc" + (i + 1), sizes[i], sizes[i + 1])).ToArray();
        var network = Network("Mlp", layers);
        return (new NetworkSpec(network, g.Build(h, Typed("Digits")), EquatableArray<DiagnosticInfo>.Empty), linears.ToArray());
    }

    private const string MlpUser = """
        using ShapeNet;
        namespace Samples;
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
                var h1 = Relu(Fc1(x.Value));
                var h2 = Relu(Fc2(h1));
                var h3 = Relu(Fc3(h2));
                var h4 = Relu(Fc4(h3));
                return new Tensor<Batch, Digits>(Fc5(h4));
            }

            public static void Use()
            {
                var net = new Mlp(seed: 1);
                Plan plan = net.CreatePlan(64);
                plan.TrainStep(default(Tensor<Batch, Pixels>), new Tensor(new float[64], 64));
                float loss = plan.Loss;
                System.Console.WriteLine(Summary + loss + plan.MemoryBytes);
            }
        }
        """;

    [Fact]
    public void Mlp_plan_compiles_and_fuses_every_hidden_linear_with_its_relu()
    {
        (NetworkSpec spec, int[] linears) = Mlp();
        (string source, EquatableArray<DiagnosticInfo> diagnostics) = NetworkEmitter.Emit(spec);

        Assert.Empty(diagnostics);
        AssertCompiles(source, MlpUser, Dims);
        BufferPlan plan = BufferPlan.Create(spec.Graph!);
        Assert.All(linears.Take(4), l => Assert.True(plan.FusedActivationOf[l] >= 0));
        Assert.Equal(-1, plan.FusedActivationOf[linears[4]]);
        Assert.Contains("global::ShapeNet.Backends.UnaryOp.Relu);", source);
        Assert.Contains("Backend.Unary_Backward(global::ShapeNet.Backends.UnaryOp.Relu, 0f,", source);
        Assert.Contains("public const string Summary =", source);
        Assert.Contains("575,050", source); // 784·512+512 + 512·256+256 + 256·128+128 + 128·64+64 + 64·10+10
    }

    [Fact]
    public void Mlp_backward_overwrites_first_and_never_reads_an_unwritten_gradient()
    {
        (NetworkSpec spec, int[] linears) = Mlp();
        BufferPlan plan = BufferPlan.Create(spec.Graph!);

        Assert.All(linears, l => Assert.False(plan.ParameterAccumulates(l)));
        Assert.All(linears, l => Assert.False(plan.Accumulates(l, 0)));
        // The hidden gradients ping-pong between two shared slots; the output and input gradients are dedicated.
        Assert.Equal(2, plan.Buffers.Count(b => b.Role == BufferRole.Gradient));
        Assert.Single(plan.Buffers, b => b.Role == BufferRole.InputGradient);
        Assert.Single(plan.Buffers, b => b.Role == BufferRole.OutputGradient);
    }

    // ---- fusion and first-write flags -----------------------------------------------------------

    [Fact]
    public void Linear_with_two_consumers_is_not_fused()
    {
        var g = new HandBuiltGraph();
        int x = g.Input("x", Typed("Four"), BatchDim, D("Four", 4));
        int h = g.Linear(x, "fc", 4, 4, "Fc(x)");
        int r = g.Unary("Relu", h, "Relu(h)");
        int y = g.Op("Add", new[] { r, h }, g.ShapeOf(h), "Relu(h) + h");
        BufferPlan plan = BufferPlan.Create(g.Build(y, Typed("Four")));

        Assert.Equal(-1, plan.FusedActivationOf[h]);
        Assert.Equal(-1, plan.FusedInto[r]);
        Assert.NotNull(plan.ValueName[h]);
        // d(h) gets the Add's operand 1 first (the Add runs first backwards), then the Relu's.
        Assert.False(plan.Accumulates(y, 1));
        Assert.True(plan.Accumulates(r, 0));
    }

    [Fact]
    public void Fan_out_gradient_is_written_once_then_accumulated_in_backward_order()
    {
        var g = new HandBuiltGraph();
        int x = g.Input("x", Typed("Four"), D("Four", 4));
        int a = g.Unary("Exp", x, "Exp(x)");
        int b = g.Op("Mul", new[] { a, a }, g.ShapeOf(a), "a * a");
        int c = g.Op("Add", new[] { b, a }, g.ShapeOf(a), "b + a");
        int s = g.Op("Sum", new[] { c }, Shape.Scalar, "Sum(c)");
        BufferPlan plan = BufferPlan.Create(g.Build(s, TensorType));

        Assert.False(plan.Accumulates(s, 0)); // d(c) = broadcast(d(s))
        Assert.False(plan.Accumulates(c, 0)); // d(b) = d(c)
        Assert.False(plan.Accumulates(c, 1)); // d(a) = d(c): the first contribution to d(a)
        Assert.True(plan.Accumulates(b, 0));  // d(a) += d(b)·a
        Assert.True(plan.Accumulates(b, 1));  // d(a) += a·d(b)
        Assert.False(plan.Accumulates(a, 0)); // d(x) = d(a)·exp(x)
        // d(b) and d(a) are live at once, d(c) dies before either is written: distinct slots where it matters.
        Assert.NotEqual(plan.GradientName[a], plan.GradientName[b]);
        Assert.NotEqual(plan.GradientName[a], plan.GradientName[c]);
    }

    [Fact]
    public void Reused_layer_accumulates_its_parameter_gradients_on_the_second_use()
    {
        (NetworkSpec spec, int first, int second) = SharedLayer();
        (string source, EquatableArray<DiagnosticInfo> diagnostics) = NetworkEmitter.Emit(spec);
        BufferPlan plan = BufferPlan.Create(spec.Graph!);

        Assert.Empty(diagnostics);
        Assert.False(plan.ParameterAccumulates(second)); // runs first in the backward pass
        Assert.True(plan.ParameterAccumulates(first));
        Assert.Equal(2, spec.Graph!.Parameters.Count);
        AssertCompiles(source, SharedUser, Dims);
    }

    private static (NetworkSpec, int, int) SharedLayer()
    {
        var g = new HandBuiltGraph();
        int x = g.Input("x", Typed("Four"), BatchDim, D("Four", 4));
        int h1 = g.Linear(x, "fc", 4, 4, "Fc(x)");
        int t = g.Unary("Tanh", h1, "Tanh(Fc(x))");
        int h2 = g.Linear(t, "fc", 4, 4, "Fc(h)");
        var network = Network("Shared", LinearLayer("Fc", "fc", 4, 4, "public"));
        return (new NetworkSpec(network, g.Build(h2, Typed("Four")), EquatableArray<DiagnosticInfo>.Empty), h1, h2);
    }

    private const string SharedUser = """
        using ShapeNet;
        namespace Samples;
        [Network]
        public partial class Shared
        {
            [Linear(4, 4)] public partial Linear Fc { get; }

            [Forward]
            public Tensor<Batch, Four> Forward(Tensor<Batch, Four> x) => new(Fc(Tanh(Fc(x.Value))));
        }
        """;

    // ---- broadcasting and the other ops ---------------------------------------------------------

    [Fact]
    public void Broadcasting_add_compiles_with_left_padded_shapes()
    {
        var g = new HandBuiltGraph();
        int x = g.Input("x", Typed("Four"), BatchDim, D("Four", 4));
        int b = g.Input("b", $"global::ShapeNet.Tensor<global::Samples.Three>", D("Three", 3));
        int h = g.Linear(x, "fc", 4, 3, "Fc(x)");
        int y = g.Op("Add", new[] { h, b }, g.ShapeOf(h), "Fc(x) + b");
        var spec = new NetworkSpec(Network("Broadcast", LinearLayer("Fc", "fc", 4, 3)), g.Build(y, Typed("Three")), EquatableArray<DiagnosticInfo>.Empty);
        (string source, EquatableArray<DiagnosticInfo> diagnostics) = NetworkEmitter.Emit(spec);

        Assert.Empty(diagnostics);
        Assert.Contains("private readonly int[] _shape1 = { 1, 3 }; // [1, 3]", source);
        Assert.Contains("_shape0[0] = batch; // [Batch, 3]", source);
        AssertCompiles(source, Dims, """
            using ShapeNet;
            namespace Samples;
            [Network]
            public partial class Broadcast
            {
                [Linear(4, 3)] partial Linear Fc { get; }

                [Forward]
                public Tensor<Batch, Three> Forward(Tensor<Batch, Four> x, Tensor<Three> b) => default;

                public static void Use(Plan plan) => plan.TrainStep(new float[8], new float[3], new float[6], batch: 2);
            }
            """);
    }

    [Fact]
    public void Permute_matmul_concat_reshape_softmax_sum_and_mean_compile()
    {
        NetworkSpec spec = Mixed();
        (string source, EquatableArray<DiagnosticInfo> diagnostics) = NetworkEmitter.Emit(spec);

        Assert.Empty(diagnostics);
        Assert.Contains("batchCount: batch, strideA: 6, strideB: 6, strideC: 4", source);
        Assert.Contains("Backend.CopyRows(", source);
        Assert.Contains("Backend.Reduce_Backward(global::ShapeNet.Backends.ReduceOp.Mean", source);
        Assert.Contains("Backend.Permute(", source);
        AssertCompiles(source, Dims, MixedUser);
    }

    /// <summary>Two inputs through every layout op: [Batch, 2, 3] and [10, 4] to [Batch, 4].</summary>
    private static NetworkSpec Mixed()
    {
        var g = new HandBuiltGraph();
        int x = g.Input("x", $"global::ShapeNet.Tensor<{BatchType}, global::Samples.Two, global::Samples.Three>", BatchDim, D("Two", 2), D("Three", 3));
        int w = g.Input("w", $"global::ShapeNet.Tensor<global::Samples.Ten, global::Samples.Four>", D("Ten", 10), D("Four", 4));
        int t = g.Op("Permute", new[] { x }, Shape.Of(BatchDim, D("Three", 3), D("Two", 2)), "Transpose(x)", new PermuteArgs(false, 1, 2));
        int m = g.Op("MatMul", new[] { x, t }, Shape.Of(BatchDim, D("Two", 2), D("Two", 2)), "MatMul(x, t)");
        int c = g.Op("Concat", new[] { m, x }, Shape.Of(BatchDim, D("Two", 2), D(5)), "Concat([m, x], 2)", new ConcatArgs(2));
        int f = g.Op("Reshape", new[] { c }, Shape.Of(BatchDim, D(10)), "Flatten(c)");
        int h = g.Linear(f, "fc", 10, 4, "Fc(f)");
        int p = g.Op("MatMul", new[] { f, w }, Shape.Of(BatchDim, D("Four", 4)), "MatMul(f, w)");
        int q = g.Op("Add", new[] { h, p }, Shape.Of(BatchDim, D("Four", 4)), "Fc(f) + MatMul(f, w)");
        int s = g.Op("Softmax", new[] { q }, g.ShapeOf(q), "Softmax(q, 1)", new SoftmaxArgs(1));
        int r = g.Op("Sum", new[] { s }, Shape.Of(BatchDim, D(1)), "Sum(s, 1, keepDim: true)", new ReduceArgs(EquatableArray.Create(1), true));
        int mean = g.Op("Mean", new[] { q }, Shape.Of(BatchDim, D(1)), "Mean(q, 1, keepDim: true)", new ReduceArgs(EquatableArray.Create(1), true));
        int y = g.Op("Mul", new[] { s, g.Op("Add", new[] { r, mean }, Shape.Of(BatchDim, D(1)), "r + mean") }, g.ShapeOf(s), "s * (r + mean)");
        return new NetworkSpec(Network("Mixed", LinearLayer("Fc", "fc", 10, 4)), g.Build(y, Typed("Four")), EquatableArray<DiagnosticInfo>.Empty);
    }

    private const string MixedUser = """
            using ShapeNet;
            namespace Samples;
            [Network]
            public partial class Mixed
            {
                [Linear(10, 4)] partial Linear Fc { get; }

                [Forward]
                public Tensor<Batch, Four> Forward(Tensor<Batch, Two, Three> x, Tensor<Ten, Four> w) => default;
            }
            """;

    // ---- skeletons ------------------------------------------------------------------------------

    [Fact]
    public void Generic_block_and_network_with_errors_get_the_skeleton_but_no_plan()
    {
        var block = new NetworkModel("Samples", "Head", "public", EquatableArray.Create("TIn"), EquatableArray<string>.Empty,
            EquatableArray.Create(new LayerModel("Fc", "fc", "Linear", new LinearArgs(SizeArg.Symbolic("TIn"), SizeArg.Of(10), true),
                "global::ShapeNet.Linear", "", null, null)), null, EquatableArray<DiagnosticInfo>.Empty);
        var parent = Network("Outer",
            new LayerModel("Head1", "head1", "Block", NoArgs.Value, "global::Samples.Head<global::Samples.Pixels>", "public", block, null),
            LinearLayer("Out", "out", 10, 10));
        (string blockSource, var blockDiagnostics) = NetworkEmitter.Emit(new NetworkSpec(block, null, EquatableArray<DiagnosticInfo>.Empty));
        (string parentSource, var parentDiagnostics) = NetworkEmitter.Emit(new NetworkSpec(parent, null, EquatableArray<DiagnosticInfo>.Empty));

        Assert.Empty(blockDiagnostics);
        Assert.Empty(parentDiagnostics);
        Assert.DoesNotContain("class Plan", blockSource + parentSource);
        Assert.Contains("new global::ShapeNet.LinearLayer(init, prefix + \"fc\", TIn.Size, 10, bias: true)", blockSource);
        AssertCompiles(blockSource, parentSource, Dims, """
            using ShapeNet;
            namespace Samples;
            [Network]
            public partial class Head<TIn> where TIn : IDim
            {
                [Linear(784, 10)] partial Linear Fc { get; }
            }
            [Network]
            public partial class Outer
            {
                [Block] public partial Head<Pixels> Head1 { get; }
                [Linear(10, 10)] partial Linear Out { get; }
            }
            """);
    }

    // ---- gradient rules -------------------------------------------------------------------------

    [Fact]
    public void The_registry_holds_one_definition_per_op_and_every_dsl_call_names_its_op()
    {
        string[] expected =
        [
            "Abs", "Add", "AddScalar", "AvgPool2d", "BatchNorm2d", "BceLoss", "BceWithLogitsLoss", "Concat", "Conv2d", "CrossEntropyLoss", "Detach", "Div",
            "Dropout", "Elu", "Exp", "Gelu", "GlobalAvgPool", "Hardtanh", "Input", "LeakyRelu", "Linear", "Log", "LogSoftmax", "MatMul", "MaxPool2d", "Mean",
            "MseLoss", "Mul", "MulScalar", "Neg", "NllLoss", "Permute", "Pick", "Pow", "RDivScalar", "RSubScalar", "Relu", "Reshape", "Sigmoid", "Silu", "Softmax",
            "Softplus", "Sqrt", "Sub", "Sum", "Tanh",
        ];

        // The recurrent ops and layers (Ops/Recurrent, Structure/Select).
        expected = [.. expected, "Embedding", "Gru", "GruCell", "Lstm", "LstmCell", "OneHot", "Rnn", "RnnCell", "Select"];
        // The ops that return several tensors.
        expected = [.. expected, "Chunk", "Split", "TopK"];
        // The nodes of a loop region (Structure/Loop.cs).
        expected = [.. expected, "LoopCollect", "LoopExit", "LoopState", "StepSelect"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), OpRegistry.All.Select(op => op.Name));
        Assert.All(OpRegistry.All, op => Assert.Equal(op.GetType().Name, op.Name));
        foreach (OpDefinition op in OpRegistry.All)
            foreach (DslCall call in op.Calls)
            {
                Assert.Same(op, call.Op);
                Assert.Contains(call, OpRegistry.Calls(call.Name)!);
            }
        Assert.Equal(new[] { "BatchNorm2d", "Conv2d", "Embedding", "Gru", "GruCell", "Linear", "Lstm", "LstmCell", "Rnn", "RnnCell" },
            OpRegistry.All.OfType<ILayer>().Select(l => l.Name));
    }

    [Fact]
    public void An_op_without_a_rule_is_SN0901_not_a_silent_zero()
    {
        var g = new HandBuiltGraph();
        int x = g.Input("x", Typed("Four"), BatchDim, D("Four", 4));
        int h = g.Linear(x, "fc", 4, 4, "Fc(x)");
        int y = g.Unary("Frobnicate", h, "Frobnicate(Fc(x))");
        var spec = new NetworkSpec(Network("Odd", LinearLayer("Fc", "fc", 4, 4)), g.Build(y, Typed("Four")), EquatableArray<DiagnosticInfo>.Empty);
        (string source, EquatableArray<DiagnosticInfo> diagnostics) = NetworkEmitter.Emit(spec);

        DiagnosticInfo diagnostic = Assert.Single(diagnostics);
        Assert.Equal("SN0901", diagnostic.Id);
        Assert.Contains("Frobnicate", diagnostic.Arguments[0]);
        Assert.DoesNotContain("class Plan", source);
        Assert.Contains("partial class Odd", source);
    }

    // ---- the book's autograd functions ----------------------------------------------------------

    [Fact]
    public void Book_autograd_functions_compile_and_detach_blocks_the_gradient()
    {
        string four = "global::ShapeNet.Tensor<global::Samples.Four>";

        var twoDot = new HandBuiltGraph();
        int x1 = twoDot.Input("x", four, D("Four", 4));
        int dot = twoDot.Op("Dot", new[] { x1, x1 }, Shape.Scalar, "Dot(x, x)");
        int y1 = twoDot.Op("MulScalar", new[] { dot }, Shape.Scalar, "2 * Dot(x, x)", new ScalarArgs(2));

        var sumSquares = new HandBuiltGraph();
        int x2 = sumSquares.Input("x", four, D("Four", 4));
        int sq = sumSquares.Op("Mul", new[] { x2, x2 }, sumSquares.ShapeOf(x2), "x * x");
        int y2 = sumSquares.Op("Sum", new[] { sq }, Shape.Scalar, "Sum(x * x)");

        var detach = new HandBuiltGraph();
        int x3 = detach.Input("x", four, D("Four", 4));
        int sq3 = detach.Op("Mul", new[] { x3, x3 }, detach.ShapeOf(x3), "x * x");
        int u = detach.Op("Detach", new[] { sq3 }, detach.ShapeOf(x3), "Detach(x * x)");
        int z = detach.Op("Mul", new[] { u, x3 }, detach.ShapeOf(x3), "u * x");
        int y3 = detach.Op("Sum", new[] { z }, Shape.Scalar, "Sum(z)");

        var sources = new List<string>
        {
            EmitFunction("TwoDot", twoDot.Build(y1, TensorType)),
            EmitFunction("SumOfSquares", sumSquares.Build(y2, TensorType)),
            EmitFunction("DetachedProduct", detach.Build(y3, TensorType)),
        };
        BufferPlan plan = BufferPlan.Create(detach.Build(y3, TensorType));
        Assert.False(plan.ReceivesGradient[sq3]);
        Assert.False(plan.ReceivesGradient[u]);
        Assert.True(plan.ReceivesGradient[x3]);
        Assert.Contains("Gemm(false, true, 1, 4, 1, 1f,", sources[0]);
        Assert.Contains("public static (global::ShapeNet.Tensor Value, global::ShapeNet.Tensor<global::Samples.Four> DX) TwoDotGrad(", sources[0]);

        sources.Add(Dims);
        sources.Add("""
            using ShapeNet;
            namespace Samples;
            public static partial class Autograd
            {
                [Differentiable] public static Tensor TwoDot(Tensor<Four> x) => Ops.Dot(x.Value, x.Value);
                [Differentiable] public static Tensor SumOfSquares(Tensor<Four> x) => Ops.Sum(x.Value);
                [Differentiable] public static Tensor DetachedProduct(Tensor<Four> x) => Ops.Sum(Ops.Detach(x.Value));

                public static Tensor<Four> Use(Tensor<Four> x) => TwoDotGrad(x).DX;
            }
            """);
        AssertCompiles(sources.ToArray());
    }

    private static string EmitFunction(string name, CompiledGraph graph)
    {
        GraphModel model = FunctionModelOf(name, graph);
        var function = new FunctionModel("Samples", "Autograd", "public", true, EquatableArray<string>.Empty, "public", model, EquatableArray<DiagnosticInfo>.Empty);
        (string source, EquatableArray<DiagnosticInfo> diagnostics) = FunctionEmitter.Emit(new FunctionSpec(function, graph, EquatableArray<DiagnosticInfo>.Empty));
        Assert.Empty(diagnostics);
        return source;
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static string Typed(string feature) => $"global::ShapeNet.Tensor<{BatchType}, global::Samples.{feature}>";

    /// <summary>A Linear layer member; <paramref name="accessibility"/> is the modifier as declared (empty when implicit).</summary>
    private static LayerModel LinearLayer(string member, string module, int inFeatures, int outFeatures, string accessibility = "") =>
        new(member, module, "Linear",
            new LinearArgs(SizeArg.Of(inFeatures), SizeArg.Of(outFeatures), true),
            "global::ShapeNet.Linear", accessibility, null, null);

    /// <summary>The parsed model of a static differentiable function whose compiled graph is <paramref name="graph"/>.</summary>
    private static GraphModel FunctionModelOf(string name, CompiledGraph graph) =>
        new(name, true, EquatableArray<string>.Empty, EquatableArray<GraphInput>.Empty, EquatableArray.Create(new DeclaredReturn(null, TensorType)), TensorType,
            EquatableArray<Node>.Empty, EquatableArray.Create(ValueRef.Of(graph.Output)), OutputTree.Single, null);

    private static NetworkModel Network(string name, params LayerModel[] layers) =>
        new("Samples", name, "public", EquatableArray<string>.Empty, EquatableArray<string>.Empty, layers.ToEquatableArray(), null,
            EquatableArray<DiagnosticInfo>.Empty);

    private static void AssertCompiles(params string[] sources) => EmittedCode.AssertCompiles(sources);
}
