namespace ShapeNet.Generator.Ops;

/// <summary>Mean (or summed) squared error; symmetric, so the target gets −(the input's gradient), as PyTorch's mse_loss.</summary>
internal sealed class MseLoss : LossOp
{
    public override string Name => "MseLoss";

    protected override string Kind => "Mse";

    protected override bool TakesClassIndices => false;

    protected override bool TargetIsDifferentiable => true;
}
