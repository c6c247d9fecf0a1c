namespace ShapeNet.Generator.Ops;

/// <summary>The sum over all axes, or over <c>axis</c> (an int or an array) with or without <c>keepDim</c>.</summary>
internal sealed class Sum : ReduceOp
{
    public override string Name => "Sum";

    protected override string BackwardNote => string.Empty;
}
