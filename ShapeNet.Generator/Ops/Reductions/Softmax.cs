namespace ShapeNet.Generator.Ops;

/// <summary>softmax(x) along <c>axis</c>.</summary>
internal sealed class Softmax : SoftmaxOp
{
    public override string Name => "Softmax";

    protected override bool Log => false;
}
