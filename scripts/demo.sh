#!/usr/bin/env bash
# Main demo on built-in defaults:
#  1. the derived peaks of a Trainium2 chip (hw/trn2.toml);
#  2. a BF16 GEMM on one simulated NeuronCore, verified against a host reference, with
#     timing, engine utilisation and a Perfetto trace;
#  3. a real trained Llama-architecture checkpoint (stories260K) generating tokens on the
#     simulated chip, with simulated TTFT / TPOT next to the host speed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo; echo "== npulab info trn2"
./build/npulab info trn2
echo; echo "== npulab kernel gemm (1024^3 bf16, one NeuronCore)"
./build/npulab kernel gemm --m 1024 --n 1024 --k 1024 --dtype bf16 --hw trn2 --trace build/gemm_trace.json
echo "(open build/gemm_trace.json in https://ui.perfetto.dev)"
echo; echo "== npulab generate models/stories260K.bin (bf16 on trn2)"
./build/npulab generate models/stories260K.bin --max-tokens 64 --hw trn2 --dtype bf16
