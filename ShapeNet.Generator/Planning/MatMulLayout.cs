using System.Linq;
using ShapeNet.Generator.Model;

namespace ShapeNet.Generator.Planning;

/// <summary>
/// A matrix product as one (possibly strided-batch) row-major GEMM: A is stored M×K (lda = K), B is stored K×N
/// (ldb = N; a vector is K×1), C is M×N (ldc = N). torch.matmul's cases map onto it:
/// 1-D·1-D (M = N = 1), 2-D·1-D (N = 1), 1-D·2-D (M = 1), [..., m, k]·[k, n] (M = the product of a's leading dims),
/// and equal-leading-dims batches [..., m, k]·[..., k, n] (one GEMM per leading index, strides M·K, K·N, M·N).
/// </summary>
internal sealed record MatMulLayout(string M, string N, string K, string BatchCount, string StrideA, string StrideB, string StrideC)
{
    public bool IsBatched => BatchCount != "1";

    /// <summary>The layout for <paramref name="a"/>·<paramref name="b"/>, or null when torch.matmul's broadcasting
    /// would be needed (different leading dims), which the backend's strided GEMM cannot express.</summary>
    public static MatMulLayout? For(Shape a, Shape b, string batch)
    {
        int ra = a.Rank, rb = b.Rank;
        if (ra == 0 || rb == 0) return null;
        if (ra == 1 && rb == 1) return Single("1", "1", Sizes.Product(new[] { a[0] }, batch));
        if (rb == 1) return Single(Sizes.Range(a, 0, ra - 1, batch), "1", Sizes.Product(new[] { a[ra - 1] }, batch));
        if (ra == 1 && rb == 2) return Single("1", Sizes.Product(new[] { b[1] }, batch), Sizes.Product(new[] { b[0] }, batch));
        if (ra >= 2 && rb == 2)
            return Single(Sizes.Range(a, 0, ra - 1, batch), Sizes.Product(new[] { b[1] }, batch), Sizes.Product(new[] { a[ra - 1] }, batch));
        if (ra == rb && a.Dims.Take(ra - 2).Zip(b.Dims.Take(rb - 2), (x, y) => x.SameSizeAs(y)).All(same => same))
        {
            string m = Sizes.Product(new[] { a[ra - 2] }, batch), k = Sizes.Product(new[] { a[ra - 1] }, batch), n = Sizes.Product(new[] { b[rb - 1] }, batch);
            return new MatMulLayout(m, n, k, Sizes.Range(a, 0, ra - 2, batch),
                Sizes.Product(new[] { a[ra - 2], a[ra - 1] }, batch),
                Sizes.Product(new[] { b[rb - 2], b[rb - 1] }, batch),
                Sizes.Product(new[] { a[ra - 2], b[rb - 1] }, batch));
        }
        return null;
    }

    private static MatMulLayout Single(string m, string n, string k) => new(m, n, k, "1", "0", "0", "0");

    /// <summary>The trailing batch arguments of a <c>Gemm</c> call (empty for a single product).</summary>
    public string BatchArguments(string strideFirst, string strideSecond, string strideResult) =>
        IsBatched ? $", batchCount: {BatchCount}, strideA: {strideFirst}, strideB: {strideSecond}, strideC: {strideResult}" : string.Empty;
}
