using ShapeNet;
using ShapeNet.Samples.Cnn;

namespace ShapeNet.Samples.Softmax;

/// <summary>
/// *Dive into Deep Learning* §3.7, the concise softmax regression: <c>nn.Sequential(nn.Flatten(), nn.Linear(784, 10))</c>.
/// The layer is named <c>1</c>, its index in the book's <c>Sequential</c>, so the state-dict keys are the book's
/// <c>1.weight</c> <c>[10, 784]</c> and <c>1.bias</c> <c>[10]</c>. The softmax is in the loss (<c>Loss.CrossEntropy()</c>).
/// </summary>
[Network]
public partial class SoftmaxRegression
{
    [Linear(784, 10, Name = "1")] partial Linear Linear { get; }

    [Forward]
    public Tensor<Batch, NumOutputs> Forward(Tensor<Batch, Gray, Side, Side> x) => Linear(Flatten(x));
}
