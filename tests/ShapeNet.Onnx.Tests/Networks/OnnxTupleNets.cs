using ShapeNet;

namespace ShapeNet.Onnx.Tests.Networks;

[Dim(3)] public partial struct TupleFeatures;
[Dim(5)] public partial struct TupleSteps;
[Dim(4)] public partial struct TupleHidden;
[Dim(8)] public partial struct TupleBoth;
[Dim(2)] public partial struct TupleLayers;
[Dim(4)] public partial struct TupleStates;

/// <summary>A forward returning a tuple of the recurrent results: a 2-layer batch-first LSTM from (h0, c0), its output sequence
/// and both final states (three ONNX outputs, each compared with the plan's).</summary>
[Network]
public partial class LstmStatesNet
{
    [Lstm(3, 4, NumLayers = 2, BatchFirst = true)] partial Lstm Lstm { get; }

    [Forward]
    public (Tensor<Batch, TupleSteps, TupleHidden> Output, Tensor<TupleLayers, Batch, TupleHidden> H, Tensor<TupleLayers, Batch, TupleHidden> C) Forward(
        Tensor<Batch, TupleSteps, TupleFeatures> x, Tensor<TupleLayers, Batch, TupleHidden> h0, Tensor<TupleLayers, Batch, TupleHidden> c0)
    {
        var (output, (h, c)) = Lstm(x, (h0, c0));
        return (output, h, c);
    }
}

/// <summary>A tuple of a bidirectional GRU's output over per-example lengths (zero past each length) and its final states,
/// from embedded int32 ids.</summary>
[Network]
public partial class BiGruStatesNet
{
    [Embedding(9, 3)] partial global::ShapeNet.Embedding Embed { get; }
    [Gru(3, 4, NumLayers = 2, Bidirectional = true)] partial Gru Gru { get; }

    [Forward]
    public (Tensor<TupleSteps, Batch, TupleBoth> Output, Tensor<TupleStates, Batch, TupleHidden> HN) Forward(IntTensor<TupleSteps, Batch> ids, IntTensor<Batch> lengths)
    {
        var (output, hN) = Gru(Embed(ids), lengths: lengths);
        return (output, hN);
    }
}
