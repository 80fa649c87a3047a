#!/usr/bin/env bash
# Main demo on built-in defaults:
#  0. the headline comparison: Llama-3.1-8B served on one simulated trn2 chip and on one
#     H100 (GPU model) over a concurrency sweep - throughput, $ per 1M tokens, latency;
#  1. the derived peaks of a Trainium2 chip (hw/trn2.toml);
#  2. a BF16 GEMM on one simulated NeuronCore, verified against a host reference, with
#     timing, engine utilisation and a Perfetto trace;
#  3. a real trained Llama-architecture checkpoint (models/austen, trained on Jane Austen's
#     novels by models/austen/train.py) writing text on the simulated chip (FP32; sampled,
#     then greedy: the text torch gives, tests/llm/austen_model_test.cpp), with simulated
#     TTFT / TPOT next to the host speed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo; echo "== npulab bench (Llama-3.1-8B: one trn2 chip vs one H100; plot in build/bench-interactivity.svg)"
./build/npulab bench --plot build/bench
echo; echo "== npulab info trn2"
./build/npulab info trn2
echo; echo "== npulab kernel gemm (1024^3 bf16, one NeuronCore)"
./build/npulab kernel gemm --m 1024 --n 1024 --k 1024 --dtype bf16 --hw trn2 --trace build/gemm_trace.json
echo "(open build/gemm_trace.json in https://ui.perfetto.dev)"
echo; echo "== npulab generate models/austen (a 1M-parameter Llama trained on Jane Austen; fp32 on trn2, sampled)"
./build/npulab generate models/austen --prompt "It is a truth universally acknowledged" --max-tokens 60 \
  --temperature 0.8 --top-k 40 --seed 2
echo; echo "== the same, greedy (token for token what torch gives; small models loop)"
./build/npulab generate models/austen --prompt "It is a truth universally acknowledged" --max-tokens 24 2>/dev/null | sed "/^prompt: /,\$d"
