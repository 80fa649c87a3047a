#!/usr/bin/env bash
# Llama-3.1-8B (BF16) on one trn2 NeuronCore, timing-only, the workload of optimum-neuron's
# one-chip Trn2 sweep (guidellm: 1500 +- 150 in, 250 +- 20 out), swept over concurrency:
# the latency-throughput curve of docs/SERVING.md. The first run builds the performance
# table (about a minute on 2 cores) and caches it; later runs read it.
# Usage: bash examples/serving/llama8b_trn2_sweep.sh [OUT_PREFIX]; run from the repository root.
set -eu
out=${1:-llama8b_trn2}
./build/npulab bench --model llama-3.1-8b --system trn2 --dtype bf16 --preset guidellm-1500/250 \
  --requests 200 --concurrency 1,8,32,128 --max-num-seqs 32 --max-model-len 4096 --json "$out.json" --csv "$out.csv" --plot "$out" "${@:2}"
