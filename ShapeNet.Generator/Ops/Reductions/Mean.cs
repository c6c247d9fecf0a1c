namespace ShapeNet.Generator.Ops;

/// <summary>The mean over all axes, or over <c>axis</c> (an int or an array) with or without <c>keepDim</c>.</summary>
internal sealed class Mean : ReduceOp
{
    public override string Name => "Mean";

    protected override string BackwardNote => " / count";
}
