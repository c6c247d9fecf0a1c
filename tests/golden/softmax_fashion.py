"""Golden trajectory of d2l 3.7 (softmax regression on Fashion-MNIST) in PyTorch, for the same start and batch order in
ShapeNet's softmax-scratch and softmax-concise (SoftmaxGoldenTests): does ShapeNet's pipeline (loading, pixel scaling,
labels, the mean loss of the last, partial batch, the SGD step, evaluation) train exactly as PyTorch's does?
Usage: /usr/bin/python3 tests/golden/softmax_fashion.py   (writes softmax_fashion.sntensors.gz next to this script)

The first 2,600 images of the shipped training set (data/fashion_mnist, scaled to 0..1 as ToTensor does), two epochs in
batches of 256 (ten full batches and one of 40), each epoch in the order of torch.randperm; W0 [784, 10] from
torch.normal(0, 0.01) (d2l 3.6's W; the Linear's weight is its transpose), b = 0. nn.Linear(784, 10) with
CrossEntropyLoss(reduction='none'), l.mean().backward(), SGD lr 0.1 (d2l 3.7's train_epoch_ch3).
Stores: W0, perm [2, 2600] (indices as floats), batch_loss [22] (each batch's summed loss, before its update),
batch_correct [22], test_acc [2] (on the 5,000 shipped test images after each epoch), W [784, 10], b [10] at the end.
"""
import gzip
import os

import torch
from torch import nn

import sntensors

here = os.path.dirname(os.path.abspath(__file__))
data = os.path.join(here, "..", "..", "data", "fashion_mnist")
TRAIN, EPOCHS, BATCH, LR = 2600, 2, 256, 0.1


def load(prefix):
    with gzip.open(os.path.join(data, f"{prefix}-images-idx3-ubyte.gz")) as f:
        images = torch.frombuffer(bytearray(f.read()[16:]), dtype=torch.uint8)
    with gzip.open(os.path.join(data, f"{prefix}-labels-idx1-ubyte.gz")) as f:
        labels = torch.frombuffer(bytearray(f.read()[8:]), dtype=torch.uint8)
    return images.reshape(-1, 1, 28, 28).float() / 255, labels.long()


torch.manual_seed(0)
train_x, train_y = load("train")
train_x, train_y = train_x[:TRAIN], train_y[:TRAIN]
test_x, test_y = load("t10k")
W0 = torch.normal(0, 0.01, size=(784, 10))
net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
with torch.no_grad():
    net[1].weight.copy_(W0.T)
    net[1].bias.zero_()
loss = nn.CrossEntropyLoss(reduction="none")
trainer = torch.optim.SGD(net.parameters(), lr=LR)
perms, batch_loss, batch_correct, test_acc = [], [], [], []
for epoch in range(EPOCHS):
    order = torch.randperm(TRAIN)
    perms.append(order)
    for i in range(0, TRAIN, BATCH):
        batch = order[i:i + BATCH]
        y_hat = net(train_x[batch])
        l = loss(y_hat, train_y[batch])
        trainer.zero_grad()
        l.mean().backward()
        trainer.step()
        batch_loss.append(float(l.sum()))
        batch_correct.append(int((y_hat.argmax(1) == train_y[batch]).sum()))
    with torch.no_grad():
        test_acc.append(float((net(test_x).argmax(1) == test_y).float().mean()))

sntensors.write(os.path.join(here, "softmax_fashion.sntensors.gz"), [
    ("W0", W0), ("perm", torch.stack(perms).float()), ("batch_loss", torch.tensor(batch_loss)),
    ("batch_correct", torch.tensor(batch_correct, dtype=torch.float32)), ("test_acc", torch.tensor(test_acc)),
    ("W", net[1].weight.detach().T.contiguous()), ("b", net[1].bias.detach()),
])
print(f"test accuracy after each epoch: {test_acc}; last batch loss sum {batch_loss[-1]:.6f}")
