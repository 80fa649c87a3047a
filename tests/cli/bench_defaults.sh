#!/usr/bin/env bash
# `npulab bench` with no arguments: the headline comparison - Llama-3.1-8B on one trn2 chip
# (TP4 x LNC2) and one H100 over a concurrency sweep - with its cost columns, the
# throughput read at 50 tokens/s per user, every assumption, and the JSON keys per run.
# Usage: bench_defaults.sh <path to npulab>; run from the repository root.
set -u
NPULAB=$1
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

"$NPULAB" bench --cache-dir "$tmp/cache" --json "$tmp/r.json" --plot "$tmp/p" >"$tmp/out.txt" 2>"$tmp/err.txt" ||
  fail "npulab bench: $(cat "$tmp/err.txt")"
for want in "llama-3.1-8b bf16" "trn2       1 x trn2      4" "h100       1 x h100-sxm  1" "concurrency=128" \
  "At 50 output tokens/s per user" "TP4 x LNC2" "capacity block" "calibration vidur-h100" "SLOs: none" \
  "neuron-vllm serving stack" "vllm-gpu serving stack" "expected error (median |error| of npulab validate"; do
  grep -qF "$want" "$tmp/out.txt" || fail "output lacks '$want': $(cat "$tmp/out.txt")"
done
grep -q "<svg" "$tmp/p-interactivity.svg" 2>/dev/null || fail "no interactivity plot"
python3 - "$tmp/r.json" <<'PY' || fail "JSON"
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
assert [r["system"] for r in runs] == ["trn2"] * 5 + ["h100"] * 5, [r["system"] for r in runs]
for r in runs:
    for k in ("usd_per_1m_output_tokens", "usd_per_1m_total_tokens", "price_basis", "joules_per_output_token",
              "device", "devices", "deployment", "tp", "expected_error"):
        assert r.get(k) is not None, (k, r["system"], r["label"])
    assert r["completed"] == 512 and r["failed"] == 0
    assert {"throughput", "ttft", "tpot"} & set(r["expected_error"]), r["expected_error"]
# More concurrency, more throughput, slower tokens (never the reverse by more than noise).
for s in ("trn2", "h100"):
    rs = [r for r in runs if r["system"] == s]
    assert rs[-1]["output_tok_s"] > 4 * rs[0]["output_tok_s"], s
    assert rs[-1]["tpot_ms"]["mean"] > rs[0]["tpot_ms"]["mean"], s
PY
# One system: the vLLM-style summary, not the comparison.
"$NPULAB" bench --system h100 --requests 8 >"$tmp/one.txt" 2>&1 || fail "one system: $(cat "$tmp/one.txt")"
grep -q "Successful requests: *8" "$tmp/one.txt" || fail "one system: no summary: $(cat "$tmp/one.txt")"
err=$("$NPULAB" bench --system trn2 --system trn9 --cache-dir "$tmp/cache" 2>&1 >/dev/null) && fail "unknown system accepted"
[[ $err == *"--system 'trn9'"* && $err == *"8xh100"* ]] || fail "unknown system: $err"
err=$("$NPULAB" bench --model llama-3.1-70b --system h100 --tp 1 2>&1 >/dev/null) && fail "70B on one H100 accepted"
[[ $err == *"llama-3.1-70b"* ]] || fail "70B on one H100: $err"

[[ $fails == 0 ]] || { echo "$fails failure(s)"; exit 1; }
echo "bench defaults OK"
