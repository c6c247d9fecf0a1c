using ShapeNet;

namespace ShapeNet.Networks.Tests.Networks;

/// <summary>Pick (PyTorch's <c>x[range(n), labels]</c>) in a network: the log-probability of each row's label and, on a second
/// path through the same layer, the raw score of the label, so two scatters add into one gradient.</summary>
[Network]
public partial class PickNet
{
    [Linear(8, 5)] partial Linear Fc { get; }

    [Forward]
    public Tensor<Batch> Forward(Tensor<Batch, Measurements> x, Tensor<Batch> labels)
    {
        var scores = Fc(x);
        return Pick(LogSoftmax(Tanh(scores) * 3f, 1), labels) + Pick(scores, labels) * 0.5f;
    }
}
