using System.Globalization;
using System.Text;

namespace ShapeNet;

// Conversion to plain arrays and PyTorch-style printing.
public sealed partial class Tensor
{
    // PyTorch's print options: summarise above 1000 elements, showing 3 items at each end of a long axis.
    private const int SummaryThreshold = 1000;
    private const int SummaryEdgeItems = 3;

    /// <summary>A copy of the elements, row-major (PyTorch's <c>x.numpy().ravel()</c>).</summary>
    public float[] ToArray() => (float[])_data.Clone();

    /// <summary>A copy of a matrix as a 2-D array.</summary>
    public float[,] To2DArray()
    {
        if (Rank != 2) throw new InvalidOperationException($"To2DArray needs a rank-2 tensor, got {ShapeText(_shape)}.");
        var result = new float[_shape[0], _shape[1]];
        Buffer.BlockCopy(_data, 0, result, 0, _data.Length * sizeof(float));
        return result;
    }

    /// <summary>Prints like PyTorch: <c>tensor([[0., 1.], [2., 3.]])</c> with rows on their own lines; tensors over
    /// 1000 elements show three items at each end of every long axis.</summary>
    public override string ToString()
    {
        const string prefix = "tensor(";
        if (Numel == 0) return Rank == 1 ? "tensor([])" : $"tensor([], size={ShapeText(_shape)})";
        bool summarize = Numel > SummaryThreshold;
        Func<float, string> format = ChooseNumberFormat(summarize);
        int width = 0;
        foreach (float v in VisibleValues(summarize)) width = Math.Max(width, format(v).Length);

        var text = new StringBuilder(prefix);
        AppendBlock(text, axis: 0, offset: 0, indent: prefix.Length, summarize, v => format(v).PadLeft(width));
        return text.Append(')').ToString();
    }

    private void AppendBlock(StringBuilder text, int axis, int offset, int indent, bool summarize, Func<float, string> format)
    {
        if (axis == Rank)
        {
            text.Append(format(_data[offset]));
            return;
        }
        int size = _shape[axis];
        int stride = 1;
        for (int d = axis + 1; d < Rank; d++) stride *= _shape[d];
        bool elide = summarize && size > 2 * SummaryEdgeItems;
        // Rows of a matrix are one newline apart, matrices two, and so on, as PyTorch prints them.
        string separator = axis == Rank - 1 ? ", " : "," + new string('\n', Rank - axis - 1) + new string(' ', indent + 1);

        text.Append('[');
        for (int i = 0; i < size; i++)
        {
            if (elide && i == SummaryEdgeItems)
            {
                // PyTorch pads the ellipsis of a row by one space.
                text.Append(axis == Rank - 1 ? " ..." : "...").Append(separator);
                i = size - SummaryEdgeItems;
            }
            AppendBlock(text, axis + 1, offset + i * stride, indent + 1, summarize, format);
            if (i < size - 1) text.Append(separator);
        }
        text.Append(']');
    }

    /// <summary>The values that will be printed (all, or the summarised corners), to size the columns.</summary>
    private IEnumerable<float> VisibleValues(bool summarize)
    {
        if (!summarize) return _data;
        var visible = new List<float>();
        CollectVisible(0, 0, visible);
        return visible;
    }

    private void CollectVisible(int axis, int offset, List<float> visible)
    {
        if (axis == Rank)
        {
            visible.Add(_data[offset]);
            return;
        }
        int size = _shape[axis], stride = 1;
        for (int d = axis + 1; d < Rank; d++) stride *= _shape[d];
        for (int i = 0; i < size; i++)
        {
            if (size > 2 * SummaryEdgeItems && i == SummaryEdgeItems) i = size - SummaryEdgeItems;
            CollectVisible(axis + 1, offset + i * stride, visible);
        }
    }

    /// <summary>PyTorch's choice: whole numbers print as <c>3.</c>; a wide range of magnitudes as <c>1.0000e+08</c>;
    /// otherwise four decimals.</summary>
    private Func<float, string> ChooseNumberFormat(bool summarize)
    {
        bool allWhole = true;
        double maxAbs = 0, minAbs = double.PositiveInfinity;
        foreach (float v in VisibleValues(summarize))
        {
            if (!float.IsFinite(v)) continue;
            if (v != MathF.Round(v)) allWhole = false;
            double a = Math.Abs(v);
            if (a == 0) continue;
            maxAbs = Math.Max(maxAbs, a);
            minAbs = Math.Min(minAbs, a);
        }
        CultureInfo invariant = CultureInfo.InvariantCulture;
        bool wideRange = maxAbs > 0 && (maxAbs > 1e8 || maxAbs / minAbs > 1000);
        if (allWhole && !wideRange)
            return v => float.IsFinite(v) ? v.ToString("0", invariant) + "." : Special(v);
        bool scientific = wideRange || (maxAbs > 0 && minAbs < 1e-4);
        string pattern = scientific ? "0.0000e+00" : "0.0000";
        return v => float.IsFinite(v) ? v.ToString(pattern, invariant) : Special(v);

        static string Special(float v) => float.IsNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
    }
}
