namespace ShapeNet.Generator.Ops;

/// <summary>a − b; da = dz, db = −dz.</summary>
internal sealed class Sub : BinaryElementwiseOp
{
    public override string Name => "Sub";
}
