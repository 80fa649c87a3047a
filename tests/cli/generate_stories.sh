#!/usr/bin/env bash
# `npulab generate` end to end on stories260K (no tokenizer: ids) and in timing-only mode,
# plus its errors. Usage: generate_stories.sh <path to npulab>; run from the repository root.
set -u
NPULAB=$1
fails=0
MODEL=models/stories260K.bin

# Greedy from BOS: the first 12 tokens of the numpy reference (tests/llm/fixtures/stories260K_ref.json).
want=$(python3 -c 'import json;print(" ".join(map(str,json.load(open("tests/llm/fixtures/stories260K_ref.json"))["greedy_from_bos"][:12])))')
out=$("$NPULAB" generate "$MODEL" --max-tokens 12 --hw trn2 --dtype fp32 2>/dev/null); rc=$?
first=$(echo "$out" | head -n 1)
if [[ $rc != 0 || "$first" != "$want" ]]; then
  echo "FAIL: greedy ids '$first' (rc $rc), want '$want'"; fails=$((fails + 1))
fi
for needle in "TTFT" "TPOT" "tokens/s" "bound:" "DMA bandwidth"; do
  [[ $out == *"$needle"* ]] || { echo "FAIL: output lacks '$needle':"; echo "$out"; fails=$((fails + 1)); }
done
# stderr names the cores used: trn2's default logical core is two physical cores (LNC=2).
err=$("$NPULAB" generate "$MODEL" --max-tokens 2 2>&1 >/dev/null)
[[ $err == *"NeuronCores 0-1 of 8 (the other 6 idle; --tp 1 logical core x --lnc 2)"* ]] || { echo "FAIL: stderr lacks the cores used: $err"; fails=$((fails + 1)); }
err=$("$NPULAB" generate "$MODEL" --max-tokens 2 --lnc 1 2>&1 >/dev/null)
[[ $err == *"NeuronCore 0 of 8 (the other 7 idle"* ]] || { echo "FAIL: stderr lacks the single-core note: $err"; fails=$((fails + 1)); }

# Resident weights (the default for a model this small) and --no-resident-weights: the same
# tokens, and the weights line says which.
[[ $out == *"weights: resident in SBUF"* && $out == *"not in TTFT/TPOT"* ]] || { echo "FAIL: no resident-weights line: $out"; fails=$((fails + 1)); }
out=$("$NPULAB" generate "$MODEL" --max-tokens 12 --hw trn2 --dtype fp32 --no-resident-weights 2>/dev/null); rc=$?
[[ $rc == 0 && "$(echo "$out" | head -n 1)" == "$want" ]] || { echo "FAIL: --no-resident-weights ids (rc $rc): $out"; fails=$((fails + 1)); }
[[ $out == *"weights: streamed from HBM"* ]] || { echo "FAIL: no streamed-weights line: $out"; fails=$((fails + 1)); }

# Sampling with a seed is reproducible; --tokens feeds a prompt.
a=$("$NPULAB" generate "$MODEL" --tokens 1,400,401 --max-tokens 8 --temperature 0.9 --top-k 40 --top-p 0.9 --seed 7 2>/dev/null | head -n 1)
b=$("$NPULAB" generate "$MODEL" --tokens 1,400,401 --max-tokens 8 --temperature 0.9 --top-k 40 --top-p 0.9 --seed 7 2>/dev/null | head -n 1)
[[ -n $a && $a == "$b" ]] || { echo "FAIL: seeded sampling not reproducible: '$a' vs '$b'"; fails=$((fails + 1)); }

# Timing-only on the same model: TTFT and TPOT, no values.
out=$("$NPULAB" generate "$MODEL" --timing-only --prompt-len 40 --max-tokens 4 2>&1); rc=$?
[[ $rc == 0 && $out == *"TTFT"* && $out == *"timing-only"* ]] || { echo "FAIL: timing-only run (rc $rc): $out"; fails=$((fails + 1)); }

# Errors.
expect_fail() {
  local needle=$1; shift
  local err rc
  err=$("$NPULAB" "$@" 2>&1 >/dev/null); rc=$?
  if [[ $rc == 0 || $err != *"$needle"* ]]; then
    echo "FAIL: npulab $* (rc $rc): stderr lacks '$needle': $err"; fails=$((fails + 1))
  fi
}
expect_fail "longer than the context length 512" generate "$MODEL" --tokens "$(python3 -c 'print(",".join(["1"]*600))')"
expect_fail "no tokenizer" generate "$MODEL" --prompt "Once upon a time"
expect_fail "--timing-only" generate llama-3.1-8b --max-tokens 2
expect_fail "expected fp32, bf16 or fp8" generate "$MODEL" --dtype int4
expect_fail "--ignore-capacity" generate llama-3.1-70b --timing-only --dtype bf16 --prompt-len 8 --max-tokens 2
expect_fail "not an integer" generate "$MODEL" --tokens 1,x
expect_fail "do not belong together" generate "$MODEL" --tokenizer models/llama2-tokenizer.bin --prompt "Once upon a time"

[[ $fails == 0 ]] && echo "generate_stories: all passed"
exit $((fails > 0))
