namespace ShapeNet;

// Creation: every factory returns a tensor on fresh storage (PyTorch's torch.zeros, torch.arange, ...).
public sealed partial class Tensor
{
    private static readonly TensorRandom DefaultRandom = new(0);
    private static readonly Lock DefaultRandomLock = new();

    /// <summary>Reseeds the generator behind <see cref="Randn(int[])"/>, <see cref="Rand(int[])"/> and
    /// <see cref="Normal(double, double, int[])"/> (PyTorch's <c>torch.manual_seed</c>). It starts seeded with 0.</summary>
    public static void ManualSeed(int seed)
    {
        lock (DefaultRandomLock) DefaultRandom.ManualSeed(seed);
    }

    /// <summary>A rank-0 tensor holding <paramref name="value"/> (PyTorch's <c>torch.tensor(3.0)</c>).</summary>
    public static Tensor Scalar(float value) => new([value]);

    /// <summary>A number used where a tensor is expected becomes a rank-0 tensor, as in PyTorch
    /// (this is what makes <c>x[1, 2] = 9</c> and <c>x[0..2, ..] = 12</c> work).</summary>
    public static implicit operator Tensor(float value) => Scalar(value);

    /// <summary><c>[0, 1, …, end − 1]</c> (PyTorch's <c>torch.arange(end)</c>).</summary>
    public static Tensor Arange(int end) => Arange(0, end, 1);

    /// <summary><c>[start, start + step, …]</c> up to but excluding <paramref name="end"/>
    /// (PyTorch's <c>torch.arange(start, end, step)</c>).</summary>
    public static Tensor Arange(double start, double end, double step = 1)
    {
        if (step == 0 || double.IsNaN(step)) throw new ArgumentException("Arange needs a non-zero step.", nameof(step));
        double span = Math.Ceiling((end - start) / step);
        int count = span > 0 ? checked((int)span) : 0;
        var data = new float[count];
        for (int i = 0; i < count; i++) data[i] = (float)(start + i * step);
        return new Tensor(data, count);
    }

    /// <summary>A tensor of zeros (PyTorch's <c>torch.zeros(2, 3, 4)</c>).</summary>
    public static Tensor Zeros(params int[] shape) => Empty(shape);

    /// <summary>A tensor of ones (PyTorch's <c>torch.ones</c>).</summary>
    public static Tensor Ones(params int[] shape) => Full(shape, 1f);

    /// <summary>A tensor filled with <paramref name="value"/> (PyTorch's <c>torch.full(shape, value)</c>).</summary>
    public static Tensor Full(int[] shape, float value)
    {
        Tensor result = Empty(shape);
        result._data.AsSpan().Fill(value);
        return result;
    }

    /// <summary>Zeros shaped like <paramref name="other"/>.</summary>
    public static Tensor ZerosLike(Tensor other) => Zeros(other._shape);

    /// <summary>Ones shaped like <paramref name="other"/>.</summary>
    public static Tensor OnesLike(Tensor other) => Ones(other._shape);

    /// <summary>Samples from N(0, 1) drawn from the default generator (see <see cref="ManualSeed"/>).</summary>
    public static Tensor Randn(params int[] shape) => Normal(0, 1, shape);

    /// <summary>Samples from N(0, 1) drawn from <paramref name="generator"/>.</summary>
    public static Tensor Randn(TensorRandom generator, params int[] shape) => Normal(generator, 0, 1, shape);

    /// <summary>Samples from N(0, 1) from a generator seeded with <paramref name="seed"/>: the same seed gives the same tensor.</summary>
    public static Tensor Randn(int[] shape, int seed) => Normal(new TensorRandom(seed), 0, 1, shape);

    /// <summary>Samples from N(<paramref name="mean"/>, <paramref name="std"/>²) drawn from the default generator
    /// (PyTorch's <c>torch.normal(mean, std, size)</c>).</summary>
    public static Tensor Normal(double mean, double std, params int[] shape)
    {
        lock (DefaultRandomLock) return Normal(DefaultRandom, mean, std, shape);
    }

    /// <summary>Samples from N(<paramref name="mean"/>, <paramref name="std"/>²) from a generator seeded with <paramref name="seed"/>.</summary>
    public static Tensor Normal(double mean, double std, int[] shape, int seed) => Normal(new TensorRandom(seed), mean, std, shape);

    /// <summary>Samples from N(<paramref name="mean"/>, <paramref name="std"/>²) drawn from <paramref name="generator"/>.</summary>
    public static Tensor Normal(TensorRandom generator, double mean, double std, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (!(std >= 0)) throw new ArgumentOutOfRangeException(nameof(std), $"Normal needs std ≥ 0, got {std}.");
        Tensor result = Empty(shape);
        generator.FillNormal(result._data, mean, std);
        return result;
    }

    /// <summary>Samples from U[0, 1) drawn from the default generator (PyTorch's <c>torch.rand</c>).</summary>
    public static Tensor Rand(params int[] shape)
    {
        lock (DefaultRandomLock) return Rand(DefaultRandom, shape);
    }

    /// <summary>Samples from U[0, 1) drawn from <paramref name="generator"/>.</summary>
    public static Tensor Rand(TensorRandom generator, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(generator);
        Tensor result = Empty(shape);
        generator.FillUniform(result._data, 0, 1);
        return result;
    }

    /// <summary>Samples from U[0, 1) from a generator seeded with <paramref name="seed"/>.</summary>
    public static Tensor Rand(int[] shape, int seed) => Rand(new TensorRandom(seed), shape);

    /// <summary>A 1-D tensor holding a copy of <paramref name="values"/> (PyTorch's <c>torch.tensor([1, 2, 3])</c>).</summary>
    public static Tensor FromArray(float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new Tensor((float[])values.Clone(), values.Length);
    }

    /// <summary>A copy of <paramref name="values"/> viewed with <paramref name="shape"/>; the counts must agree.</summary>
    public static Tensor FromArray(float[] values, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new Tensor((float[])values.Clone(), shape);
    }

    /// <summary>A 2-D tensor holding a copy of <paramref name="values"/>.</summary>
    public static Tensor FromArray(float[,] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var data = new float[values.Length];
        Buffer.BlockCopy(values, 0, data, 0, data.Length * sizeof(float));
        return new Tensor(data, values.GetLength(0), values.GetLength(1));
    }

    /// <summary>A 3-D tensor holding a copy of <paramref name="values"/>.</summary>
    public static Tensor FromArray(float[,,] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var data = new float[values.Length];
        Buffer.BlockCopy(values, 0, data, 0, data.Length * sizeof(float));
        return new Tensor(data, values.GetLength(0), values.GetLength(1), values.GetLength(2));
    }

    /// <summary>A 2-D tensor from nested rows (<c>[[2, 1, 4, 3], [1, 2, 3, 4]]</c>); every row must have the same length.</summary>
    public static Tensor FromArray(float[][] rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        int columns = rows.Length == 0 ? 0 : rows[0].Length;
        var data = new float[checked(rows.Length * columns)];
        for (int r = 0; r < rows.Length; r++)
        {
            if (rows[r] is null || rows[r].Length != columns)
                throw new ArgumentException(
                    $"Row {r} has {rows[r]?.Length.ToString() ?? "no"} elements, but row 0 has {columns}: nested rows must all have the same length.",
                    nameof(rows));
            rows[r].CopyTo(data, r * columns);
        }
        return new Tensor(data, rows.Length, columns);
    }

    /// <summary>A copy on fresh storage (PyTorch's <c>clone()</c>).</summary>
    public Tensor Clone() => new((float[])_data.Clone(), _shape);

    /// <summary>The same values on fresh storage. Eager tensors carry no gradient graph, so this is a copy;
    /// inside a compiled network the generator cuts the gradient here (PyTorch's <c>detach()</c>).</summary>
    public Tensor Detach() => Clone();
}
