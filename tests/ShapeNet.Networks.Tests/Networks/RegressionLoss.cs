using ShapeNet;

namespace ShapeNet.Networks.Tests.Networks;

[Dim(6)] public partial struct Inputs;
[Dim(3)] public partial struct Targets;

/// <summary>A regression network whose forward returns its own loss: the mean squared error against the target (a scalar).</summary>
[Network]
public partial class RegressionLoss
{
    [Linear(6, 8)] partial Linear Fc1 { get; }
    [Linear(8, 3)] partial Linear Fc2 { get; }

    [Forward]
    public Tensor Forward(Tensor<Batch, Inputs> x, Tensor<Batch, Targets> target)
    {
        var prediction = Fc2(Tanh(Fc1(x)));
        return MseLoss(prediction, target);
    }
}
