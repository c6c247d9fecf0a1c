namespace ShapeNet.Generator.Ops;

/// <summary>log(softmax(x)) along <c>axis</c>, computed stably.</summary>
internal sealed class LogSoftmax : SoftmaxOp
{
    public override string Name => "LogSoftmax";

    protected override bool Log => true;
}
