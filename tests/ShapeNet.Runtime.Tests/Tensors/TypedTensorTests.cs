namespace ShapeNet.Runtime.Tests.Tensors;

// Pure shape checks: these pass without the CPU kernels.
public class TypedTensorTests
{
    // Written by hand here; user code declares them with [Dim(784)] and the generator implements IDim.
    public readonly struct Pixels : IDim
    {
        public static int Size => 784;
        public static string Name => "Pixels";
    }

    public readonly struct Digits : IDim
    {
        public static int Size => 10;
        public static string Name => "Digits";
    }

    public readonly struct Side : IDim
    {
        public static int Size => 2;
        public static string Name => "Side";
    }

    private static Tensor<Batch, Digits> ReturnsUntyped(Tensor logits) => logits;

    [Fact]
    public void A_fitting_tensor_converts_both_ways_without_copying()
    {
        Tensor raw = Tensor.Zeros(64, 784);
        Tensor<Batch, Pixels> typed = raw;
        Assert.Same(raw, typed.Value);
        Tensor back = typed;
        Assert.Same(raw, back);
        Assert.Equal([64, 784], typed.Shape);
        Assert.Equal(2, typed.Rank);
        Assert.Equal(64 * 784, typed.Numel);
        Assert.Equal("[Batch, Pixels=784]", Tensor<Batch, Pixels>.DeclaredShape);
    }

    [Fact]
    public void Batch_accepts_any_size_of_at_least_one()
    {
        Assert.Equal(1, ReturnsUntyped(Tensor.Zeros(1, 10)).Size(0));
        Assert.Equal(1000, ReturnsUntyped(Tensor.Zeros(1000, 10)).Size(0));
        var e = Assert.Throws<ShapeMismatchException>(() => ReturnsUntyped(Tensor.Zeros(0, 10)));
        Assert.Contains("expected [Batch, Digits=10], got [0, 10]: axis 0 is 0, Batch must be at least 1", e.Message);
    }

    [Fact]
    public void A_wrong_static_size_names_expected_and_actual()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => { Tensor<Batch, Pixels> _ = Tensor.Zeros(64, 780); });
        Assert.Contains("expected [Batch, Pixels=784], got [64, 780]: axis 1 is 780, Pixels is 784", e.Message);
        Assert.IsAssignableFrom<ArgumentException>(e);
    }

    [Fact]
    public void A_wrong_rank_is_reported()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => ReturnsUntyped(Tensor.Zeros(64, 10, 1)));
        Assert.Contains("Tensor<Batch, Digits>: expected [Batch, Digits=10], got [64, 10, 1]: rank 3, expected rank 2", e.Message);
    }

    [Fact]
    public void Every_arity_checks_every_axis()
    {
        Tensor<Side> one = Tensor.Zeros(2);
        Tensor<Side, Side, Side> three = Tensor.Zeros(2, 2, 2);
        Tensor<Batch, Side, Side, Side> four = Tensor.Zeros(5, 2, 2, 2);
        Tensor<Batch, Side, Side, Side, Digits> five = Tensor.Zeros(5, 2, 2, 2, 10);
        Assert.Equal([2], one.Shape);
        Assert.Equal(3, three.Rank);
        Assert.Equal(5, four.Size(0));
        Assert.Equal(5, five.Rank);
        var e = Assert.Throws<ShapeMismatchException>(() => { Tensor<Batch, Side, Side, Side, Digits> _ = Tensor.Zeros(5, 2, 2, 3, 10); });
        Assert.Contains("axis 3 is 3, Side is 2", e.Message);
    }

    [Fact]
    public void FromArray_checks_the_element_count()
    {
        Tensor<Batch, Digits> batch = Tensor<Batch, Digits>.FromArray(new float[30], batch: 3);
        Assert.Equal([3, 10], batch.Shape);
        Tensor<Side, Digits> fixedShape = Tensor<Side, Digits>.FromArray(new float[20]);
        Assert.Equal([2, 10], fixedShape.Shape);

        var count = Assert.Throws<ShapeMismatchException>(() => Tensor<Batch, Digits>.FromArray(new float[25], batch: 3));
        Assert.Contains("Tensor<Batch, Digits>.FromArray: expected 3 × 10 = 30 elements for [3, 10], got 25", count.Message);
        var staticCount = Assert.Throws<ShapeMismatchException>(() => Tensor<Side, Digits>.FromArray(new float[21]));
        Assert.Contains("expected 2 × 10 = 20 elements for [2, 10], got 21", staticCount.Message);
    }

    [Fact]
    public void FromArray_overload_must_match_the_dynamic_dimensions()
    {
        var needsBatch = Assert.Throws<InvalidOperationException>(() => Tensor<Batch, Digits>.FromArray(new float[10]));
        Assert.Contains("use Tensor<Batch, Digits>.FromArray(data, batch)", needsBatch.Message);
        var noBatch = Assert.Throws<InvalidOperationException>(() => Tensor<Side, Digits>.FromArray(new float[20], batch: 1));
        Assert.Contains("has no dimension sized at run time", noBatch.Message);
    }

    [Fact]
    public void A_default_handle_says_it_holds_no_tensor()
    {
        var e = Assert.Throws<InvalidOperationException>(() => default(Tensor<Batch, Digits>).Shape);
        Assert.Contains("default and holds no tensor", e.Message);
    }
}
