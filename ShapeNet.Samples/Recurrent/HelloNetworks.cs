using ShapeNet;

namespace ShapeNet.Samples.Recurrent;

/// <summary>The five letters of "hello" (and of the target "ohlol").</summary>
[Dim(5)] public partial struct Letters;
/// <summary>The four characters e, h, l, o (one-hot size and classes).</summary>
[Dim(4)] public partial struct Chars;
/// <summary>The five one-step outputs of the cell loop side by side (5 × 4).</summary>
[Dim(20)] public partial struct LetterLogits;

/// <summary>Lecture 12a: an RNN cell applied to each letter in turn, h' = tanh(W_ih x + b_ih + W_hh h + b_hh), the hidden state
/// (size 4) read as the next letter's logits. The loop over a static length is unrolled; the cell's parameters are shared.</summary>
[Network]
public partial class HelloRnnCell
{
    [RnnCell(4, 4)] partial RnnCell Cell { get; }

    [Forward]
    public Tensor<Batch, Letters, Chars> Forward(IntTensor<Letters, Batch> ids)
    {
        var x = OneHot(ids, 4);             // [5, Batch, 4]
        var h = Cell(x[0]);                 // h0 = 0
        var outputs = h;
        for (int t = 1; t < 5; t++)
        {
            h = Cell(x[t], h);
            outputs = Concat([outputs, h], 1);
        }
        return Reshape(outputs, -1, 5, 4);  // [Batch, 5, 4]: one row of logits per letter
    }
}

/// <summary>Lecture 12b: <c>nn.RNN(input_size=4, hidden_size=4, batch_first=True)</c> over the one-hot letters; the output
/// sequence is the logits.</summary>
[Network]
public partial class HelloRnn
{
    [Rnn(4, 4, BatchFirst = true)] partial Rnn Rnn { get; }

    [Forward]
    public Tensor<Batch, Letters, Chars> Forward(IntTensor<Batch, Letters> ids) => Rnn(OneHot(ids, 4)).Output;
}

/// <summary>Lecture 12c: an embedding instead of one-hot vectors, <c>Embedding(4, 10)</c> → <c>RNN(10, 8, batch_first)</c> →
/// <c>Linear(8, 4)</c>.</summary>
[Network]
public partial class HelloEmbedding
{
    [Embedding(4, 10)] partial Embedding Embedding { get; }
    [Rnn(10, 8, BatchFirst = true)] partial Rnn Rnn { get; }
    [Linear(8, 4)] partial Linear Fc { get; }

    [Forward]
    public Tensor<Batch, Letters, Chars> Forward(IntTensor<Batch, Letters> ids) => Fc(Rnn(Embedding(ids)).Output);
}

/// <summary>The same task with <c>nn.LSTM(4, 8, batch_first=True)</c> → <c>Linear(8, 4)</c>.</summary>
[Network]
public partial class HelloLstm
{
    [Lstm(4, 8, BatchFirst = true)] partial Lstm Lstm { get; }
    [Linear(8, 4)] partial Linear Fc { get; }

    [Forward]
    public Tensor<Batch, Letters, Chars> Forward(IntTensor<Batch, Letters> ids) => Fc(Lstm(OneHot(ids, 4)).Output);
}

/// <summary>The same task with <c>nn.GRU(4, 8, batch_first=True)</c> → <c>Linear(8, 4)</c>.</summary>
[Network]
public partial class HelloGru
{
    [Gru(4, 8, BatchFirst = true)] partial Gru Gru { get; }
    [Linear(8, 4)] partial Linear Fc { get; }

    [Forward]
    public Tensor<Batch, Letters, Chars> Forward(IntTensor<Batch, Letters> ids) => Fc(Gru(OneHot(ids, 4)).Output);
}
