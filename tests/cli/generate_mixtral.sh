#!/usr/bin/env bash
# `npulab generate` on Mixtral-style MoE models: the tiny fixture (HF and GGUF) gives torch's
# greedy tokens, and the built-in mixtral-8x7b runs timing-only with active-expert bounds.
# Usage: generate_mixtral.sh <path to npulab>; run from the repository root.
set -u
NPULAB=$1
fails=0
REF=tests/llm/fixtures/tiny/mixtral_ref.json
prompt=$(python3 -c 'import json;print(",".join(map(str,json.load(open("'$REF'"))["prompt"])))')
want=$(python3 -c 'import json;print(" ".join(map(str,json.load(open("'$REF'"))["greedy"])))')
for model in tests/llm/fixtures/tiny/mixtral tests/llm/fixtures/tiny/mixtral.gguf; do
  got=$("$NPULAB" generate "$model" --tokens "$prompt" --max-tokens 20 --dtype fp32 2>/dev/null | head -n 1)
  [[ "$got" == "$want" ]] || { echo "FAIL: $model greedy '$got', want '$want'"; fails=$((fails + 1)); }
done

# Timing-only Mixtral-8x7B (one prompt token: routed experts only; 2 decode steps).
out=$("$NPULAB" generate mixtral-8x7b --timing-only --hw trn2 --dtype bf16 --prompt-len 1 --max-tokens 2 2>&1); rc=$?
for needle in "TTFT" "TPOT" "bound:" "decode step moves"; do
  [[ $rc == 0 && $out == *"$needle"* ]] || { echo "FAIL: mixtral-8x7b timing-only (rc $rc) lacks '$needle': $out"; fails=$((fails + 1)); }
done
# The decode bound counts 2 of 8 experts: ~25.5 GB, not the 93 GB of all weights.
mb=$(echo "$out" | sed -n 's/.*decode step moves >= \([0-9.]*\) MB.*/\1/p')
python3 -c "import sys; sys.exit(0 if 20000 < float('${mb:-0}') < 30000 else 1)" ||
  { echo "FAIL: decode bound $mb MB, expected ~25500 MB (active experts only)"; fails=$((fails + 1)); }

[[ $fails == 0 ]] && echo "generate_mixtral: all passed"
exit $fails
