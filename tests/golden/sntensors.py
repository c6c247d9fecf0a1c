"""Writer for the .sntensors golden format (see README.md). Shared by the golden scripts.
Run the scripts with Debian's python3 (/usr/bin/python3): the pyenv python3 that shadows it has no torch."""
import gzip
import struct

import torch

MAGIC = b"SNT1"


def write(path, tensors):
    """tensors: list of (name, tensor) in the order they should appear. float32, little-endian."""
    out = bytearray(MAGIC)
    out += struct.pack("<i", len(tensors))
    seen = set()
    for name, t in tensors:
        if name in seen:
            raise ValueError(f"duplicate tensor name {name}")
        seen.add(name)
        t = torch.as_tensor(t).detach().to(torch.float32).contiguous()
        encoded = name.encode("utf-8")
        out += struct.pack("<i", len(encoded)) + encoded
        out += struct.pack("<i", t.dim())
        out += struct.pack(f"<{t.dim()}i", *t.shape)
        # numpy's '<f4' makes the byte order explicit whatever the host.
        out += t.numpy().astype("<f4").tobytes()
    if path.endswith(".gz"):
        # mtime=0 so re-running the script gives a byte-identical file (no spurious git diff).
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
            f.write(bytes(out))
    else:
        with open(path, "wb") as f:
            f.write(bytes(out))
    print(f"wrote {path}: {len(tensors)} tensors")


def write_train_step(path, model_class, batch=4):
    """One cross-entropy train step of a classifier on [batch, 1, 28, 28], for the CNN goldens: the model built after
    torch.manual_seed(0) (PyTorch's own initialisation), x and labels from a separate generator (seed 1). Writes every
    parameter, x, labels (class indices as floats), logits, loss (rank 0, mean), every parameter gradient (grad.<name>) and
    grad.x, and returns the model and the loss."""
    torch.manual_seed(0)
    model = model_class()
    g = torch.Generator().manual_seed(1)
    x = torch.randn(batch, 1, 28, 28, generator=g).requires_grad_(True)
    labels = torch.randint(0, 10, (batch,), generator=g)
    logits = model(x)
    loss = torch.nn.CrossEntropyLoss()(logits, labels)
    loss.backward()
    out = [(n, p) for n, p in model.named_parameters()]
    out += [("x", x), ("labels", labels.float()), ("logits", logits), ("loss", loss)]
    out += [("grad." + n, p.grad) for n, p in model.named_parameters()]
    out += [("grad.x", x.grad)]
    write(path, out)
    return model, loss
