using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;

namespace ShapeNet;

// Linear algebra and softmax, run in the backend's GEMM, linear and softmax kernels.
public sealed partial class Tensor
{
    /// <summary>The inner product of two vectors of equal length: a rank-0 tensor (PyTorch's <c>torch.dot</c>).</summary>
    public Tensor Dot(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Rank != 1 || other.Rank != 1 || _shape[0] != other._shape[0])
            throw new ArgumentException(
                $"Dot needs two vectors of equal length, got {ShapeText(_shape)} and {ShapeText(other._shape)}.", nameof(other));
        Tensor result = Empty();
        int k = _shape[0];
        if (k > 0)
            CpuGemm.Gemm(false, false, 1, 1, k, 1f, _data, k, other._data, 1, 0f, result._data, 1);
        return result;
    }

    /// <summary>Matrix × vector: [m, n] · [n] → [m] (PyTorch's <c>torch.mv</c>).</summary>
    public Tensor Mv(Tensor vector)
    {
        ArgumentNullException.ThrowIfNull(vector);
        if (Rank != 2 || vector.Rank != 1 || _shape[1] != vector._shape[0])
            throw new ArgumentException(
                $"Mv needs [m, n] and [n], got {ShapeText(_shape)} and {ShapeText(vector._shape)}.", nameof(vector));
        return Matrices(this, vector, _shape[0], 1, _shape[1], [_shape[0]]);
    }

    /// <summary>Matrix × matrix: [m, k] · [k, n] → [m, n] (PyTorch's <c>torch.mm</c>).</summary>
    public Tensor Mm(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Rank != 2 || other.Rank != 2 || _shape[1] != other._shape[0])
            throw new ArgumentException(
                $"Mm needs [m, k] and [k, n], got {ShapeText(_shape)} and {ShapeText(other._shape)}" +
                (Rank == 2 && other.Rank == 2 ? $": {_shape[1]} columns vs {other._shape[0]} rows." : "."), nameof(other));
        return Matrices(this, other, _shape[0], other._shape[1], _shape[1], [_shape[0], other._shape[1]]);
    }

    /// <summary>
    /// PyTorch's <c>torch.matmul</c>: vector·vector is <see cref="Dot"/>, matrix·vector <see cref="Mv"/>,
    /// vector·matrix [k]·[k, n] → [n], matrix·matrix <see cref="Mm"/>; with rank ≥ 3, [..., m, k] · [k, n]
    /// multiplies every matrix by the same one, and [..., m, k] · [..., k, n] with equal batch axes is a batched product.
    /// </summary>
    public Tensor MatMul(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        string Shapes() => $"{ShapeText(_shape)} and {ShapeText(other._shape)}";
        if (Rank == 0 || other.Rank == 0)
            throw new ArgumentException($"MatMul needs tensors of rank ≥ 1, got {Shapes()}; use * for a scalar product.", nameof(other));
        int k = _shape[^1];
        int otherK = other.Rank == 1 ? other._shape[0] : other._shape[^2];
        if (k != otherK)
            throw new ArgumentException($"MatMul of {Shapes()}: the inner sizes differ ({k} vs {otherK}).", nameof(other));

        if (Rank == 1 && other.Rank == 1) return Dot(other);
        if (Rank == 1) return Matrices(this, other, 1, other._shape[^1], k, [other._shape[^1]]);
        if (other.Rank == 1)
        {
            // [..., m, k] · [k]: every row dotted with the vector.
            return Matrices(this, other, ElementCount(_shape.AsSpan(0, Rank - 1)), 1, k, _shape[..^1]);
        }
        int n = other._shape[^1];
        if (other.Rank == 2)
        {
            // [..., m, k] · [k, n]: the leading axes fold into the rows of one product.
            int rows = ElementCount(_shape.AsSpan(0, Rank - 1));
            return Matrices(this, other, rows, n, k, [.. _shape[..^1], n]);
        }
        if (Rank != other.Rank || !_shape.AsSpan(0, Rank - 2).SequenceEqual(other._shape.AsSpan(0, other.Rank - 2)))
            throw new ArgumentException(
                $"MatMul of {Shapes()}: a batched product needs equal batch axes ({ShapeText(_shape.AsSpan(0, Math.Max(Rank - 2, 0)))} vs " +
                $"{ShapeText(other._shape.AsSpan(0, other.Rank - 2))}).", nameof(other));
        int m = _shape[^2];
        int batches = ElementCount(_shape.AsSpan(0, Rank - 2));
        Tensor result = Empty([.. _shape[..^1], n]);
        if (k == 0) return result;
        for (int b = 0; b < batches; b++)
            CpuGemm.Gemm(false, false, m, n, k, 1f,
                _data.AsSpan(b * m * k, m * k), k,
                other._data.AsSpan(b * k * n, k * n), n,
                0f, result._data.AsSpan(b * m * n, m * n), n);
        return result;
    }

    /// <summary>[m, k] · [k, n] → a tensor of <paramref name="shape"/> holding m·n elements.</summary>
    private static Tensor Matrices(Tensor a, Tensor b, int m, int n, int k, int[] shape)
    {
        Tensor result = Empty(shape);
        // An empty inner axis leaves the zeros Empty() starts with: the product of nothing.
        if (result.Numel > 0 && k > 0)
            CpuGemm.Gemm(false, false, m, n, k, 1f, a._data, k, b._data, n, 0f, result._data, n);
        return result;
    }

    /// <summary>The L2 norm of all elements (the Frobenius norm of a matrix): a rank-0 tensor.
    /// The L1 norm is <c>x.Abs().Sum()</c>.</summary>
    public Tensor Norm() => (this * this).Sum().Sqrt();

    /// <summary>Softmax along <paramref name="axis"/>.</summary>
    public Tensor Softmax(int axis) => SoftmaxCore(axis, log: false);

    /// <summary>Log-softmax along <paramref name="axis"/> (numerically stable, unlike <c>Softmax(axis).Log()</c>).</summary>
    public Tensor LogSoftmax(int axis) => SoftmaxCore(axis, log: true);

    private Tensor SoftmaxCore(int axis, bool log)
    {
        (int outer, int size, int inner) = SplitAround(axis);
        Tensor result = Empty(_shape);
        CpuSoftmax.Softmax_Forward(result._data, _data, outer, size, inner, log);
        return result;
    }

    /// <summary>A linear layer's forward over the last axis: x [..., in] · Wᵀ + b → [..., out], with
    /// W [out, in] and b [out] (PyTorch's layout); the leading axes are rows.</summary>
    internal static Tensor LinearForward(Tensor input, Tensor weight, Tensor? bias)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 2)
            throw new ArgumentException($"A linear weight is [out, in], got {ShapeText(weight._shape)}.", nameof(weight));
        int outFeatures = weight._shape[0], inFeatures = weight._shape[1];
        if (input.Rank == 0 || input._shape[^1] != inFeatures)
            throw new ArgumentException(
                $"Linear({inFeatures}, {outFeatures}) expects inputs [..., {inFeatures}], got {ShapeText(input._shape)}.", nameof(input));
        if (bias is not null && (bias.Rank != 1 || bias._shape[0] != outFeatures))
            throw new ArgumentException(
                $"Linear({inFeatures}, {outFeatures}) expects a bias [{outFeatures}], got {ShapeText(bias._shape)}.", nameof(bias));
        int rows = ElementCount(input._shape.AsSpan(0, input.Rank - 1));
        Tensor result = Empty([.. input._shape[..^1], outFeatures]);
        CpuLinear.Linear_Forward(result._data, input._data, weight._data, bias is null ? default : bias._data,
            rows, inFeatures, outFeatures, UnaryOp.Identity);
        return result;
    }
}
