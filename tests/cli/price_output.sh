#!/usr/bin/env bash
# `npulab price`: the instance list, an instance's prices with their bases and its power, a
# run's share on every basis (JSON values checked against the hw/instances files), and
# errors that name what is wrong.
# Usage: price_output.sh <path to npulab>; run from the repository root.
set -u
NPULAB=$1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

out=$("$NPULAB" price 2>&1) || fail "price: $out"
for n in p5.48xlarge p5e.48xlarge p6-b200.48xlarge trn1.32xlarge inf2.48xlarge trn2.48xlarge trn2-ultraserver trn3-ultraserver; do
  [[ $out == *"$n"* ]] || fail "price list lacks $n: $out"
done
out=$("$NPULAB" price p5.48xlarge 2>&1) || fail "price p5.48xlarge: $out"
for s in "on-demand" "capacity block" "47.76" "owner's TCO" "9.36" "700 W busy" "(estimate)"; do
  [[ $out == *"$s"* ]] || fail "price p5.48xlarge lacks '$s': $out"
done
out=$("$NPULAB" price trn2 2>&1) || fail "price trn2: $out"
[[ $out == *"1 x trn2"* && $out == *"1/16 of trn2.48xlarge capacity block"* && $out == *"500 W busy (estimate)"* ]] ||
  fail "price trn2: $out"
json=$("$NPULAB" price trn2 --json)
python3 -c '
import json, sys
j = json.load(sys.stdin)
cb = [p for p in j["prices"] if p["basis"] == "capacity_block"][0]
assert abs(cb["usd_per_hour"] - 35.76 / 16) < 1e-9, cb
assert [p for p in j["prices"] if p["basis"] == "tco"][0]["usd_per_hour"] is None
assert j["power"]["estimated"] is True' <<<"$json" || fail "price trn2 --json: $json"
json=$("$NPULAB" price 8xh100 --json)
python3 -c '
import json, sys
j = json.load(sys.stdin)
assert j["devices"] == 8 and j["device"] == "h100-sxm"
assert {p["basis"]: p["usd_per_hour"] for p in j["prices"]}["tco"] == 9.36' <<<"$json" || fail "price 8xh100 --json: $json"
out=$("$NPULAB" price trn1 2>&1) || fail "price trn1: $out"
[[ $out == *"not published (no energy figures)"* ]] || fail "price trn1 power: $out"

expect_fail() {  # expect_fail <substring of stderr> -- <args...>
  local needle=$1; shift 2
  local err
  if err=$("$NPULAB" "$@" 2>&1 >/dev/null); then fail "npulab $* succeeded"; return; fi
  [[ $err == *"$needle"* ]] || fail "npulab $*: stderr lacks '$needle': $err"
}
expect_fail "'no-such-system' is no instance" -- price no-such-system
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed 's/^usd_per_hour = 47.76/usd_per_hour = -3/' hw/instances/p5.48xlarge.toml >"$tmp/mine.toml"
expect_fail "mine.toml: capacity_block.usd_per_hour: expected a number in [0.001, 1000000]" -- price "$tmp/mine.toml"
sed 's/^devices = 8/gpus = 8/' hw/instances/p5.48xlarge.toml >"$tmp/typo.toml"
expect_fail "typo.toml: instance.gpus: unknown key" -- price "$tmp/typo.toml"

[[ $fails == 0 ]] && echo "price_output: all passed"
exit $((fails > 0))
