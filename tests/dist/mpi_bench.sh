#!/usr/bin/env bash
# `mpirun -n R npulab bench` spreads a sweep's runs (2 systems x 3 concurrency points) over R
# ranks; rank 0 writes exactly what one process writes: the same stdout, --json (but its
# "date"), --csv, --plot and --step-trace for R = 1, 2, 4 as the run without mpirun. More
# ranks than runs is an error that says how many ranks fit. A functional sweep over 3 ranks
# writes the same summaries and sampled tokens.
# Usage: mpi_bench.sh <npulab> <ON|OFF>; run from the repository root.
set -u
source "$(dirname "$0")/mpi_common.sh" "$1" "$2"
args=(bench --model models/stories260K.bin --system trn2,h100 --isl uniform:16:64 --osl 16 --requests 40
  --concurrency 1,4,8 --kv-fraction 0.001 --cache-dir "$tmp/cache" --threads 1 --summaries)
out() { echo --json "$tmp/$1.json" --csv "$tmp/$1.csv" --plot "$tmp/$1" --step-trace "$tmp/$1.trace.json"; }
# shellcheck disable=SC2046
"$NPULAB" "${args[@]}" $(out ref) > "$tmp/ref.txt" 2> "$tmp/ref.err" || fail "single process: $(cat "$tmp/ref.err")"
grep -q "concurrency=8" "$tmp/ref.txt" || fail "reference run lacks its sweep: $(cat "$tmp/ref.txt")"
for r in 1 2 4; do
  # shellcheck disable=SC2046
  ranks $r "${args[@]}" $(out r$r) > "$tmp/r$r.txt" 2> "$tmp/r$r.err" || { fail "-n $r: $(cat "$tmp/r$r.err")"; continue; }
  cmp -s "$tmp/ref.txt" "$tmp/r$r.txt" || fail "-n $r: stdout differs: $(diff "$tmp/ref.txt" "$tmp/r$r.txt" | head)"
  for f in csv trace.json -latency_throughput.svg -ttft_cdf.svg -batch.svg; do
    sep=.; [[ $f == -* ]] && sep=
    cmp -s "$tmp/ref$sep$f" "$tmp/r$r$sep$f" || fail "-n $r: $f differs from the single-process run"
  done
  python3 - "$tmp/ref.json" "$tmp/r$r.json" <<'PY' || fail "-n $r: --json differs"
import json, sys
a, b = (json.load(open(p))["runs"] for p in sys.argv[1:3])
assert len(a) == 6, len(a)
for x, y in zip(a, b):
    x.pop("date"); y.pop("date")
    assert x == y, [k for k in x if x[k] != y.get(k)]
assert len(a) == len(b)
PY
done
# Without --summaries two systems make the comparison table (its front read off every run).
"$NPULAB" "${args[@]:0:${#args[@]}-1}" > "$tmp/cmp.txt" 2> "$tmp/cmp.err" || fail "comparison: $(cat "$tmp/cmp.err")"
ranks 2 "${args[@]:0:${#args[@]}-1}" > "$tmp/cmp2.txt" 2> "$tmp/cmp2.err" || fail "comparison -n 2: $(cat "$tmp/cmp2.err")"
grep -q "per user" "$tmp/cmp.txt" || fail "no comparison table: $(cat "$tmp/cmp.txt")"
cmp -s "$tmp/cmp.txt" "$tmp/cmp2.txt" || fail "comparison -n 2 differs: $(diff "$tmp/cmp.txt" "$tmp/cmp2.txt" | head)"
# Functional runs: the sampled token ids travel too (--dump-outputs), over 3 ranks (uneven).
f=(bench --model models/stories260K.bin --functional --isl uniform:4:40 --osl 12 --requests 6 --max-num-seqs 4
  --concurrency 1,2,4)
"$NPULAB" "${f[@]}" --dump-outputs "$tmp/f.jsonl" > "$tmp/f.txt" 2> "$tmp/f.err" || fail "functional: $(cat "$tmp/f.err")"
ranks 3 "${f[@]}" --dump-outputs "$tmp/f3.jsonl" > "$tmp/f3.txt" 2> "$tmp/f3.err" || fail "functional -n 3: $(cat "$tmp/f3.err")"
[ "$(wc -l < "$tmp/f.jsonl")" = 18 ] || fail "functional: not 18 dumped outputs"
cmp -s "$tmp/f.txt" "$tmp/f3.txt" && cmp -s "$tmp/f.jsonl" "$tmp/f3.jsonl" || fail "functional -n 3 differs"
ranks 7 "${args[@]}" > "$tmp/r7.txt" 2> "$tmp/r7.err" && fail "-n 7 on a sweep of 6 runs succeeded"
grep -q "mpirun -n 7: the sweep has 6 runs (2 systems x 3 points), so at most 6 ranks" "$tmp/r7.err" ||
  fail "-n 7: no clear error: $(head -3 "$tmp/r7.err")"
ranks 2 info trn2 > "$tmp/i.txt" 2> "$tmp/i.err" && fail "npulab info under -n 2 succeeded"
grep -q "npulab info runs in one process, but mpirun started 2" "$tmp/i.err" || fail "info -n 2: $(head -3 "$tmp/i.err")"
[ "$(grep -c "runs in one process" "$tmp/i.err")" = 1 ] || fail "info -n 2: the error is not said once"
[ $fails = 0 ] && echo "mpi_bench: all passed"
exit $((fails > 0))
