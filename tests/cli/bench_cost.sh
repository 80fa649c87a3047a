#!/usr/bin/env bash
# `npulab bench`'s cost fields (docs/COST.md): the JSON keys per run with the price basis,
# the values the formula gives from the run's own throughput and the hw/instances price,
# a user's price, a basis without a price, and a bad basis.
# Usage: bench_cost.sh <path to npulab>; run from the repository root.
set -u
NPULAB=$1
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
args=(--model models/stories260K.bin --system trn2 --isl 48 --osl 16 --requests 20 --qps 500 --max-num-seqs 8 --cache-dir "$tmp/cache" --threads 2)

"$NPULAB" bench "${args[@]}" --json "$tmp/cb.json" >"$tmp/cb.txt" 2>"$tmp/cb.err" || fail "bench: $(cat "$tmp/cb.err")"
grep -q 'Price basis: *capacity block' "$tmp/cb.txt" || fail "summary lacks the price basis: $(cat "$tmp/cb.txt")"
python3 - "$tmp/cb.json" <<'PY' || fail "bench --json cost fields"
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
price = 35.76 / 16  # hw/instances/trn2.48xlarge.toml capacity block, one chip of 16
assert r["price_basis"] == "capacity block", r["price_basis"]
want = 1e6 / r["output_tok_s"] * price / 3600
assert abs(r["usd_per_1m_output_tokens"] / want - 1) < 1e-9, (r["usd_per_1m_output_tokens"], want)
want = 1e6 / r["total_tok_s"] * price / 3600
assert abs(r["usd_per_1m_total_tokens"] / want - 1) < 1e-9
assert 0 < r["utilisation"] <= 1 and r["joules_per_output_token"] > 0
PY
"$NPULAB" bench "${args[@]}" --price-per-hour 3.6 --json "$tmp/u.json" >/dev/null 2>&1 || fail "bench --price-per-hour"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
assert r["price_basis"] == "user-supplied"
assert abs(r["usd_per_1m_output_tokens"] - 1e6 / r["output_tok_s"] / 1000) < 1e-9' "$tmp/u.json" || fail "user price"
"$NPULAB" bench "${args[@]}" --price-basis tco --json "$tmp/t.json" >"$tmp/t.txt" 2>&1 || fail "bench --price-basis tco"
grep -q 'no owner.s TCO price for trn2' "$tmp/t.txt" || fail "tco: $(cat "$tmp/t.txt")"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["runs"][0]["usd_per_1m_output_tokens"] is None' "$tmp/t.json" ||
  fail "tco json"
err=$("$NPULAB" bench "${args[@]}" --price-basis spot 2>&1 >/dev/null) && fail "--price-basis spot accepted"
[[ $err == *"price basis 'spot'"* ]] || fail "--price-basis spot: $err"

[[ $fails == 0 ]] || { echo "$fails failure(s)"; exit 1; }
echo "bench cost OK"
