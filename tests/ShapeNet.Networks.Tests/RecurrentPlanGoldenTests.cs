using ShapeNet.Checkpoints;
using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Networks.Tests.Support;
using ShapeNet.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace ShapeNet.Networks.Tests;

/// <summary>
/// Generated recurrent plans against PyTorch and PyTorch's state dicts: tests/golden/recurrent.py's LSTM (2 layers, bidirectional,
/// batch-first, packed lengths 5, 2, 4, from (h0, c0)) through <see cref="GoldenLstmNet"/>'s plan, loaded strictly from PyTorch's
/// saved state dict: output, h_n, c_n, loss and every parameter, x, h0 and c0 gradient within rtol 1e-4, atol 1e-6; a tuple
/// deconstructed in a forward (<c>var (y, h) = Gru1(x)</c>) end to end; and strict loading of PyTorch's bi-GRU state dict into the
/// generated network, where a missing, an unexpected and a mis-shaped key each fail naming the key (and both shapes).
/// </summary>
public class RecurrentPlanGoldenTests(ITestOutputHelper output)
{
    private const double Rtol = 1e-4, Atol = 1e-6;

    private static readonly Lazy<IReadOnlyDictionary<string, (int[] Shape, float[] Data)>> Golden =
        new(() => GoldenFile.Load(GoldenFile.PathOf("recurrent.sntensors.gz")));

    private static float[] G(string name) => Golden.Value[name].Data;

    [Fact]
    public void Lstm_plan_matches_PyTorch_outputs_loss_and_every_gradient()
    {
        var model = new GoldenLstmNet(seed: 1);
        CheckpointLoadReport load = Checkpoint.Load(GoldenFile.PathOf("torch_lstm.safetensors"), model);
        Assert.True(load.IsComplete, load.ToString());
        Assert.Equal(16, load.Loaded.Count);

        const int batch = 3;
        float[] x = G("lstm.x"), h0 = G("lstm.h0"), c0 = G("lstm.c0"), wOut = G("lstm.w_out"), wH = G("lstm.w_h"), wC = G("lstm.w_c");
        int[] lengths = Array.ConvertAll(G("lstm.lengths"), v => (int)v);
        using GoldenLstmNet.Plan plan = model.CreatePlan(batchCapacity: 4);

        var (loss, sequence, hN, cN) = plan.Forward(
            new Tensor<Batch, LstmSteps, LstmInputs>(new Tensor(x, batch, 5, 6)), new Tensor<LstmStates, Batch, LstmHidden>(new Tensor(h0, 4, batch, 8)),
            new Tensor<LstmStates, Batch, LstmHidden>(new Tensor(c0, 4, batch, 8)), new IntTensor<Batch>(new IntTensor(lengths, batch)),
            new Tensor<Batch, LstmSteps, LstmBoth>(new Tensor(wOut, batch, 5, 16)), new Tensor<LstmStates, Batch, LstmHidden>(new Tensor(wH, 4, batch, 8)),
            new Tensor<LstmStates, Batch, LstmHidden>(new Tensor(wC, 4, batch, 8)));
        Numerics.AssertClose(G("lstm.output"), sequence.Value.Data, Rtol, Atol, "output", batch, 5, 16);
        Numerics.AssertClose(G("lstm.h_n"), hN.Value.Data, Rtol, Atol, "h_n", 4, batch, 8);
        Numerics.AssertClose(G("lstm.c_n"), cN.Value.Data, Rtol, Atol, "c_n", 4, batch, 8);
        Numerics.AssertClose(G("lstm.loss"), loss.Data, Rtol, Atol, "loss");

        // Backward from d(loss) = 1: the w's are the upstream gradients of output, h_n and c_n, as in the PyTorch script.
        plan.ComputeInputGradients = true;
        plan.SetBatch(batch);
        float[][] inputs = [x, h0, c0, [], wOut, wH, wC];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (i == 3) plan.UploadInput(i, lengths);
            else plan.UploadInput(i, inputs[i]);
        }
        plan.Forward(training: true);
        plan.Backward([1f]);
        plan.CopyGradientsToHost();
        double worst = 0;
        void Compare(string name, float[] actual, params int[] shape)
        {
            float[] expected = G(name);
            Numerics.AssertClose(expected, actual, Rtol, Atol, name, shape);
            worst = Math.Max(worst, expected.Zip(actual, (e, a) => Math.Abs((double)e - a)).Max());
        }
        foreach (Parameter p in model.Parameters) Compare("lstm.grad." + p.Name["lstm.".Length..], p.Grad.Data, p.Shape);
        Compare("lstm.grad.x", plan.InputGradient(0), batch, 5, 6);
        Compare("lstm.grad.h0", plan.InputGradient(1), 4, batch, 8);
        Compare("lstm.grad.c0", plan.InputGradient(2), 4, batch, 8);
        output.WriteLine($"loss {loss.Data[0]} vs PyTorch {G("lstm.loss")[0]}; largest gradient difference {worst:G3}");
    }

    [Fact]
    public void A_deconstructed_gru_result_runs_the_layer_once_and_equals_eager()
    {
        const int batch = 3;
        var model = new GruPairNet(seed: 12);
        // One node for Gru1(x): the summary lists gru1 once, with both its outputs.
        Assert.Single(GruPairNet.Summary.Split('\n'), l => l.StartsWith("gru1 ", StringComparison.Ordinal));
        Assert.Contains("[4, Batch, 4], [1, Batch, 4]", GruPairNet.Summary, StringComparison.Ordinal);
        using GruPairNet.Plan plan = model.CreatePlan(batch);
        var x = new Tensor<RnnSteps, Batch, RnnFeatures>(new Tensor(TestData.Uniform(3, 4 * batch * 3), 4, batch, 3));
        Numerics.AssertClose(model.Forward(x).Data, plan.Forward(x).Data, 1e-4, 1e-5, "GruPairNet output", batch, 2);

        float[][] inputs = [TestData.Uniform(4, 4 * batch * 3)];
        var check = new GradientCheck { Plan = plan, Eager = i => model.Forward(new Tensor(i[0], 4, batch, 3)).Data, Samples = 5 };
        output.WriteLine($"max |difference| {check.Run(inputs, batch, seed: 71):G3}");
    }

    [Fact]
    public void PyTorchs_bigru_state_dict_loads_strictly_into_the_generated_network()
    {
        var model = new BiGruNet(seed: 2);
        CheckpointLoadReport load = Checkpoint.Load(GoldenFile.PathOf("torch_bigru.safetensors"), model);
        Assert.True(load.IsComplete, load.ToString());
        Assert.Equal(model.Parameters.Count, load.Loaded.Count);
        var torch = SafeTensors.Read(GoldenFile.PathOf("torch_bigru.safetensors"));
        foreach (Parameter p in model.Parameters) Assert.Equal(torch[p.Name].Data, p.Value.Data);
    }

    [Fact]
    public void A_missing_an_unexpected_and_a_mis_shaped_key_each_name_the_key()
    {
        IReadOnlyDictionary<string, Tensor> torch = SafeTensors.Read(GoldenFile.PathOf("torch_bigru.safetensors"));
        string directory = Directory.CreateTempSubdirectory("shapenet-rnn-").FullName;
        try
        {
            string Variant(string name, Func<IEnumerable<(string, Tensor)>, IEnumerable<(string, Tensor)>> edit)
            {
                string path = Path.Combine(directory, name + ".safetensors");
                SafeTensors.Write(path, edit(torch.Select(kv => (kv.Key, kv.Value))).ToList());
                return path;
            }

            string Failure(string path)
            {
                var model = new BiGruNet(seed: 2);
                float[] before = model.Parameters[0].Value.Data.ToArray();
                var e = Assert.Throws<CheckpointMismatchException>(() => Checkpoint.Load(path, model));
                Assert.Equal(before, model.Parameters[0].Value.Data); // strict: nothing was loaded
                output.WriteLine(e.Message);
                return e.Message;
            }

            // A file without the top layer's reverse direction: its four tensors are missing.
            string missing = Failure(Variant("missing", t => t.Where(e => !e.Item1.EndsWith("_l1_reverse", StringComparison.Ordinal))));
            Assert.Contains("missing: gru.weight_ih_l1_reverse, gru.weight_hh_l1_reverse, gru.bias_ih_l1_reverse, gru.bias_hh_l1_reverse", missing);
            // A third layer the network does not have.
            string unexpected = Failure(Variant("unexpected", t => t.Append(("gru.weight_ih_l2", new Tensor(new float[48 * 32], 48, 32)))));
            Assert.Contains("unexpected: gru.weight_ih_l2", unexpected);
            // The classic lecture-13 mistake: Linear(hidden, C) where both directions (2·hidden) come in.
            string shape = Failure(Variant("shape", t => t.Select(e => e.Item1 == "fc.weight" ? (e.Item1, new Tensor(new float[5 * 16], 5, 16)) : e)));
            Assert.Contains("shape: fc.weight is [5, 32] in the model but [5, 16] in the file", shape);
            Assert.Contains("Nothing was loaded; pass strict: false to load the tensors that fit.", shape);

            // Not strict: what fits is loaded, the report names the rest.
            var lenient = new BiGruNet(seed: 2);
            CheckpointLoadReport report = Checkpoint.Load(Path.Combine(directory, "shape.safetensors"), lenient, strict: false);
            Assert.False(report.IsComplete);
            Assert.Equal(model_parameters(lenient) - 1, report.Loaded.Count);
            Assert.Equal(torch["gru.weight_hh_l1"].Data, lenient.Parameters.Single(p => p.Name == "gru.weight_hh_l1").Value.Data);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        static int model_parameters(Module m) => m.Parameters.Count;
    }
}
