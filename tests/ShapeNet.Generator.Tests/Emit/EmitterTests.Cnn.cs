using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using ShapeNet.Backends;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Ops;
using ShapeNet.Generator.Planning;
using static ShapeNet.Generator.Tests.Emit.HandBuiltGraph;

namespace ShapeNet.Generator.Tests.Emit;

// The CNN back end on hand-built graphs: the emitted plans compile, run on the CpuBackend (which implements the
// convolution, pooling and dropout kernels) and their gradients match finite differences.
public sealed partial class EmitterTests
{
    // The emitted network class constructs global::ShapeNet.Conv2dLayer and exposes global::ShapeNet.Conv2d; the tests
    // compile it against these stand-ins (renamed in the emitted text), so they hold whether the runtime has the real ones or not.
    private const string ConvStandIns = """
        using ShapeNet;
        namespace Samples;
        public delegate Tensor Conv2dStandIn(Tensor input);
        public sealed class Conv2dLayerStandIn
        {
            public Conv2dLayerStandIn(ParameterInit init, string name, int inChannels, int outChannels, int kernelH, int kernelW,
                int strideH, int strideW, int padH, int padW, int dilationH, int dilationW, int groups, bool bias = true)
            {
                int fanIn = inChannels / groups * kernelH * kernelW;
                Weight = init.Create(name + ".weight", fanIn, outChannels, inChannels / groups, kernelH, kernelW);
                Bias = bias ? init.Create(name + ".bias", fanIn, outChannels) : null;
            }
            public Parameter Weight { get; }
            public Parameter? Bias { get; }
            public Tensor Forward(Tensor input) => input;
        }
        """;

    private static string WithConvStandIns(string emitted) =>
        Regex.Replace(emitted.Replace("global::ShapeNet.Conv2dLayer", "global::Samples.Conv2dLayerStandIn"), @"global::ShapeNet\.Conv2d\b", "global::Samples.Conv2dStandIn");

    private static LayerModel ConvLayer(string member, string module, int inChannels, int outChannels, int kernel, int stride = 1, int pad = 0,
        int dilation = 1, int groups = 1, bool bias = true) =>
        new(member, module, "Conv2d",
            new Conv2dArgs(SizeArg.Of(inChannels), SizeArg.Of(outChannels), kernel, kernel, stride, stride, pad, pad, dilation, dilation, groups, bias),
            "global::ShapeNet.Conv2d", "", null, null);

    // ---- (a) the lecture-10 basic CNN -------------------------------------------------------------

    private static NetworkSpec BasicCnn()
    {
        var g = new HandBuiltGraph();
        int x = g.Input("x", TensorType, BatchDim, D(1), D(28), D(28));
        int c1 = g.Conv2d(x, "conv1", 1, 10, 5, "Conv1(x)");
        int p1 = g.Pool("MaxPool2d", c1, 2, 2, 0, "MaxPool2d(Conv1(x), 2)");
        int h1 = g.Unary("Relu", p1, "Relu(MaxPool2d(Conv1(x), 2))");
        int c2 = g.Conv2d(h1, "conv2", 10, 20, 5, "Conv2(h1)");
        int p2 = g.Pool("MaxPool2d", c2, 2, 2, 0, "MaxPool2d(Conv2(h1), 2)");
        int h2 = g.Unary("Relu", p2, "Relu(MaxPool2d(Conv2(h1), 2))");
        int flat = g.Op("Reshape", new[] { h2 }, Shape.Of(BatchDim, D(320)), "h2.Reshape(-1, 320)");
        int y = g.Linear(flat, "fc", 320, 10, "Fc(flat)");
        NetworkModel network = Network("BasicCnn",
            ConvLayer("Conv1", "conv1", 1, 10, 5),
            ConvLayer("Conv2", "conv2", 10, 20, 5),
            LinearLayer("Fc", "fc", 320, 10));
        return new NetworkSpec(network, g.Build(y, TensorType), EquatableArray<DiagnosticInfo>.Empty);
    }

    private const string BasicCnnUser = """
        using ShapeNet;
        namespace Samples;
        [Network]
        public partial class BasicCnn
        {
            partial Conv2dStandIn Conv1 { get; }
            partial Conv2dStandIn Conv2 { get; }
            [Linear(320, 10)] partial Linear Fc { get; }

            [Forward]
            public Tensor Forward(Tensor x) => x;
        }
        """;

    [Fact]
    public void Basic_cnn_emits_conv_layers_pool_calls_and_the_summary()
    {
        NetworkSpec spec = BasicCnn();
        (string source, EquatableArray<DiagnosticInfo> diagnostics) = NetworkEmitter.Emit(spec);

        Assert.Empty(diagnostics);
        Assert.Contains("private readonly global::ShapeNet.Conv2dLayer __conv1;", source);
        Assert.Contains("private global::ShapeNet.Conv2d? __conv1Call;", source);
        Assert.Contains("__conv1 = new global::ShapeNet.Conv2dLayer(init, prefix + \"conv1\", 1, 10, 5, 5, 1, 1, 0, 0, 1, 1, 1, bias: true);", source);
        Assert.Contains("partial global::ShapeNet.Conv2d Conv1 => __conv1Call ??= __conv1.Forward;", source);
        Assert.Contains("parameters.Add(__conv2.Weight);", source);
        Assert.Contains("parameters.Add(__conv2.Bias!);", source);
        // One descriptor per op, a plan field created with the plan; the workspace is the backend's size for each at the capacity.
        Assert.Contains("private readonly global::ShapeNet.Backends.Conv2dDesc _conv2dDesc0 = new(1, 28, 28, 10, 5, 5, 1, 1, 0, 0, 1, 1, 1, global::ShapeNet.Backends.UnaryOp.Identity); // Conv1(x)", source);
        Assert.Contains("private readonly global::ShapeNet.Backends.Pool2dDesc _pool2dDesc0 = new(10, 24, 24, 2, 2, 2, 2, 0, 0, true); // MaxPool2d(Conv1(x), 2)", source);
        Assert.Contains("_convWorkspace = Allocate(global::System.Math.Max(global::System.Math.Max(1L, backend.Conv2d_WorkspaceLength(in _conv2dDesc0, batchCapacity)), backend.Conv2d_WorkspaceLength(in _conv2dDesc1, batchCapacity)));", source);
        Assert.Contains("Backend.Conv2d_Forward(_conv1_1, _x, _conv1_weight, _conv1_bias, _convWorkspace, in _conv2dDesc0, batch);", source);
        Assert.Contains("Backend.MaxPool2d_Forward(_maxPool2d2, _indices2, _conv1_1, in _pool2dDesc0, batch);", source);
        Assert.Contains("Backend.MaxPool2d_Backward(_gradient1, _gradient0, _indices2, in _pool2dDesc0, batch, accumulate: false);", source);
        Assert.Contains("Backend.MaxPool2d_Backward(", source);
        // Conv1's input is the network input: its gradient only on request.
        Assert.Contains("Backend.Conv2d_Backward(ComputeInputGradients ? _dx : null, _dconv1_weight, _dconv1_bias,", source);
        Assert.Contains("Conv2d_Backward(_gradient", source);

        // 2·out·OH·OW·(in/groups)·kh·kw per sample: conv1 2·10·24·24·25 = 288,000; conv2 2·20·8·8·250 = 640,000.
        Assert.Contains("[Batch, 10, 24, 24]", source);
        Assert.Contains("288,000", source);
        Assert.Contains("640,000", source);
        Assert.Contains("Parameters: 8,490 (33,960 bytes)", source); // 10·25 + 10, 20·250 + 20, 320·10 + 10
        Assert.Contains("bytes + the convolution workspace", source);
        AssertCompiles(WithConvStandIns(source), BasicCnnUser, ConvStandIns);
    }

    [Fact]
    public void Basic_cnn_gradients_match_finite_differences_on_the_cpu_backend() =>
        AssertCnnGradients(BasicCnn(), BasicCnnUser, "Samples.BasicCnn", inputPerSample: 784, outputPerSample: 10);

    /// <summary>No kinks (no pooling, no Relu): a single-channel input as in the first layer of the basic CNN.</summary>
    [Fact]
    public void Smooth_conv_gradients_match_finite_differences_on_the_cpu_backend()
    {
        var g = new HandBuiltGraph();
        int x = g.Input("x", TensorType, BatchDim, D(1), D(12), D(12));
        int c1 = g.Conv2d(x, "conv1", 1, 4, 5, "Conv1(x)");                                       // [B, 4, 8, 8]
        int t1 = g.Unary("Tanh", c1, "Tanh(Conv1(x))");
        int c2 = g.Conv2d(t1, "conv2", 4, 4, 3, "Conv2(t1)", pad: 1);                             // [B, 4, 8, 8]
        int t = g.Unary("Tanh", c2, "Tanh(Conv2(t1))");
        int flat = g.Op("Reshape", new[] { t }, Shape.Of(BatchDim, D(256)), "Flatten(t)");
        int y = g.Linear(flat, "fc", 256, 3, "Fc(flat)");
        NetworkModel network = Network("SmoothCnn", ConvLayer("Conv1", "conv1", 1, 4, 5),
            ConvLayer("Conv2", "conv2", 4, 4, 3, pad: 1), LinearLayer("Fc", "fc", 256, 3));
        var spec = new NetworkSpec(network, g.Build(y, TensorType), EquatableArray<DiagnosticInfo>.Empty);
        AssertCnnGradients(spec, BasicCnnUser.Replace("BasicCnn", "SmoothCnn").Replace("320, 10", "256, 3"),
            "Samples.SmoothCnn", inputPerSample: 144, outputPerSample: 3);
    }

    /// <summary>One Conv2d layer applied twice: its parameter gradients add both uses (the later use writes first).</summary>
    [Fact]
    public void Shared_conv_layer_gradients_add_both_uses()
    {
        var g = new HandBuiltGraph();
        int x = g.Input("x", TensorType, BatchDim, D(3), D(6), D(6));
        int c1 = g.Conv2d(x, "conv", 3, 3, 3, "Conv(x)", pad: 1);
        int t1 = g.Unary("Tanh", c1, "Tanh(Conv(x))");
        int c2 = g.Conv2d(t1, "conv", 3, 3, 3, "Conv(t1)", pad: 1);
        int flat = g.Op("Reshape", new[] { c2 }, Shape.Of(BatchDim, D(108)), "Flatten(c2)");
        int y = g.Linear(flat, "fc", 108, 2, "Fc(flat)");
        NetworkModel network = Network("SharedCnn", ConvLayer("Conv", "conv", 3, 3, 3, pad: 1), LinearLayer("Fc", "fc", 108, 2));
        var spec = new NetworkSpec(network, g.Build(y, TensorType), EquatableArray<DiagnosticInfo>.Empty);
        BufferPlan plan = BufferPlan.Create(spec.Graph!);
        Assert.False(plan.ParameterAccumulates(c2));
        Assert.True(plan.ParameterAccumulates(c1));
        AssertCnnGradients(spec, BasicCnnUser.Replace("BasicCnn", "SharedCnn").Replace("partial Conv2dStandIn Conv1 { get; }", "partial Conv2dStandIn Conv { get; }")
                .Replace("partial Conv2dStandIn Conv2 { get; }", "").Replace("320, 10", "108, 2"),
            "Samples.SharedCnn", inputPerSample: 108, outputPerSample: 2);
    }

    // ---- (b) grouped, strided, padded and dilated convolutions, average pooling, global pooling, dropout ----

    private static NetworkSpec PoolingCnn(double dropout)
    {
        var g = new HandBuiltGraph();
        int x = g.Input("x", TensorType, BatchDim, D(4), D(7), D(7));
        int c1 = g.Conv2d(x, "conv1", 4, 6, 3, "Conv1(x)", stride: 2, pad: 1, groups: 2);            // [B, 6, 4, 4]
        int h1 = g.Unary("Relu", c1, "Relu(Conv1(x))");                                                // fused
        int a1 = g.Pool("AvgPool2d", h1, 3, 1, 1, "AvgPool2d(h1, 3, 1, 1)");                           // [B, 6, 4, 4], counts the padding
        int d1 = g.Op("Dropout", new[] { a1 }, g.ShapeOf(a1), "Dropout(a1, p)", new DropoutArgs(dropout));
        int c2 = g.Conv2d(d1, "conv2", 6, 8, 3, "Conv2(d1)", pad: 2, dilation: 2, bias: false);        // [B, 8, 4, 4]
        int a2 = g.Pool("AvgPool2d", c2, 3, 2, 1, "AvgPool2d(c2, 3, 2, 1, false)", countIncludePad: false); // [B, 8, 2, 2]
        int gp = g.Op("GlobalAvgPool", new[] { a2 }, Shape.Of(BatchDim, D(8), D(1), D(1)), "GlobalAvgPool(a2)");
        int flat = g.Op("Reshape", new[] { gp }, Shape.Of(BatchDim, D(8)), "Flatten(gp)");
        int y = g.Linear(flat, "fc", 8, 3, "Fc(flat)");
        NetworkModel network = Network("PoolingCnn",
            ConvLayer("Conv1", "conv1", 4, 6, 3, stride: 2, pad: 1, groups: 2),
            ConvLayer("Conv2", "conv2", 6, 8, 3, pad: 2, dilation: 2, bias: false),
            LinearLayer("Fc", "fc", 8, 3));
        return new NetworkSpec(network, g.Build(y, TensorType), EquatableArray<DiagnosticInfo>.Empty);
    }

    private const string PoolingCnnUser = """
        using ShapeNet;
        namespace Samples;
        [Network]
        public partial class PoolingCnn
        {
            partial Conv2dStandIn Conv1 { get; }
            partial Conv2dStandIn Conv2 { get; }
            [Linear(8, 3)] partial Linear Fc { get; }

            [Forward]
            public Tensor Forward(Tensor x) => x;
        }
        """;

    [Fact]
    public void Pooling_cnn_fuses_conv_relu_and_emits_every_pooling_call()
    {
        NetworkSpec spec = PoolingCnn(0.25);
        (string source, EquatableArray<DiagnosticInfo> diagnostics) = NetworkEmitter.Emit(spec);

        Assert.Empty(diagnostics);
        BufferPlan plan = BufferPlan.Create(spec.Graph!);
        Assert.Equal(2, plan.FusedActivationOf[1]);
        Assert.Contains("__conv1 = new global::ShapeNet.Conv2dLayer(init, prefix + \"conv1\", 4, 6, 3, 3, 2, 2, 1, 1, 1, 1, 2, bias: true);", source);
        Assert.Contains("__conv2 = new global::ShapeNet.Conv2dLayer(init, prefix + \"conv2\", 6, 8, 3, 3, 1, 1, 2, 2, 2, 2, 1, bias: false);", source);
        Assert.DoesNotContain("parameters.Add(__conv2.Bias!);", source);
        Assert.Contains("Conv2dDesc _conv2dDesc0 = new(4, 7, 7, 6, 3, 3, 2, 2, 1, 1, 1, 1, 2, global::ShapeNet.Backends.UnaryOp.Relu);", source);
        Assert.Contains("Backend.Unary_Backward(global::ShapeNet.Backends.UnaryOp.Relu, 0f,", source);
        Assert.Matches(@"Pool2dDesc _pool2dDesc\d = new\([^)]*, true\); // AvgPool2d", source);
        Assert.Matches(@"Pool2dDesc _pool2dDesc\d = new\([^)]*, false\); // AvgPool2d", source);
        Assert.Contains("Backend.GlobalAvgPool_Forward(", source);
        Assert.Contains("Backend.GlobalAvgPool_Backward(", source);
        Assert.Contains("if (training) Backend.Dropout_Forward(", source);
        Assert.Contains("0.25f", source);
        Assert.Contains("Backend.Dropout_Backward(", source);
        Assert.Contains("public ulong DropoutSeed { get; set; }", source);
        AssertCompiles(WithConvStandIns(source), PoolingCnnUser, ConvStandIns);
    }

    /// <summary>p = 0: the dropout keeps everything in training too, so the finite differences (inference passes) see the same function.</summary>
    [Fact]
    public void Pooling_cnn_gradients_match_finite_differences_on_the_cpu_backend() =>
        AssertCnnGradients(PoolingCnn(0), PoolingCnnUser, "Samples.PoolingCnn", inputPerSample: 4 * 7 * 7, outputPerSample: 3);

    // ---- dropout ----------------------------------------------------------------------------------

    [Fact]
    public void Dropout_is_the_identity_in_inference_and_masks_its_gradient_in_training()
    {
        var g = new HandBuiltGraph();
        int x = g.Input("x", TensorType, BatchDim, D(64));
        int y = g.Op("Dropout", new[] { x }, g.ShapeOf(x), "Dropout(x, 0.5)", new DropoutArgs(0.5));
        var spec = new NetworkSpec(Network("Drop"), g.Build(y, TensorType), EquatableArray<DiagnosticInfo>.Empty);
        (string source, EquatableArray<DiagnosticInfo> diagnostics) = NetworkEmitter.Emit(spec);
        Assert.Empty(diagnostics);
        Assembly assembly = EmittedCode.Load(source, """
            using ShapeNet;
            namespace Samples;
            [Network]
            public partial class Drop
            {
                [Forward]
                public Tensor Forward(Tensor x) => x;
            }
            """);
        var network = (Module)Activator.CreateInstance(assembly.GetType("Samples.Drop")!, 7)!;
        var plan = (NetworkPlan)network.GetType().GetMethod("CreatePlan")!.Invoke(network, new object[] { 3, ShapeNet.Backends.Cpu.CpuBackend.Instance })!;
        float[] input = RandomValues(new Random(3), 2 * 64).Select(v => v + 2f).ToArray(); // never 0
        plan.SetBatch(2);
        plan.UploadInput(0, input);

        plan.Forward(training: false);
        Assert.Equal(input, plan.OutputToArray());

        plan.Forward(training: true);
        float[] first = plan.OutputToArray();
        plan.ComputeInputGradients = true;
        float[] r = RandomValues(new Random(4), 2 * 64);
        plan.Backward(r);
        float[] dx = plan.InputGradient(0);
        int kept = 0;
        for (int i = 0; i < input.Length; i++)
        {
            bool keep = first[i] != 0;
            if (keep) kept++;
            Assert.Equal(keep ? input[i] * 2f : 0f, first[i], 5);
            Assert.Equal(keep ? r[i] * 2f : 0f, dx[i], 5);
        }
        Assert.InRange(kept, 32, 96); // 128 draws at 1/2
        plan.Forward(training: true);
        Assert.NotEqual(first, plan.OutputToArray()); // a new mask each training pass
    }

    // ---- differentiable functions -----------------------------------------------------------------

    [Fact]
    public void Pooling_in_a_function_differentiates_on_the_cpu_backend()
    {
        var g = new HandBuiltGraph();
        int x = g.Input("x", TensorType, D(1), D(2), D(4), D(4));
        int m = g.Pool("MaxPool2d", x, 2, 2, 0, "MaxPool2d(x, 2)");                  // [1, 2, 2, 2]
        int a = g.Pool("AvgPool2d", m, 2, 1, 0, "AvgPool2d(m, 2, 1)");               // [1, 2, 1, 1]
        int y = g.Op("Sum", new[] { a }, Shape.Scalar, "Sum(a)");
        Assembly assembly = EmittedCode.Load(EmitFunction("PoolSum", g.Build(y, TensorType)), """
            using ShapeNet;
            namespace Samples;
            public static partial class Autograd
            {
                [Differentiable] public static Tensor PoolSum(Tensor x) => x;
            }
            """);
        float[] values = Enumerable.Range(0, 32).Select(i => (float)((i * 7) % 32)).ToArray(); // distinct: no ties
        float[] gradient = Gradient(assembly.GetType("Samples.Autograd")!, "PoolSumGrad", new Tensor(values, 1, 2, 4, 4), out float sum);
        // Each plane: the mean of its four window maxima; d/dx = 1/4 at each maximum, 0 elsewhere.
        var expected = new float[32];
        double expectedSum = 0;
        for (int plane = 0; plane < 2; plane++)
            for (int wy = 0; wy < 2; wy++)
                for (int wx = 0; wx < 2; wx++)
                {
                    int best = -1;
                    for (int dy = 0; dy < 2; dy++)
                        for (int dx = 0; dx < 2; dx++)
                        {
                            int i = plane * 16 + (wy * 2 + dy) * 4 + wx * 2 + dx;
                            if (best < 0 || values[i] > values[best]) best = i;
                        }
                    expected[best] = 0.25f;
                    expectedSum += values[best] / 4;
                }
        Assert.Equal(expected, gradient);
        Assert.Equal(expectedSum, sum, 4);
    }

    [Fact]
    public void Dropout_in_a_function_is_an_internal_error_not_wrong_code()
    {
        var g = new HandBuiltGraph();
        int x = g.Input("x", TensorType, D(4));
        int d = g.Op("Dropout", new[] { x }, g.ShapeOf(x), "Dropout(x, 0.5)", new DropoutArgs(0.5));
        int y = g.Op("Sum", new[] { d }, Shape.Scalar, "Sum(d)");
        CompiledGraph graph = g.Build(y, TensorType);
        GraphModel model = FunctionModelOf("Drop", graph);
        var function = new FunctionModel("Samples", "Autograd", "public", true, EquatableArray<string>.Empty, "public", model, EquatableArray<DiagnosticInfo>.Empty);
        (string source, EquatableArray<DiagnosticInfo> diagnostics) = FunctionEmitter.Emit(new FunctionSpec(function, graph, EquatableArray<DiagnosticInfo>.Empty));
        Assert.Equal(string.Empty, source);
        Assert.Contains(diagnostics, diagnostic => diagnostic.Id == "SN0900" && diagnostic.Arguments.Any(a => a.Contains("Dropout")));
    }

    // ---- the rule table ---------------------------------------------------------------------------

    [Fact]
    public void Cnn_ops_have_gradient_rules()
    {
        foreach (string op in new[] { "Conv2d", "MaxPool2d", "AvgPool2d", "GlobalAvgPool", "Dropout" })
            Assert.Equal(GradientKind.Rule, OpRegistry.Get(op).DifferentiationOf(Args(op)).Kind);
    }

    private static OpArgs Args(string op) => op switch
    {
        "Conv2d" => new Conv2dArgs(SizeArg.Of(1), SizeArg.Of(1), 1, 1, 1, 1, 0, 0, 1, 1, 1, true),
        "MaxPool2d" or "AvgPool2d" => new Pool2dArgs(2, 2, 0),
        "GlobalAvgPool" => new GlobalAvgPoolArgs(null),
        _ => new DropoutArgs(0.5),
    };

    // ---- finite differences on the CPU backend -----------------------------------------------------

    /// <summary>Plan of capacity 3 on the CpuBackend, a batch of 2, f = Σ output ∘ R; for every parameter and the input, up to
    /// 48 evenly spaced coordinates against central differences of the float32 forward summed in float64 (steps 2e-4 and 1e-4,
    /// tolerance 2e-3 + 1e-2·|fd|). Small steps because a conv weight moves thousands of pre-activations: at 1e-2 some cross a
    /// max-pool tie or a Relu at 0 and the differences are off by several percent. A coordinate whose two steps disagree beyond
    /// the tolerance sits at such a kink and is skipped; at most a tenth may be.</summary>
    private static void AssertCnnGradients(NetworkSpec spec, string user, string typeName, int inputPerSample, int outputPerSample)
    {
        (string source, EquatableArray<DiagnosticInfo> diagnostics) = NetworkEmitter.Emit(spec);
        Assert.Empty(diagnostics);
        Assembly assembly = EmittedCode.Load(WithConvStandIns(source), user, ConvStandIns);
        var network = (Module)Activator.CreateInstance(assembly.GetType(typeName)!, 7)!;
        IBackend backend = ShapeNet.Backends.Cpu.CpuBackend.Instance;
        var plan = (NetworkPlan)network.GetType().GetMethod("CreatePlan")!.Invoke(network, new object[] { 3, backend })!;
        const int batch = 2;
        var random = new Random(11);
        float[] input = RandomValues(random, inputPerSample * batch);
        float[] r = RandomValues(random, batch * outputPerSample);

        double Objective()
        {
            plan.SetBatch(batch);
            plan.UploadInput(0, input);
            plan.Forward();
            return plan.OutputToArray().Select((v, i) => (double)v * r[i]).Sum();
        }

        plan.ComputeInputGradients = true;
        plan.SetBatch(batch);
        plan.UploadInput(0, input);
        plan.Forward(training: true);
        plan.Backward(r);
        plan.CopyGradientsToHost();
        var analytic = new List<(string, float[], float[])> { ("input", input, plan.InputGradient(0)) };
        foreach (Parameter p in network.Parameters) analytic.Add((p.Name, p.Value.Data, (float[])p.Grad.Data.Clone()));

        int checkedCount = 0, skipped = 0;
        var failures = new List<string>();
        foreach ((string name, float[] values, float[] gradient) in analytic)
        {
            Assert.Contains(gradient, v => v != 0);
            int stride = Math.Max(1, values.Length / 48);
            for (int i = 0; i < values.Length; i += stride)
            {
                double Central(float step)
                {
                    float original = values[i];
                    values[i] = original + step;
                    double plus = Objective();
                    values[i] = original - step;
                    double minus = Objective();
                    values[i] = original;
                    return (plus - minus) / (2 * step);
                }

                double coarse = Central(2e-4f), fine = Central(1e-4f);
                double tolerance = 2e-3 + 1e-2 * Math.Abs(fine);
                checkedCount++;
                if (Math.Abs(coarse - fine) > tolerance)
                {
                    skipped++;
                    continue;
                }
                if (Math.Abs(fine - gradient[i]) > tolerance)
                    failures.Add($"d/d{name}[{i}]: generated {gradient[i]}, finite differences {fine} (coarse {coarse}), tolerance {tolerance}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(skipped * 10 <= checkedCount, $"{skipped} of {checkedCount} coordinates at kinks");
    }
}
