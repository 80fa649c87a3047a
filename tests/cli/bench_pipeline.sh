#!/usr/bin/env bash
# npulab bench --pp: llama-3.1-70b on trn2.48xlarge as 2 pipeline stages of 8 chips, timing-only;
# the layout (TP32 x PP2) is in the summary, the comparison table and --json, the run is
# priced for all 16 chips, and depths that do not divide the layers or the chips, or a
# system that is not a multi-chip one, are errors naming --pp.
# Usage: bench_pipeline.sh <path to npulab>; run from the repository root.
set -u
NPULAB=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(--model llama-3.1-70b --isl 128 --osl 8 --max-num-seqs 4 --max-model-len 256 --threads 2 --cache-dir "$tmp/cache")
"$NPULAB" bench --system trn2.48xlarge --pp 2 --requests 4 --concurrency 4 "${common[@]}" --json "$tmp/run.json" \
  >"$tmp/out" 2>&1 || { echo "FAIL: bench: $(cat "$tmp/out")"; exit 1; }
grep -q "TP32 x PP2" "$tmp/out" || { echo "FAIL: no layout in the summary:"; cat "$tmp/out"; exit 1; }
grep -q "PP2 = 2 stages of 40 layers" "$tmp/out" || { echo "FAIL: no stage line:"; cat "$tmp/out"; exit 1; }
grep -q "16 x 500 W" "$tmp/out" || { echo "FAIL: power not for 16 chips:"; cat "$tmp/out"; exit 1; }
python3 - "$tmp/run.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
assert (r["tp"], r["pp"], r["dp"], r["devices"]) == (32, 2, 1, 16), (r["tp"], r["pp"], r["dp"], r["devices"])
assert r["completed"] == 4, r["completed"]
assert 0 < r["communication_share"] < 1, r["communication_share"]
print(f"llama-3.1-70b on trn2.48xlarge, PP2: mean TPOT {r['tpot_ms']['mean']:.2f} ms")
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
echo ok
