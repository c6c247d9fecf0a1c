using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;

namespace ShapeNet;

// Reductions. Sum and Mean run in the backend's CpuReduction kernel; the backend has no max, min, argmax or
// cumulative-sum kernel (compiled networks do not use them), so those are computed here.
public sealed partial class Tensor
{
    /// <summary>The sum of all elements: a rank-0 tensor.</summary>
    public Tensor Sum() => Reduce(ReduceOp.Sum, AllAxes(), keepDim: false);

    /// <summary>The sum over <paramref name="axis"/>; <paramref name="keepDim"/> keeps it with size 1 (PyTorch's <c>keepdim</c>).</summary>
    public Tensor Sum(int axis, bool keepDim = false) => Reduce(ReduceOp.Sum, AxisFlags([axis]), keepDim);

    /// <summary>The sum over several axes (PyTorch's <c>sum(axis=[0, 1])</c>).</summary>
    public Tensor Sum(int[] axes, bool keepDim = false) => Reduce(ReduceOp.Sum, AxisFlags(axes), keepDim);

    /// <summary>The mean of all elements: a rank-0 tensor.</summary>
    public Tensor Mean() => Reduce(ReduceOp.Mean, AllAxes(), keepDim: false);

    /// <summary>The mean over <paramref name="axis"/>.</summary>
    public Tensor Mean(int axis, bool keepDim = false) => Reduce(ReduceOp.Mean, AxisFlags([axis]), keepDim);

    /// <summary>The mean over several axes.</summary>
    public Tensor Mean(int[] axes, bool keepDim = false) => Reduce(ReduceOp.Mean, AxisFlags(axes), keepDim);

    private bool[] AllAxes()
    {
        var flags = new bool[Rank];
        flags.AsSpan().Fill(true);
        return flags;
    }

    private bool[] AxisFlags(int[] axes)
    {
        ArgumentNullException.ThrowIfNull(axes);
        var flags = new bool[Rank];
        foreach (int axis in axes)
        {
            int a = NormalizeAxis(axis, Rank);
            if (flags[a]) throw new ArgumentException($"Axis {axis} appears twice in {ShapeText(axes)} (tensor {ShapeText(_shape)}).", nameof(axes));
            flags[a] = true;
        }
        return flags;
    }

    private Tensor Reduce(ReduceOp op, bool[] reduceAxes, bool keepDim)
    {
        // The sum or mean of a scalar is the scalar; kernels are not asked to handle rank-0 shapes.
        if (Rank == 0) return Clone();
        var kept = new List<int>(Rank);
        var keptWithOnes = new int[Rank];
        for (int axis = 0; axis < Rank; axis++)
        {
            keptWithOnes[axis] = reduceAxes[axis] ? 1 : _shape[axis];
            if (!reduceAxes[axis]) kept.Add(_shape[axis]);
        }
        // keepDim only changes the shape: the kernel's output layout is the same either way.
        Tensor result = Empty(keepDim ? keptWithOnes : kept.ToArray());
        CpuReduction.Reduce_Forward(op, result._data, _data, _shape, reduceAxes);
        return result;
    }

    /// <summary>Running sums along <paramref name="axis"/> (PyTorch's <c>cumsum</c>).</summary>
    public Tensor CumSum(int axis)
    {
        (int outer, int size, int inner) = SplitAround(axis);
        Tensor result = Clone();
        float[] data = result._data;
        for (int o = 0; o < outer; o++)
            for (int k = 1; k < size; k++)
            {
                int row = (o * size + k) * inner, previous = row - inner;
                for (int i = 0; i < inner; i++) data[row + i] += data[previous + i];
            }
        return result;
    }

    /// <summary>The largest element: a rank-0 tensor.</summary>
    public Tensor Max() => Flatten().Max(0);

    /// <summary>The largest element along <paramref name="axis"/> (the values of PyTorch's <c>max(dim)</c>).</summary>
    public Tensor Max(int axis, bool keepDim = false) => Extreme(axis, keepDim, largest: true, wantIndex: false);

    /// <summary>The smallest element: a rank-0 tensor.</summary>
    public Tensor Min() => Flatten().Min(0);

    /// <summary>The smallest element along <paramref name="axis"/>.</summary>
    public Tensor Min(int axis, bool keepDim = false) => Extreme(axis, keepDim, largest: false, wantIndex: false);

    /// <summary>The flat index of the largest element (first on ties), as a rank-0 tensor.</summary>
    public Tensor ArgMax() => Flatten().ArgMax(0);

    /// <summary>The index of the largest element along <paramref name="axis"/> (first on ties), as floats;
    /// <c>y_hat.ArgMax(1).Eq(y)</c> marks the correct predictions.</summary>
    public Tensor ArgMax(int axis, bool keepDim = false) => Extreme(axis, keepDim, largest: true, wantIndex: true);

    /// <summary>The index of the smallest element along <paramref name="axis"/> (first on ties), as floats.</summary>
    public Tensor ArgMin(int axis, bool keepDim = false) => Extreme(axis, keepDim, largest: false, wantIndex: true);

    private Tensor Extreme(int axis, bool keepDim, bool largest, bool wantIndex)
    {
        int a = NormalizeAxis(axis, Rank);
        (int outer, int size, int inner) = SplitAround(a);
        if (size == 0)
            throw new ArgumentException($"{(largest ? "Max" : "Min")} along axis {a} of {ShapeText(_shape)}: the axis is empty.", nameof(axis));
        Tensor result = Empty(keepDim ? ShapeWith(a, 1) : ShapeWithout(a));
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int best = 0;
                float bestValue = _data[o * size * inner + i];
                for (int k = 1; k < size; k++)
                {
                    float v = _data[(o * size + k) * inner + i];
                    // NaN wins, as in PyTorch: once found it is kept.
                    if (float.IsNaN(bestValue)) break;
                    if (float.IsNaN(v) || (largest ? v > bestValue : v < bestValue))
                    {
                        best = k;
                        bestValue = v;
                    }
                }
                result._data[o * inner + i] = wantIndex ? best : bestValue;
            }
        return result;
    }

    /// <summary>This tensor viewed as [outer, size of <paramref name="axis"/>, inner].</summary>
    private (int Outer, int Size, int Inner) SplitAround(int axis)
    {
        if (Rank == 0) return (1, 1, 1);
        int a = NormalizeAxis(axis, Rank);
        int outer = 1, inner = 1;
        for (int d = 0; d < a; d++) outer *= _shape[d];
        for (int d = a + 1; d < Rank; d++) inner *= _shape[d];
        return (outer, _shape[a], inner);
    }

    private int[] ShapeWith(int axis, int size)
    {
        int[] shape = Shape;
        shape[axis] = size;
        return shape;
    }

    private int[] ShapeWithout(int axis)
    {
        var shape = new List<int>(_shape);
        shape.RemoveAt(axis);
        return shape.ToArray();
    }
}
