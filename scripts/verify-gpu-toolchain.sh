#!/usr/bin/env bash
# Optional check of the GPU path against NVIDIA's real tools, on a machine with or without a GPU (not part of CI).
#
#   scripts/verify-gpu-toolchain.sh            install (Debian non-free), then run every check
#   scripts/verify-gpu-toolchain.sh --no-install   run the checks with what is installed
#
# What it does:
#  1. Installs Debian's non-free `nvidia-cuda-toolkit` (ptxas), `libcuda1` (the driver API, libcuda.so.1) and `libcublas11`.
#     The non-free component is added to the apt sources if it is missing (a deb822 file
#     /etc/apt/sources.list.d/shapenet-non-free.sources for the running suite). Needs root. apt is retried while another
#     process holds the dpkg lock.
#  2. Writes the PTX of every ShapeNet GPU kernel for sm_70, sm_80 and sm_90 (the test PtxExport, with
#     SHAPENET_PTX_DIR set) and assembles each file with `ptxas -arch=sm_XX`.
#  3. Runs the device-selection tests against the real libcuda.so.1 (SHAPENET_EXPECT_DRIVER=1): with no GPU the driver
#     answers cuInit with CUDA_ERROR_NO_DEVICE, and `auto` must name it.
#  4. Checks that every bound cuBLAS entry point resolves in the installed libcublas (NativeLibrary.TryGetExport).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

install=1
[ "${1:-}" = "--no-install" ] && install=0

apt_retry() {
  local attempt
  for attempt in $(seq 1 60); do
    if DEBIAN_FRONTEND=noninteractive "$@"; then return 0; fi
    echo "apt failed (attempt $attempt; dpkg may be locked by another process); retrying in 20 s" >&2
    sleep 20
  done
  return 1
}

if [ "$install" = 1 ]; then
  if ! grep -rqs 'non-free' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    . /etc/os-release
    cat > /etc/apt/sources.list.d/shapenet-non-free.sources <<SOURCES
Types: deb
URIs: http://deb.debian.org/debian
Suites: ${VERSION_CODENAME}
Components: contrib non-free non-free-firmware
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
    echo "added the non-free component: /etc/apt/sources.list.d/shapenet-non-free.sources"
  fi
  apt_retry apt-get update -q
  apt_retry apt-get install -y -q --no-install-recommends nvidia-cuda-toolkit libcuda1 libcublas11
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
ptx_dir="$(mktemp -d "${TMPDIR:-/tmp}/shapenet-ptx.XXXXXX")"
trap 'rm -rf "$ptx_dir"' EXIT

echo "== tools"
ptxas --version | tail -1
ls -l "$(ldconfig -p | awk '/libcuda.so.1 /{print $NF; exit}')" 2>/dev/null || echo "libcuda.so.1: not in the loader cache"
ldconfig -p | grep -E 'libcublas.so.1[0-9] |libcudnn.so.[89] ' || true

echo "== PTX of every kernel (tests/ShapeNet.Gpu.Tests PtxTests, written to $ptx_dir)"
SHAPENET_PTX_DIR="$ptx_dir" dotnet test tests/ShapeNet.Gpu.Tests -c Release --filter "FullyQualifiedName~PtxTests" </dev/null | tail -1
assembled=0; failed=0
for file in "$ptx_dir"/*.ptx; do
  arch="$(basename "$file" | cut -d. -f1)"          # sm_70, sm_80 or sm_90: the architecture the test asked for
  if ptxas -arch="$arch" -o /dev/null "$file" 2>"$ptx_dir/ptxas.err"; then
    assembled=$((assembled + 1))
  else
    failed=$((failed + 1)); echo "ptxas -arch=$arch $(basename "$file"):"; cat "$ptx_dir/ptxas.err"
  fi
done
echo "ptxas: $assembled files assembled, $failed failed ($(ls "$ptx_dir"/*.ptx | wc -l) kernels × architectures)"

echo "== device selection and exports against the installed libraries (SHAPENET_EXPECT_DRIVER=1)"
SHAPENET_EXPECT_DRIVER=1 dotnet test tests/ShapeNet.Gpu.Tests -c Release --no-build --filter "FullyQualifiedName~NativeAndDeviceTests" \
  --logger "console;verbosity=normal" </dev/null | grep -E 'Passed |Failed |Total tests|Passed!|Failed!' | sed 's/^ *//'

[ "$failed" -eq 0 ]
