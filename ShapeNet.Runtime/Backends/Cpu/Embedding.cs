namespace ShapeNet.Backends.Cpu;

/// <summary>
/// Integer-indexed layers: <c>Embedding</c> (a table lookup, PyTorch's <c>nn.Embedding</c>) and <c>OneHot</c>
/// (<c>F.one_hot</c>, as floats). Ids are int32; an id outside <c>[0, num)</c> is an error that names the id, its position and
/// the limit, raised before anything is written or read out of bounds.
/// </summary>
public static class CpuEmbedding
{
    /// <summary>
    /// ids (n), weight (num,dim) -> y (n,dim)
    /// y[r, :] = weight[ids[r], :]. The padding id (the backward's <c>paddingIdx</c>) changes nothing in the forward: the padding
    /// row of the table is whatever it holds (PyTorch initialises it to zeros and never trains it).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is negative or at least <paramref name="num"/>.</exception>
    public static void Embedding_Forward(Span<float> y, ReadOnlySpan<float> weight, ReadOnlySpan<int> ids, int num, int dim)
    {
        int n = ids.Length;
        CheckTable(weight.Length, num, dim, nameof(weight));
        CheckLength(y.Length, n, dim, nameof(y));
        CheckIds(ids, num, "Embedding");
        for (int r = 0; r < n; r++)
            weight.Slice(ids[r] * dim, dim).CopyTo(y.Slice(r * dim, dim));
    }

    /// <summary>
    /// dy (n,dim), ids (n) -> dWeight (num,dim)
    /// dWeight[ids[r], :] (+)= dy[r, :] for every r whose id is not <paramref name="paddingIdx"/> (−1 for none): the padding
    /// row gets a zero gradient, as in PyTorch. Without <paramref name="accumulate"/> every row of dWeight is overwritten
    /// (rows no id selects become zero).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is negative or at least <paramref name="num"/>, or paddingIdx is
    /// neither −1 nor a row of the table.</exception>
    public static void Embedding_Backward(Span<float> dWeight, ReadOnlySpan<float> dy, ReadOnlySpan<int> ids, int num, int dim,
        int paddingIdx, bool accumulate)
    {
        int n = ids.Length;
        CheckTable(dWeight.Length, num, dim, nameof(dWeight));
        CheckLength(dy.Length, n, dim, nameof(dy));
        if (paddingIdx < -1 || paddingIdx >= num)
            throw new ArgumentOutOfRangeException(nameof(paddingIdx), paddingIdx,
                $"Embedding({num}, {dim}): paddingIdx must be a row in [0, {num}) or −1 for none.");
        CheckIds(ids, num, "Embedding");
        if (!accumulate) dWeight[..(num * dim)].Clear();
        for (int r = 0; r < n; r++)
        {
            int id = ids[r];
            if (id == paddingIdx) continue;
            Span<float> row = dWeight.Slice(id * dim, dim);
            System.Numerics.Tensors.TensorPrimitives.Add(row, dy.Slice(r * dim, dim), row);
        }
    }

    /// <summary>
    /// ids (n) -> y (n,classes)
    /// y[r, c] = 1 if c = ids[r], else 0 (PyTorch's <c>F.one_hot(ids, classes)</c>, as float32). Ids carry no gradient.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is negative or at least <paramref name="classes"/>.</exception>
    public static void OneHot_Forward(Span<float> y, ReadOnlySpan<int> ids, int classes)
    {
        int n = ids.Length;
        if (classes < 1) throw new ArgumentOutOfRangeException(nameof(classes), classes, "OneHot needs at least one class.");
        CheckLength(y.Length, n, classes, nameof(y));
        CheckIds(ids, classes, "OneHot");
        y[..(n * classes)].Clear();
        for (int r = 0; r < n; r++) y[r * classes + ids[r]] = 1f;
    }

    /// <summary>Throws for the first id outside [0, limit), naming its value, its position and the limit.</summary>
    internal static void CheckIds(ReadOnlySpan<int> ids, int limit, string op)
    {
        for (int r = 0; r < ids.Length; r++)
        {
            int id = ids[r];
            if ((uint)id >= (uint)limit)
                throw new ArgumentOutOfRangeException(nameof(ids), id,
                    $"{op}: id {id} at position {r} (row {r} of the output) is outside [0, {limit}): " +
                    (id < 0 ? "ids cannot be negative." : $"the table has {limit} rows."));
        }
    }

    private static void CheckTable(int length, int num, int dim, string name)
    {
        if (num < 1 || dim < 1)
            throw new ArgumentOutOfRangeException(nameof(num), $"Embedding({num}, {dim}): both sizes must be at least 1.");
        long needed = checked((long)num * dim);
        if (length < needed)
            throw new ArgumentException($"Embedding({num}, {dim}): {name} has {length} values, the table needs {needed}.", name);
    }

    private static void CheckLength(int length, int rows, int columns, string name)
    {
        long needed = checked((long)rows * columns);
        if (length < needed)
            throw new ArgumentException($"{name} has {length} values, {rows} rows of {columns} need {needed}.", name);
    }
}
