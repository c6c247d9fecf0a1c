namespace ShapeNet.Runtime.Tests.Tensors;

/// <summary>The tensors d2l's "data manipulation" and "linear algebra" sections use.</summary>
internal static class TensorTestData
{
    /// <summary>d2l's <c>X = torch.arange(12, dtype=torch.float32).reshape((3, 4))</c>.</summary>
    public static Tensor X => Tensor.Arange(12).Reshape(3, 4);

    /// <summary>d2l's <c>Y = torch.tensor([[2.0, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])</c>.</summary>
    public static Tensor Y => Tensor.FromArray(new float[][] { [2, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1] });

    /// <summary>d2l's <c>A = torch.arange(20, dtype=torch.float32).reshape(5, 4)</c>.</summary>
    public static Tensor A => Tensor.Arange(20).Reshape(5, 4);

    /// <summary>Exact comparison for results that are small whole numbers or exact binary fractions.</summary>
    public static void AssertValues(Tensor actual, int[] expectedShape, params float[] expected)
    {
        Assert.Equal(expectedShape, actual.Shape);
        Assert.Equal(expected, actual.ToArray());
    }
}
