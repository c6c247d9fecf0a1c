using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

// Cold start in TorchSharp: process start to the first finished training step of the MNIST MLP (batch 64, SGD momentum
// 0.5). Prints "first-step-unix-ns <n>" (wall clock, for the driver that started the process) and exits.
torch.manual_seed(0);
var model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
    nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10));
var optimizer = torch.optim.SGD(model.parameters(), 0.01, momentum: 0.5);
var loss = nn.CrossEntropyLoss();
Tensor x = torch.rand(64, 784) * 2 - 1, y = torch.randint(0, 10, [64]);
optimizer.zero_grad();
Tensor l = loss.call(model.call(x), y);
l.backward();
optimizer.step();
float value = l.item<float>();
long unixNs = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
if (!float.IsFinite(value)) return 1;
Console.WriteLine($"first-step-unix-ns {unixNs} loss {value:F4}");
return 0;
