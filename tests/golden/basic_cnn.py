"""Golden forward/backward of the lecture-10 CNN (Conv2d(1,10,k5) -> MaxPool(2) -> ReLU -> Conv2d(10,20,k5) -> MaxPool(2)
-> ReLU -> flatten(320) -> Linear(320,10), CrossEntropyLoss mean). Same order as /work/shared/bench/torch_baseline.py.
Usage: /usr/bin/python3 tests/golden/basic_cnn.py   (writes basic_cnn.sntensors.gz next to this script)
Stores every parameter (conv1.weight [10,1,5,5], conv1.bias [10], conv2.weight [20,10,5,5], conv2.bias [20],
fc.weight [10,320], fc.bias [10]), the batch x [4,1,28,28] and labels [4] (class indices as floats), logits [4,10],
loss (rank 0), every parameter gradient (grad.conv1.weight, ...) and grad.x [4,1,28,28]."""
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

import sntensors

here = os.path.dirname(os.path.abspath(__file__))


class BasicCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.fc = nn.Linear(320, 10)

    def forward(self, x):
        b = x.size(0)
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2(x), 2))
        return self.fc(x.view(b, -1))  # logits: CrossEntropyLoss applies log-softmax itself


model, loss = sntensors.write_train_step(os.path.join(here, "basic_cnn.sntensors.gz"), BasicCnn)
print(f"loss {loss.item():.6f}")
