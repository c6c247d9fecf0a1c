using System.Reflection;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Model;
using static ShapeNet.Generator.Tests.Emit.HandBuiltGraph;

namespace ShapeNet.Generator.Tests.Emit;

// Runs emitted code on the ReferenceBackend: gradients of plans against central finite differences of
// f = Σ output ∘ R (R random), gradient functions against the book's closed forms.
public sealed partial class EmitterTests
{
    private const string ReferenceBackendInstance = "global::ShapeNet.Generator.Tests.Emit.ReferenceBackend.Instance";

    [Fact]
    public void Mixed_plan_gradients_match_finite_differences_on_a_partial_batch()
    {
        (string source, _) = NetworkEmitter.Emit(Mixed());
        Assembly assembly = EmittedCode.Load(source, Dims, MixedUser);
        var network = (Module)Activator.CreateInstance(assembly.GetType("Samples.Mixed")!, 7)!;
        var plan = (NetworkPlan)network.GetType().GetMethod("CreatePlan")!.Invoke(network, new object[] { 3, ReferenceBackend.Instance })!;
        const int batch = 2; // below the capacity of 3: the last, partial batch of an epoch
        var random = new Random(11);
        float[] x = RandomValues(random, batch * 6), w = RandomValues(random, 40), r = RandomValues(random, batch * 4);

        double Objective()
        {
            plan.SetBatch(batch);
            plan.UploadInput(0, x);
            plan.UploadInput(1, w);
            plan.Forward();
            float[] output = plan.OutputToArray();
            return output.Select((v, i) => (double)v * r[i]).Sum();
        }

        plan.ComputeInputGradients = true;
        plan.SetBatch(batch);
        plan.UploadInput(0, x);
        plan.UploadInput(1, w);
        plan.Forward(training: true);
        plan.Backward(r);
        plan.CopyGradientsToHost();
        var analytic = new List<(string Name, float[] Values, float[] Gradient)>
        {
            ("x", x, plan.InputGradient(0)),
            ("w", w, plan.InputGradient(1)),
        };
        foreach (Parameter p in network.Parameters) analytic.Add((p.Name, p.Value.Data, (float[])p.Grad.Data.Clone()));

        foreach ((string name, float[] values, float[] gradient) in analytic)
            AssertMatchesFiniteDifferences(name, values, gradient, Objective);
    }

    [Fact]
    public void Book_autograd_gradients_are_4x_2x_and_u()
    {
        var twoDot = new HandBuiltGraph();
        int x1 = twoDot.Input("x", TensorType, D(4));
        int y1 = twoDot.Op("MulScalar", new[] { twoDot.Op("Dot", new[] { x1, x1 }, Shape.Scalar, "Dot(x, x)") }, Shape.Scalar, "2 * Dot(x, x)", new NamedArg("c", "2"));

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
        int logp = g.Op("LogSoftmax", new[] { logits }, g.ShapeOf(logits), "LogSoftmax(logits, 1)", new NamedArg("axis", "1"));
        int loss = g.Op("NllLoss", new[] { logp, labels }, Shape.Scalar, "NllLoss(logp, labels)", new NamedArg("reduction", "Mean"));
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
