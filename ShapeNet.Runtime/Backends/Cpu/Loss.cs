namespace ShapeNet.Backends.Cpu;

/// <summary>
/// Losses with PyTorch's definitions. Sums are accumulated in double: the result is one float, and a long
/// float running sum would lose the small terms. Mean divides by all elements (Mse, Bce, BceWithLogits) or
/// by rows (CrossEntropy, Nll, whose target is one class index per row).
/// </summary>
public static class CpuLoss
{
    /// <summary>PyTorch's binary_cross_entropy clamps each log term at −100 so a saturated probability gives a finite loss.</summary>
    private const float LogClamp = -100f;
    /// <summary>PyTorch's binary_cross_entropy_backward keeps (1 − x)·x at least this large.</summary>
    private const float BceGradientEpsilon = 1e-12f;

    /// <summary>
    /// input (rows,cols), target (rows,cols) or class indices (rows) -> loss ()
    /// The loss value. CrossEntropy/Nll: target holds class indices [rows] as floats.
    /// </summary>
    public static float Loss_Forward(LossKind kind, Reduction reduction, ReadOnlySpan<float> input, ReadOnlySpan<float> target,
        int rows, int cols)
    {
        CheckSizes(kind, input.Length, target.Length, rows, cols);
        double total = 0;
        switch (kind)
        {
            case LossKind.Mse:
                for (int i = 0; i < input.Length; i++)
                {
                    float difference = input[i] - target[i];
                    total += difference * difference;
                }
                break;
            case LossKind.Bce:
                for (int i = 0; i < input.Length; i++)
                {
                    float logP = MathF.Max(MathF.Log(input[i]), LogClamp);
                    float logNotP = MathF.Max(MathF.Log(1f - input[i]), LogClamp);
                    total -= target[i] * logP + (1f - target[i]) * logNotP;
                }
                break;
            case LossKind.BceWithLogits:
                for (int i = 0; i < input.Length; i++)
                {
                    float x = input[i];
                    total += MathF.Max(x, 0f) - x * target[i] + MathF.Log(1f + MathF.Exp(-MathF.Abs(x)));
                }
                break;
            case LossKind.CrossEntropy:
                for (int r = 0; r < rows; r++)
                {
                    ReadOnlySpan<float> row = input.Slice(r * cols, cols);
                    total += LogSumExp(row) - row[ClassIndex(target[r], cols, r)];
                }
                break;
            case LossKind.Nll:
                for (int r = 0; r < rows; r++) total -= input[r * cols + ClassIndex(target[r], cols, r)];
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown loss.");
        }
        return (float)(reduction == Reduction.Mean ? total / MeanDivisor(kind, rows, cols) : total);
    }

    /// <summary>
    /// input (rows,cols), target (rows,cols) or class indices (rows) -> dInput (rows,cols)
    /// dInput (+)= dLoss·∂L/∂input.
    /// </summary>
    public static void Loss_Backward(LossKind kind, Reduction reduction, Span<float> dInput, float dLoss,
        ReadOnlySpan<float> input, ReadOnlySpan<float> target, int rows, int cols, bool accumulate)
    {
        CheckSizes(kind, input.Length, target.Length, rows, cols);
        if (dInput.Length != input.Length)
            throw new ArgumentException($"dInput has {dInput.Length} values, the input {input.Length}.", nameof(dInput));
        float scale = reduction == Reduction.Mean ? (float)(dLoss / MeanDivisor(kind, rows, cols)) : dLoss;
        if (!accumulate) dInput.Clear();
        switch (kind)
        {
            case LossKind.Mse:
                for (int i = 0; i < input.Length; i++) dInput[i] += 2f * (input[i] - target[i]) * scale;
                break;
            case LossKind.Bce:
                for (int i = 0; i < input.Length; i++)
                {
                    float x = input[i];
                    dInput[i] += scale * (x - target[i]) / MathF.Max((1f - x) * x, BceGradientEpsilon);
                }
                break;
            case LossKind.BceWithLogits:
                for (int i = 0; i < input.Length; i++)
                    dInput[i] += scale * (1f / (1f + MathF.Exp(-input[i])) - target[i]);
                break;
            case LossKind.CrossEntropy:
                for (int r = 0; r < rows; r++)
                {
                    ReadOnlySpan<float> row = input.Slice(r * cols, cols);
                    Span<float> gradient = dInput.Slice(r * cols, cols);
                    float logSum = LogSumExp(row);
                    for (int c = 0; c < cols; c++) gradient[c] += scale * MathF.Exp(row[c] - logSum);
                    gradient[ClassIndex(target[r], cols, r)] -= scale;
                }
                break;
            case LossKind.Nll:
                for (int r = 0; r < rows; r++) dInput[r * cols + ClassIndex(target[r], cols, r)] -= scale;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown loss.");
        }
    }

    /// <summary>
    /// input (rows,cols), targets (rows) int32 class indices -> loss ()
    /// Cross-entropy (log-softmax of each row, minus the target's entry) or NLL (minus the target's entry) with integer targets.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A target is outside [0, cols): names the value, its row and the limit.</exception>
    public static float IndexLoss_Forward(LossKind kind, Reduction reduction, ReadOnlySpan<float> input, ReadOnlySpan<int> targets,
        int rows, int cols)
    {
        CheckIndexSizes(kind, input.Length, targets.Length, rows, cols);
        CheckTargets(kind, targets[..rows], cols);
        double total = 0;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = input.Slice(r * cols, cols);
            total += (kind == LossKind.CrossEntropy ? LogSumExp(row) : 0f) - row[targets[r]];
        }
        return (float)(reduction == Reduction.Mean ? total / rows : total);
    }

    /// <summary>
    /// input (rows,cols), targets (rows) int32 -> dInput (rows,cols)
    /// dInput (+)= dLoss·∂L/∂input of <see cref="IndexLoss_Forward"/>.
    /// </summary>
    public static void IndexLoss_Backward(LossKind kind, Reduction reduction, Span<float> dInput, float dLoss, ReadOnlySpan<float> input,
        ReadOnlySpan<int> targets, int rows, int cols, bool accumulate)
    {
        CheckIndexSizes(kind, input.Length, targets.Length, rows, cols);
        if (dInput.Length != input.Length)
            throw new ArgumentException($"dInput has {dInput.Length} values, the input {input.Length}.", nameof(dInput));
        CheckTargets(kind, targets[..rows], cols);
        float scale = reduction == Reduction.Mean ? (float)(dLoss / (double)rows) : dLoss;
        if (!accumulate) dInput.Clear();
        for (int r = 0; r < rows; r++)
        {
            Span<float> gradient = dInput.Slice(r * cols, cols);
            if (kind == LossKind.CrossEntropy)
            {
                ReadOnlySpan<float> row = input.Slice(r * cols, cols);
                float logSum = LogSumExp(row);
                for (int c = 0; c < cols; c++) gradient[c] += scale * MathF.Exp(row[c] - logSum);
            }
            gradient[targets[r]] -= scale;
        }
    }

    private static void CheckTargets(LossKind kind, ReadOnlySpan<int> targets, int cols)
    {
        for (int r = 0; r < targets.Length; r++)
            if ((uint)targets[r] >= (uint)cols)
                throw new ArgumentOutOfRangeException(nameof(targets), targets[r],
                    $"{kind}: target {targets[r]} of row {r} is outside [0, {cols}): the input has {cols} classes.");
    }

    private static void CheckIndexSizes(LossKind kind, int inputLength, int targetLength, int rows, int cols)
    {
        if (kind is not (LossKind.CrossEntropy or LossKind.Nll))
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Only CrossEntropy and Nll take integer class indices.");
        if (rows < 0 || cols < 1) throw new ArgumentException($"{kind} loss over [{rows}, {cols}]: rows must not be negative and there must be at least one class.");
        long count = (long)rows * cols;
        if (inputLength != count || targetLength < rows)
            throw new ArgumentException($"{kind} loss over [{rows}, {cols}] needs {count} inputs and {rows} targets; got {inputLength} and {targetLength}.");
    }

    /// <summary>max + log Σ exp(x − max): stable for any logits.</summary>
    private static float LogSumExp(ReadOnlySpan<float> row)
    {
        float max = float.NegativeInfinity;
        foreach (float v in row) max = MathF.Max(max, v);
        double sum = 0;
        foreach (float v in row) sum += MathF.Exp(v - max);
        return max + (float)Math.Log(sum);
    }

    private static int ClassIndex(float target, int cols, int row)
    {
        int index = (int)target;
        if (index != target || (uint)index >= (uint)cols)
            throw new ArgumentException($"Target of row {row} is {target}, not a class index in [0, {cols}).", nameof(target));
        return index;
    }

    private static double MeanDivisor(LossKind kind, int rows, int cols)
        => kind is LossKind.CrossEntropy or LossKind.Nll ? rows : (double)rows * cols;

    private static void CheckSizes(LossKind kind, int inputLength, int targetLength, int rows, int cols)
    {
        if (rows < 0 || cols < 1) throw new ArgumentException($"{kind} loss over [{rows}, {cols}]: rows must not be negative and there must be at least one column.");
        long count = (long)rows * cols;
        long targetCount = kind is LossKind.CrossEntropy or LossKind.Nll ? rows : count;
        if (inputLength != count || targetLength != targetCount)
            throw new ArgumentException($"{kind} loss over [{rows}, {cols}] needs {count} inputs and {targetCount} targets; " +
                $"got {inputLength} and {targetLength}.");
    }
}
