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

/// <summary>The reverse reshape: a tagger that scores every token as rows ([Seq·Batch, 2]) and gives them back as a sequence,
/// PyTorch's <c>y.view(x.size(0), x.size(1), -1)</c>, written with the sizes of the typed input (<c>x.Size(0)</c> is <c>Seq</c>,
/// <c>x.Size(1)</c> the batch) or with −1 standing for the batch.</summary>
[Network]
public partial class SeqRowsTaggerNet
{
    [Gru(3, 4)] partial Gru Gru { get; }
    [Linear(4, 2)] partial Linear Fc { get; }

    [Forward]
    public Tensor<Seq, Batch, RnnTags> Forward(Tensor<Seq, Batch, RnnFeatures> x)
    {
        var tags = Fc(Reshape(Gru(x).Output, -1, 4));
        return Reshape(LogSoftmax(tags, 1), x.Size(0), x.Size(1), 2) + Reshape(tags, x.Size(0), -1, 2) * 0.5f;
    }
}

[Dim(11)] public partial struct SeqJoined;

/// <summary>Structure ops over the run-time <c>Seq</c>: a bidirectional GRU's output cut into its two directions (<c>Chunk</c> along
/// the features), put back in the other order beside the input (<c>Concat</c> along the features), made batch-first
/// (<c>Transpose(z, 0, 1)</c>: [Seq, Batch, 11] → [Batch, Seq, 11]) and averaged over the sequence before a classifier.</summary>
[Network]
public partial class SeqStructureNet
{
    [Gru(3, 4, Bidirectional = true)] partial Gru Gru { get; }
    [Linear(11, 3)] partial Linear Fc { get; }

    [Forward]
    public Tensor<Batch, SeqPoolClasses> Forward(Tensor<Seq, Batch, RnnFeatures> x)
    {
        var (forward, backward) = Chunk(Gru(x).Output, 2, 2);
        var z = Concat([backward, Tanh(forward), x], 2);
        return Fc(Mean(Transpose(z, 0, 1), 1));
    }
}

/// <summary>Dot-product self-attention over a GRU's outputs at the run-time length: scores q·kᵀ [Batch, Seq, Seq] (a product whose
/// inner size is the features, then a softmax over the keys) and the weighted values [Batch, Seq, 4] (a product whose inner size is
/// <c>Seq</c>), averaged over the sequence.</summary>
[Network]
public partial class SeqAttentionNet
{
    [Gru(3, 4, BatchFirst = true)] partial Gru Gru { get; }
    [Linear(4, 4)] partial Linear Query { get; }
    [Linear(4, 3)] partial Linear Fc { get; }

    [Forward]
    public Tensor<Batch, SeqPoolClasses> Forward(Tensor<Batch, Seq, RnnFeatures> x)
    {
        var h = Gru(x).Output;
        var weights = Softmax(MatMul(Query(h), Transpose(h, 1, 2)) * 0.5f, 2);
        return Fc(Mean(MatMul(weights, h), 1));
    }
}
