using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Networks;

/// <summary>The eager recurrent layers and cells: shapes, messages, and cells agreeing with one-step layers.</summary>
public class RecurrentLayerTests
{
    [Fact]
    public void Layers_name_both_shapes_when_the_input_does_not_fit()
    {
        var gru = new GruLayer(new ParameterInit(1), "gru", 10, 16, numLayers: 2, bidirectional: true);
        var e = Assert.Throws<ArgumentException>(() => gru.Forward(Tensor.Zeros(7, 4, 9)));
        Assert.StartsWith("GRU gru expects input [Seq, Batch, 10], got [7, 4, 9].", e.Message);
        e = Assert.Throws<ArgumentException>(() => gru.Forward(Tensor.Zeros(7, 4, 10), Tensor.Zeros(2, 4, 16)));
        Assert.StartsWith("GRU gru expects h0 [4, 4, 16] ([layers × directions, Batch, hidden]), got [2, 4, 16].", e.Message);
        var lengths = Assert.Throws<ArgumentOutOfRangeException>(() => gru.Forward(Tensor.Zeros(7, 4, 10), lengths: new IntTensor([7, 8, 1, 1], 4)));
        Assert.StartsWith("Example 1 has length 8, more than the padded sequence length 7.", lengths.Message);

        var embedding = new EmbeddingLayer(new ParameterInit(1), "embedding", 32, 10, paddingIdx: -1);
        Assert.Equal(31, embedding.PaddingIdx);
        var ids = Assert.Throws<ArgumentOutOfRangeException>(() => embedding.Forward(new IntTensor([3, 40, 1], 3)));
        Assert.StartsWith("Embedding: id 40 at position 1 (row 1 of the output) is outside [0, 32): the table has 32 rows.", ids.Message);
        Assert.Equal([2, 3, 10], embedding.Forward(IntTensor.Zeros(2, 3)).Shape);
    }

    [Fact]
    public void Cells_give_what_a_one_step_single_layer_gives()
    {
        var x = new Tensor(TestData.Uniform(1, 3 * 5), 3, 5);
        var h = new Tensor(TestData.Uniform(2, 3 * 4), 3, 4);
        var c = new Tensor(TestData.Uniform(3, 3 * 4), 3, 4);
        var rnnCell = new RnnCellLayer(new ParameterInit(4), "cell", 5, 4, relu: true);
        var rnn = new RnnLayer(new ParameterInit(4), "rnn", 5, 4, relu: true);
        Assert.Equal(rnn.Forward(x.Reshape(1, 3, 5), h.Reshape(1, 3, 4)).HN.Data, rnnCell.Forward(x, h).Data);
        var gruCell = new GruCellLayer(new ParameterInit(5), "cell", 5, 4);
        var gru = new GruLayer(new ParameterInit(5), "gru", 5, 4);
        Assert.Equal(gru.Forward(x.Reshape(1, 3, 5), h.Reshape(1, 3, 4)).HN.Data, gruCell.Forward(x, h).Data);
        var lstmCell = new LstmCellLayer(new ParameterInit(6), "cell", 5, 4);
        var lstm = new LstmLayer(new ParameterInit(6), "lstm", 5, 4);
        var (_, (hN, cN)) = lstm.Forward(x.Reshape(1, 3, 5), (h.Reshape(1, 3, 4), c.Reshape(1, 3, 4)));
        var (h1, c1) = lstmCell.Forward(x, (h, c));
        Assert.Equal(hN.Data, h1.Data);
        Assert.Equal(cN.Data, c1.Data);
        Assert.Equal(["cell.weight_ih", "cell.weight_hh", "cell.bias_ih", "cell.bias_hh"], lstmCell.Parameters.Select(p => p.Name));
        Assert.Equal([16, 5], lstmCell.WeightIh.Shape);
    }

    [Fact]
    public void Dropout_between_layers_follows_training()
    {
        var x = new Tensor(TestData.Uniform(7, 4 * 2 * 3), 4, 2, 3);
        var lstm = new LstmLayer(new ParameterInit(8), "lstm", 3, 5, numLayers: 2, dropout: 0.5f);
        Tensor first = lstm.Forward(x).Output, second = lstm.Forward(x).Output;
        Assert.NotEqual(first.Data, second.Data);            // a new mask per call
        lstm.Training = false;
        Assert.Equal(lstm.Forward(x).Output.Data, lstm.Forward(x).Output.Data);
    }
}
