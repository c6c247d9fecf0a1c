"""Golden forward/backward of lecture 11's two CNNs, with ShapeNet's module names (the samples' InceptionCnn and ResNetCnn):
  inception: Conv2d(1,10,k5) -> MaxPool(2) -> ReLU -> InceptionA(10) -> Conv2d(88,20,k5) -> MaxPool(2) -> ReLU -> InceptionA(20)
             -> flatten(1408) -> Linear(1408,10); InceptionA(c) = cat[1x1(16), 1x1(16)->5x5 pad2(24),
             1x1(16)->3x3 pad1(24)->3x3 pad1(24), avgpool(3,1,1)->1x1(24)] on channels (88).
  resnet:    Conv2d(1,16,k5) -> MaxPool(2) -> ReLU -> Residual(16) -> Conv2d(16,32,k5) -> MaxPool(2) -> ReLU -> Residual(32)
             -> flatten(512) -> Linear(512,10); Residual(c): y = relu(x + conv2(relu(conv1(x)))), both 3x3 pad 1.
Usage: /usr/bin/python3 tests/golden/lecture11_cnns.py   (writes inception_cnn.sntensors.gz and resnet_cnn.sntensors.gz here)
Each file stores every parameter under its state-dict name (incep1.branch3x3_1.weight, rblock1.conv1.weight, ...), the batch
x [4,1,28,28] and labels [4] (class indices as floats), logits [4,10], loss (rank 0, CrossEntropyLoss mean), every parameter
gradient (grad.<name>) and grad.x."""
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

import sntensors

here = os.path.dirname(os.path.abspath(__file__))


class InceptionA(nn.Module):
    def __init__(self, in_channels):
        super().__init__()
        self.branch1x1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch5x5_1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch5x5_2 = nn.Conv2d(16, 24, kernel_size=5, padding=2)
        self.branch3x3_1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch3x3_2 = nn.Conv2d(16, 24, kernel_size=3, padding=1)
        self.branch3x3_3 = nn.Conv2d(24, 24, kernel_size=3, padding=1)
        self.branch_pool = nn.Conv2d(in_channels, 24, kernel_size=1)

    def forward(self, x):
        branch1x1 = self.branch1x1(x)
        branch5x5 = self.branch5x5_2(self.branch5x5_1(x))
        branch3x3 = self.branch3x3_3(self.branch3x3_2(self.branch3x3_1(x)))
        branch_pool = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))
        return torch.cat([branch1x1, branch5x5, branch3x3, branch_pool], 1)


class InceptionCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(88, 20, kernel_size=5)
        self.incep1 = InceptionA(10)
        self.incep2 = InceptionA(20)
        self.fc = nn.Linear(1408, 10)

    def forward(self, x):
        b = x.size(0)
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = self.incep1(x)
        x = F.relu(F.max_pool2d(self.conv2(x), 2))
        x = self.incep2(x)
        return self.fc(x.view(b, -1))


class ResidualBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)

    def forward(self, x):
        y = F.relu(self.conv1(x))
        return F.relu(x + self.conv2(y))


class ResNetCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=5)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=5)
        self.rblock1 = ResidualBlock(16)
        self.rblock2 = ResidualBlock(32)
        self.fc = nn.Linear(512, 10)

    def forward(self, x):
        b = x.size(0)
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = self.rblock1(x)
        x = F.relu(F.max_pool2d(self.conv2(x), 2))
        x = self.rblock2(x)
        return self.fc(x.view(b, -1))


def golden(name, model_class):
    model, loss = sntensors.write_train_step(os.path.join(here, name + ".sntensors.gz"), model_class)
    print(f"{name}: {sum(p.numel() for p in model.parameters())} parameters, loss {loss.item():.6f}")


golden("inception_cnn", InceptionCnn)
golden("resnet_cnn", ResNetCnn)
