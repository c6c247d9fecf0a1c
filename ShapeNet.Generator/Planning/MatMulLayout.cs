using System.Collections.Generic;
using System.Linq;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Model;

namespace ShapeNet.Generator.Planning;

/// <summary>
/// A matrix product as one (possibly strided-batch) row-major GEMM: A is stored M×K (lda = K), B is stored K×N
/// (ldb = N; a vector is K×1), C is M×N (ldc = N). torch.matmul's cases map onto it:
/// 1-D·1-D (M = N = 1), 2-D·1-D (N = 1), 1-D·2-D (M = 1), [..., m, k]·[k, n] (M = the product of a's leading dims),
/// and equal-leading-dims batches [..., m, k]·[..., k, n] (one GEMM per leading index, strides M·K, K·N, M·N).
/// </summary>
internal sealed record MatMulLayout(SizeExpr M, SizeExpr N, SizeExpr K, SizeExpr BatchCount, SizeExpr StrideA, SizeExpr StrideB, SizeExpr StrideC)
{
    public bool IsBatched => BatchCount != SizeExpr.Of(1);

    /// <summary>The layout for <paramref name="a"/>·<paramref name="b"/>, or null when torch.matmul's broadcasting
    /// would be needed (different leading dims), which the backend's strided GEMM cannot express.</summary>
    public static MatMulLayout? For(Shape a, Shape b)
    {
        int ra = a.Rank, rb = b.Rank;
        SizeExpr Of(params Dim[] dims) => SizeExpr.Product(dims);
        if (ra == 0 || rb == 0) return null;
        if (ra == 1 && rb == 1) return Single(SizeExpr.Of(1), SizeExpr.Of(1), Of(a[0]));
        if (rb == 1) return Single(SizeExpr.Product(a.Dims.Take(ra - 1)), SizeExpr.Of(1), Of(a[ra - 1]));
        if (ra == 1 && rb == 2) return Single(SizeExpr.Of(1), Of(b[1]), Of(b[0]));
        if (ra >= 2 && rb == 2) return Single(SizeExpr.Product(a.Dims.Take(ra - 1)), Of(b[1]), Of(a[ra - 1]));
        if (ra == rb && a.Dims.Take(ra - 2).Zip(b.Dims.Take(rb - 2), (x, y) => x.SameSizeAs(y)).All(same => same))
        {
            return new MatMulLayout(Of(a[ra - 2]), Of(b[rb - 1]), Of(a[ra - 1]), SizeExpr.Product(a.Dims.Take(ra - 2)),
                Of(a[ra - 2], a[ra - 1]), Of(b[rb - 2], b[rb - 1]), Of(a[ra - 2], b[rb - 1]));
        }
        return null;
    }

    private static MatMulLayout Single(SizeExpr m, SizeExpr n, SizeExpr k) => new(m, n, k, SizeExpr.Of(1), SizeExpr.Of(0), SizeExpr.Of(0), SizeExpr.Of(0));

    /// <summary>The trailing batch arguments of a <c>Gemm</c> call (none for a single product).</summary>
    public IEnumerable<CallArg> BatchArguments(SizeExpr strideFirst, SizeExpr strideSecond, SizeExpr strideResult) => IsBatched
        ? new[]
        {
            CallArg.Named("batchCount", BatchCount), CallArg.Named("strideA", strideFirst), CallArg.Named("strideB", strideSecond),
            CallArg.Named("strideC", strideResult),
        }
        : Enumerable.Empty<CallArg>();
}
