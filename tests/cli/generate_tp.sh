#!/usr/bin/env bash
# `npulab generate --tp N --lnc L`: tensor parallelism over the chip's NeuronCores end to
# end on stories260K (8 heads / 4 kv heads, FFN 172) and a built-in config, and the errors
# for degrees the model or the chip cannot take. Usage: generate_tp.sh <path to npulab>.
set -u
NPULAB=$1
fails=0
MODEL=models/stories260K.bin
want=$(python3 -c 'import json;print(" ".join(map(str,json.load(open("tests/llm/fixtures/stories260K_ref.json"))["greedy_from_bos"][:12])))')

# The same greedy ids as the numpy reference at every degree that divides the model.
for args in "--tp 2 --lnc 1" "--tp 4 --lnc 1" "--tp 2 --lnc 2" "--tp 4"; do
  out=$("$NPULAB" generate "$MODEL" --max-tokens 12 --hw trn2 --dtype fp32 --check-races $args 2>/tmp/npulab_tp_err.$$); rc=$?
  err=$(cat /tmp/npulab_tp_err.$$)
  [[ $rc == 0 && "$(echo "$out" | head -n 1)" == "$want" ]] || { echo "FAIL: $args ids (rc $rc): $out $err"; fails=$((fails + 1)); }
  [[ $out == *"communication"* ]] || { echo "FAIL: $args: no communication line: $out"; fails=$((fails + 1)); }
done
rm -f /tmp/npulab_tp_err.$$
# The startup line names the cores; --tp 4 without --lnc falls back from trn2's LNC=2 (8
# ranks: the FFN of 172 does not divide) to LNC=1, and says so.
err=$("$NPULAB" generate "$MODEL" --max-tokens 2 --tp 2 --lnc 2 2>&1 >/dev/null)
[[ $err == *"NeuronCores 0-3 of 8 (the other 4 idle; --tp 2 logical cores x --lnc 2)"* ]] || { echo "FAIL: cores line: $err"; fails=$((fails + 1)); }
err=$("$NPULAB" generate "$MODEL" --max-tokens 2 --tp 4 2>&1 >/dev/null)
[[ $err == *"default --lnc 2 does not fit"* && $err == *"using --lnc 1"* && $err == *"NeuronCores 0-3 of 8"* ]] || { echo "FAIL: LNC fallback note: $err"; fails=$((fails + 1)); }

# Timing-only on a built-in config at TP 8: the chip's bounds and the communication share.
out=$("$NPULAB" generate llama-3.1-8b --timing-only --hw trn2 --dtype bf16 --prompt-len 16 --max-tokens 3 --tp 8 --lnc 1 2>&1); rc=$?
[[ $rc == 0 && $out == *"NeuronCores 0-7 of 8 (all of the chip's"* && $out == *"8 cores'"* && $out == *"communication"* ]] || { echo "FAIL: 8B at TP 8 (rc $rc): $out"; fails=$((fails + 1)); }

expect_fail() {
  local needle=$1; shift
  local err rc
  err=$("$NPULAB" "$@" 2>&1 >/dev/null); rc=$?
  if [[ $rc == 0 || $err != *"$needle"* ]]; then
    echo "FAIL: npulab $* (rc $rc): stderr lacks '$needle': $err"; fails=$((fails + 1))
  fi
}
expect_fail "FFN width (hidden_dim) 172 does not divide over 8 ranks (--tp 8)" generate "$MODEL" --tp 8 --lnc 1
expect_fail "FFN width (hidden_dim) 172 does not divide over 8 ranks (--tp 4 x --lnc 2" generate "$MODEL" --tp 4 --lnc 2
expect_fail "--tp 9: chip 'trn2' has 8 NeuronCores" generate "$MODEL" --tp 9 --lnc 1
# 8 heads over 3 ranks: a run with weights does not pad heads; the error says only serving
# deployments do (llm/compile/tp_padding.h), and what they would pad.
expect_fail "has 8 attention heads (4 kv heads, FFN 172), which 3 ranks do not divide: only timing-only serving runs" generate "$MODEL" --tp 3 --lnc 1
expect_fail "(heads padded 8 -> 9, kv heads 4 -> 9 (each replicated 2x, 1 zero head), FFN 172 -> 174 for TP3, as transformers-neuronx does)" generate "$MODEL" --tp 3
expect_fail "only timing-only serving runs" generate llama-3-8b --timing-only --hw trn2 --tp 6 --lnc 1
expect_fail "use --tp 1 to 4 (or --lnc 1 for up to 8)" generate "$MODEL" --tp 8 --lnc 2
expect_fail "--lnc 2: chip 'trn1' supports logical NeuronCores of 1 physical core" generate "$MODEL" --hw trn1 --lnc 2
expect_fail "use --lnc 1 to 2" generate "$MODEL" --lnc 3
expect_fail "4 attention heads (2 kv heads) split over no attention units of 7 ranks" compile tests/llm/fixtures/tiny/llama3 --tp 7 --lnc 1
# npulab compile prints every rank's program.
out=$("$NPULAB" compile tests/llm/fixtures/tiny/llama3 --step decode --pos 3 --tp 2 --lnc 1); rc=$?
[[ $rc == 0 && $out == *"all_reduce"* ]] || { echo "FAIL: compile --tp 2 (rc $rc) has no all_reduce"; fails=$((fails + 1)); }

[[ $fails == 0 ]] && echo "generate_tp: all passed"
exit $((fails > 0))
