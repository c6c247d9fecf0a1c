using ShapeNet;
using ShapeNet.Samples.Mnist;

namespace ShapeNet.Samples.Cnn;

/// <summary>The curriculum's exercise, a deeper CNN: three times Conv2d(k3, pad 1) → ReLU → MaxPool(2)
/// (16, 32, 64 channels; 28 → 14 → 7 → 3), then flatten(576) → Linear(576,128) → ReLU → Linear(128,64) → ReLU → Linear(64,10).</summary>
[Network]
public partial class DeepCnn
{
    [Conv2d(1, 16, Kernel = 3, Padding = 1)] partial Conv2d Conv1 { get; }
    [Conv2d(16, 32, Kernel = 3, Padding = 1)] partial Conv2d Conv2 { get; }
    [Conv2d(32, 64, Kernel = 3, Padding = 1)] partial Conv2d Conv3 { get; }
    [Linear(576, 128)] partial Linear Fc1 { get; }
    [Linear(128, 64)] partial Linear Fc2 { get; }
    [Linear(64, 10)] partial Linear Fc3 { get; }

    [Forward]
    public Tensor<Batch, Digits> Forward(Tensor<Batch, Gray, Side, Side> x)
    {
        var h = MaxPool2d(Relu(Conv1(x)), 2);   // [Batch, 16, 28, 28] → [Batch, 16, 14, 14]
        h = MaxPool2d(Relu(Conv2(h)), 2);       // [Batch, 32, 14, 14] → [Batch, 32, 7, 7]
        h = MaxPool2d(Relu(Conv3(h)), 2);       // [Batch, 64, 7, 7]   → [Batch, 64, 3, 3] (floor)
        var f = Relu(Fc1(Flatten(h)));          // [Batch, 576] → [Batch, 128]
        f = Relu(Fc2(f));                       // [Batch, 64]
        return Fc3(f);                          // [Batch, 10]
    }
}
