#!/usr/bin/python3
"""Checks ONNX files that ShapeNet wrote with Debian's python3-onnx (run it with /usr/bin/python3).

For each file: onnx.checker.check_model with full_check (the schema of every node, types and shape inference), the
inferred output shapes against the declared ones, and a byte-for-byte round trip (onnx.load, then SerializeToString),
which shows the hand-written protobuf writer encodes exactly what protobuf itself would. Exit status 1 if any check fails.

    /usr/bin/python3 scripts/onnx_check.py model.onnx [more.onnx ...]
    scripts/check-onnx.sh            # exports every sample and op-coverage network, then runs this on them
"""
import sys

import onnx
from onnx import shape_inference


def dims(value_info):
    """Each dimension's name or size; None for one declared with neither (unknown: a product of run-time sizes, Seq·Batch)."""
    return [d.dim_param or (d.dim_value if d.HasField("dim_value") else None) for d in value_info.type.tensor_type.shape.dim]


def agrees(inferred, declared):
    """Same rank, and every declared dimension equals the inferred one; an unknown declared dimension matches anything."""
    return len(inferred) == len(declared) and all(d is None or d == i for i, d in zip(inferred, declared))


def check(path):
    data = open(path, "rb").read()
    model = onnx.load_from_string(data)
    onnx.checker.check_model(model, full_check=True)
    if model.SerializeToString() != data:
        raise ValueError("onnx re-serializes the file differently: the writer's encoding is not canonical")
    inferred = shape_inference.infer_shapes(model, strict_mode=True)
    declared = {o.name: dims(o) for o in model.graph.output}
    for o in inferred.graph.output:
        if not agrees(dims(o), declared[o.name]):
            raise ValueError(f"output {o.name}: inferred {dims(o)}, declared {declared[o.name]}")
    ops = sorted({n.op_type for n in model.graph.node})
    print(f"ok  {path}: opset {model.opset_import[0].version}, IR {model.ir_version}, {len(model.graph.node)} nodes "
          f"({', '.join(ops)}), {len(model.graph.initializer)} initializers, outputs {declared}")


def main(paths):
    if not paths:
        print(__doc__)
        return 2
    print(f"onnx {onnx.__version__}")
    failed = 0
    for path in paths:
        try:
            check(path)
        except Exception as e:  # report every file, then fail
            failed += 1
            print(f"FAIL {path}: {type(e).__name__}: {e}")
    print(f"{len(paths) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
