#!/usr/bin/env bash
# npulab bench --dp: data-parallel replicas. 8xh100 as 4 replicas of TP2 serving 4 x the
# requests at 4 x the concurrency, routed round-robin, gives each request what one TP2
# replica gives at 1 x (identical lengths, all sent at 0: every replica sees the same
# stream), 4 x the throughput on 4 x the GPUs, the same per GPU; the layout is in the table
# and --json; trn2.48xlarge holds 8 replicas of an 8B model at TP8 (2 chips each); too many
# replicas for the system and --functional replicas are errors naming the options.
# Usage: bench_data_parallel.sh <path to npulab>; run from the repository root.
set -u
NPULAB=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(--isl 128 --osl 16 --max-num-seqs 8 --threads 2 --cache-dir "$tmp/cache")
"$NPULAB" bench --system 8xh100 --tp 2 --dp 1 --requests 16 --concurrency 4 "${common[@]}" --json "$tmp/one.json" \
  >"$tmp/out1" 2>&1 || { echo "FAIL: --dp 1: $(cat "$tmp/out1")"; exit 1; }
"$NPULAB" bench --system 8xh100 --tp 2 --dp 4 --routing round-robin --requests 64 --concurrency 16 "${common[@]}" \
  --json "$tmp/four.json" >"$tmp/out4" 2>&1 || { echo "FAIL: --dp 4: $(cat "$tmp/out4")"; exit 1; }
grep -q "TP2 x DP4 (round-robin)" "$tmp/out4" || { echo "FAIL: no layout in the summary:"; cat "$tmp/out4"; exit 1; }
python3 - "$tmp/one.json" "$tmp/four.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))["runs"][0]
b = json.load(open(sys.argv[2]))["runs"][0]
assert (a["tp"], a["dp"], a["devices"]) == (2, 1, 2), (a["tp"], a["dp"], a["devices"])
assert (b["tp"], b["dp"], b["devices"], b["routing"]) == (2, 4, 8, "round-robin"), (b["tp"], b["dp"], b["devices"])
assert b["engine"]["replicas"] == 4
def close(x, y, what):
    assert abs(x - y) <= 1e-9 * max(abs(x), abs(y)), f"{what}: {x} vs {y}"
for k in ("ttft_ms", "tpot_ms", "e2e_ms"):
    close(a[k]["mean"], b[k]["mean"], k)
    close(a[k]["max"], b[k]["max"], k + " max")
close(a["duration_s"], b["duration_s"], "duration")
close(4 * a["output_tok_s"], b["output_tok_s"], "output tok/s")
print(f"8xh100 TP2: 1 replica {a['output_tok_s']:.0f} tok/s, 4 replicas {b['output_tok_s']:.0f} tok/s, "
      f"TPOT {a['tpot_ms']['mean']:.2f} / {b['tpot_ms']['mean']:.2f} ms")
PY
[ $? -eq 0 ] || exit 1
# Two systems side by side: the TPxDP column.
"$NPULAB" bench --system 8xh100,h100 --tp 1 --requests 16 --concurrency 8 "${common[@]}" >"$tmp/cmp" 2>&1 ||
  { echo "FAIL: comparison: $(cat "$tmp/cmp")"; exit 1; }
grep -q "TPxDP" "$tmp/cmp" && grep -Eq "^8xh100 +8 x h100-sxm +1x8 " "$tmp/cmp" && grep -Eq "^h100 +1 x h100-sxm +1x1 " "$tmp/cmp" ||
  { echo "FAIL: no TPxDP layout in the comparison:"; cat "$tmp/cmp"; exit 1; }
# trn2.48xlarge: 8 replicas of TP8 = 2 chips x TP4 x LNC2.
"$NPULAB" bench --system trn2.48xlarge --tp 8 --dp 8 --requests 16 --concurrency 16 "${common[@]}" \
  --max-model-len 256 --json "$tmp/trn.json" >"$tmp/trn" 2>&1 || { echo "FAIL: trn2.48xlarge: $(cat "$tmp/trn")"; exit 1; }
python3 - "$tmp/trn.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
assert (r["tp"], r["dp"], r["devices"], r["device"]) == (8, 8, 16, "trn2"), (r["tp"], r["dp"], r["devices"])
assert "2 chips x TP" in r["deployment"], r["deployment"]
PY
[ $? -eq 0 ] || exit 1
grep -q "16 x 500 W" "$tmp/trn" || { echo "FAIL: power not for 16 chips:"; cat "$tmp/trn"; exit 1; }
# Errors name --dp, --tp and the system's devices.
if "$NPULAB" bench --system 8xh100 --tp 4 --dp 4 --requests 1 "${common[@]}" >"$tmp/err" 2>&1; then
  echo "FAIL: 4 x TP4 on 8 GPUs was accepted"; exit 1
fi
grep -q -- "--dp 4 --tp 4" "$tmp/err" && grep -q "'8xh100' has 8" "$tmp/err" || { echo "FAIL: unclear error:"; cat "$tmp/err"; exit 1; }
if "$NPULAB" bench --system trn2 --dp 2 --requests 1 "${common[@]}" >"$tmp/err" 2>&1; then
  echo "FAIL: --dp 2 on one chip was accepted"; exit 1
fi
grep -q -- "--dp 2: system 'trn2' has 1 chip" "$tmp/err" || { echo "FAIL: unclear error:"; cat "$tmp/err"; exit 1; }
if "$NPULAB" bench --model models/stories260K.bin --functional --dp 2 --requests 1 >"$tmp/err" 2>&1; then
  echo "FAIL: --functional --dp 2 was accepted"; exit 1
fi
grep -q -- "--dp 1" "$tmp/err" || { echo "FAIL: unclear error:"; cat "$tmp/err"; exit 1; }
if "$NPULAB" bench --system h100 --routing random --requests 1 >"$tmp/err" 2>&1; then
  echo "FAIL: --routing random was accepted"; exit 1
fi
grep -q -- "--routing" "$tmp/err" || { echo "FAIL: unclear error:"; cat "$tmp/err"; exit 1; }
echo ok
