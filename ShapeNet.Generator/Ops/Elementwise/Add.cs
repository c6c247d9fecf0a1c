namespace ShapeNet.Generator.Ops;

/// <summary>a + b; da = dz, db = dz (summed over broadcast axes).</summary>
internal sealed class Add : BinaryElementwiseOp
{
    public override string Name => "Add";
}
