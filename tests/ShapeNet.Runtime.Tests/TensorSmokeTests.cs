namespace ShapeNet.Runtime.Tests;

public class TensorConstructionTests
{
    [Fact]
    public void Constructor_rejects_data_of_the_wrong_length_and_names_both_counts()
    {
        var e = Assert.Throws<ArgumentException>(() => new Tensor(new float[5], 2, 3));
        Assert.Contains("[2, 3] needs 6 elements, but the data has 5", e.Message);
    }
}
