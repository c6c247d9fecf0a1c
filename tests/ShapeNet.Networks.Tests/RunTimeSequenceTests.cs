using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Networks.Tests.Support;
using ShapeNet.Optim;
using ShapeNet.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace ShapeNet.Networks.Tests;

/// <summary>
/// Networks with the run-time <c>Seq</c> dimension: one plan, compiled for a sequence capacity, runs batches of any length up to
/// it (PyTorch users feed batches of different lengths to one model). Lecture 13's bi-GRU classifier with <c>Seq</c> matches PyTorch
/// (tests/golden/recurrent.py, the same values as <see cref="RecurrentNetworkTests"/>: rtol 1e-4, atol 1e-6) at length 7 in a plan of
/// capacity 12, also after running shorter batches on the same buffers; the generated forward equals the eager one at several
/// lengths (rtol 1e-4, atol 1e-5); a tagger's gradients through time with per-example lengths pass float64 finite differences
/// (<see cref="GradientCheck"/>'s tolerance) at lengths 2, 3 and 6 on one plan (at length 1 the recurrent weights get no gradient from a zero h0); lengths outside the plan are clear errors.
/// </summary>
public class RunTimeSequenceTests(ITestOutputHelper output)
{
    private static readonly Lazy<IReadOnlyDictionary<string, (int[] Shape, float[] Data)>> Golden =
        new(() => GoldenFile.Load(GoldenFile.PathOf("recurrent.sntensors.gz")));

    private static float[] G(string name) => Golden.Value[name].Data;

    private static int[] Ints(string name) => Array.ConvertAll(G(name), v => (int)v);

    private static SeqBiGruNet PyTorchBiGru()
    {
        var model = new SeqBiGruNet(seed: 3);
        foreach (Parameter p in model.Parameters)
        {
            Assert.True(Golden.Value.TryGetValue("bigru." + p.Name, out var tensor), $"PyTorch has no parameter named {p.Name}");
            Assert.Equal(tensor.Shape, p.Shape);
            tensor.Data.CopyTo(p.Value.Data, 0);
        }
        return model;
    }

    /// <summary>The golden ids [7, 4] cut to their first <paramref name="steps"/> steps and <paramref name="batch"/> examples, the
    /// lengths clamped to <paramref name="steps"/>.</summary>
    private static (IntTensor<Seq, Batch> Ids, IntTensor<Batch> Lengths) GoldenBatch(int steps, int batch)
    {
        int[] all = Ints("bigru.ids"), allLengths = Ints("bigru.lengths");
        var ids = new int[steps * batch];
        for (int t = 0; t < steps; t++) Array.Copy(all, t * 4, ids, t * batch, batch);
        int[] lengths = allLengths[..batch].Select(l => Math.Min(l, steps)).ToArray();
        return (new IntTensor<Seq, Batch>(new IntTensor(ids, steps, batch)), new IntTensor<Batch>(new IntTensor(lengths, batch)));
    }

    [Fact]
    public void The_plan_has_the_capacities_it_was_made_with()
    {
        using SeqBiGruNet.Plan plan = new SeqBiGruNet(seed: 1).CreatePlan(batchCapacity: 6, sequenceCapacity: 12);
        Assert.Equal(6, plan.BatchCapacity);
        Assert.Equal(12, plan.SequenceCapacity);
        Assert.Equal(12, plan.Sequence);
    }

    [Fact]
    public void BiGru_classifier_with_Seq_matches_PyTorch_before_and_after_shorter_batches()
    {
        SeqBiGruNet model = PyTorchBiGru();
        using SeqBiGruNet.Plan plan = model.CreatePlan(batchCapacity: 6, sequenceCapacity: 12);
        plan.Configure(Loss.CrossEntropy(), new Sgd(0f));
        var labels = new IntTensor(Ints("bigru.labels"), 4);

        void StepAtSeven(string when)
        {
            (IntTensor<Seq, Batch> ids, IntTensor<Batch> lengths) = GoldenBatch(7, 4);
            plan.TrainStep(ids, lengths, labels);
            Assert.Equal(7, plan.Sequence);
            Numerics.AssertClose(G("bigru.logits"), plan.OutputToArray(), 1e-4, 1e-6, $"logits {when}", 4, 5);
            Numerics.AssertClose(G("bigru.loss"), [plan.Loss], 1e-4, 1e-6, $"loss {when}");
            double worst = 0;
            foreach (Parameter p in model.Parameters)
            {
                float[] expected = G("bigru.grad." + p.Name);
                Numerics.AssertClose(expected, p.Grad.Data, 1e-4, 1e-6, $"grad.{p.Name} {when}", p.Shape);
                worst = Math.Max(worst, expected.Zip(p.Grad.Data, (e, a) => Math.Abs((double)e - a)).Max());
            }
            output.WriteLine($"{when}: loss {plan.Loss} vs PyTorch {G("bigru.loss")[0]}; largest gradient difference {worst:G3}");
        }

        StepAtSeven("first");
        // Shorter (and longer) batches on the same buffers, then length 7 again: nothing of another length leaks in.
        foreach ((int steps, int batch) in new[] { (3, 2), (12, 6), (5, 4) })
        {
            var ids = new int[steps * batch];
            for (int i = 0; i < ids.Length; i++) ids[i] = 1 + (i * 7 + steps) % 31;
            int[] lengths = Enumerable.Range(0, batch).Select(b => steps - b % steps).ToArray();
            plan.TrainStep(new IntTensor<Seq, Batch>(new IntTensor(ids, steps, batch)), new IntTensor<Batch>(new IntTensor(lengths, batch)),
                new IntTensor(Enumerable.Range(0, batch).Select(b => b % 5).ToArray(), batch));
            Assert.True(float.IsFinite(plan.Loss));
        }
        StepAtSeven("after lengths 3, 12 and 5");
    }

    [Fact]
    public void Generated_forward_equals_eager_at_several_lengths_on_one_plan()
    {
        SeqBiGruNet model = PyTorchBiGru();
        model.Eval();
        using SeqBiGruNet.Plan plan = model.CreatePlan(batchCapacity: 4, sequenceCapacity: 7);
        foreach ((int steps, int batch) in new[] { (7, 4), (2, 3), (5, 4), (1, 1), (7, 2) })
        {
            (IntTensor<Seq, Batch> ids, IntTensor<Batch> lengths) = GoldenBatch(steps, batch);
            Tensor eager = model.Forward(ids, lengths);
            Tensor generated = plan.Forward(ids, lengths);
            Assert.Equal(steps, plan.Sequence);
            Numerics.AssertClose(eager.Data, generated.Data, 1e-4, 1e-5, $"SeqBiGruNet logits at length {steps}, batch {batch}", eager.Shape);
        }
    }

    [Fact]
    public void The_tagger_output_has_the_length_of_each_batch()
    {
        var model = new SeqTaggerNet(seed: 4);
        model.Eval();
        using SeqTaggerNet.Plan plan = model.CreatePlan(batchCapacity: 3, sequenceCapacity: 6);
        foreach (int steps in new[] { 6, 2, 4 })
        {
            const int batch = 3;
            var x = new Tensor<Seq, Batch, RnnFeatures>(new Tensor(TestData.Uniform(steps, steps * batch * 3), steps, batch, 3));
            var lengths = new IntTensor<Batch>(new IntTensor([steps, Math.Max(1, steps - 1), 1], batch));
            Tensor<Seq, Batch, RnnTags> generated = plan.Forward(x, lengths);
            Assert.Equal([steps, batch, 2], generated.Value.Shape);
            Numerics.AssertClose(model.Forward(x, lengths).Value.Data, generated.Value.Data, 1e-4, 1e-5, $"SeqTaggerNet at length {steps}", steps, batch, 2);
        }
    }

    [Theory]
    [InlineData(6, 51)]
    [InlineData(3, 52)]
    [InlineData(2, 53)]
    public void Gradients_through_time_with_variable_lengths_at_a_run_time_length(int steps, int seed)
    {
        const int batch = 3;
        var model = new SeqTaggerNet(seed: 5);
        using SeqTaggerNet.Plan plan = model.CreatePlan(batchCapacity: 4, sequenceCapacity: 6);
        // One plan for every length: run a longer batch first, so stale values past this length would show.
        plan.SetSequence(6);
        plan.SetBatch(4);
        plan.UploadInput(0, TestData.Uniform(99, 6 * 4 * 3));
        plan.UploadInput(1, [6, 6, 6, 6]);
        plan.Forward(training: true);

        int[] lengths = [steps, Math.Max(1, steps - 2), Math.Max(1, steps / 2)];
        float[][] inputs = [TestData.Uniform(seed, steps * batch * 3), []];
        var check = new GradientCheck
        {
            Plan = plan,
            Sequence = steps,
            Integers = new Dictionary<int, int[]> { [1] = lengths },
            Eager = x => model.Forward(new Tensor(x[0], steps, batch, 3), new IntTensor(lengths, batch)).Data,
            Samples = 5,
        };
        output.WriteLine($"length {steps}, lengths [{string.Join(", ", lengths)}]: max |difference| {check.Run(inputs, batch, seed):G3}");

        // Padding gives no gradient: d(x) is 0 past each example's length.
        float[] dx = plan.InputGradient(0);
        for (int t = 0; t < steps; t++)
            for (int b = 0; b < batch; b++)
                if (t >= lengths[b])
                    for (int f = 0; f < 3; f++) Assert.Equal(0f, dx[(t * batch + b) * 3 + f]);
    }

    [Fact]
    public void A_batch_first_lstm_over_Seq_equals_eager_and_passes_gradient_checks_at_two_lengths()
    {
        const int batch = 2;
        var model = new SeqBatchFirstLstmNet(seed: 6);
        using SeqBatchFirstLstmNet.Plan plan = model.CreatePlan(batchCapacity: 3, sequenceCapacity: 5);
        foreach (int steps in new[] { 5, 2 })
        {
            var x = new Tensor<Batch, Seq, RnnFeatures>(new Tensor(TestData.Uniform(steps + 20, batch * steps * 3), batch, steps, 3));
            Tensor<Batch, Seq, RnnTags> generated = plan.Forward(x);
            Assert.Equal([batch, steps, 2], generated.Value.Shape);
            Numerics.AssertClose(model.Forward(x).Value.Data, generated.Value.Data, 1e-4, 1e-5, $"SeqBatchFirstLstmNet at length {steps}", batch, steps, 2);

            float[][] inputs = [TestData.Uniform(steps + 30, batch * steps * 3)];
            var check = new GradientCheck
            {
                Plan = plan,
                Sequence = steps,
                Eager = i => model.Forward(new Tensor(i[0], batch, steps, 3)).Data,
                Samples = 5,
            };
            output.WriteLine($"length {steps}: max |difference| {check.Run(inputs, batch, seed: 60 + steps):G3}");
        }
    }

    [Fact]
    public void A_cell_loop_to_the_run_time_length_equals_eager_and_passes_gradient_checks()
    {
        const int batch = 2;
        var model = new SeqGruCellLoopNet(seed: 8);
        Assert.Single(SeqGruCellLoopNet.Summary.Split('\n'), l => l.StartsWith("cell ", StringComparison.Ordinal));
        using SeqGruCellLoopNet.Plan plan = model.CreatePlan(batchCapacity: 2, sequenceCapacity: 6);
        foreach (int steps in new[] { 6, 1, 4 })
        {
            var x = new Tensor<Seq, Batch, RnnFeatures>(new Tensor(TestData.Uniform(steps + 40, steps * batch * 3), steps, batch, 3));
            var h0 = new Tensor<Batch, RnnHidden>(new Tensor(TestData.Uniform(steps + 50, batch * 4, -0.5f, 0.5f), batch, 4));
            Numerics.AssertClose(model.Forward(x, h0).Value.Data, plan.Forward(x, h0).Value.Data, 1e-4, 1e-5, $"SeqGruCellLoopNet at length {steps}", batch, 4);
            if (steps == 1) continue; // one step from h0: W_hh's gradient is dGh·h0ᵀ, checked at the other lengths
            float[][] inputs = [TestData.Uniform(steps + 60, steps * batch * 3), TestData.Uniform(steps + 70, batch * 4, -0.5f, 0.5f)];
            var check = new GradientCheck
            {
                Plan = plan,
                Sequence = steps,
                Eager = i => model.Forward(new Tensor(i[0], steps, batch, 3), new Tensor(i[1], batch, 4)).Data,
                Samples = 5,
            };
            output.WriteLine($"length {steps}: max |difference| {check.Run(inputs, batch, seed: 80 + steps):G3}");
        }
    }

    [Fact]
    public void A_length_past_the_sequence_capacity_is_an_error_naming_the_range()
    {
        using SeqTaggerNet.Plan plan = new SeqTaggerNet(seed: 1).CreatePlan(batchCapacity: 2, sequenceCapacity: 4);
        var x = new Tensor<Seq, Batch, RnnFeatures>(new Tensor(new float[5 * 2 * 3], 5, 2, 3));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => plan.Forward(x, new IntTensor<Batch>(new IntTensor([5, 5], 2))));
        Assert.Contains("The sequence length 5 is outside this plan's range 1..4 (its sequence capacity).", error.Message);
    }

    [Fact]
    public void An_example_length_past_the_batch_length_is_an_error()
    {
        using SeqTaggerNet.Plan plan = new SeqTaggerNet(seed: 1).CreatePlan(batchCapacity: 2, sequenceCapacity: 6);
        var x = new Tensor<Seq, Batch, RnnFeatures>(new Tensor(new float[3 * 2 * 3], 3, 2, 3));
        var error = Assert.ThrowsAny<ArgumentException>(() => plan.Forward(x, new IntTensor<Batch>(new IntTensor([3, 4], 2))));
        output.WriteLine(error.Message);
        Assert.Contains("4", error.Message);
    }

    [Fact]
    public void A_raw_upload_at_another_length_names_the_sequence_length()
    {
        using SeqTaggerNet.Plan plan = new SeqTaggerNet(seed: 1).CreatePlan(batchCapacity: 2, sequenceCapacity: 6);
        plan.SetSequence(4);
        plan.SetBatch(2);
        var error = Assert.Throws<ArgumentException>(() => plan.UploadInput(0, new float[3 * 2 * 3]));
        Assert.Contains("Input 0 needs 24 floats for a batch of 2 at sequence length 4 (SetSequence), but 18 were given.", error.Message);
    }

    [Fact]
    public void A_zero_sequence_capacity_is_an_error()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new SeqTaggerNet(seed: 1).CreatePlan(batchCapacity: 2, sequenceCapacity: 0));
        Assert.Contains("The sequence capacity must be at least 1, not 0.", error.Message);
    }

    [Fact]
    public void A_network_without_Seq_rejects_a_sequence_length()
    {
        using BiGruNet.Plan plan = new BiGruNet(seed: 1).CreatePlan(2);
        Assert.Equal(0, plan.SequenceCapacity);
        var error = Assert.Throws<InvalidOperationException>(() => plan.SetSequence(3));
        Assert.Contains("no run-time Seq dimension", error.Message);
    }
}
