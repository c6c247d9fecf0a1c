"""Golden forward/backward of the lecture-9 MLP (784-512-256-128-64-10, ReLU between, CrossEntropyLoss mean).
Usage: /usr/bin/python3 tests/golden/mnist_mlp.py   (writes mnist_mlp.sntensors.gz next to this script)
Stores every parameter (fc1.weight [512,784], ...), the batch x [8,784] and labels [8] (class indices as
floats), logits [8,10], loss (rank 0), every parameter gradient (grad.fc1.weight, ...) and grad.x."""
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

import sntensors

here = os.path.dirname(os.path.abspath(__file__))


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 512)
        self.fc2 = nn.Linear(512, 256)
        self.fc3 = nn.Linear(256, 128)
        self.fc4 = nn.Linear(128, 64)
        self.fc5 = nn.Linear(64, 10)

    def forward(self, x):
        x = x.view(-1, 784)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = F.relu(self.fc3(x))
        x = F.relu(self.fc4(x))
        return self.fc5(x)  # logits: CrossEntropyLoss applies log-softmax itself


torch.manual_seed(0)
model = Mlp()
# A separate generator for the data so the weights are exactly PyTorch's manual_seed(0) initialisation.
g = torch.Generator().manual_seed(1)
x = torch.randn(8, 784, generator=g).requires_grad_(True)
labels = torch.randint(0, 10, (8,), generator=g)

logits = model(x)
loss = nn.CrossEntropyLoss()(logits, labels)
loss.backward()

out = [(name, p) for name, p in model.named_parameters()]
out += [("x", x), ("labels", labels.float()), ("logits", logits), ("loss", loss)]
out += [("grad." + name, p.grad) for name, p in model.named_parameters()]
out += [("grad.x", x.grad)]
sntensors.write(os.path.join(here, "mnist_mlp.sntensors.gz"), out)
print(f"loss {loss.item():.6f}")
