#!/usr/bin/env bash
# npulab bench on a multi-chip system (deploy chip-system kind): llama-3.1-70b split over the
# 16 chips of trn2.48xlarge, timing-only; the deployment line names chips x TP x LNC, the run
# occupies (and is priced for) all 16 chips, and an unfit --tp is an error naming the chips;
# inf2.48xlarge at TP24 pads the heads.
# Usage: bench_chip_system.sh <path to npulab>; run from the repository root.
set -u
NPULAB=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$NPULAB" bench --model llama-3.1-70b --system trn2.48xlarge --isl 128 --osl 16 --requests 4 --concurrency 4 \
  --max-num-seqs 4 --max-model-len 256 --threads 2 --cache-dir "$tmp/cache" --json "$tmp/run.json" >"$tmp/out" 2>&1 ||
  { echo "FAIL: bench: $(cat "$tmp/out")"; exit 1; }
grep -q "16 chips x TP" "$tmp/out" || { echo "FAIL: no 'chips x TP' deployment line:"; cat "$tmp/out"; exit 1; }
grep -q "16 x 500 W" "$tmp/out" || { echo "FAIL: power not for 16 chips:"; cat "$tmp/out"; exit 1; }
python3 - "$tmp/run.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
tpot = r["tpot_ms"]["mean"]
print(f"llama-3.1-70b on trn2.48xlarge: mean TPOT {tpot:.2f} ms")
# Above the 16 chips' HBM bound (141 GB of bf16 weights over 16 x 2.9 TB/s = 3.0 ms).
assert tpot > 3.0, tpot
# The cross-chip collectives are part of every step, and never all of it.
assert 0 < r["communication_share"] < 1, r["communication_share"]
PY
# --tp 17: no chip count divides it with at most 8 cores each, padded or not.
if "$NPULAB" bench --model llama-3.1-70b --system trn2.48xlarge --tp 17 --isl 16 --osl 4 --requests 1 \
    --cache-dir "$tmp/cache" >"$tmp/err" 2>&1; then
  echo "FAIL: --tp 17 on 16 chips was accepted"; exit 1
fi
grep -q -- "--tp 17" "$tmp/err" && grep -q "16 chips" "$tmp/err" || { echo "FAIL: unclear error:"; cat "$tmp/err"; exit 1; }

# inf2.48xlarge at TP24 (12 chips x 2 cores): 64 heads do not divide, so the deployment pads
# them as transformers-neuronx does (llm/compile/tp_padding.h) and says so on its startup line
# and in the JSON's deployment; without --tp the model keeps its own heads on 8 chips.
"$NPULAB" bench --model llama-3-70b --system inf2.48xlarge --tp 24 --isl 128 --osl 4 --requests 1 --concurrency 1 \
  --max-num-seqs 1 --max-model-len 256 --threads 2 --cache-dir "$tmp/cache" --json "$tmp/inf2.json" >"$tmp/out" 2>&1 ||
  { echo "FAIL: inf2 TP24: $(cat "$tmp/out")"; exit 1; }
pad="heads padded 64 -> 72, kv heads 8 -> 24 (each replicated 3x), FFN 28672 -> 28680 for TP24, as transformers-neuronx does"
grep -qF "$pad" "$tmp/out" && grep -qF "TP24 = 12 chips x TP2 x LNC1; each inf2 chip: 6 heads, 2 kv heads, FFN 2390" "$tmp/out" ||
  { echo "FAIL: inf2 TP24 lines lack the padding:"; cat "$tmp/out"; exit 1; }
python3 - "$tmp/inf2.json" "$pad" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))["runs"][0]["deployment"]
assert sys.argv[2] in d, d
PY
"$NPULAB" bench --model llama-3-70b --system inf2.48xlarge --isl 128 --osl 4 --requests 1 --concurrency 1 \
  --max-num-seqs 1 --max-model-len 256 --threads 2 --cache-dir "$tmp/cache" >"$tmp/out" 2>&1 ||
  { echo "FAIL: inf2 default: $(cat "$tmp/out")"; exit 1; }
grep -q "TP16 = 8 chips x TP2" "$tmp/out" && ! grep -q "padded" "$tmp/out" ||
  { echo "FAIL: inf2 without --tp is not the unpadded TP16:"; cat "$tmp/out"; exit 1; }
# One chip pads the same way: 32 heads at --tp 6 on trn2 (LNC=1) become 36; 6 ranks do not
# take 8 kv heads whole, so each is copied once per query head (4x) and the 4 padded query
# heads get zero kv heads.
"$NPULAB" bench --model llama-3-8b --system trn2 --tp 6 --isl 128 --osl 4 --requests 1 --concurrency 1 \
  --max-num-seqs 1 --max-model-len 256 --threads 2 --cache-dir "$tmp/cache" >"$tmp/out" 2>&1 ||
  { echo "FAIL: trn2 --tp 6: $(cat "$tmp/out")"; exit 1; }
grep -qF "TP6 x LNC1: NeuronCores 0-5 of 8; heads padded 32 -> 36, kv heads 8 -> 36 (each replicated 4x, 4 zero heads), FFN 14336 -> 14340 for TP6" "$tmp/out" ||
  { echo "FAIL: trn2 --tp 6 does not say what it padded:"; cat "$tmp/out"; exit 1; }
echo ok
