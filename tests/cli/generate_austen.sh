#!/usr/bin/env bash
# `npulab generate models/austen --prompt TEXT` prints the prompt and its greedy continuation as
# text, the same text torch gives (tests/llm/fixtures/austen_ref.json); --print-ids prints torch's ids.
# Usage: generate_austen.sh <path to npulab>; run from the repository root.
set -u
NPULAB=$1
fails=0
MODEL=models/austen
REF=tests/llm/fixtures/austen_ref.json
field() { python3 -c 'import json,sys; p=json.load(open("'$REF'"))["prompts"][0]; v=p[sys.argv[1]]; print(" ".join(map(str,v)) if isinstance(v,list) else v, end="")' "$1"; }
prompt=$(field text)
steps=$(python3 -c 'import json; print(json.load(open("'$REF'"))["greedy_steps"])')

# The text is everything before the statistics ("prompt: N tokens, ...") line.
out=$("$NPULAB" generate "$MODEL" --prompt "$prompt" --max-tokens "$steps" --dtype fp32 2>/dev/null); rc=$?
text=$(printf '%s' "$out" | python3 -c 'import sys; print(sys.stdin.read().split("\nprompt: ")[0], end="")')
want="$prompt$(field greedy_text)"
[[ $rc == 0 && "$text" == "$want" ]] || { echo "FAIL: text (rc $rc) '$text', want '$want'"; fails=$((fails + 1)); }
[[ $out == *"TTFT"* && $out == *"TPOT"* ]] || { echo "FAIL: no timing lines: $out"; fails=$((fails + 1)); }

got=$("$NPULAB" generate "$MODEL" --prompt "$prompt" --max-tokens "$steps" --dtype fp32 --print-ids 2>/dev/null | head -n 1)
[[ "$got" == "$(field greedy)" ]] || { echo "FAIL: ids '$got', want '$(field greedy)'"; fails=$((fails + 1)); }

[[ $fails == 0 ]] && echo "generate_austen: all passed"
exit $fails
