using ShapeNet.Backends;

namespace ShapeNet;

/// <summary>
/// The loss a <see cref="NetworkPlan"/> trains with, PyTorch's <c>nn.*Loss(reduction=...)</c>: which function and how it
/// reduces over the batch. Cross-entropy and NLL take class indices (one per output row, stored as floats) as the target;
/// the others take a target shaped like the output.
/// </summary>
public sealed record Loss(LossKind Kind, Reduction Reduction)
{
    /// <summary><c>nn.CrossEntropyLoss</c>: log-softmax over the last axis of the logits, then NLL.</summary>
    public static Loss CrossEntropy(Reduction reduction = Reduction.Mean) => new(LossKind.CrossEntropy, reduction);

    /// <summary><c>nn.NLLLoss</c>: the input holds log-probabilities.</summary>
    public static Loss Nll(Reduction reduction = Reduction.Mean) => new(LossKind.Nll, reduction);

    /// <summary><c>nn.MSELoss</c>.</summary>
    public static Loss Mse(Reduction reduction = Reduction.Mean) => new(LossKind.Mse, reduction);

    /// <summary><c>nn.BCELoss</c>: the input holds probabilities.</summary>
    public static Loss Bce(Reduction reduction = Reduction.Mean) => new(LossKind.Bce, reduction);

    /// <summary><c>nn.BCEWithLogitsLoss</c>: sigmoid and binary cross-entropy in one stable step.</summary>
    public static Loss BceWithLogits(Reduction reduction = Reduction.Mean) => new(LossKind.BceWithLogits, reduction);

    /// <summary>Whether the target holds one class index per row rather than a value per output element.</summary>
    public bool TakesClassIndices => Kind is LossKind.CrossEntropy or LossKind.Nll;

    /// <summary>The number of target floats for an output of <paramref name="rows"/> × <paramref name="columns"/>.</summary>
    public long TargetLength(long rows, int columns) => TakesClassIndices ? rows : rows * columns;
}
