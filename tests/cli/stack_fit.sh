#!/usr/bin/env bash
# The neuron-vllm stack's one fitted parameter (hw/stacks/neuron-vllm.toml, host.step_overhead_us)
# is what its source says: the mean of measured minus simulated median ITL over the two
# measured one-chip Trn2 Llama-3.1-8B rows (optimum-neuron + vLLM, compiled batch 32, seq 4096;
# docs/REFERENCES.md MEAS 1), simulated under the same stack with the overhead at 0.
# Usage: stack_fit.sh <path to npulab>; run from the repository root.
set -u
NPULAB=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed 's/^step_overhead_us = .*/step_overhead_us = 0/' hw/stacks/neuron-vllm.toml > "$tmp/zero.toml"
for c in 1 128; do
  "$NPULAB" bench --system trn2 --stack "$tmp/zero.toml" --preset guidellm-1500/250 --requests 200 --concurrency $c \
    --max-num-seqs 32 --max-model-len 4096 --cache-dir "$tmp/cache" --json "$tmp/c$c.json" >/dev/null 2>"$tmp/err" ||
    { echo "FAIL: bench: $(cat "$tmp/err")"; exit 1; }
done
python3 - "$tmp" <<'PY'
import json, re, sys
d = sys.argv[1]
sim = [json.load(open(f"{d}/c{c}.json"))["runs"][0]["tpot_ms"]["p50"] for c in (1, 128)]
measured = [22.13561523381564, 44.46380418193004]  # MEAS 1: synchronous and throughput ITL (ms)
fit_us = 1000 * sum(m - s for m, s in zip(measured, sim)) / 2
text = open("hw/stacks/neuron-vllm.toml").read()
committed = float(re.search(r"^step_overhead_us = (\S+)", text, re.M).group(1))
print(f"simulated ITL {sim[0]:.2f} / {sim[1]:.2f} ms; fit {fit_us:.0f} us; committed {committed:.0f} us")
assert abs(committed - fit_us) <= 0.02 * fit_us, "hw/stacks/neuron-vllm.toml step_overhead_us is not the fit: refit"
PY
