using ShapeNet;
using ShapeNet.Optim;

// Cold start: from process start to the first finished training step of the MNIST MLP (batch 64, SGD momentum 0.5).
// Prints "first-step-unix-ns <n>" (wall clock, for the driver that started the process) and exits.
var random = new Random(0);
var input = new float[64 * 784];
var target = new float[64];
for (int i = 0; i < input.Length; i++) input[i] = random.NextSingle() * 2 - 1;
for (int i = 0; i < target.Length; i++) target[i] = random.Next(10);

using var plan = new Mlp(0).CreatePlan(64);
plan.Configure(Loss.CrossEntropy(), new Sgd(0.01f, momentum: 0.5f));
plan.TrainStep(input, target, 64);
long unixNs = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
if (!float.IsFinite(plan.Loss)) return 1;
string simd = System.Runtime.Intrinsics.X86.Avx512F.IsSupported && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "avx512"
    : System.Runtime.Intrinsics.X86.Avx2.IsSupported ? "avx2" : "baseline";
Console.WriteLine($"first-step-unix-ns {unixNs} loss {plan.Loss:F4} simd {simd}");
return 0;

[Dim(784)] public partial struct Pixels;
[Dim(10)] public partial struct Digits;

/// <summary>Lecture 9's MLP, 784-512-256-128-64-10 with ReLU.</summary>
[Network]
public partial class Mlp
{
    [Linear(784, 512)] partial Linear Fc1 { get; }
    [Linear(512, 256)] partial Linear Fc2 { get; }
    [Linear(256, 128)] partial Linear Fc3 { get; }
    [Linear(128, 64)] partial Linear Fc4 { get; }
    [Linear(64, 10)] partial Linear Fc5 { get; }

    [Forward]
    public Tensor<Batch, Digits> Forward(Tensor<Batch, Pixels> x)
    {
        var h = Relu(Fc1(x));
        h = Relu(Fc2(h));
        h = Relu(Fc3(h));
        h = Relu(Fc4(h));
        return Fc5(h);
    }
}
