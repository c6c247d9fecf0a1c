namespace ShapeNet.Generator.Ops;

/// <summary>Binary cross-entropy of probabilities; the target is data.</summary>
internal sealed class BceLoss : LossOp
{
    public override string Name => "BceLoss";

    protected override string Kind => "Bce";

    protected override bool TakesClassIndices => false;

    protected override bool TargetIsDifferentiable => false;
}
