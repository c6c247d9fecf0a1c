namespace ShapeNet.Generator.Ops;

/// <summary>a / b; da = dz / b, db = −dz·a / b².</summary>
internal sealed class Div : BinaryElementwiseOp
{
    public override string Name => "Div";
}
