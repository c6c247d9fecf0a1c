#!/usr/bin/env bash
# Exports every sample and op-coverage network to ONNX (opsets 17 and 21, through the ONNX tests) and checks each file
# with Debian's python3-onnx (apt-get install python3-onnx): the checker with full_check, strict shape inference, and a
# byte-for-byte protobuf round trip. python3-onnx 1.12 knows opsets up to 17, so only the opset-17 files are checked.
# Optional: CI runs the ONNX Runtime tests, not this script.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="$(mktemp -d "${TMPDIR:-/tmp}/shapenet-onnx-check.XXXXXX")"
trap 'rm -rf "$out"' EXIT
SHAPENET_ONNX_OUT="$out" dotnet test tests/ShapeNet.Onnx.Tests -c Release -m:1 \
  --filter "FullyQualifiedName~Every_network_exports_a_file_onnx_runtime_opens" </dev/null >/dev/null
/usr/bin/python3 scripts/onnx_check.py "$out"/*.opset17.onnx
