"""Golden values for the multi-output ops Chunk, Split and TopK (torch.chunk, torch.split, torch.topk) and for three
[Differentiable] functions built on them (tests/ShapeNet.Networks.Tests/Networks/PartitionFunctions.cs).
Usage: /usr/bin/python3 tests/golden/multi_output.py   (writes multi_output.sntensors next to this script)"""
import os

import torch

import sntensors

here = os.path.dirname(os.path.abspath(__file__))
g = torch.Generator().manual_seed(0)
x0 = torch.randn(3, 10, generator=g)
out = [("x", x0)]

# the ops, forward
for i, part in enumerate(torch.chunk(x0, 3, 1)):          # 10 into 3: 4, 4, 2
    out.append((f"chunk3.{i}", part))
for i, part in enumerate(torch.chunk(x0[:, :6], 4, 1)):   # 6 into 4: three chunks of 2
    out.append((f"chunk4_of6.{i}", part))
for i, part in enumerate(torch.split(x0, [3, 5, 2], 1)):
    out.append((f"split352.{i}", part))
for i, part in enumerate(torch.split(x0, 4, 1)):          # 4, 4, 2
    out.append((f"split4.{i}", part))
values, indices = torch.topk(x0, 3, 1)
out += [("topk3.values", values), ("topk3.indices", indices.float())]
values, indices = torch.topk(x0, 2, 0, largest=False)
out += [("bottom2_dim0.values", values), ("bottom2_dim0.indices", indices.float())]


def grad(f):
    x = x0.clone().requires_grad_(True)
    y = f(x)
    y.backward()
    return y, x.grad


# ChunkProduct: a, b, _ = chunk(x, 3, 1); sum(a * b)  (the third part gets no gradient)
y, dx = grad(lambda x: (lambda a, b, _: (a * b).sum())(*torch.chunk(x, 3, 1)))
out += [("chunk_product.y", y), ("chunk_product.grad", dx)]
# SplitMix: p, q, r = split(x, [3, 5, 2], 1); sum(p * p) + sum(tanh(q)) + 2 * sum(r)
y, dx = grad(lambda x: (lambda p, q, r: (p * p).sum() + torch.tanh(q).sum() + 2 * r.sum())(*torch.split(x, [3, 5, 2], 1)))
out += [("split_mix.y", y), ("split_mix.grad", dx)]
# TopSquares: values, _ = topk(x, 3, 1); sum(values * values)
y, dx = grad(lambda x: (lambda v: (v * v).sum())(torch.topk(x, 3, 1)[0]))
out += [("top_squares.y", y), ("top_squares.grad", dx)]

sntensors.write(os.path.join(here, "multi_output.sntensors"), out)
