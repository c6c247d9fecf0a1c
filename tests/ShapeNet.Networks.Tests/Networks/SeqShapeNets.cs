using ShapeNet;

namespace ShapeNet.Networks.Tests.Networks;

/// <summary>A character-level language model over the run-time <c>Seq</c> (tests/golden/seq_lm.py): Embedding(20, 6) → GRU(6, 10)
/// → the output sequence flattened to one row per token, PyTorch's <c>output.view(-1, hidden)</c> ([Seq, Batch, 10] → [Seq·Batch, 10])
/// → Linear(10, 20), the scores of every token's next character; the train step's cross-entropy takes the targets [Seq, Batch]
/// flattened likewise.</summary>
[Network]
public partial class SeqLanguageModelNet
{
    [Embedding(20, 6)] partial global::ShapeNet.Embedding Embed { get; }
    [Gru(6, 10)] partial Gru Gru { get; }
    [Linear(10, 20)] partial Linear Decoder { get; }

    [Forward]
    public Tensor Forward(IntTensor<Seq, Batch> ids)
    {
        var output = Gru(Embed(ids)).Output;
        return Decoder(Reshape(output, -1, 10));
    }
}

[Dim(3)] public partial struct SeqPoolClasses;

/// <summary>Pooling a GRU's output sequence over the run-time <c>Seq</c> before a classifier: attention weights (a softmax over
/// the sequence axis of one score per step), the weighted sum over Seq, plus the mean over Seq; element-wise products that
/// broadcast [Seq, Batch, 1] against [Seq, Batch, 4]; and a gate over the flattened [Seq·Batch·4] elements.</summary>
[Network]
public partial class SeqPoolNet
{
    [Gru(3, 4)] partial Gru Gru { get; }
    [Linear(4, 1)] partial Linear Score { get; }
    [Linear(4, 3)] partial Linear Fc { get; }

    [Forward]
    public Tensor<Batch, SeqPoolClasses> Forward(Tensor<Seq, Batch, RnnFeatures> x)
    {
        var y = Gru(x).Output;
        var gate = Sigmoid(Flatten(y, 0));
        var flat = Flatten(y, 0) * gate;
        var weights = Softmax(Score(y), 0);
        var pooled = Sum(y * weights, 0) + Mean(y, 0) * 0.5f + Mean(flat) + Sum(Reshape(y, -1, 4), 0) * 0.1f;
        return Fc(pooled);
    }
}
