using ShapeNet.Generator.Tests.Infrastructure;

namespace ShapeNet.Generator.Tests.Hardening;

/// <summary>Issue 8: broadcasting typed tensors did not compile (CS0034/CS9342, ambiguous operator) although the generator accepts
/// it. Every pairing of typed and rank-erased operands is compiled here, as a user project would, and the book's examples run.</summary>
public class TypedOperatorTests
{
    private const string Source = """
        using ShapeNet;
        using static ShapeNet.Ops;

        namespace Book;

        [Dim(3)] public partial struct Three;
        [Dim(2)] public partial struct Two;
        [Dim(1)] public partial struct One;

        public static partial class Broadcasting
        {
            [Differentiable] public static Tensor F(Tensor<Three, Two> a, Tensor<Two> b) => Sum(a + b);

            [Differentiable] public static Tensor G(Tensor<Three, One> a, Tensor<One, Two> b) => Sum(a * b);

            /// <summary>Every operator between two different typed handles, a typed handle and a rank-erased tensor, and a scalar.</summary>
            public static Tensor[] Pairings(Tensor<Three, Two> a, Tensor<Two> b, Tensor<Three, One> c, Tensor<One, Two> d, Tensor e) =>
            [
                a + b, b + a, a - b, b - a, a * b, b * a, a / b, b / a,
                c + d, d + c, c - d, d - c, c * d, d * c, c / d, d / c,
                a + e, e + a, a - e, e - a, a * e, e * a, a / e, e / a,
                a + a, a - a, a * a, a / a, e + e,
                a + 1f, 1f + a, a - 1f, 1f - a, a * 2f, 2f * a, a / 2f, 2f / a, -a,
            ];
        }
        """;

    [Fact]
    public void Broadcasting_typed_tensors_compiles_with_no_cast_and_gives_numpy_results()
    {
        GeneratorResult result = GeneratorHarness.Run(Source);
        result.AssertNoErrors();
        using GeneratedAssembly assembly = result.Emit();
        Type functions = assembly.GetType("Book.Broadcasting");
        Type three = assembly.GetType("Book.Three"), two = assembly.GetType("Book.Two"), one = assembly.GetType("Book.One");
        object Typed(Tensor t, params Type[] dims) =>
            Activator.CreateInstance((dims.Length == 1 ? typeof(Tensor<>) : typeof(Tensor<,>)).MakeGenericType(dims), t)!;

        var a = new Tensor([1, 2, 3, 4, 5, 6], 3, 2);
        var b = new Tensor([10, 20], 2);
        var f = (Tensor)functions.GetMethod("F")!.Invoke(null, [Typed(a, three, two), Typed(b, two)])!;
        Assert.Equal(111f, f.Data[0]);   // Σ (a + b): 21 + 3·30

        var c = new Tensor([1, 2, 3], 3, 1);
        var d = new Tensor([10, 20], 1, 2);
        var g = (Tensor)functions.GetMethod("G")!.Invoke(null, [Typed(c, three, one), Typed(d, one, two)])!;
        Assert.Equal(180f, g.Data[0]);   // Σ (c · d): (1 + 2 + 3)·30

        var all = (Tensor[])functions.GetMethod("Pairings")!.Invoke(null,
            [Typed(a, three, two), Typed(b, two), Typed(c, three, one), Typed(d, one, two), new Tensor([1, 1, 1, 1, 1, 1], 3, 2)])!;
        Assert.Equal([11f, 22, 13, 24, 15, 26], all[0].Data);   // a + b
        Assert.Equal([11f, 22, 13, 24, 15, 26], all[1].Data);   // b + a
        Assert.Equal([11f, 21, 12, 22, 13, 23], all[8].Data);   // [3,1] + [1,2]
        Assert.Equal([3, 2], all[8].Shape);
        Assert.All(all, t => Assert.NotNull(t));
    }
}
