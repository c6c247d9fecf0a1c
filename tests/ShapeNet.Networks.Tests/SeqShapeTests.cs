using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Networks.Tests.Support;
using ShapeNet.Optim;
using ShapeNet.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace ShapeNet.Networks.Tests;

/// <summary>
/// Shapes past the recurrent layer with the run-time <c>Seq</c> (issue 10): the language model's <c>Reshape(output, -1, hidden)</c>
/// ([Seq, Batch, H] → [Seq·Batch, H]) with the train step's cross-entropy over every token, and reductions, softmax and
/// broadcasting over <c>Seq</c> (<see cref="SeqPoolNet"/>). Both match PyTorch (tests/golden/seq_shapes.py; rtol 1e-4, atol 1e-6)
/// at two sequence lengths on one plan, equal the eager forward at several lengths (rtol 1e-4, atol 1e-5) and pass float64 finite
/// differences (<see cref="GradientCheck"/>'s tolerance) at two lengths.
/// </summary>
public class SeqShapeTests(ITestOutputHelper output)
{
    private static readonly Lazy<IReadOnlyDictionary<string, (int[] Shape, float[] Data)>> Golden =
        new(() => GoldenFile.Load(GoldenFile.PathOf("seq_shapes.sntensors.gz")));

    private static float[] G(string name) => Golden.Value[name].Data;

    private static int[] Ints(string name) => Array.ConvertAll(G(name), v => (int)v);

    private static T FromPyTorch<T>(T model, string prefix) where T : Module
    {
        foreach (Parameter p in model.Parameters)
        {
            Assert.True(Golden.Value.TryGetValue(prefix + p.Name, out var tensor), $"PyTorch has no parameter named {p.Name}");
            Assert.Equal(tensor.Shape, p.Shape);
            tensor.Data.CopyTo(p.Value.Data, 0);
        }
        return model;
    }

    private double CompareGradients(Module model, string prefix, string when)
    {
        double worst = 0;
        foreach (Parameter p in model.Parameters)
        {
            float[] expected = G(prefix + "grad." + p.Name);
            Numerics.AssertClose(expected, p.Grad.Data, 1e-4, 1e-6, $"grad.{p.Name} {when}", p.Shape);
            worst = Math.Max(worst, expected.Zip(p.Grad.Data, (e, a) => Math.Abs((double)e - a)).Max());
        }
        return worst;
    }

    /// <summary>After the train step at one length: the output, the loss, every parameter gradient and (when
    /// <paramref name="inputShape"/> is given) the input gradient against PyTorch's values named <paramref name="p"/> + ….</summary>
    private void AssertMatchesPyTorch(NetworkPlan plan, Module model, string p, int steps, string outputName, int[] outputShape,
        int[]? inputShape = null)
    {
        Numerics.AssertClose(G(p + outputName), plan.OutputToArray(), 1e-4, 1e-6, $"{outputName} at length {steps}", outputShape);
        Numerics.AssertClose(G(p + "loss"), [plan.Loss], 1e-4, 1e-6, $"loss at length {steps}");
        double worst = CompareGradients(model, p, $"at length {steps}");
        if (inputShape != null)
            Numerics.AssertClose(G(p + "grad.x"), plan.InputGradient(0), 1e-4, 1e-6, $"grad.x at length {steps}", inputShape);
        output.WriteLine($"length {steps}: loss {plan.Loss} vs PyTorch {G(p + "loss")[0]}; largest {(inputShape == null ? "" : "parameter ")}gradient difference {worst:G3}");
    }

    [Fact]
    public void Language_model_over_every_token_matches_PyTorch_at_two_lengths_on_one_plan()
    {
        SeqLanguageModelNet model = FromPyTorch(new SeqLanguageModelNet(seed: 1), "lm.");
        using SeqLanguageModelNet.Plan plan = model.CreatePlan(batchCapacity: 4, sequenceCapacity: 6);
        plan.Configure(Loss.CrossEntropy(), new Sgd(0f));
        foreach (int steps in new[] { 5, 2, 5 })
        {
            const int batch = 3;
            string p = $"lm.L{steps}.";
            var ids = new IntTensor<Seq, Batch>(new IntTensor(Ints(p + "ids"), steps, batch));
            // PyTorch's targets.view(-1): the [Seq, Batch] next characters, one per row of the [Seq·Batch, 20] scores.
            plan.TrainStep(ids, new IntTensor(Ints(p + "targets"), steps * batch));
            Assert.Equal(steps * batch * 20, plan.OutputLength);
            AssertMatchesPyTorch(plan, model, p, steps, "logits", [steps * batch, 20]);
        }
    }

    [Fact]
    public void Language_model_plan_equals_eager_at_several_lengths_and_its_rows_are_Seq_times_Batch()
    {
        var model = new SeqLanguageModelNet(seed: 2);
        using SeqLanguageModelNet.Plan plan = model.CreatePlan(batchCapacity: 3, sequenceCapacity: 7);
        foreach ((int steps, int batch) in new[] { (7, 3), (1, 2), (4, 3), (3, 1) })
        {
            int[] ids = Enumerable.Range(0, steps * batch).Select(i => (i * 7 + steps) % 20).ToArray();
            var typed = new IntTensor<Seq, Batch>(new IntTensor(ids, steps, batch));
            Tensor eager = model.Forward(typed);
            Tensor generated = plan.Forward(typed);
            Assert.Equal([steps * batch, 20], generated.Shape);
            Assert.Equal(eager.Shape, generated.Shape);
            Numerics.AssertClose(eager.Data, generated.Data, 1e-4, 1e-5, $"SeqLanguageModelNet at length {steps}, batch {batch}", generated.Shape);
        }
    }

    [Theory]
    [InlineData(5, 71)]
    [InlineData(2, 72)]
    public void Language_model_gradients_pass_finite_differences(int steps, int seed)
    {
        const int batch = 3;
        var model = new SeqLanguageModelNet(seed: 3);
        using SeqLanguageModelNet.Plan plan = model.CreatePlan(batchCapacity: 3, sequenceCapacity: 6);
        int[] ids = Enumerable.Range(0, steps * batch).Select(i => (i * 11 + seed) % 20).ToArray();
        var check = new GradientCheck
        {
            Plan = plan,
            Sequence = steps,
            Integers = new Dictionary<int, int[]> { [0] = ids },
            DifferentiableInputs = [false],
            Eager = _ => model.Forward(new IntTensor<Seq, Batch>(new IntTensor(ids, steps, batch))).Data,
            Samples = 6,
        };
        output.WriteLine($"length {steps}: max |difference| {check.Run([[]], batch, seed):G3}");
    }

    [Fact]
    public void Pooling_over_Seq_matches_PyTorch_at_two_lengths_on_one_plan()
    {
        SeqPoolNet model = FromPyTorch(new SeqPoolNet(seed: 1), "pool.");
        using SeqPoolNet.Plan plan = model.CreatePlan(batchCapacity: 2, sequenceCapacity: 4);
        plan.Configure(Loss.CrossEntropy(), new Sgd(0f));
        plan.ComputeInputGradients = true;
        foreach (int steps in new[] { 4, 1, 4 })
        {
            const int batch = 2;
            string p = $"pool.L{steps}.";
            var x = new Tensor<Seq, Batch, RnnFeatures>(new Tensor(G(p + "x"), steps, batch, 3));
            plan.TrainStep(x, new Tensor(G(p + "labels"), batch)); // class indices as floats
            AssertMatchesPyTorch(plan, model, p, steps, "logits", [batch, 3], [steps, batch, 3]);
        }
    }

    [Fact]
    public void Pooling_over_Seq_plan_equals_eager_at_several_lengths()
    {
        var model = new SeqPoolNet(seed: 4);
        using SeqPoolNet.Plan plan = model.CreatePlan(batchCapacity: 3, sequenceCapacity: 6);
        foreach ((int steps, int batch) in new[] { (6, 3), (1, 1), (3, 2), (5, 3) })
        {
            var x = new Tensor<Seq, Batch, RnnFeatures>(new Tensor(TestData.Uniform(steps * 10 + batch, steps * batch * 3), steps, batch, 3));
            Numerics.AssertClose(model.Forward(x).Value.Data, plan.Forward(x).Value.Data, 1e-4, 1e-5, $"SeqPoolNet at length {steps}, batch {batch}", batch, 3);
        }
    }

    [Theory]
    [InlineData(5, 81)]
    [InlineData(2, 82)]
    public void Pooling_over_Seq_gradients_pass_finite_differences(int steps, int seed)
    {
        const int batch = 2;
        var model = new SeqPoolNet(seed: 5);
        using SeqPoolNet.Plan plan = model.CreatePlan(batchCapacity: 3, sequenceCapacity: 6);
        // Run a longer, larger batch first on the same plan, so a size left from another length would show.
        plan.SetSequence(6);
        plan.SetBatch(3);
        plan.UploadInput(0, TestData.Uniform(seed + 100, 6 * 3 * 3));
        plan.Forward(training: true);
        var check = new GradientCheck
        {
            Plan = plan,
            Sequence = steps,
            Eager = i => model.Forward(new Tensor(i[0], steps, batch, 3)).Data,
            Samples = 6,
        };
        output.WriteLine($"length {steps}: max |difference| {check.Run([TestData.Uniform(seed, steps * batch * 3)], batch, seed):G3}");
    }

    [Fact]
    public void Reverse_reshape_with_the_typed_input_sizes_matches_PyTorch_at_two_lengths()
    {
        SeqRowsTaggerNet model = FromPyTorch(new SeqRowsTaggerNet(seed: 1), "tag.");
        using SeqRowsTaggerNet.Plan plan = model.CreatePlan(batchCapacity: 2, sequenceCapacity: 4);
        plan.Configure(Loss.Nll(), new Sgd(0f));
        plan.ComputeInputGradients = true;
        foreach (int steps in new[] { 3, 1, 3 })
        {
            const int batch = 2;
            string p = $"tag.L{steps}.";
            var x = new Tensor<Seq, Batch, RnnFeatures>(new Tensor(G(p + "x"), steps, batch, 3));
            // out.view(-1, 2) against labels.view(-1): one class index (as a float) per step and example.
            plan.TrainStep(x, new Tensor(G(p + "labels"), steps * batch));
            AssertMatchesPyTorch(plan, model, p, steps, "out", [steps, batch, 2], [steps, batch, 3]);
        }
    }

    [Fact]
    public void Reverse_reshape_plan_equals_eager_and_passes_finite_differences_at_two_lengths()
    {
        const int batch = 2;
        var model = new SeqRowsTaggerNet(seed: 6);
        using SeqRowsTaggerNet.Plan plan = model.CreatePlan(batchCapacity: 3, sequenceCapacity: 5);
        foreach (int steps in new[] { 5, 2 })
        {
            var x = new Tensor<Seq, Batch, RnnFeatures>(new Tensor(TestData.Uniform(steps + 90, steps * batch * 3), steps, batch, 3));
            Tensor<Seq, Batch, RnnTags> generated = plan.Forward(x);
            Assert.Equal([steps, batch, 2], generated.Value.Shape);
            Numerics.AssertClose(model.Forward(x).Value.Data, generated.Value.Data, 1e-4, 1e-5, $"SeqRowsTaggerNet at length {steps}", steps, batch, 2);
            var check = new GradientCheck
            {
                Plan = plan,
                Sequence = steps,
                Eager = i => model.Forward(new Tensor(i[0], steps, batch, 3)).Data,
                Samples = 6,
            };
            output.WriteLine($"length {steps}: max |difference| {check.Run([TestData.Uniform(steps + 95, steps * batch * 3)], batch, seed: 90 + steps):G3}");
        }
    }

    [Theory]
    [InlineData(4, 3)]
    [InlineData(2, 1)]
    public void A_differentiable_function_over_Seq_equals_eager_and_passes_finite_differences(int steps, int batch)
    {
        float[] xData = TestData.Uniform(steps * 10 + batch, steps * batch * 3), wData = TestData.Uniform(7, 3);
        var x = new Tensor<Seq, Batch, RnnFeatures>(new Tensor(xData, steps, batch, 3));
        var w = new Tensor<RnnFeatures>(new Tensor(wData, 3));
        var (value, dx, dw) = SeqFunctions.PoolGrad(x, w);
        Tensor<Batch, RnnFeatures> eager = SeqFunctions.Pool(x, w);
        Assert.Equal([batch, 3], value.Value.Shape);
        Numerics.AssertClose(eager.Value.Data, value.Value.Data, 1e-5, 1e-6, $"Pool at length {steps}", batch, 3);

        // Central differences in float64 of the eager function's sum (the gradient the …Grad method returns).
        double Total() => SeqFunctions.Pool(x, w).Value.Data.Sum(v => (double)v);
        const double h = 5e-3;
        double worst = 0;
        foreach ((string name, float[] data, float[] analytic) in new[] { ("x", xData, dx.Value.Data), ("w", wData, dw.Value.Data) })
        {
            for (int i = 0; i < data.Length; i++)
            {
                float saved = data[i];
                data[i] = (float)(saved + h);
                double plus = Total();
                data[i] = (float)(saved - h);
                double minus = Total();
                data[i] = saved;
                double numeric = (plus - minus) / (2 * h);
                double difference = Math.Abs(numeric - analytic[i]);
                worst = Math.Max(worst, difference);
                Assert.True(difference <= 1e-3 + 1e-2 * Math.Abs(numeric),
                    $"d{name}[{i}] at length {steps}: analytic {analytic[i]:G6}, finite difference {numeric:G6} (|difference| {difference:G3})");
            }
        }
        output.WriteLine($"length {steps}, batch {batch}: max |analytic − finite difference| {worst:G3}");
    }

    [Fact]
    public void Chunk_concat_and_transpose_over_Seq_match_PyTorch_at_two_lengths()
    {
        SeqStructureNet model = FromPyTorch(new SeqStructureNet(seed: 1), "cat.");
        using SeqStructureNet.Plan plan = model.CreatePlan(batchCapacity: 2, sequenceCapacity: 5);
        plan.Configure(Loss.CrossEntropy(), new Sgd(0f));
        plan.ComputeInputGradients = true;
        foreach (int steps in new[] { 5, 2, 5 })
        {
            const int batch = 2;
            string p = $"cat.L{steps}.";
            var x = new Tensor<Seq, Batch, RnnFeatures>(new Tensor(G(p + "x"), steps, batch, 3));
            plan.TrainStep(x, new Tensor(G(p + "labels"), batch));
            AssertMatchesPyTorch(plan, model, p, steps, "logits", [batch, 3], [steps, batch, 3]);
        }
    }

    [Fact]
    public void Chunk_concat_and_transpose_over_Seq_equal_eager_and_pass_finite_differences()
    {
        const int batch = 2;
        var model = new SeqStructureNet(seed: 7);
        using SeqStructureNet.Plan plan = model.CreatePlan(batchCapacity: 3, sequenceCapacity: 6);
        foreach (int steps in new[] { 6, 3 })
        {
            var x = new Tensor<Seq, Batch, RnnFeatures>(new Tensor(TestData.Uniform(steps + 110, steps * batch * 3), steps, batch, 3));
            Numerics.AssertClose(model.Forward(x).Value.Data, plan.Forward(x).Value.Data, 1e-4, 1e-5, $"SeqStructureNet at length {steps}", batch, 3);
            var check = new GradientCheck
            {
                Plan = plan,
                Sequence = steps,
                Eager = i => model.Forward(new Tensor(i[0], steps, batch, 3)).Data,
                Samples = 6,
            };
            output.WriteLine($"length {steps}: max |difference| {check.Run([TestData.Uniform(steps + 120, steps * batch * 3)], batch, seed: 130 + steps):G3}");
        }
    }

    [Fact]
    public void Self_attention_over_Seq_matches_PyTorch_at_two_lengths()
    {
        SeqAttentionNet model = FromPyTorch(new SeqAttentionNet(seed: 1), "att.");
        using SeqAttentionNet.Plan plan = model.CreatePlan(batchCapacity: 2, sequenceCapacity: 4);
        plan.Configure(Loss.CrossEntropy(), new Sgd(0f));
        plan.ComputeInputGradients = true;
        foreach (int steps in new[] { 4, 1, 4 })
        {
            const int batch = 2;
            string p = $"att.L{steps}.";
            var x = new Tensor<Batch, Seq, RnnFeatures>(new Tensor(G(p + "x"), batch, steps, 3));
            plan.TrainStep(x, new Tensor(G(p + "labels"), batch));
            AssertMatchesPyTorch(plan, model, p, steps, "logits", [batch, 3], [batch, steps, 3]);
        }
    }

    [Fact]
    public void Self_attention_over_Seq_equals_eager_and_passes_finite_differences()
    {
        const int batch = 2;
        var model = new SeqAttentionNet(seed: 8);
        using SeqAttentionNet.Plan plan = model.CreatePlan(batchCapacity: 3, sequenceCapacity: 6);
        foreach (int steps in new[] { 6, 3 })
        {
            var x = new Tensor<Batch, Seq, RnnFeatures>(new Tensor(TestData.Uniform(steps + 140, batch * steps * 3), batch, steps, 3));
            Numerics.AssertClose(model.Forward(x).Value.Data, plan.Forward(x).Value.Data, 1e-4, 1e-5, $"SeqAttentionNet at length {steps}", batch, 3);
            var check = new GradientCheck
            {
                Plan = plan,
                Sequence = steps,
                Eager = i => model.Forward(new Tensor(i[0], batch, steps, 3)).Data,
                Samples = 6,
            };
            output.WriteLine($"length {steps}: max |difference| {check.Run([TestData.Uniform(steps + 150, batch * steps * 3)], batch, seed: 160 + steps):G3}");
        }
    }
}
