namespace ShapeNet.Generator.Ops;

/// <summary>Negative log-likelihood of log-probabilities [N, classes] with class indices [N]; the indices are data.</summary>
internal sealed class NllLoss : LossOp
{
    public override string Name => "NllLoss";

    protected override string Kind => "Nll";

    protected override bool TakesClassIndices => true;

    protected override bool TargetIsDifferentiable => false;
}
