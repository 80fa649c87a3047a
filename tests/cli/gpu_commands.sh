#!/usr/bin/env bash
# `npulab gpu-step` and `npulab gpu-calibrate`: a step on every GPU system, JSON fields, the
# calibration report's groups, and errors that name what is wrong.
# Usage: gpu_commands.sh <path to npulab>; run from the repository root.
set -u
NPULAB=$1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

for sys in h100 2xh100 4xh100 8xh100 h200 8xh200 b200 8xb200; do
  out=$("$NPULAB" gpu-step --system "$sys" --model llama-3.1-8b --batch 8 --context 512 2>&1) || fail "gpu-step $sys: $out"
  [[ $out == *"on $sys (TP1"* && $out == *"tokens/s"* ]] || fail "gpu-step $sys output: $out"
done
json=$("$NPULAB" gpu-step --system 8xh100 --model llama-3.1-70b --tp 8 --batch 64 --context 1024 --json)
for k in step_ns gemm_ns attention_ns memory_bound_ns allreduce_ns host_ns tokens_per_s kv_cache_bytes; do
  [[ $json == *"\"$k\""* ]] || fail "gpu-step --json lacks $k"
done
python3 -c 'import json,sys; j=json.load(sys.stdin); assert j["allreduce_ns"] > 0 and j["step_ns"] > j["gemm_ns"]' <<<"$json" ||
  fail "gpu-step --json values: $json"

rep=$("$NPULAB" gpu-calibrate)
for g in gemm memory allreduce; do [[ $rep == *$'\n'"$g "* ]] || fail "gpu-calibrate lacks group $g"; done
[[ $rep == *"Llama-2-70b-hf"*"mlp_down_proj"* ]] || fail "gpu-calibrate lacks per-operator rows"

expect_fail() {  # expect_fail <substring of stderr> -- <args...>
  local needle=$1; shift 2
  local err
  if err=$("$NPULAB" "$@" 2>&1 >/dev/null); then fail "npulab $* succeeded"; return; fi
  [[ $err == *"$needle"* ]] || fail "npulab $*: stderr lacks '$needle': $err"
}
expect_fail "unknown GPU system '16xh100'" -- gpu-step --system 16xh100
expect_fail "--tp 3: expected a divisor of the 8 GPUs" -- gpu-step --system 8xh100 --tp 3
expect_fail "a h100-sxm holds 80.0 GB" -- gpu-step --system h100 --model llama-3.1-70b
expect_fail "--dtype int4" -- gpu-step --dtype int4
expect_fail "no such calibration data directory" -- gpu-calibrate --data /nonexistent
expect_fail "unknown GPU 'a100'" -- gpu-calibrate --gpu a100

[[ $fails == 0 ]] || { echo "$fails failure(s)"; exit 1; }
echo "gpu commands OK"
