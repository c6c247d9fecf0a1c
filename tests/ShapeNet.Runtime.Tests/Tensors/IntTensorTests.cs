namespace ShapeNet.Runtime.Tests.Tensors;

/// <summary>Integer tensors (token ids, class labels) and their typed handles.</summary>
public class IntTensorTests
{
    [Fact]
    public void Typed_handles_check_rank_and_static_sizes_and_accept_any_run_time_size()
    {
        IntTensor<Seq, Batch> ids = IntTensor<Seq, Batch>.FromArray([1, 2, 3, 4, 5, 6], 3, 2);
        Assert.Equal([3, 2], ids.Shape);
        Assert.Equal("[Seq, Batch]", IntTensor<Seq, Batch>.DeclaredShape);
        var e = Assert.Throws<ShapeMismatchException>(() => (IntTensor<Seq, Batch>)new IntTensor([1, 2, 3], 3));
        Assert.StartsWith("IntTensor<Seq, Batch>: expected [Seq, Batch], got [3]: rank 1, expected rank 2.", e.Message);
        IntTensor<Batch> labels = new IntTensor([4, 0], 2);
        Assert.Equal([4, 0], labels.Data);
        Assert.Throws<ShapeMismatchException>(() => (IntTensor<Batch>)IntTensor.Zeros(0));
    }

    [Fact]
    public void Float_labels_convert_when_whole_and_ids_check_their_range()
    {
        IntTensor labels = IntTensor.FromFloat(new Tensor([2f, 0f, 4f], 3));
        Assert.Equal([2, 0, 4], labels.Data);
        Assert.Equal([2f, 0f, 4f], labels.ToFloat().Data);
        var e = Assert.Throws<ArgumentException>(() => IntTensor.FromFloat(new Tensor([2f, 0.5f], 2)));
        Assert.StartsWith("Value 0.5 at position 1 is not a whole number", e.Message);
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => labels.CheckRange(4, "CrossEntropy"));
        Assert.StartsWith("CrossEntropy: id 4 at position 2 (row 2 of the output) is outside [0, 4)", range.Message);
        Assert.Equal("IntTensor([3]: 2, 0, 4)", labels.ToString());
    }
}
