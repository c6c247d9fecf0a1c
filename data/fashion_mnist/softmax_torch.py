#!/usr/bin/env python3
"""PyTorch's figures for the softmax-scratch and softmax-concise samples: d2l 3.7 on a Fashion-MNIST folder.

    python3 data/fashion_mnist/softmax_torch.py data/fashion_mnist [seed]     # the shipped 20,000/5,000 subset
    python3 data/fashion_mnist/softmax_torch.py <folder made with --full> [seed]

nn.Sequential(nn.Flatten(), nn.Linear(784, 10)) with the weight from N(0, 0.01^2) (the bias keeps PyTorch's default),
CrossEntropyLoss, SGD lr 0.1, batch 256, 10 epochs, images scaled to 0..1 (ToTensor), the training set reshuffled each
epoch; prints d2l's Animator figures (mean training loss and accuracy, test accuracy) per epoch. docs/samples.md quotes
seeds 0-9 (PyTorch 1.13, Debian's python3-torch).
"""

import gzip
import sys
import time

import torch
from torch import nn


def load(folder, prefix):
    with gzip.open(f"{folder}/{prefix}-images-idx3-ubyte.gz") as f:
        images = torch.frombuffer(bytearray(f.read()[16:]), dtype=torch.uint8)
    with gzip.open(f"{folder}/{prefix}-labels-idx1-ubyte.gz") as f:
        labels = torch.frombuffer(bytearray(f.read()[8:]), dtype=torch.uint8)
    return images.reshape(-1, 1, 28, 28).float() / 255, labels.long()


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    folder, seed = sys.argv[1], int(sys.argv[2]) if len(sys.argv) == 3 else 0
    torch.manual_seed(seed)
    train_x, train_y = load(folder, "train")
    test_x, test_y = load(folder, "t10k")
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    nn.init.normal_(net[1].weight, std=0.01)
    loss = nn.CrossEntropyLoss(reduction="none")
    trainer = torch.optim.SGD(net.parameters(), lr=0.1)
    for epoch in range(10):
        start, loss_sum, correct = time.time(), 0.0, 0
        order = torch.randperm(len(train_y))
        for i in range(0, len(train_y), 256):
            batch = order[i:i + 256]
            y_hat = net(train_x[batch])
            l = loss(y_hat, train_y[batch])
            trainer.zero_grad()
            l.mean().backward()
            trainer.step()
            loss_sum += float(l.sum())
            correct += int((y_hat.argmax(1) == train_y[batch]).sum())
        with torch.no_grad():
            test_acc = float((net(test_x).argmax(1) == test_y).float().mean())
        print(f"epoch {epoch + 1}: train loss {loss_sum / len(train_y):.4f}, train acc {correct / len(train_y):.4f}, "
              f"test acc {test_acc:.4f} ({time.time() - start:.2f} s)")


if __name__ == "__main__":
    main()
