"""Golden values for a hand-written RNN cell loop compiled to a loop region (lecture 12a's loop with a head; the C# network is
GoldenRnnCellLoopNet in tests/ShapeNet.Networks.Tests/Networks/LoopNets.cs).
Usage: /usr/bin/python3 tests/golden/loop_rnncell.py   (writes loop_rnncell.sntensors next to this script)

The model: h = RNNCell(3, 4)(x[0], h0); outputs = head(h) with head = Linear(4, 3); for t in 1..4: h = cell(x[t], h);
outputs = cat([outputs, head(h)], 1) -> [batch 2, 15]; loss = MSELoss (mean) against a fixed target.
Entries: every parameter (PyTorch init after manual_seed(0)), x [5, 2, 3], h0 [2, 4], target [2, 15], output, loss,
grad.<parameter> for every parameter, grad.x, grad.h0."""
import os

import torch
from torch import nn

import sntensors

HERE = os.path.dirname(os.path.abspath(__file__))


class Loop(nn.Module):
    def __init__(self):
        super().__init__()
        self.cell = nn.RNNCell(3, 4)
        self.head = nn.Linear(4, 3)

    def forward(self, x, h0):
        h = self.cell(x[0], h0)
        outputs = self.head(h)
        for t in range(1, x.shape[0]):
            h = self.cell(x[t], h)
            outputs = torch.cat([outputs, self.head(h)], 1)
        return outputs


torch.manual_seed(0)
model = Loop()
g = torch.Generator().manual_seed(1)
x = torch.randn(5, 2, 3, generator=g).requires_grad_(True)
h0 = (torch.rand(2, 4, generator=g) - 0.5).requires_grad_(True)
target = torch.randn(2, 15, generator=g)
output = model(x, h0)
loss = nn.MSELoss()(output, target)
loss.backward()

out = [(n, p) for n, p in model.named_parameters()]
out += [("x", x), ("h0", h0), ("target", target), ("output", output), ("loss", loss)]
out += [("grad." + n, p.grad) for n, p in model.named_parameters()]
out += [("grad.x", x.grad), ("grad.h0", h0.grad)]
sntensors.write(os.path.join(HERE, "loop_rnncell.sntensors"), out)
