#!/usr/bin/env bash
# Installs the Debian 12 packages npulab needs and builds it (Release) into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
PKGS="build-essential cmake pkg-config libgtest-dev libgmock-dev libbenchmark-dev
  ninja-build nlohmann-json3-dev libcli11-dev libfmt-dev libtomlplusplus-dev libopenblas-dev
  python3 python3-numpy python3-torch python3-sentencepiece llvm-14-tools libopenmpi-dev openmpi-bin"
missing=""
for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  echo "== installing:$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release ${NPULAB_CMAKE_ARGS:-} >/dev/null
cmake --build build -j"$(nproc)"
