#!/usr/bin/env bash
# Main demo on built-in defaults: a BF16 GEMM on a simulated Trainium2 NeuronCore,
# verified against a host reference, with timing, utilisation and a Perfetto trace.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
./build/npulab info trn2
./build/npulab kernel gemm --m 1024 --n 1024 --k 1024 --dtype bf16 --hw trn2 --trace build/gemm_trace.json
echo "trace written to build/gemm_trace.json (open in https://ui.perfetto.dev)"
