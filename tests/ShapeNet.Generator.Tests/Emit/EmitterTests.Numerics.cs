using System.Reflection;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Ops;
using static ShapeNet.Generator.Tests.Emit.HandBuiltGraph;

namespace ShapeNet.Generator.Tests.Emit;

// Runs emitted code on the ReferenceBackend: gradients of plans against central finite differences of
// f = Σ output ∘ R (R random), gradient functions against the book's closed forms.
public sealed partial class EmitterTests
{
    private const string ReferenceBackendInstance = "global::ShapeNet.Generator.Tests.Emit.ReferenceBackend.Instance";

    [Fact]
    public void Mixed_plan_gradients_match_finite_differences_on_a_partial_batch() =>
        AssertPlanGradients(Mixed(), MixedUser, "Samples.Mixed", new[] { 6, 0 }, new[] { 0, 40 }, outputPerSample: 4);

    [Fact]
    public void Fused_linear_activations_match_finite_differences()
    {
        var g = new HandBuiltGraph();
        int x = g.Input("x", Typed("Three"), BatchDim, D("Three", 3));
        int h1 = g.Unary("Relu", g.Linear(x, "fc1", 3, 5, "Fc1(x)"), "Relu(Fc1(x))");
        int h2 = g.Unary("Tanh", g.Linear(h1, "fc2", 5, 4, "Fc2(h1)"), "Tanh(Fc2(h1))");
        int y = g.Unary("Sigmoid", g.Linear(h2, "fc3", 4, 2, "Fc3(h2)"), "Sigmoid(Fc3(h2))");
        var spec = new NetworkSpec(Network("Fused", LinearLayer("Fc1", "fc1", 3, 5), LinearLayer("Fc2", "fc2", 5, 4), LinearLayer("Fc3", "fc3", 4, 2)),
            g.Build(y, Typed("Two")), EquatableArray<DiagnosticInfo>.Empty);
        Assert.Equal(3, Enumerable.Range(0, spec.Graph!.Nodes.Count).Count(i => Planning.BufferPlan.Create(spec.Graph).FusedActivationOf[i] >= 0));

        AssertPlanGradients(spec, """
            using ShapeNet;
            namespace Samples;
            [Network]
            public partial class Fused
            {
                [Linear(3, 5)] partial Linear Fc1 { get; }
                [Linear(5, 4)] partial Linear Fc2 { get; }
                [Linear(4, 2)] partial Linear Fc3 { get; }

                [Forward]
                public Tensor<Batch, Two> Forward(Tensor<Batch, Three> x) => default;
            }
            """, "Samples.Fused", new[] { 3 }, new[] { 0 }, outputPerSample: 2);
    }

    [Fact]
    public void Shared_layer_gradients_add_both_uses()
    {
        (NetworkSpec spec, _, _) = SharedLayer();
        AssertPlanGradients(spec, SharedUser, "Samples.Shared", new[] { 4 }, new[] { 0 }, outputPerSample: 4);
    }

    /// <summary>Builds the plan of <paramref name="spec"/> with capacity 3, runs a batch of 2 (a partial batch) and checks
    /// every parameter and input gradient of f = Σ output ∘ R against central differences. Input i has
    /// <paramref name="perSample"/>[i] floats per sample plus <paramref name="fixedSize"/>[i] without a batch dim.</summary>
    private static void AssertPlanGradients(NetworkSpec spec, string user, string typeName, int[] perSample, int[] fixedSize, int outputPerSample)
    {
        (string source, EquatableArray<DiagnosticInfo> diagnostics) = NetworkEmitter.Emit(spec);
        Assert.Empty(diagnostics);
        Assembly assembly = EmittedCode.Load(source, Dims, user);
        var network = (Module)Activator.CreateInstance(assembly.GetType(typeName)!, 7)!;
        var plan = (NetworkPlan)network.GetType().GetMethod("CreatePlan")!.Invoke(network, new object[] { 3, ReferenceBackend.Instance })!;
        const int batch = 2;
        var random = new Random(11);
        float[][] inputs = perSample.Select((n, i) => RandomValues(random, n * batch + fixedSize[i])).ToArray();
        float[] r = RandomValues(random, batch * outputPerSample);

        void Upload()
        {
            plan.SetBatch(batch);
            for (int i = 0; i < inputs.Length; i++) plan.UploadInput(i, inputs[i]);
        }

        double Objective()
        {
            Upload();
            plan.Forward();
            return plan.OutputToArray().Select((v, i) => (double)v * r[i]).Sum();
        }

        plan.ComputeInputGradients = true;
        Upload();
        plan.Forward(training: true);
        plan.Backward(r);
        plan.CopyGradientsToHost();
        var analytic = inputs.Select((values, i) => ("input " + i, values, plan.InputGradient(i))).ToList();
        foreach (Parameter p in network.Parameters) analytic.Add((p.Name, p.Value.Data, (float[])p.Grad.Data.Clone()));

        foreach ((string name, float[] values, float[] gradient) in analytic)
            AssertMatchesFiniteDifferences(name, values, gradient, Objective);
    }

    [Fact]
    public void Summary_plan_memory_equals_the_runtime_plan_memory()
    {
        (string source, _) = NetworkEmitter.Emit(Mlp().Spec);
        Assembly assembly = EmittedCode.Load(source, MlpUser, Dims);
        Type type = assembly.GetType("Samples.Mlp")!;
        var network = (Module)Activator.CreateInstance(type, 1)!;
        var plan = (NetworkPlan)type.GetMethod("CreatePlan")!.Invoke(network, new object[] { SummaryBuilder.ShownBatch, ReferenceBackend.Instance })!;
        string summary = (string)type.GetField("Summary")!.GetValue(null)!;

        Assert.Contains($"Plan memory at batch 64: {plan.MemoryBytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} bytes", summary);
        Assert.Equal(575_050, network.ParameterCount);
        Assert.Equal("fc1.weight", network.Parameters[0].Name);
    }

    [Fact]
    public void Book_autograd_gradients_are_4x_2x_and_u()
    {
        var twoDot = new HandBuiltGraph();
        int x1 = twoDot.Input("x", TensorType, D(4));
        int y1 = twoDot.Op("MulScalar", new[] { twoDot.Op("Dot", new[] { x1, x1 }, Shape.Scalar, "Dot(x, x)") }, Shape.Scalar, "2 * Dot(x, x)", new ScalarArgs(2));

        var sumSquares = new HandBuiltGraph();
        int x2 = sumSquares.Input("x", TensorType, D(4));
        int y2 = sumSquares.Op("Sum", new[] { sumSquares.Op("Mul", new[] { x2, x2 }, Shape.Of(D(4)), "x * x") }, Shape.Scalar, "Sum(x * x)");

        var detach = new HandBuiltGraph();
        int x3 = detach.Input("x", TensorType, D(4));
        int u = detach.Op("Detach", new[] { detach.Op("Mul", new[] { x3, x3 }, Shape.Of(D(4)), "x * x") }, Shape.Of(D(4)), "Detach(x * x)");
        int y3 = detach.Op("Sum", new[] { detach.Op("Mul", new[] { u, x3 }, Shape.Of(D(4)), "u * x") }, Shape.Scalar, "Sum(u * x)");

        Assembly assembly = EmittedCode.Load(
            OnReferenceBackend(EmitFunction("TwoDot", twoDot.Build(y1, TensorType))),
            OnReferenceBackend(EmitFunction("SumOfSquares", sumSquares.Build(y2, TensorType))),
            OnReferenceBackend(EmitFunction("DetachedProduct", detach.Build(y3, TensorType))),
            UntypedAutogradUser);
        Type autograd = assembly.GetType("Samples.Autograd")!;
        var input = new Tensor(new float[] { 0, 1, 2, 3 }, 4);

        Assert.Equal(new float[] { 0, 4, 8, 12 }, Gradient(autograd, "TwoDotGrad", input, out float twoDot14));
        Assert.Equal(28f, twoDot14);
        Assert.Equal(new float[] { 0, 2, 4, 6 }, Gradient(autograd, "SumOfSquaresGrad", input, out float sum));
        Assert.Equal(14f, sum);
        Assert.Equal(new float[] { 0, 1, 4, 9 }, Gradient(autograd, "DetachedProductGrad", input, out float detached));
        Assert.Equal(36f, detached);
    }

    [Fact]
    public void Loss_inside_a_function_differentiates_through_log_softmax()
    {
        var g = new HandBuiltGraph();
        int logits = g.Input("logits", TensorType, D(3), D(4));
        int labels = g.Input("labels", TensorType, D(3));
        int logp = g.Op("LogSoftmax", new[] { logits }, g.ShapeOf(logits), "LogSoftmax(logits, 1)", new SoftmaxArgs(1));
        int loss = g.Op("NllLoss", new[] { logp, labels }, Shape.Scalar, "NllLoss(logp, labels)", new LossArgs(LossReduction.Mean));
        Assembly assembly = EmittedCode.Load(OnReferenceBackend(EmitFunction("Nll", g.Build(loss, TensorType))), """
            using ShapeNet;
            namespace Samples;
            public static partial class Autograd
            {
                [Differentiable] public static Tensor Nll(Tensor logits, Tensor labels) => logits;
            }
            """);
        float[] values = RandomValues(new Random(5), 12);
        var labelsTensor = new Tensor(new float[] { 2, 0, 3 }, 3);
        MethodInfo method = assembly.GetType("Samples.Autograd")!.GetMethod("NllGrad")!;

        double Objective() => ((Tensor)Field(method.Invoke(null, new object[] { new Tensor(values, 3, 4), labelsTensor })!, "Item1")).Data[0];

        float[] gradient = (float[])((Tensor)Field(method.Invoke(null, new object[] { new Tensor(values, 3, 4), labelsTensor })!, "Item2")).Data.Clone();
        AssertMatchesFiniteDifferences("logits", values, gradient, Objective);
    }

    private const string UntypedAutogradUser = """
        using ShapeNet;
        namespace Samples;
        public static partial class Autograd
        {
            [Differentiable] public static Tensor TwoDot(Tensor x) => x;
            [Differentiable] public static Tensor SumOfSquares(Tensor x) => x;
            [Differentiable] public static Tensor DetachedProduct(Tensor x) => x;
        }
        """;

    /// <summary>Gradient functions run on the CPU backend; the tests point them at the reference backend instead.</summary>
    private static string OnReferenceBackend(string source) => source.Replace(EmitHelpers.CpuBackend, ReferenceBackendInstance);

    private static float[] Gradient(Type type, string method, Tensor input, out float value)
    {
        object result = type.GetMethod(method)!.Invoke(null, new object[] { input })!;
        value = ((Tensor)Field(result, "Item1")).Data[0];
        return ((Tensor)Field(result, "Item2")).Data;
    }

    private static object Field(object tuple, string name) => tuple.GetType().GetField(name)!.GetValue(tuple)!;

    private static float[] RandomValues(Random random, int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

    /// <summary>Central differences with step 1e-2 (float32 values, objective summed in double); tolerance 2e-3 + 1e-2·|fd|.</summary>
    private static void AssertMatchesFiniteDifferences(string name, float[] values, float[] gradient, Func<double> objective)
    {
        const float step = 1e-2f;
        for (int i = 0; i < values.Length; i++)
        {
            float original = values[i];
            values[i] = original + step;
            double plus = objective();
            values[i] = original - step;
            double minus = objective();
            values[i] = original;
            double numeric = (plus - minus) / (2 * step);
            double excess = Math.Abs(numeric - gradient[i]) - (2e-3 + 1e-2 * Math.Abs(numeric));
            Assert.True(excess <= 0,
                $"d/d{name}[{i}]: generated {gradient[i]}, finite differences {numeric}, difference {Math.Abs(numeric - gradient[i])} (tolerance 2e-3 + 1e-2·|fd|)");
        }
    }
}
