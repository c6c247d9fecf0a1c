"""Golden values for the autograd examples of the seed curriculum (Dive into Deep Learning, autograd chapter).
Usage: /usr/bin/python3 tests/golden/autograd.py   (writes autograd.sntensors next to this script)"""
import os

import torch

import sntensors

here = os.path.dirname(os.path.abspath(__file__))
x0 = torch.arange(4.0)
out = [("x", x0)]

# y = 2·dot(x, x)  ->  dy/dx = 4x
x = x0.clone().requires_grad_(True)
y = 2 * torch.dot(x, x)
y.backward()
out += [("dot.y", y), ("dot.grad", x.grad)]

# y = sum(x)  ->  ones
x = x0.clone().requires_grad_(True)
x.sum().backward()
out += [("sum.grad", x.grad)]

# y = sum(x * x)  ->  2x
x = x0.clone().requires_grad_(True)
(x * x).sum().backward()
out += [("sum_sq.grad", x.grad)]

# detach: u = detach(x * x); z = u * x  ->  d sum(z)/dx = u (u is a constant for the backward pass)
x = x0.clone().requires_grad_(True)
u = (x * x).detach()
z = u * x
z.sum().backward()
out += [("detach.u", u), ("detach.z", z), ("detach.grad", x.grad)]

sntensors.write(os.path.join(here, "autograd.sntensors"), out)
