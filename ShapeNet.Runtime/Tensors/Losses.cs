using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;

namespace ShapeNet;

/// <summary>
/// Eager losses, computed by the backend's CpuLoss kernel; each returns a rank-0 tensor. Arguments follow
/// PyTorch: the input (prediction) first, then the target. <see cref="Mse"/>, <see cref="Bce"/> and
/// <see cref="BceWithLogits"/> take a target shaped like the input; <see cref="CrossEntropy"/> and <see cref="Nll"/>
/// take input [N, C] (logits, or log-probabilities for NLL) and target [N] of class indices stored as floats.
/// </summary>
public static class Losses
{
    /// <summary>Mean (or summed) squared error (PyTorch's <c>MSELoss</c>).</summary>
    public static Tensor Mse(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
        Elementwise(LossKind.Mse, "Mse", input, target, reduction);

    /// <summary>Binary cross-entropy of probabilities in [0, 1] (PyTorch's <c>BCELoss</c>).</summary>
    public static Tensor Bce(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
        Elementwise(LossKind.Bce, "Bce", input, target, reduction);

    /// <summary>Binary cross-entropy of logits, sigmoid included and stable (PyTorch's <c>BCEWithLogitsLoss</c>).</summary>
    public static Tensor BceWithLogits(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
        Elementwise(LossKind.BceWithLogits, "BceWithLogits", input, target, reduction);

    /// <summary>Cross-entropy of logits [N, C] against class indices [N] (PyTorch's <c>CrossEntropyLoss</c>).</summary>
    public static Tensor CrossEntropy(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
        ClassIndexed(LossKind.CrossEntropy, "CrossEntropy", input, target, reduction);

    /// <summary>Negative log-likelihood of log-probabilities [N, C] against class indices [N] (PyTorch's <c>NLLLoss</c>).</summary>
    public static Tensor Nll(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
        ClassIndexed(LossKind.Nll, "Nll", input, target, reduction);

    private static Tensor Elementwise(LossKind kind, string name, Tensor input, Tensor target, Reduction reduction)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        if (!input.ShapeSpan.SequenceEqual(target.ShapeSpan))
            throw new ArgumentException(
                $"{name} needs the target shaped like the input: input {Tensor.ShapeText(input.ShapeSpan)}, target {Tensor.ShapeText(target.ShapeSpan)}.",
                nameof(target));
        // The kernel sees [rows, cols]; for an element-wise loss only the element count matters.
        int rows = input.Rank == 0 ? 1 : input.ShapeSpan[0];
        int cols = rows == 0 ? 0 : input.Numel / rows;
        return Tensor.Scalar(CpuLoss.Loss_Forward(kind, reduction, input.Data, target.Data, rows, cols));
    }

    private static Tensor ClassIndexed(LossKind kind, string name, Tensor input, Tensor target, Reduction reduction)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        if (input.Rank != 2 || target.Rank != 1 || target.ShapeSpan[0] != input.ShapeSpan[0])
            throw new ArgumentException(
                $"{name} needs input [N, C] and target [N] of class indices: input {Tensor.ShapeText(input.ShapeSpan)}, " +
                $"target {Tensor.ShapeText(target.ShapeSpan)}.", nameof(target));
        int rows = input.ShapeSpan[0], classes = input.ShapeSpan[1];
        float[] classIndices = target.Data;
        for (int r = 0; r < rows; r++)
        {
            float c = classIndices[r];
            if (!(c >= 0 && c < classes) || c != MathF.Floor(c))
                throw new ArgumentException(
                    $"{name}: target[{r}] = {c} is not a class index in 0..{classes - 1} (input {Tensor.ShapeText(input.ShapeSpan)}).",
                    nameof(target));
        }
        return Tensor.Scalar(CpuLoss.Loss_Forward(kind, reduction, input.Data, target.Data, rows, classes));
    }
}
