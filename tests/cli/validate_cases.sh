#!/usr/bin/env bash
# `npulab validate`: --list shows every committed case (the ones waiting for multi-chip
# systems with their reason), one cheap --case run prints its comparison and writes JSON,
# and bad input exits non-zero naming what is wrong.
# Usage: validate_cases.sh <path to npulab>; run from the repository root.
set -u
NPULAB=$1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

out=$("$NPULAB" validate --list 2>&1) || fail "validate --list: $out"
for s in trn2-llama31-8b-guidellm-synchronous h100-llama31-8b-fp8-trtllm-128-128 8xh100-llama2-70b-fp8-mlperf4-offline \
         trn1-matmul-bf16-4096x8192x8192 trn1-allreduce-2rank-fp32-1G 8xh100-nccl-allreduce-nvls-476 \
         "inf2-llama-3-70b-bs1-128-128" "inf2-llama-3-8b-bs1-128-8064" "not expressible yet: int8 weights" "trn1-llama3-70b-bs1-128-128"; do
  [[ $out == *"$s"* ]] || fail "validate --list lacks '$s'"
done
out=$("$NPULAB" validate --list --kind nccl 2>&1) || fail "validate --list --kind nccl: $out"
[[ $out == *"8xh100-nccl"* && $out != *"trn2-llama31"* ]] || fail "--kind nccl filter: $out"

out=$("$NPULAB" validate --case 8xh100-nccl-allreduce-nvls-off-369 --case trn1-allreduce-2rank-fp32-16M \
      --json "$tmp/v.json" --quiet 2>&1) || fail "validate --case: $out"
for s in "8xh100-nccl-allreduce-nvls-off-369  busbw_gbps" "368.8" "trn1-allreduce-2rank-fp32-16M" "time_us" \
         "nccl           1 cases,   1 points: median |error|" "overall        2 cases,   2 points" "2 cases run, 0 not expressible"; do
  [[ $out == *"$s"* ]] || fail "validate --case output lacks '$s': $out"
done
python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
ids = [c["id"] for c in j["cases"]]
assert ids == ["8xh100-nccl-allreduce-nvls-off-369", "trn1-allreduce-2rank-fp32-16M"], ids  # file order
m = j["cases"][0]["metrics"][0]
assert m["metric"] == "busbw_gbps" and m["measured"] == 368.76, m
assert abs(m["error_pct"] - (m["predicted"] / m["measured"] - 1) * 100) < 1e-9, m
assert j["cases"][0]["system_kind"] == "gpu" and j["cases"][1]["system_kind"] == "npu"
assert j["cases"][0]["file"] == "nccl_h100.toml"
assert j["overall"]["points"] == 2 and j["not_expressible"] == []' "$tmp/v.json" || fail "validate --json: $(cat "$tmp/v.json")"

expect_fail() {  # expect_fail <substring of the output> -- <args...>
  local needle=$1; shift 2
  local o
  if o=$("$NPULAB" "$@" 2>&1); then fail "npulab $* succeeded: $o"; return; fi
  [[ $o == *"$needle"* ]] || fail "npulab $*: expected '$needle' in: $o"
}
expect_fail "--case 'nope': no such case" -- validate --case nope
expect_fail "--kind 'vibes': no such kind (known: serving, kernel, collective, nccl)" -- validate --kind vibes
printf '[[case]]\nid = "x"\nsource = "S"\ntrust = "M"\nkind = "nccl"\ntests = "t"\n[case.setup]\nsystem = "8xh100"\nbytes = 1\nspeed = 2\n[case.measured]\n"busbw_gbps" = 1\n' >"$tmp/bad.toml"
expect_fail "bad.toml: case 'x': setup.speed: unknown key" -- validate --cases "$tmp/bad.toml"
expect_fail "--write-errors summarises every case" -- validate --case 8xh100-nccl-allreduce-nvls-476 --write-errors "$tmp/e.json"

[[ $fails -eq 0 ]] && echo "validate_cases: all passed"
exit $((fails > 0))
