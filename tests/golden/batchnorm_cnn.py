"""Golden values of BatchNorm2d networks (PyTorch nn.BatchNorm2d, running statistics) for ShapeNet's BatchNorm tests.
Usage: /usr/bin/python3 tests/golden/batchnorm_cnn.py   (writes batchnorm_cnn.sntensors.gz and torch_batchnorm.safetensors
next to this script; if shapenet_batchnorm.safetensors exists, also checks that PyTorch loads it, see check_shapenet_file).

Two networks, the same layers and state-dict names as tests/ShapeNet.Networks.Tests/Networks/BatchNormCnn.cs:
  BatchNormCnn:    conv1 = Conv2d(3, 6, 3, padding=1) -> bn1 = BatchNorm2d(6) -> relu -> max_pool2d(2) -> flatten -> fc = Linear(96, 4)
  NestedBatchNorm: conv1 -> bn1 -> relu -> block (conv = Conv2d(6, 6, 3, padding=1, bias=False),
                   bn = BatchNorm2d(6, eps=1e-3, momentum=0.3, affine=False), relu) -> adaptive_avg_pool2d(1) -> flatten -> fc = Linear(6, 4)
Each starts from torch.manual_seed(0) with bn weights, biases and running statistics drawn at random (so none is at its
default), then takes one train-mode step on x [4, 3, 8, 8] (randn, generator seeded 1) with CrossEntropyLoss (mean).
Stored per network (names prefixed "nested." for NestedBatchNorm): every state-dict entry before the step (parameters and
buffers, num_batches_tracked as a float), x, labels [4] (class indices as floats), logits (train mode), loss (rank 0),
grad.<parameter> for every parameter, grad.x, after.<buffer> (the buffers after the step), eval_logits (eval mode after
the step). Plus checkpoint.eval_logits: BatchNormCnn's eval logits on x after three SGD steps (lr 0.1, momentum 0.9) on
three batches, whose state dict is torch_batchnorm.safetensors (num_batches_tracked as int64, as PyTorch saves it)."""
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

import safetensors_io
import sntensors

here = os.path.dirname(os.path.abspath(__file__))


class BatchNormCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(6)
        self.fc = nn.Linear(96, 4)

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        return self.fc(torch.flatten(F.max_pool2d(h, 2), 1))


class ConvBnBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(6, 6, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(6, eps=1e-3, momentum=0.3, affine=False)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class NestedBatchNorm(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(6)
        self.block = ConvBnBlock()
        self.fc = nn.Linear(6, 4)

    def forward(self, x):
        h = self.block(F.relu(self.bn1(self.conv1(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(h, 1), 1))


def randomize_batch_norms(model, g):
    """BN weights in [0.5, 1.5], biases in [-0.5, 0.5], running means in [-0.3, 0.3], running variances in [0.5, 1.5]."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                if module.affine:
                    module.weight.copy_(torch.rand(module.weight.shape, generator=g) + 0.5)
                    module.bias.copy_(torch.rand(module.bias.shape, generator=g) - 0.5)
                module.running_mean.copy_((torch.rand(module.running_mean.shape, generator=g) - 0.5) * 0.6)
                module.running_var.copy_(torch.rand(module.running_var.shape, generator=g) + 0.5)


def make(cls):
    torch.manual_seed(0)
    model = cls()
    randomize_batch_norms(model, torch.Generator().manual_seed(2))
    return model


def golden_step(model, x, labels, prefix):
    # clone: state_dict() shares storage with the module, and the step below updates the running statistics in place.
    out = [(prefix + name, value.detach().clone().float()) for name, value in model.state_dict().items()]
    model.train()
    x = x.clone().requires_grad_(True)
    logits = model(x)
    loss = nn.CrossEntropyLoss()(logits, labels)
    loss.backward()
    out += [(prefix + "logits", logits), (prefix + "loss", loss)]
    out += [(prefix + "grad." + name, p.grad) for name, p in model.named_parameters()]
    out += [(prefix + "grad.x", x.grad)]
    out += [(prefix + "after." + name, b.detach().clone().float()) for name, b in model.named_buffers()]
    model.eval()
    with torch.no_grad():
        out += [(prefix + "eval_logits", model(x))]
    print(f"{type(model).__name__}: loss {loss.item():.6f}")
    return out


g = torch.Generator().manual_seed(1)
x = torch.randn(4, 3, 8, 8, generator=g)
labels = torch.randint(0, 4, (4,), generator=g)

out = [("x", x), ("labels", labels.float())]
out += golden_step(make(BatchNormCnn), x, labels, "")
out += golden_step(make(NestedBatchNorm), x, labels, "nested.")

# A trained state dict, as PyTorch writes it (num_batches_tracked int64), for the checkpoint test.
model = make(BatchNormCnn)
sgd = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
model.train()
for step in range(3):
    xb = torch.randn(8, 3, 8, 8, generator=g)
    yb = torch.randint(0, 4, (8,), generator=g)
    sgd.zero_grad()
    nn.CrossEntropyLoss()(model(xb), yb).backward()
    sgd.step()
model.eval()
with torch.no_grad():
    out += [("checkpoint.eval_logits", model(x))]
state = model.state_dict()
assert state["bn1.num_batches_tracked"].dtype == torch.int64 and state["bn1.num_batches_tracked"].item() == 3
safetensors_io.save_file(state, os.path.join(here, "torch_batchnorm.safetensors"), metadata={"format": "pt"})

sntensors.write(os.path.join(here, "batchnorm_cnn.sntensors.gz"), out)


def check_shapenet_file(path):
    """shapenet_batchnorm.safetensors is written by ShapeNet (BatchNormCheckpointTests, SHAPENET_REGENERATE_GOLDEN=1): the
    golden BatchNormCnn weights before the step with the buffers after it (num_batches_tracked = 1, stored as F32). PyTorch
    must load it with load_state_dict(strict=True) and then give the golden eval logits."""
    golden = {name: value for name, value in out}
    model = BatchNormCnn()
    state = safetensors_io.load_file(path)
    model.load_state_dict(state, strict=True)  # raises on any missing, unexpected or mis-shaped key
    for name, value in model.state_dict().items():
        expected = golden[("after." if name in dict(model.named_buffers()) else "") + name]
        assert torch.equal(value.float(), expected), f"{name} differs from the golden value"
    assert model.bn1.num_batches_tracked.dtype == torch.int64 and model.bn1.num_batches_tracked.item() == 1
    model.eval()
    with torch.no_grad():
        diff = (model(x) - golden["eval_logits"]).abs().max().item()
    assert diff <= 1e-6, diff
    print(f"OK: PyTorch loaded {os.path.basename(path)} with load_state_dict(strict=True); {len(state)} tensors; "
          f"eval logits max |difference| {diff:.3g}")


shapenet_file = os.path.join(here, "shapenet_batchnorm.safetensors")
if os.path.exists(shapenet_file):
    check_shapenet_file(shapenet_file)
