"""Golden trajectories of torch.optim on one fixed 2x3 parameter with fixed gradients.
Usage: /usr/bin/python3 tests/golden/optimizers.py   (writes optimizers.sntensors next to this script)

Stored: `initial` [2,3], `grads` [5,2,3] (the gradient given before step k is grads[k-1]), and per config
`<config>.step1` .. `<config>.step5` (the parameter after each step) and `<config>.state.<key>` (each tensor of
the optimizer state after step 5, PyTorch's state-dict keys: momentum_buffer, exp_avg, exp_avg_sq,
max_exp_avg_sq, sum, square_avg, grad_avg). The gradients are fixed rather than computed from a loss so the
trajectory depends on the update rule alone; they include negative values, zeros and a large entry."""
import os

import torch

import sntensors

here = os.path.dirname(os.path.abspath(__file__))

initial = torch.tensor([[0.5, -1.25, 2.0], [-0.75, 0.1, 3.5]])
grads = torch.tensor([
    [[0.1, -0.2, 0.3], [0.0, 1.5, -0.4]],
    [[0.25, 0.05, -0.6], [0.2, -1.0, 0.0]],
    [[-0.3, 0.4, 0.9], [0.01, 0.7, -2.0]],
    [[0.15, -0.35, 0.05], [-0.5, 0.0, 3.0]],
    [[0.6, 0.1, -0.1], [0.3, -0.25, 0.8]],
])

# Names and hyper-parameters mirror tests/ShapeNet.Runtime.Tests/Optim/OptimizerGoldenTests.cs.
configs = [
    ("sgd", lambda p: torch.optim.SGD(p, lr=0.1)),
    ("sgd_momentum", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("sgd_nesterov", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True)),
    ("sgd_maximize", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.5, maximize=True)),
    ("adam", lambda p: torch.optim.Adam(p, lr=0.01)),
    ("adam_amsgrad", lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("adam_maximize", lambda p: torch.optim.Adam(p, lr=0.01, maximize=True)),
    ("adamw", lambda p: torch.optim.AdamW(p, lr=0.01)),
    ("adagrad", lambda p: torch.optim.Adagrad(p, lr=0.1, lr_decay=0.05, initial_accumulator_value=0.2)),
    ("rmsprop", lambda p: torch.optim.RMSprop(p, lr=0.01)),
    ("rmsprop_centered", lambda p: torch.optim.RMSprop(p, lr=0.01, momentum=0.9, weight_decay=0.1, centered=True)),
]

out = [("initial", initial), ("grads", grads)]
for name, make in configs:
    p = initial.clone().requires_grad_(True)
    opt = make([p])
    for k in range(5):
        p.grad = grads[k].clone()
        opt.step()
        out.append((f"{name}.step{k + 1}", p.detach().clone()))
    for key, value in opt.state[p].items():
        # The step count is a scalar the C# optimizer keeps as an integer; plain SGD stores momentum_buffer = None.
        if key != "step" and value is not None:
            out.append((f"{name}.state.{key}", value))

sntensors.write(os.path.join(here, "optimizers.sntensors"), out)
