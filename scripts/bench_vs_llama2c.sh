#!/usr/bin/env bash
# Whole-process speed of functional generation against llama2.c's run.c, side by side.
#
#   scripts/bench_vs_llama2c.sh RUN_BINARY [ROUNDS] [TOKENS] [-- extra npulab generate options]
#
# RUN_BINARY is llama2.c's `run` (https://github.com/karpathy/llama2.c, run.c built by you,
# e.g. `gcc -O3 -o run run.c -lm`; it is not part of npulab). Both programs generate TOKENS
# (default 256) tokens greedily from BOS on models/stories260K.bin (fp32), each as a fresh
# process; the rounds alternate run.c and npulab so load changes hit both alike. Prints each
# round's wall times and their ratio, then the median ratio (npulab / run.c). npulab runs the
# command a user types (`npulab generate models/stories260K.bin --max-tokens TOKENS --dtype
# fp32 --hw trn2 --print-ids`), which simulates every instruction of every step and its time.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 RUN_BINARY [ROUNDS] [TOKENS] [-- npulab generate options]" >&2
  echo "  RUN_BINARY: llama2.c's run.c built with gcc -O3 (not part of npulab)" >&2
  exit 2
fi
RUNC=$1
ROUNDS=${2:-5}
TOKENS=${3:-256}
shift $(( $# < 3 ? $# : 3 ))
[ "${1:-}" = "--" ] && shift
NPULAB=${NPULAB:-build/npulab}
MODEL=models/stories260K.bin
TOK=models/llama2-tokenizer.bin
[ -x "$NPULAB" ] || { echo "$NPULAB not built (bash scripts/setup.sh)" >&2; exit 2; }

now() { date +%s.%N; }
wall() {  # wall seconds of one run of "$@", output discarded
  local t0 t1
  t0=$(now)
  "$@" >/dev/null 2>&1
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'
}

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "run.c:  $RUNC $MODEL -z $TOK -t 0 -n $TOKENS -i ''"
echo "npulab: $NPULAB generate $MODEL --max-tokens $TOKENS --dtype fp32 --hw trn2 --print-ids $*"
ratios=()
for r in $(seq 1 "$ROUNDS"); do
  a=$(wall "$RUNC" "$MODEL" -z "$TOK" -t 0 -n "$TOKENS" -i "")
  b=$(wall "$NPULAB" generate "$MODEL" --max-tokens "$TOKENS" --dtype fp32 --hw trn2 --print-ids "$@")
  q=$(awk -v a="$a" -v b="$b" 'BEGIN { print b / a }')
  ratios+=("$q")
  printf 'round %d: run.c %.3f s, npulab %.3f s, ratio %.2fx\n' "$r" "$a" "$b" "$q"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}')
printf 'median ratio npulab / run.c: %.2fx over %d rounds\n' "$median" "$ROUNDS"
