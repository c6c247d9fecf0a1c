"""Golden values for the activations LeakyRelu, Elu, Gelu (erf and tanh forms), Silu, Softplus and Hardtanh.
Usage: /usr/bin/python3 tests/golden/activations.py   (writes activations.sntensors next to this script)

x holds 64 float32 points: a grid over [-6, 6] and the places where a formula switches or is delicate (0 and +-1e-3 for
the kinks, Hardtanh's bounds -1, 1, -0.5, 2, Softplus's thresholds 2.5 (beta 2, threshold 5) and 20, large magnitudes).
For each config, <name>.y = f(x) and <name>.grad = d sum(f(x)) / dx = f'(x), both float32 from PyTorch's CPU kernels."""
import os

import torch
import torch.nn.functional as F

import sntensors

here = os.path.dirname(os.path.abspath(__file__))
x0 = torch.cat([
    torch.linspace(-6.0, 6.0, 49),
    torch.tensor([0.0, -1e-3, 1e-3, -1.0, 1.0, -0.5, 2.0, 2.5, 10.0, 20.0, 25.0, -30.0, -15.0, 30.0, 0.25]),
]).float()
assert x0.numel() == 64

configs = [
    ("leaky_relu", lambda x: F.leaky_relu(x)),
    ("leaky_relu_0.2", lambda x: F.leaky_relu(x, negative_slope=0.2)),
    ("elu", lambda x: F.elu(x)),
    ("elu_1.5", lambda x: F.elu(x, alpha=1.5)),
    ("gelu", lambda x: F.gelu(x)),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh")),
    ("silu", lambda x: F.silu(x)),
    ("softplus", lambda x: F.softplus(x)),
    ("softplus_2_5", lambda x: F.softplus(x, beta=2.0, threshold=5.0)),
    ("hardtanh", lambda x: F.hardtanh(x)),
    ("hardtanh_-0.5_2", lambda x: F.hardtanh(x, min_val=-0.5, max_val=2.0)),
]

out = [("x", x0)]
for name, f in configs:
    x = x0.clone().requires_grad_(True)
    y = f(x)
    y.sum().backward()
    out += [(name + ".y", y.detach()), (name + ".grad", x.grad)]

sntensors.write(os.path.join(here, "activations.sntensors"), out)
