namespace ShapeNet.Generator.Ops;

/// <summary>Cross-entropy of scores [N, classes] with class indices [N] (stored as floats); the indices are data.</summary>
internal sealed class CrossEntropyLoss : LossOp
{
    public override string Name => "CrossEntropyLoss";

    protected override string Kind => "CrossEntropy";

    protected override bool TakesClassIndices => true;

    protected override bool TargetIsDifferentiable => false;
}
