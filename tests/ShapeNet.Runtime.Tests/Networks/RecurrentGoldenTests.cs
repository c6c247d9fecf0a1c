using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Checkpoints;
using ShapeNet.Runtime.Tests.Checkpoints;
using ShapeNet.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace ShapeNet.Runtime.Tests.Networks;

/// <summary>
/// The recurrent kernels and eager layers against PyTorch (tests/golden/recurrent.py): a bi-GRU classifier (Embedding with a
/// padding row → 2-layer bidirectional GRU over a packed batch of unsorted lengths → Linear on the top layer's two final
/// states → cross-entropy) and a 2-layer bidirectional batch-first LSTM with initial states, each loaded from the state dict
/// PyTorch saved (strict), then one forward and backward wired by hand from the span kernels: outputs, loss and every
/// gradient within 1e-4 relative.
/// </summary>
public class RecurrentGoldenTests(ITestOutputHelper output)
{
    private const double Rtol = 1e-4, Atol = 1e-6;
    private static readonly Lazy<IReadOnlyDictionary<string, (int[] Shape, float[] Data)>> Golden =
        new(() => GoldenFile.Load(GoldenFile.PathOf("recurrent.sntensors.gz")));

    /// <summary>Lecture 13's classifier at test size, with PyTorch's module names.</summary>
    internal sealed class BiGruClassifier : Module
    {
        public const int Vocab = 32, Embed = 10, Hidden = 16, Classes = 5;

        public BiGruClassifier(int seed)
        {
            var init = new ParameterInit(seed);
            Embedding = new EmbeddingLayer(init, "embedding", Vocab, Embed, paddingIdx: 0);
            Gru = new GruLayer(init, "gru", Embed, Hidden, numLayers: 2, bidirectional: true);
            Fc = new LinearLayer(init, "fc", 2 * Hidden, Classes);
        }

        public EmbeddingLayer Embedding { get; }
        public GruLayer Gru { get; }
        public LinearLayer Fc { get; }

        protected internal override void AddParameters(List<Parameter> parameters)
        {
            parameters.Add(Embedding.Weight);
            parameters.AddRange(Gru.Parameters);
            parameters.Add(Fc.Weight);
            parameters.Add(Fc.Bias!);
        }
    }

    internal sealed class LstmModule : Module
    {
        public LstmModule(int seed) => Lstm = new LstmLayer(new ParameterInit(seed), "lstm", 6, 8, numLayers: 2, batchFirst: true, bidirectional: true);

        public LstmLayer Lstm { get; }

        protected internal override void AddParameters(List<Parameter> parameters) => parameters.AddRange(Lstm.Parameters);
    }

    private static float[] G(string name) => Golden.Value[name].Data;

    private static int[] Ints(string name) => Array.ConvertAll(G(name), v => (int)v);

    private readonly List<string> _report = [];

    private void Compare(string name, ReadOnlySpan<float> actual)
    {
        (int[] shape, float[] expected) = Golden.Value[name];
        double maxRelative = 0;
        for (int i = 0; i < expected.Length && i < actual.Length; i++)
            maxRelative = Math.Max(maxRelative, Math.Abs(actual[i] - expected[i]) / Math.Max(Math.Abs(expected[i]), 1e-3));
        _report.Add($"{name} {Tensor.ShapeText(shape)}: max relative difference {maxRelative:G3}");
        Numerics.AssertClose(expected, actual, Rtol, Atol, name, shape);
    }

    private void Flush()
    {
        foreach (string line in _report) output.WriteLine(line);
    }

    [Fact]
    public void BiGru_classifier_train_step_matches_pytorch()
    {
        var model = new BiGruClassifier(seed: 5);
        CheckpointLoadReport load = Checkpoint.Load(GoldenFile.PathOf("torch_bigru.safetensors"), model);
        Assert.True(load.IsComplete, load.ToString());
        foreach (Parameter p in model.Parameters) Assert.Equal(G("bigru." + p.Name), p.Value.Data);

        const int seq = 7, batch = 4, h = BiGruClassifier.Hidden, e = BiGruClassifier.Embed, classes = BiGruClassifier.Classes;
        int[] ids = Ints("bigru.ids"), lengths = Ints("bigru.lengths");
        float[] labels = G("bigru.labels");
        RecurrentDescriptor d = model.Gru.Descriptor;
        float[][] parameters = model.Gru.Parameters.Select(p => p.Value.Data).ToArray();
        float[][] gradients = model.Gru.Parameters.Select(p => p.Grad.Data).ToArray();

        // Forward: embedding → GRU → the top layer's final forward and reverse states side by side → Linear → cross-entropy.
        var x = new float[seq * batch * e];
        CpuEmbedding.Embedding_Forward(x, model.Embedding.Weight.Value.Data, ids, BiGruClassifier.Vocab, e);
        float[] sequence = new float[seq * batch * 2 * h], hN = new float[4 * batch * h];
        float[] reserve = new float[CpuRecurrent.ReserveLength(d, seq, batch)], workspace = new float[CpuRecurrent.WorkspaceLength(d, seq, batch)];
        CpuRecurrent.Recurrent_Forward(d, sequence, hN, default, reserve, workspace, x, default, default, parameters, lengths, seq, batch,
            training: true);
        var features = new float[batch * 2 * h];
        for (int b = 0; b < batch; b++)
        {
            hN.AsSpan((2 * batch + b) * h, h).CopyTo(features.AsSpan(b * 2 * h));
            hN.AsSpan((3 * batch + b) * h, h).CopyTo(features.AsSpan(b * 2 * h + h));
        }
        var logits = new float[batch * classes];
        CpuLinear.Linear_Forward(logits, features, model.Fc.Weight.Value.Data, model.Fc.Bias!.Value.Data, batch, 2 * h, classes, UnaryOp.Identity);
        float loss = CpuLoss.Loss_Forward(LossKind.CrossEntropy, Reduction.Mean, logits, labels, batch, classes);

        // Backward.
        var dLogits = new float[logits.Length];
        CpuLoss.Loss_Backward(LossKind.CrossEntropy, Reduction.Mean, dLogits, 1f, logits, labels, batch, classes, accumulate: false);
        var dFeatures = new float[features.Length];
        CpuLinear.Linear_Backward(dFeatures, model.Fc.Weight.Grad.Data, model.Fc.Bias.Grad.Data, dLogits, features, model.Fc.Weight.Value.Data,
            batch, 2 * h, classes, accumulateDx: false, accumulateParameters: false);
        var dhN = new float[hN.Length];
        for (int b = 0; b < batch; b++)
        {
            dFeatures.AsSpan(b * 2 * h, h).CopyTo(dhN.AsSpan((2 * batch + b) * h));
            dFeatures.AsSpan(b * 2 * h + h, h).CopyTo(dhN.AsSpan((3 * batch + b) * h));
        }
        var dx = new float[x.Length];
        CpuRecurrent.Recurrent_Backward(d, dx, default, default, gradients, workspace, default, dhN, default, reserve, x, parameters, lengths,
            seq, batch, training: true, accumulateDx: false, accumulateParameters: false);
        CpuEmbedding.Embedding_Backward(model.Embedding.Weight.Grad.Data, dx, ids, BiGruClassifier.Vocab, e, paddingIdx: 0, accumulate: false);

        Compare("bigru.output", sequence);
        Compare("bigru.h_n", hN);
        Compare("bigru.logits", logits);
        Compare("bigru.loss", [loss]);
        foreach (Parameter p in model.Parameters) Compare("bigru.grad." + p.Name, p.Grad.Data);

        // The eager layers give the same forward.
        Tensor embedded = model.Embedding.Forward(new IntTensor(ids, seq, batch));
        Assert.Equal(x, embedded.Data);
        var (eagerOutput, eagerHN) = model.Gru.Forward(embedded, lengths: new IntTensor(lengths, batch));
        Assert.Equal(sequence, eagerOutput.Data);
        Assert.Equal(hN, eagerHN.Data);
        Flush();
    }

    [Fact]
    public void Lstm_forward_and_backward_match_pytorch()
    {
        var model = new LstmModule(seed: 6);
        CheckpointLoadReport load = Checkpoint.Load(GoldenFile.PathOf("torch_lstm.safetensors"), model);
        Assert.True(load.IsComplete, load.ToString());

        const int seq = 5, batch = 3;
        RecurrentDescriptor d = model.Lstm.Descriptor;
        float[] x = G("lstm.x"), h0 = G("lstm.h0"), c0 = G("lstm.c0");
        int[] lengths = Ints("lstm.lengths");
        float[][] parameters = model.Lstm.Parameters.Select(p => p.Value.Data).ToArray();
        float[][] gradients = model.Lstm.Parameters.Select(p => p.Grad.Data).ToArray();
        float[] sequence = new float[batch * seq * 16], hN = new float[h0.Length], cN = new float[c0.Length];
        float[] reserve = new float[CpuRecurrent.ReserveLength(d, seq, batch)], workspace = new float[CpuRecurrent.WorkspaceLength(d, seq, batch)];
        CpuRecurrent.Recurrent_Forward(d, sequence, hN, cN, reserve, workspace, x, h0, c0, parameters, lengths, seq, batch, training: true);
        double loss = 0;
        float[] wOut = G("lstm.w_out"), wH = G("lstm.w_h"), wC = G("lstm.w_c");
        for (int i = 0; i < sequence.Length; i++) loss += (double)sequence[i] * wOut[i];
        for (int i = 0; i < hN.Length; i++) loss += (double)hN[i] * wH[i] + (double)cN[i] * wC[i];

        float[] dx = new float[x.Length], dh0 = new float[h0.Length], dc0 = new float[c0.Length];
        CpuRecurrent.Recurrent_Backward(d, dx, dh0, dc0, gradients, workspace, wOut, wH, wC, reserve, x, parameters, lengths, seq, batch,
            training: true, accumulateDx: false, accumulateParameters: false);

        Compare("lstm.output", sequence);
        Compare("lstm.h_n", hN);
        Compare("lstm.c_n", cN);
        Compare("lstm.loss", [(float)loss]);
        foreach (Parameter p in model.Parameters) Compare("lstm.grad." + p.Name["lstm.".Length..], p.Grad.Data);
        Compare("lstm.grad.x", dx);
        Compare("lstm.grad.h0", dh0);
        Compare("lstm.grad.c0", dc0);

        var (eagerOutput, (eagerH, eagerC)) = model.Lstm.Forward(new Tensor(x, batch, seq, 6), (new Tensor(h0, 4, batch, 8), new Tensor(c0, 4, batch, 8)),
            new IntTensor(lengths, batch));
        Assert.Equal(sequence, eagerOutput.Data);
        Assert.Equal(hN, eagerH.Data);
        Assert.Equal(cN, eagerC.Data);
        Flush();
    }

    [Fact]
    public void A_saved_classifier_has_pytorchs_state_dict_keys_shapes_and_values()
    {
        var model = new BiGruClassifier(seed: 5);
        Checkpoint.Load(GoldenFile.PathOf("torch_bigru.safetensors"), model);
        using var dir = new TempFolder();
        string path = dir.File("bigru.safetensors");
        Checkpoint.Save(path, model);
        var torchHeader = SafeTensors.ReadHeader(GoldenFile.PathOf("torch_bigru.safetensors"), out _);
        var ours = SafeTensors.Read(path);
        Assert.Equal(torchHeader.Select(t => t.Name).Order(), ours.Keys.Order());
        var torch = SafeTensors.Read(GoldenFile.PathOf("torch_bigru.safetensors"));
        foreach ((string name, string _, int[] shape) in torchHeader)
        {
            Assert.Equal(shape, ours[name].Shape);
            Assert.Equal(torch[name].Data, ours[name].Data);
        }

        // Loading it back into a fresh model (strict) restores every value.
        var fresh = new BiGruClassifier(seed: 9);
        Assert.True(Checkpoint.Load(path, fresh).IsComplete);
        foreach ((Parameter a, Parameter b) in model.Parameters.Zip(fresh.Parameters)) Assert.Equal(a.Value.Data, b.Value.Data);
    }

    [Fact]
    public void Fresh_layers_follow_pytorchs_initialisation()
    {
        var model = new BiGruClassifier(seed: 3);
        double bound = 1 / Math.Sqrt(BiGruClassifier.Hidden);
        foreach (Parameter p in model.Gru.Parameters)
            Assert.All(p.Value.Data, v => Assert.InRange(v, -bound, bound));
        Assert.Equal(["gru.weight_ih_l0", "gru.weight_hh_l0", "gru.bias_ih_l0", "gru.bias_hh_l0"], model.Gru.Parameters.Take(4).Select(p => p.Name));
        Assert.Equal([48, 32], model.Gru.Parameters[8].Shape);
        float[] table = model.Embedding.Weight.Value.Data;
        Assert.All(table.AsSpan(0, BiGruClassifier.Embed).ToArray(), v => Assert.Equal(0f, v)); // padding row 0
        double mean = table.Skip(BiGruClassifier.Embed).Average(), variance = table.Skip(BiGruClassifier.Embed).Average(v => (v - mean) * (v - mean));
        Assert.InRange(mean, -0.2, 0.2);            // N(0, 1) over 310 values
        Assert.InRange(Math.Sqrt(variance), 0.85, 1.15);
    }
}
