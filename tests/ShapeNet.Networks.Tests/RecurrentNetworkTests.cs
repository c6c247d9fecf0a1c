using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Networks.Tests.Support;
using ShapeNet.Optim;
using ShapeNet.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace ShapeNet.Networks.Tests;

/// <summary>
/// Generated recurrent networks: lecture 13's bi-GRU classifier against PyTorch (tests/golden/recurrent.py: logits, loss and
/// every parameter gradient within rtol 1e-4, atol 1e-6; the plan gets PyTorch's weights by name and integer ids, lengths and
/// labels), generated vs eager forward (rtol 1e-4, atol 1e-5), gradients through time of every generated layer and cell against
/// finite differences (<see cref="GradientCheck"/>'s tolerance), and bad ids at run time.
/// </summary>
public class RecurrentNetworkTests(ITestOutputHelper output)
{
    private static readonly Lazy<IReadOnlyDictionary<string, (int[] Shape, float[] Data)>> Golden =
        new(() => GoldenFile.Load(GoldenFile.PathOf("recurrent.sntensors.gz")));

    private static float[] G(string name) => Golden.Value[name].Data;

    private static int[] Ints(string name) => Array.ConvertAll(G(name), v => (int)v);

    private static BiGruNet PyTorchBiGru()
    {
        var model = new BiGruNet(seed: 3);
        foreach (Parameter p in model.Parameters)
        {
            Assert.True(Golden.Value.TryGetValue("bigru." + p.Name, out var tensor), $"PyTorch has no parameter named {p.Name}");
            Assert.Equal(tensor.Shape, p.Shape);
            tensor.Data.CopyTo(p.Value.Data, 0);
        }
        return model;
    }

    [Fact]
    public void BiGru_classifier_train_step_matches_PyTorch()
    {
        BiGruNet model = PyTorchBiGru();
        const int batch = 4;
        var ids = new IntTensor<GoldenSteps, Batch>(new IntTensor(Ints("bigru.ids"), 7, batch));
        var lengths = new IntTensor<Batch>(new IntTensor(Ints("bigru.lengths"), batch));
        using BiGruNet.Plan plan = model.CreatePlan(batchCapacity: 6);
        plan.Configure(Loss.CrossEntropy(), new Sgd(0f));
        plan.TrainStep(ids, lengths, new IntTensor(Ints("bigru.labels"), batch));

        float[] logits = plan.OutputToArray();
        Numerics.AssertClose(G("bigru.logits"), logits, 1e-4, 1e-6, "logits", batch, 5);
        Numerics.AssertClose(G("bigru.loss"), [plan.Loss], 1e-4, 1e-6, "loss");
        double worst = 0;
        foreach (Parameter p in model.Parameters)
        {
            float[] expected = G("bigru.grad." + p.Name);
            Numerics.AssertClose(expected, p.Grad.Data, 1e-4, 1e-6, "grad." + p.Name, p.Shape);
            worst = Math.Max(worst, expected.Zip(p.Grad.Data, (e, a) => Math.Abs((double)e - a)).Max());
        }
        output.WriteLine($"loss {plan.Loss} vs PyTorch {G("bigru.loss")[0]}; largest gradient difference {worst:G3}");
    }

    [Fact]
    public void BiGru_classifier_generated_forward_equals_eager_at_two_batch_sizes()
    {
        BiGruNet model = PyTorchBiGru();
        model.Eval();
        using BiGruNet.Plan plan = model.CreatePlan(batchCapacity: 4);
        int[] allIds = Ints("bigru.ids"), allLengths = Ints("bigru.lengths");
        foreach (int batch in new[] { 4, 3 })
        {
            var ids = new int[7 * batch];
            for (int t = 0; t < 7; t++) Array.Copy(allIds, t * 4, ids, t * batch, batch);
            var typedIds = new IntTensor<GoldenSteps, Batch>(new IntTensor(ids, 7, batch));
            var typedLengths = new IntTensor<Batch>(new IntTensor(allLengths[..batch], batch));
            Tensor eager = model.Forward(typedIds, typedLengths);
            Tensor generated = plan.Forward(typedIds, typedLengths);
            Numerics.AssertClose(eager.Data, generated.Data, 1e-4, 1e-5, $"BiGruNet logits at batch {batch}", eager.Shape);
        }
    }

    [Fact]
    public void An_id_past_the_vocabulary_is_an_error_naming_it_its_row_and_the_limit()
    {
        using BiGruNet.Plan plan = new BiGruNet(seed: 1).CreatePlan(2);
        int[] ids = Enumerable.Repeat(1, 14).ToArray();
        ids[9] = 32;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            plan.Forward(new IntTensor<GoldenSteps, Batch>(new IntTensor(ids, 7, 2)), new IntTensor<Batch>(new IntTensor([7, 7], 2))));
        Assert.Contains("Embedding: id 32 at position 9 (row 9 of the output) is outside [0, 32): the table has 32 rows.", error.Message);
    }

    [Fact]
    public void A_length_of_zero_is_an_error()
    {
        using BiGruNet.Plan plan = new BiGruNet(seed: 1).CreatePlan(2);
        var error = Assert.ThrowsAny<ArgumentException>(() =>
            plan.Forward(new IntTensor<GoldenSteps, Batch>(new IntTensor(new int[14], 7, 2)), new IntTensor<Batch>(new IntTensor([7, 0], 2))));
        Assert.Contains("0", error.Message);
        output.WriteLine(error.Message);
    }

    private GradientCheck Check(NetworkPlan plan, Func<float[][], float[]> eager) => new() { Plan = plan, Eager = eager, Samples = 5 };

    [Fact]
    public void Gradients_through_time_of_a_two_layer_bidirectional_gru_from_h0()
    {
        const int batch = 2;
        var model = new GruStackNet(seed: 2);
        using GruStackNet.Plan plan = model.CreatePlan(3);
        float[][] inputs = [TestData.Uniform(1, 4 * batch * 3), TestData.Uniform(2, 4 * batch * 4, -0.5f, 0.5f)];
        GradientCheck check = Check(plan, x => model.Forward(new Tensor(x[0], 4, batch, 3), new Tensor(x[1], 4, batch, 4)).Data);
        output.WriteLine($"max |difference| {check.Run(inputs, batch, seed: 21):G3}");
    }

    [Fact]
    public void Gradients_through_time_of_a_batch_first_lstm_from_h0_and_c0()
    {
        const int batch = 3;
        var model = new LstmNet(seed: 3);
        using LstmNet.Plan plan = model.CreatePlan(3);
        float[][] inputs = [TestData.Uniform(1, batch * 4 * 3), TestData.Uniform(2, batch * 4, -0.5f, 0.5f), TestData.Uniform(3, batch * 4, -0.5f, 0.5f)];
        GradientCheck check = Check(plan, x => model.Forward(new Tensor(x[0], batch, 4, 3), new Tensor(x[1], 1, batch, 4), new Tensor(x[2], 1, batch, 4)).Data);
        output.WriteLine($"max |difference| {check.Run(inputs, batch, seed: 31):G3}");
    }

    [Fact]
    public void Gradients_through_time_of_a_relu_rnn_stack()
    {
        const int batch = 2;
        var model = new ReluRnnNet(seed: 4);
        using ReluRnnNet.Plan plan = model.CreatePlan(2);
        float[][] inputs = [TestData.Uniform(1, 4 * batch * 3)];
        GradientCheck check = Check(plan, x => model.Forward(new Tensor(x[0], 4, batch, 3)).Data);
        output.WriteLine($"max |difference| {check.Run(inputs, batch, seed: 41):G3}; {check.Kinks} kinks");
    }

    [Fact]
    public void Gradients_through_a_gru_cell_loop()
    {
        const int batch = 2;
        var model = new GruCellLoopNet(seed: 5);
        using GruCellLoopNet.Plan plan = model.CreatePlan(2);
        float[][] inputs = [TestData.Uniform(1, 4 * batch * 3), TestData.Uniform(2, batch * 4, -0.5f, 0.5f)];
        GradientCheck check = Check(plan, x => model.Forward(new Tensor(x[0], 4, batch, 3), new Tensor(x[1], batch, 4)).Data);
        output.WriteLine($"max |difference| {check.Run(inputs, batch, seed: 51):G3}");
    }

    [Fact]
    public void Gradients_through_a_relu_rnn_cell_loop_to_a_dimension_size()
    {
        const int batch = 3;
        var model = new RnnCellLoopNet(seed: 9);
        using RnnCellLoopNet.Plan plan = model.CreatePlan(3);
        float[][] inputs = [TestData.Uniform(1, 4 * batch * 3), TestData.Uniform(2, batch * 4, -0.5f, 0.5f)];
        GradientCheck check = Check(plan, x => model.Forward(new Tensor(x[0], 4, batch, 3), new Tensor(x[1], batch, 4)).Data);
        output.WriteLine($"max |difference| {check.Run(inputs, batch, seed: 91):G3}; {check.Kinks} kinks");
        // The loop reads the first 3 of the 4 steps: the last step gets no gradient.
        float[] dx = plan.InputGradient(0);
        Assert.All(dx[(3 * batch * 3)..], g => Assert.Equal(0f, g));
    }

    [Fact]
    public void Gradients_through_an_lstm_cell_loop_carrying_h_and_c()
    {
        const int batch = 2;
        var model = new LstmCellLoopNet(seed: 13);
        using LstmCellLoopNet.Plan plan = model.CreatePlan(2);
        float[][] inputs = [TestData.Uniform(1, 4 * batch * 3), TestData.Uniform(2, batch * 4, -0.5f, 0.5f), TestData.Uniform(3, batch * 4, -0.5f, 0.5f)];
        GradientCheck check = Check(plan, x => model.Forward(new Tensor(x[0], 4, batch, 3), new Tensor(x[1], batch, 4), new Tensor(x[2], batch, 4)).Data);
        output.WriteLine($"max |difference| {check.Run(inputs, batch, seed: 131):G3}");
        Assert.Single(LstmCellLoopNet.Summary.Split('\n'), l => l.StartsWith("cell ", StringComparison.Ordinal));
    }

    [Fact]
    public void Cell_loops_compile_to_one_call_and_equal_their_eager_forward()
    {
        const int batch = 2;
        var gru = new GruCellLoopNet(seed: 10);
        using (GruCellLoopNet.Plan plan = gru.CreatePlan(batch))
        {
            var x = new Tensor<RnnSteps, Batch, RnnFeatures>(new Tensor(TestData.Uniform(11, 4 * batch * 3), 4, batch, 3));
            var h0 = new Tensor<Batch, RnnHidden>(new Tensor(TestData.Uniform(12, batch * 4), batch, 4));
            Numerics.AssertClose(gru.Forward(x, h0).Data, plan.Forward(x, h0).Data, 1e-4, 1e-5, "GruCellLoopNet output", batch, 4);
        }
        var rnn = new RnnCellLoopNet(seed: 11);
        using (RnnCellLoopNet.Plan plan = rnn.CreatePlan(batch))
        {
            var x = new Tensor<RnnSteps, Batch, RnnFeatures>(new Tensor(TestData.Uniform(13, 4 * batch * 3), 4, batch, 3));
            var h0 = new Tensor<Batch, RnnHidden>(new Tensor(TestData.Uniform(14, batch * 4), batch, 4));
            Numerics.AssertClose(rnn.Forward(x, h0).Data, plan.Forward(x, h0).Data, 1e-4, 1e-5, "RnnCellLoopNet output", batch, 2);
        }
        var lstm = new LstmCellLoopNet(seed: 14);
        using (LstmCellLoopNet.Plan plan = lstm.CreatePlan(batch))
        {
            var x = new Tensor<RnnSteps, Batch, RnnFeatures>(new Tensor(TestData.Uniform(15, 4 * batch * 3), 4, batch, 3));
            var h0 = new Tensor<Batch, RnnHidden>(new Tensor(TestData.Uniform(16, batch * 4), batch, 4));
            var c0 = new Tensor<Batch, RnnHidden>(new Tensor(TestData.Uniform(17, batch * 4), batch, 4));
            Numerics.AssertClose(lstm.Forward(x, h0, c0).Data, plan.Forward(x, h0, c0).Data, 1e-4, 1e-5, "LstmCellLoopNet output", batch, 2);
        }
        // One node for the loop: the summary lists one row for the cell, not one per step.
        Assert.Single(GruCellLoopNet.Summary.Split('\n'), l => l.StartsWith("cell ", StringComparison.Ordinal));
        Assert.Single(RnnCellLoopNet.Summary.Split('\n'), l => l.StartsWith("cell ", StringComparison.Ordinal));
    }

    [Fact]
    public void Gradients_through_lstm_and_rnn_cells_sharing_their_state()
    {
        const int batch = 2;
        var model = new CellsNet(seed: 6);
        using CellsNet.Plan plan = model.CreatePlan(2);
        float[][] inputs = [TestData.Uniform(1, 4 * batch * 3)];
        GradientCheck check = Check(plan, x => model.Forward(new Tensor(x[0], 4, batch, 3)).Data);
        output.WriteLine($"max |difference| {check.Run(inputs, batch, seed: 61):G3}");
    }

    [Fact]
    public void Generated_recurrent_layers_and_cells_equal_their_eager_forward()
    {
        const int batch = 3;
        var gru = new GruStackNet(seed: 7);
        gru.Eval();
        using (GruStackNet.Plan plan = gru.CreatePlan(batch))
        {
            var x = new Tensor<RnnSteps, Batch, RnnFeatures>(new Tensor(TestData.Uniform(8, 4 * batch * 3), 4, batch, 3));
            var h0 = new Tensor<RnnStates, Batch, RnnHidden>(new Tensor(TestData.Uniform(9, 4 * batch * 4), 4, batch, 4));
            Numerics.AssertClose(gru.Forward(x, h0).Value.Data, plan.Forward(x, h0).Value.Data, 1e-4, 1e-5, "GruStackNet output", 4, batch, 8);
        }
        var cells = new CellsNet(seed: 8);
        using (CellsNet.Plan plan = cells.CreatePlan(batch))
        {
            var x = new Tensor<RnnSteps, Batch, RnnFeatures>(new Tensor(TestData.Uniform(10, 4 * batch * 3), 4, batch, 3));
            Numerics.AssertClose(cells.Forward(x).Data, plan.Forward(x).Data, 1e-4, 1e-5, "CellsNet output", batch, 4);
        }
    }
}
