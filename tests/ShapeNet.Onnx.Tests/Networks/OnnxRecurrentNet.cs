using ShapeNet;
using ShapeNet.Networks.Tests.Networks;

namespace ShapeNet.Onnx.Tests.Networks;

[Dim(6)] public partial struct Steps6;
[Dim(3)] public partial struct Labels3;

/// <summary>What the recurrent test networks do not cover: OneHot of int32 ids, a 2-layer bidirectional LSTM over
/// per-example lengths (with dropout between the layers, the identity in inference), a bias-free tanh RNN over the LSTM's
/// output, and a reduction over time before the classifier.</summary>
[Network]
public partial class OnnxRecurrentNet
{
    [Lstm(12, 5, NumLayers = 2, Bidirectional = true, Dropout = 0.3)] partial Lstm Lstm { get; }
    [Rnn(10, 4, Bias = false)] partial Rnn Rnn { get; }
    [Linear(4, 3)] partial Linear Fc { get; }

    [Forward]
    public Tensor<Batch, Labels3> Forward(IntTensor<Steps6, Batch> ids, IntTensor<Batch> lengths)
    {
        var output = Lstm(OneHot(ids, 12), lengths: lengths).Output;   // [Steps6, Batch, 10]
        var states = Rnn(output).Output;                                // [Steps6, Batch, 4]
        return Fc(Mean(states, 0));                                     // [Batch, 3]
    }
}
