using ShapeNet;

namespace ShapeNet.Networks.Tests.Networks;

[Dim(7)] public partial struct GoldenSteps;
[Dim(5)] public partial struct GoldenClasses;

/// <summary>Lecture 13's classifier at the golden test's size (tests/golden/recurrent.py): Embedding(32, 10, padding 0) → a
/// 2-layer bidirectional GRU over per-example lengths → Linear on the top layer's two final states side by side.</summary>
[Network]
public partial class BiGruNet
{
    [Embedding(32, 10, PaddingIdx = 0)] partial global::ShapeNet.Embedding Embedding { get; }   // this namespace has a dimension named Embedding
    [Gru(10, 16, NumLayers = 2, Bidirectional = true)] partial Gru Gru { get; }
    [Linear(32, 5)] partial Linear Fc { get; }

    [Forward]
    public Tensor<Batch, GoldenClasses> Forward(IntTensor<GoldenSteps, Batch> ids, IntTensor<Batch> lengths)
    {
        var hN = Gru(Embedding(ids), lengths: lengths).HN;
        return Fc(Concat([hN[-2], hN[-1]], 1));
    }
}

[Dim(3)] public partial struct RnnFeatures;
[Dim(4)] public partial struct RnnSteps;
[Dim(4)] public partial struct RnnHidden;
[Dim(8)] public partial struct RnnBothDirections;
[Dim(4)] public partial struct RnnStates;

/// <summary>A 2-layer bidirectional GRU from a given h0: the output sequence, through time.</summary>
[Network]
public partial class GruStackNet
{
    [Gru(3, 4, NumLayers = 2, Bidirectional = true)] partial Gru Gru { get; }

    [Forward]
    public Tensor<RnnSteps, Batch, RnnBothDirections> Forward(Tensor<RnnSteps, Batch, RnnFeatures> x, Tensor<RnnStates, Batch, RnnHidden> h0) =>
        Gru(x, h0).Output;
}

/// <summary>A batch-first LSTM from (h0, c0): the final cell state, selected by name.</summary>
[Network]
public partial class LstmNet
{
    [Lstm(3, 4, BatchFirst = true)] partial Lstm Lstm { get; }

    [Forward]
    public Tensor Forward(Tensor<Batch, RnnSteps, RnnFeatures> x, Tensor<One, Batch, RnnHidden> h0, Tensor<One, Batch, RnnHidden> c0) =>
        Lstm(x, (h0, c0)).State.C + Lstm(x, (h0, c0)).State.H;
}

[Dim(1)] public partial struct One;

/// <summary>A relu RNN stack's final hidden state.</summary>
[Network]
public partial class ReluRnnNet
{
    [Rnn(3, 4, NumLayers = 2, Nonlinearity = Nonlinearity.Relu)] partial Rnn Rnn { get; }

    [Forward]
    public Tensor Forward(Tensor<RnnSteps, Batch, RnnFeatures> x) => Rnn(x).HN;
}

/// <summary>Lecture 12a's loop: a GRU cell applied to each step of a static sequence, the state carried through (compiled as one loop
/// over time, not unrolled).</summary>
[Network]
public partial class GruCellLoopNet
{
    [GruCell(3, 4)] partial GruCell Cell { get; }

    [Forward]
    public Tensor Forward(Tensor<RnnSteps, Batch, RnnFeatures> x, Tensor<Batch, RnnHidden> h0)
    {
        var h = h0;
        for (int t = 0; t < 4; t++) h = Cell(x[t], h);
        return h;
    }
}

[Dim(3)] public partial struct RnnLoopSteps;

/// <summary>Lecture 12a's loop to a dimension's size: a relu RNN cell over the first 3 of the 4 steps, compiled as one loop.</summary>
[Network]
public partial class RnnCellLoopNet
{
    [RnnCell(3, 4, Nonlinearity = Nonlinearity.Relu)] partial RnnCell Cell { get; }
    [Linear(4, 2)] partial Linear Fc { get; }

    [Forward]
    public Tensor Forward(Tensor<RnnSteps, Batch, RnnFeatures> x, Tensor<Batch, RnnHidden> h0)
    {
        var h = h0;
        for (int t = 0; t < RnnLoopSteps.Size; t++)
        {
            h = Cell(x[t], h);
        }
        return Fc(h);
    }
}

/// <summary>Lecture 12a's loop with an LSTM cell, its (h, c) tuple carried over the 4 steps (one loop), then a Linear on h + c.</summary>
[Network]
public partial class LstmCellLoopNet
{
    [LstmCell(3, 4)] partial LstmCell Cell { get; }
    [Linear(4, 2)] partial Linear Fc { get; }

    [Forward]
    public Tensor Forward(Tensor<RnnSteps, Batch, RnnFeatures> x, Tensor<Batch, RnnHidden> h0, Tensor<Batch, RnnHidden> c0)
    {
        var h = h0;
        var c = c0;
        for (int t = 0; t < RnnSteps.Size; t++) (h, c) = Cell(x[t], (h, c));
        return Fc(h + c);
    }
}

/// <summary>An LSTM cell and an RNN cell over two steps, from zero states.</summary>
[Network]
public partial class CellsNet
{
    [LstmCell(3, 4)] partial LstmCell Lstm { get; }
    [RnnCell(4, 4)] partial RnnCell Rnn { get; }

    [Forward]
    public Tensor Forward(Tensor<RnnSteps, Batch, RnnFeatures> x)
    {
        var c = Lstm(x[0]).C;
        var h = Rnn(c);
        return Rnn(Lstm(x[1], (h, c)).H, h);
    }
}

/// <summary><see cref="BiGruNet"/> with the run-time <c>Seq</c>: one plan runs batches of any length up to its sequence capacity.</summary>
[Network]
public partial class SeqBiGruNet
{
    [Embedding(32, 10, PaddingIdx = 0)] partial global::ShapeNet.Embedding Embedding { get; }
    [Gru(10, 16, NumLayers = 2, Bidirectional = true)] partial Gru Gru { get; }
    [Linear(32, 5)] partial Linear Fc { get; }

    [Forward]
    public Tensor<Batch, GoldenClasses> Forward(IntTensor<Seq, Batch> ids, IntTensor<Batch> lengths)
    {
        var hN = Gru(Embedding(ids), lengths: lengths).HN;
        return Fc(Concat([hN[-2], hN[-1]], 1));
    }
}

[Dim(2)] public partial struct RnnTags;

/// <summary>A sequence tagger over the run-time <c>Seq</c> with per-example lengths: a 2-layer bidirectional GRU's output
/// sequence through a Linear and a Tanh, one row of tags per step.</summary>
[Network]
public partial class SeqTaggerNet
{
    [Gru(3, 4, NumLayers = 2, Bidirectional = true)] partial Gru Gru { get; }
    [Linear(8, 2)] partial Linear Fc { get; }

    [Forward]
    public Tensor<Seq, Batch, RnnTags> Forward(Tensor<Seq, Batch, RnnFeatures> x, IntTensor<Batch> lengths) =>
        Tanh(Fc(Gru(x, lengths: lengths).Output));
}

/// <summary><c>var (y, h) = Gru1(x)</c>: both results of one call (the layer runs once), the last output step and the final state
/// (equal for one layer and one direction) added before a Linear.</summary>
[Network]
public partial class GruPairNet
{
    [Gru(3, 4)] partial Gru Gru1 { get; }
    [Linear(4, 2)] partial Linear Fc { get; }

    [Forward]
    public Tensor Forward(Tensor<RnnSteps, Batch, RnnFeatures> x)
    {
        var (y, h) = Gru1(x);
        return Fc(y[3] * 0.5f + Tanh(h[0]));
    }
}

[Dim(5)] public partial struct LstmSteps;
[Dim(6)] public partial struct LstmInputs;
[Dim(16)] public partial struct LstmBoth;
[Dim(4)] public partial struct LstmStates;
[Dim(8)] public partial struct LstmHidden;

/// <summary>tests/golden/recurrent.py's LSTM (PyTorch's <c>nn.LSTM(6, 8, num_layers=2, bidirectional=True, batch_first=True)</c> over a
/// packed batch from (h0, c0)) with its loss <c>sum(output·w_out) + sum(h_n·w_h) + sum(c_n·w_c)</c> in the graph, so the upstream
/// gradients are the w's; returns the loss, then the output and final states for comparison.</summary>
[Network]
public partial class GoldenLstmNet
{
    [Lstm(6, 8, NumLayers = 2, Bidirectional = true, BatchFirst = true)] partial Lstm Lstm { get; }

    [Forward]
    public (Tensor Loss, Tensor<Batch, LstmSteps, LstmBoth> Output, Tensor<LstmStates, Batch, LstmHidden> HN, Tensor<LstmStates, Batch, LstmHidden> CN) Forward(
        Tensor<Batch, LstmSteps, LstmInputs> x, Tensor<LstmStates, Batch, LstmHidden> h0, Tensor<LstmStates, Batch, LstmHidden> c0, IntTensor<Batch> lengths,
        Tensor<Batch, LstmSteps, LstmBoth> wOut, Tensor<LstmStates, Batch, LstmHidden> wH, Tensor<LstmStates, Batch, LstmHidden> wC)
    {
        var (output, (hN, cN)) = Lstm(x, (h0, c0), lengths);
        return (Sum(output * wOut) + Sum(hN * wH) + Sum(cN * wC), output, hN, cN);
    }
}

/// <summary>A batch-first LSTM over the run-time <c>Seq</c> ([Batch, Seq, features]): its output sequence through a Linear.</summary>
[Network]
public partial class SeqBatchFirstLstmNet
{
    [Lstm(3, 4, BatchFirst = true)] partial Lstm Lstm { get; }
    [Linear(4, 2)] partial Linear Fc { get; }

    [Forward]
    public Tensor<Batch, Seq, RnnTags> Forward(Tensor<Batch, Seq, RnnFeatures> x) => Fc(Lstm(x).Output);
}

/// <summary>Lecture 12a's loop over the run-time <c>Seq</c>: <c>t &lt; x.Size(0)</c> runs the cell over every step of the batch's
/// sequence, whatever its length (one loop over time in the generated code, sized per pass).</summary>
[Network]
public partial class SeqGruCellLoopNet
{
    [GruCell(3, 4)] partial GruCell Cell { get; }

    [Forward]
    public Tensor<Batch, RnnHidden> Forward(Tensor<Seq, Batch, RnnFeatures> x, Tensor<Batch, RnnHidden> h0)
    {
        var h = h0;
        for (int t = 0; t < x.Size(0); t++) h = Cell(x[t], h);
        return h;
    }
}
