"""PyTorch-made safetensors files for tests/ShapeNet.Runtime.Tests/Checkpoints (run with /usr/bin/python3).

torch_small.safetensors     state dict of a seeded 4-8-3 MLP (fc1 -> relu -> fc2), F32, metadata {"format": "pt"}
torch_small_io.sntensors    x [5,4] and the model's output y [5,3]
torch_dtypes.safetensors    one tensor per other dtype (f64, f16, bf16, i64, i32), each [2,3]
torch_dtypes.sntensors      the same tensors converted with .float() (what ShapeNet must read)
"""
import os
from collections import OrderedDict

import torch
from torch import nn

import safetensors_io
import sntensors

HERE = os.path.dirname(os.path.abspath(__file__))


def small_model():
    return nn.Sequential(OrderedDict(fc1=nn.Linear(4, 8), relu=nn.ReLU(), fc2=nn.Linear(8, 3)))


def main():
    torch.manual_seed(0)
    model = small_model()
    x = torch.randn(5, 4)
    with torch.no_grad():
        y = model(x)
    safetensors_io.save_file(model.state_dict(), os.path.join(HERE, "torch_small.safetensors"), {"format": "pt"})
    sntensors.write(os.path.join(HERE, "torch_small_io.sntensors"), [("x", x), ("y", y)])

    base = torch.tensor([[0.5, -1.25, 3.0], [1e-3, 65504.0, -7.0]], dtype=torch.float64)
    typed = OrderedDict(
        f64=torch.tensor([[0.1, -2.5, 3.0e10], [1e-40, 123456.789, -7.0]], dtype=torch.float64),
        f16=base.to(torch.float16),
        bf16=torch.tensor([[0.1, -2.5, 3.0e10], [1e-3, 123.456, -7.0]]).to(torch.bfloat16),
        i64=torch.tensor([[0, -1, 2], [2**40, -(2**40), 16777217]], dtype=torch.int64),
        i32=torch.tensor([[0, -1, 2], [2**30, -(2**30), 7]], dtype=torch.int32),
    )
    safetensors_io.save_file(typed, os.path.join(HERE, "torch_dtypes.safetensors"))
    sntensors.write(os.path.join(HERE, "torch_dtypes.sntensors"), [(k, v.float()) for k, v in typed.items()])

    # Self-check: the hand-written reader gives back what was written.
    back = safetensors_io.load_file(os.path.join(HERE, "torch_small.safetensors"))
    for k, v in model.state_dict().items():
        assert torch.equal(back[k], v), k
    back = safetensors_io.load_file(os.path.join(HERE, "torch_dtypes.safetensors"))
    for k, v in typed.items():
        assert back[k].dtype == v.dtype and torch.equal(back[k], v), k
    print("wrote torch_small.safetensors, torch_small_io.sntensors, torch_dtypes.safetensors, torch_dtypes.sntensors")


if __name__ == "__main__":
    main()
