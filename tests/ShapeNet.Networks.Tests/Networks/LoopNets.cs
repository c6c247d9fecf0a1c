using ShapeNet;

namespace ShapeNet.Networks.Tests.Networks;

// Hand-written loops (lecture 12a) that are not the one-kernel cell pattern: each compiles to a loop region, a literal `for`
// over the steps in the generated forward and a reversed one in the backward (docs/dsl.md "Loops").

/// <summary>A constant bound: an RNN cell, then a Linear + tanh on its state, a running sum of a sigmoid of that, and every
/// step's head output collected with Concat; the parameters of Cell, Mix and Head are shared by the four steps.</summary>
[Network]
public partial class LoopRegionNet
{
    [RnnCell(3, 4)] partial RnnCell Cell { get; }
    [Linear(4, 4)] partial Linear Mix { get; }
    [Linear(4, 2)] partial Linear Head { get; }

    [Forward]
    public Tensor Forward(Tensor<RnnSteps, Batch, RnnFeatures> x, Tensor<Batch, RnnHidden> h0)
    {
        var h = h0;
        var sum = h0 * 0.5f;
        var outputs = Head(h0);
        for (int t = 0; t < 4; t++)
        {
            h = Cell(x[t], h);
            var y = Tanh(Mix(h)) + h;
            sum = sum + Sigmoid(y);
            outputs = Concat([outputs, Head(y)], 1);
        }
        return Concat([outputs, sum], 1);   // [Batch, 2 + 4·2 + 4]
    }
}

/// <summary>A [Dim] bound from step 1: no cell, a Linear over [x[t], h] with a relu, carried; an LSTM-style tuple is not needed
/// for a region (any locals).</summary>
[Network]
public partial class LinearLoopNet
{
    [Linear(7, 4)] partial Linear Step { get; }
    [Linear(4, 2)] partial Linear Head { get; }

    [Forward]
    public Tensor Forward(Tensor<RnnSteps, Batch, RnnFeatures> x, Tensor<Batch, RnnHidden> h0)
    {
        var h = h0;
        for (int t = 1; t < RnnLoopSteps.Size; t++)
            h = Relu(Step(Concat([x[t], h], 1))) + h * 0.5f;
        return Head(h);
    }
}

/// <summary>An LSTM cell's (h, c) carried with a running sum of h · c beside it: not the one-kernel pattern, so a region.</summary>
[Network]
public partial class LstmLoopRegionNet
{
    [LstmCell(3, 4)] partial LstmCell Cell { get; }

    [Forward]
    public Tensor Forward(Tensor<RnnSteps, Batch, RnnFeatures> x, Tensor<Batch, RnnHidden> h0, Tensor<Batch, RnnHidden> c0)
    {
        var h = h0;
        var c = c0;
        var products = h0 * c0;
        for (int t = 0; t < RnnSteps.Size; t++)
        {
            (h, c) = Cell(x[t], (h, c));
            products += h * c;
        }
        return products + h;
    }
}

/// <summary>A loop to the run-time length (<c>t &lt; x.Size(0)</c> over <c>Seq</c>): an Elman step written out with two Linears and
/// tanh, and a running sum of the states; one plan runs every length up to its capacity.</summary>
[Network]
public partial class SeqLoopRegionNet
{
    [Linear(3, 4)] partial Linear In { get; }
    [Linear(4, 4)] partial Linear Rec { get; }
    [Linear(4, 2)] partial Linear Head { get; }

    [Forward]
    public Tensor<Batch, RnnTags> Forward(Tensor<Seq, Batch, RnnFeatures> x, Tensor<Batch, RnnHidden> h0)
    {
        var h = h0;
        var sum = h0 * 0f;
        for (int t = 0; t < x.Size(0); t++)
        {
            h = Tanh(In(x[t]) + Rec(h));
            sum = sum + h;
        }
        return Head(sum + h);
    }
}

/// <summary>tests/golden/loop_rnncell.py: a hand-written RNN cell loop with a Linear head on every step's state, the heads
/// collected along axis 1 ([Batch, 5 · 3]), as <c>torch.nn.RNNCell</c> in a Python loop with <c>torch.cat</c>.</summary>
[Network]
public partial class GoldenRnnCellLoopNet
{
    [RnnCell(3, 4)] partial RnnCell Cell { get; }
    [Linear(4, 3)] partial Linear Head { get; }

    [Forward]
    public Tensor Forward(Tensor<GoldenLoopSteps, Batch, RnnFeatures> x, Tensor<Batch, RnnHidden> h0)
    {
        var h = Cell(x[0], h0);
        var outputs = Head(h);
        for (int t = 1; t < GoldenLoopSteps.Size; t++)
        {
            h = Cell(x[t], h);
            outputs = Concat([outputs, Head(h)], 1);
        }
        return outputs;
    }
}

[Dim(5)] public partial struct GoldenLoopSteps;
