namespace ShapeNet.Generator.Ops;

/// <summary>Binary cross-entropy of logits (a sigmoid inside, computed stably); the target is data.</summary>
internal sealed class BceWithLogitsLoss : LossOp
{
    public override string Name => "BceWithLogitsLoss";

    protected override string Kind => "BceWithLogits";

    protected override bool TakesClassIndices => false;

    protected override bool TargetIsDifferentiable => false;
}
