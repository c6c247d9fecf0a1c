using System.Globalization;

namespace ShapeNet.Backends.Cpu;

/// <summary>
/// Picking one entry per row, PyTorch's <c>x[range(rows), indices]</c> (a gather along dim 1), and its backward, the scatter.
/// Indices are class indices stored as floats, as the losses and the data loaders hold labels.
/// </summary>
public static class CpuPick
{
    /// <summary>
    /// x (rows, cols), indices (rows) -> y (rows)
    /// y[i] = x[i, indices[i]]. An index that is not an integer in [0, cols) throws, naming the value, the row and cols.
    /// </summary>
    public static void Pick_Forward(Span<float> y, ReadOnlySpan<float> x, ReadOnlySpan<float> indices, int rows, int cols)
    {
        CheckLengths(x.Length, "x", y.Length, "y", indices, rows, cols);
        for (int i = 0; i < rows; i++) y[i] = x[i * cols + Index(indices, i, cols)];
    }

    /// <summary>
    /// dy (rows), indices (rows) -> dx (rows, cols)
    /// dx[i, indices[i]] (+)= dy[i]; without <paramref name="accumulate"/> every other entry of dx becomes 0. The indices
    /// are checked before dx is written.
    /// </summary>
    public static void Pick_Backward(Span<float> dx, ReadOnlySpan<float> dy, ReadOnlySpan<float> indices, int rows, int cols, bool accumulate)
    {
        CheckLengths(dx.Length, "dx", dy.Length, "dy", indices, rows, cols);
        for (int i = 0; i < rows; i++) Index(indices, i, cols);
        if (!accumulate) dx.Clear();
        for (int i = 0; i < rows; i++) dx[i * cols + (int)indices[i]] += dy[i];
    }

    /// <summary>indices[row] as an int in [0, cols), or an exception that says which row holds what.</summary>
    internal static int Index(ReadOnlySpan<float> indices, int row, int cols)
    {
        float value = indices[row];
        int index = (int)value;
        if (index != value || index < 0 || index >= cols)
            throw new ArgumentOutOfRangeException(nameof(indices),
                $"Pick: the index in row {row} is {value.ToString(CultureInfo.InvariantCulture)}, but it must be an integer in [0, {cols}) " +
                $"(x has {cols} columns).");
        return index;
    }

    private static void CheckLengths(int matrixLength, string matrix, int vectorLength, string vector, ReadOnlySpan<float> indices, int rows, int cols)
    {
        if (rows < 0 || cols <= 0)
            throw new ArgumentOutOfRangeException(nameof(cols), $"Pick: rows ({rows}) must be ≥ 0 and cols ({cols}) > 0.");
        if (matrixLength != (long)rows * cols || vectorLength != rows || indices.Length != rows)
            throw new ArgumentException($"Pick: {matrix} has {matrixLength} values, {vector} {vectorLength} and indices {indices.Length}, " +
                $"but [rows, cols] = [{rows}, {cols}] needs {(long)rows * cols}, {rows} and {rows}.");
    }
}
