"""Checks that PyTorch loads a ShapeNet-written safetensors file (run with /usr/bin/python3; tests never call it).

tests/golden/shapenet_small.safetensors is written by CheckpointTests.Writes_the_file_PyTorch_was_checked_to_load
(SHAPENET_REGENERATE_GOLDEN=1): the torch_small.safetensors weights doubled. This script loads it with
model.load_state_dict(strict=True), checks every value against 2x torch_small bit for bit, and checks the model's
output on torch_small_io's x. The C# test then keeps ShapeNet's writer byte-identical to the checked file.
Uses the real `safetensors` package when installed, else the hand-written reader in safetensors_io.py.

    /usr/bin/python3 tests/golden/safetensors_check.py [file.safetensors]
"""
import os
import struct
import sys

import torch

import safetensors_io
from safetensors_from_torch import small_model

HERE = os.path.dirname(os.path.abspath(__file__))


def load(path):
    try:
        from safetensors.torch import load_file  # noqa: F401 (optional)
        return load_file(path)
    except ImportError:
        return safetensors_io.load_file(path)


def read_sntensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    assert blob[:4] == b"SNT1"
    (count,), pos, out = struct.unpack_from("<i", blob, 4), 8, {}
    for _ in range(count):
        (n,) = struct.unpack_from("<i", blob, pos); pos += 4
        name = blob[pos:pos + n].decode(); pos += n
        (rank,) = struct.unpack_from("<i", blob, pos); pos += 4
        shape = struct.unpack_from(f"<{rank}i", blob, pos); pos += 4 * rank
        numel = 1
        for d in shape:
            numel *= d
        out[name] = torch.frombuffer(bytearray(blob[pos:pos + 4 * numel]), dtype=torch.float32).reshape(shape)
        pos += 4 * numel
    return out


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "shapenet_small.safetensors")
    state, metadata = safetensors_io.load_file(path, with_metadata=True)
    print("metadata:", metadata)
    state = load(path)
    weights = {k: v for k, v in state.items() if not k.startswith("optimizer.")}

    model = small_model()
    model.load_state_dict(weights, strict=True)  # raises on any missing/unexpected/mis-shaped key

    reference = safetensors_io.load_file(os.path.join(HERE, "torch_small.safetensors"))
    for name, value in model.state_dict().items():
        assert value.dtype == torch.float32, name
        assert torch.equal(value, reference[name] * 2), f"{name} is not 2x torch_small's"
    io = read_sntensors(os.path.join(HERE, "torch_small_io.sntensors"))
    with torch.no_grad():
        reference_model = small_model()
        reference_model.load_state_dict(reference)
        y = model(io["x"])
        # Doubling every weight and bias of Linear-ReLU-Linear: relu(2z) = 2 relu(z), so y' = 4 (y - b2) + 2 b2.
        b2 = reference["fc2.bias"]
        expected = 4 * (reference_model(io["x"]) - b2) + 2 * b2
        assert torch.allclose(y, expected, atol=1e-5), (y - expected).abs().max()
    print(f"OK: PyTorch loaded {path} with load_state_dict(strict=True); {len(weights)} tensors match")


if __name__ == "__main__":
    main()
