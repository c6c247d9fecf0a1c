using ShapeNet;
using ShapeNet.Data;

namespace ShapeNet.Samples.Recurrent;

/// <summary>The padded word length: the longest word of the data set (<see cref="WordLanguageData.MaxLength"/>).</summary>
[Dim(14)] public partial struct WordLetters;
/// <summary>The ten languages of the word lists.</summary>
[Dim(10)] public partial struct Languages;

/// <summary>
/// Lecture 13's classifier: the letters of a word (ids from <c>data/word-language/alphabet.txt</c>, 0 = padding) through
/// <c>Embedding(63, 100, padding_idx=0)</c>, a 2-layer bidirectional <c>GRU(100, 100)</c> over each word's own length, and
/// <c>Linear(200, 10)</c> on the top layer's forward and reverse final states side by side.
/// </summary>
[Network]
public partial class LanguageClassifier
{
    /// <summary>62 letters of the alphabet plus the padding id.</summary>
    public const int Vocabulary = 63;

    [Embedding(63, 100, PaddingIdx = 0)] partial Embedding Embedding { get; }
    [Gru(100, 100, NumLayers = 2, Bidirectional = true)] partial Gru Gru { get; }
    [Linear(200, 10)] partial Linear Fc { get; }

    [Forward]
    public Tensor<Batch, Languages> Forward(IntTensor<WordLetters, Batch> ids, IntTensor<Batch> lengths)
    {
        var hN = Gru(Embedding(ids), lengths: lengths).HN;   // [4, Batch, 100]: layers × directions
        return Fc(Concat([hN[-2], hN[-1]], 1));              // [Batch, 200] → [Batch, 10]
    }
}
