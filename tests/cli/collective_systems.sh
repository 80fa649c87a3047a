#!/usr/bin/env bash
# `npulab collective` and `npulab info <system>`: nccom-test-like lines across a system's
# chips, every rank's result exact, busbw = algbw x 2(n-1)/n for all-reduce, times growing
# over a sweep, --json and --plot written; the system's derived totals beside the published
# ones; bad options and unknown systems give clear errors.
set -euo pipefail
NPULAB="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$("$NPULAB" collective all-reduce --system trn2.48xlarge -b 1K -e 256M -f 8 --check-max 4M --json "$tmp/ar.json" --plot "$tmp/ar.svg")
grep -q "all-reduce among 16 of the 16 trn2 chips of trn2.48xlarge" <<<"$out" || { echo "no header: $out"; exit 1; }
line=$(grep -E '^ +65536 ' <<<"$out") || { echo "no 64 KiB line: $out"; exit 1; }
grep -q "exact" <<<"$line" && grep -q "mesh" <<<"$line" || { echo "64 KiB not exact mesh: $line"; exit 1; }
awk '{ if ($4 < 1.874 * $3 || $4 > 1.876 * $3) exit 1 }' <<<"$line" || { echo "busbw != 1.875 algbw: $line"; exit 1; }
grep -q "ring2d" <<<"$out" && grep -q "rdh" <<<"$out" || { echo "sweep lacks rdh/ring2d: $out"; exit 1; }
grep -E '^ +[0-9]+ ' <<<"$out" | awk 'NR > 1 && $2 < prev { exit 1 } { prev = $2 }' || { echo "time decreased: $out"; exit 1; }
python3 - "$tmp/ar.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["system"] == "trn2.48xlarge" and j["chips"] == 16, j
rows = j["rows"]
assert rows[0]["bytes"] == 1024 and all(r["check"] in ("exact", "-") for r in rows), rows
for r in rows:
    assert abs(r["busbw_gbps"] - r["algbw_gbps"] * 2 * 15 / 16) < 1e-9 * r["busbw_gbps"] + 1e-12, r
PY
grep -q "<svg" "$tmp/ar.svg" || { echo "no SVG written"; exit 1; }
for k in reduce-scatter all-gather all-to-all permute send-recv; do
  "$NPULAB" collective $k --system trn2-ultraserver --bytes 96K --dtype bf16 | grep -q "exact" || { echo "$k not exact"; exit 1; }
done
"$NPULAB" collective all-reduce --system inf2.48xlarge --bytes 3000 --algorithm ring | grep -q " ring .* exact" ||
  { echo "inf2 ring not exact"; exit 1; }
"$NPULAB" collective all-reduce --system trn2.48xlarge --systems 2 --bytes 1M | grep -q "hierarchical" ||
  { echo "two systems over EFA not hierarchical"; exit 1; }
# info of a system: derived totals beside the published ones.
info=$("$NPULAB" info trn2.48xlarge)
for s in "16 x trn2" "BF16 PFLOPS" "10.70" "HBM GiB" "1536.00" "46.40" "bisection       2048 GB/s" "links           64"; do
  grep -qF -- "$s" <<<"$info" || { echo "FAIL: 'npulab info trn2.48xlarge' lacks '$s'"; echo "$info"; exit 1; }
done
"$NPULAB" info trn3-ultraserver --json | python3 -c '
import json, sys
j = json.load(sys.stdin)
assert j["chips"] == 144
t = {r["figure"]: r for r in j["totals"]}
assert abs(t["HBM TB/s"]["derived"] - 705.6) < 1e-6, t["HBM TB/s"]
assert abs(t["BF16 PFLOPS"]["chip_published_x_chips"] - 144 * 0.671) < 1e-9
'
"$NPULAB" info | grep -q "^  trn2-ultraserver " || { echo "systems not listed by info"; exit 1; }
# Errors.
if err=$("$NPULAB" collective all-reduce --system trn9 --bytes 1K 2>&1); then echo "unknown system accepted"; exit 1; fi
grep -q "unknown chip system 'trn9'" <<<"$err" || { echo "unclear error: $err"; exit 1; }
if err=$("$NPULAB" collective all-reduce --system 8xh100 --bytes 1K 2>&1); then echo "GPU system accepted"; exit 1; fi
grep -q "this is a GPU system, not a chip system" <<<"$err" || { echo "unclear error: $err"; exit 1; }
if err=$("$NPULAB" collective all-reduce --chips 12 --algorithm rdh --bytes 1K 2>&1); then echo "rdh on 12 accepted"; exit 1; fi
grep -q "power-of-two group, got 12" <<<"$err" || { echo "unclear error: $err"; exit 1; }
if err=$("$NPULAB" collective all-reduce --chips 17 --bytes 1K 2>&1); then echo "17 chips accepted"; exit 1; fi
grep -q "chips 17: 1 x trn2.48xlarge has 16 chips" <<<"$err" || { echo "unclear error: $err"; exit 1; }
if err=$("$NPULAB" collective all-sum --bytes 1K 2>&1); then echo "bad kind accepted"; exit 1; fi
grep -q "expected all-reduce, reduce-scatter" <<<"$err" || { echo "unclear error: $err"; exit 1; }
echo "collective systems CLI ok"
