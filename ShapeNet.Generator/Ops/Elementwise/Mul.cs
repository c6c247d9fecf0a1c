namespace ShapeNet.Generator.Ops;

/// <summary>a·b (Hadamard); da = dz·b, db = dz·a.</summary>
internal sealed class Mul : BinaryElementwiseOp
{
    public override string Name => "Mul";
}
