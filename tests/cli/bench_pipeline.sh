#!/usr/bin/env bash
# npulab bench --pp: llama-3.1-70b on trn2.48xlarge as 2 pipeline stages of 8 chips, timing-only;
# the layout (TP32 x PP2, 2 virtual engines by default) is in the summary, the comparison
# table and --json, the run is priced for all 16 chips, two virtual engines serve more than
# one (the stages work on two batches at once), and depths that do not divide the layers or
# the chips, or a system that is not a multi-chip one, are errors naming --pp.
# Usage: bench_pipeline.sh <path to npulab>; run from the repository root.
set -u
NPULAB=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(--model llama-3.1-70b --isl 128 --osl 8 --max-num-seqs 4 --max-model-len 256 --threads 2 --cache-dir "$tmp/cache")
"$NPULAB" bench --system trn2.48xlarge --pp 2 --requests 8 --concurrency 8 "${common[@]}" --json "$tmp/run.json" \
  >"$tmp/out" 2>&1 || { echo "FAIL: bench: $(cat "$tmp/out")"; exit 1; }
grep -q "TP32 x PP2 (2 virtual engines)" "$tmp/out" || { echo "FAIL: no layout in the summary:"; cat "$tmp/out"; exit 1; }
grep -q "PP2 = 2 stages of 40 layers, 2 virtual engines, up to 1 micro-batch per step" "$tmp/out" ||
  { echo "FAIL: no stage line:"; cat "$tmp/out"; exit 1; }
"$NPULAB" bench --system trn2.48xlarge --pp 2 --virtual-engines 1 --requests 8 --concurrency 8 "${common[@]}" \
  --json "$tmp/one.json" >"$tmp/out1" 2>&1 || { echo "FAIL: bench: $(cat "$tmp/out1")"; exit 1; }
grep -q "1 virtual engine, up to 2 micro-batches per step" "$tmp/out1" ||
  { echo "FAIL: no micro-batches by default with one engine:"; cat "$tmp/out1"; exit 1; }
grep -q "16 x 500 W" "$tmp/out" || { echo "FAIL: power not for 16 chips:"; cat "$tmp/out"; exit 1; }
python3 - "$tmp/run.json" "$tmp/one.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
one = json.load(open(sys.argv[2]))["runs"][0]
assert (r["tp"], r["pp"], r["dp"], r["devices"]) == (32, 2, 1, 16), (r["tp"], r["pp"], r["dp"], r["devices"])
assert (r["virtual_engines"], one["virtual_engines"]) == (2, 1), (r["virtual_engines"], one["virtual_engines"])
assert r["completed"] == 8 and one["completed"] == 8, (r["completed"], one["completed"])
assert 0 < r["communication_share"] < 1, r["communication_share"]
# 8 requests, at most 4 running per engine: one engine serves two waves, two engines one each.
assert r["output_tok_s"] > 1.3 * one["output_tok_s"], (r["output_tok_s"], one["output_tok_s"])
print(f"llama-3.1-70b on trn2.48xlarge, PP2: {r['output_tok_s']:.0f} tok/s with 2 virtual engines, "
      f"{one['output_tok_s']:.0f} with one; mean TPOT {r['tpot_ms']['mean']:.2f} ms")
PY
[ $? -eq 0 ] || exit 1
"$NPULAB" bench --system trn2.48xlarge,trn2.48xlarge --pp 2 --micro-batches 1 --requests 4 --concurrency 4 "${common[@]}" \
  >"$tmp/cmp" 2>&1 || { echo "FAIL: comparison: $(cat "$tmp/cmp")"; exit 1; }
grep -Eq " 32x2x1 " "$tmp/cmp" || { echo "FAIL: no TPxPPxDP layout in the comparison:"; cat "$tmp/cmp"; exit 1; }
expect_error() {  # expect_error WHAT ARGS...: the run fails and says WHAT
  local what=$1
  shift
  if "$NPULAB" bench "$@" --requests 1 >"$tmp/err" 2>&1; then echo "FAIL: accepted: $*"; exit 1; fi
  grep -q -- "$what" "$tmp/err" || { echo "FAIL: unclear error for $*:"; cat "$tmp/err"; exit 1; }
}
expect_error "80 layers do not split into 3 equal stages" --system trn2.48xlarge --pp 3 "${common[@]}"
expect_error "16 chips, which do not split into 5 equal stages" --system trn2.48xlarge --pp 5 "${common[@]}"
expect_error "--pp 2: pipeline parallelism is modelled across the chips of multi-chip systems" --system 8xh100 --pp 2 \
  "${common[@]}"
expect_error "--micro-batches 2" --system trn2.48xlarge --micro-batches 2 "${common[@]}"
expect_error "--virtual-engines 2" --system trn2.48xlarge --virtual-engines 2 "${common[@]}"
echo ok
