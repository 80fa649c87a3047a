#!/usr/bin/env bash
# `mpirun -n R npulab validate` deals the cases over R ranks; rank 0 writes the same report
# and --json (but each case's host seconds) for R = 1, 2, 4 as the run without mpirun. The
# fast kinds (collective, nccl: 18 cases) keep it short.
# Usage: mpi_validate.sh <npulab> <ON|OFF>; run from the repository root.
set -u
source "$(dirname "$0")/mpi_common.sh" "$1" "$2"
args=(validate --kind collective --kind nccl --cache-dir "$tmp/cache")
"$NPULAB" "${args[@]}" --json "$tmp/ref.json" > "$tmp/ref.txt" 2> "$tmp/ref.err" || fail "single process: $(cat "$tmp/ref.err")"
grep -q "collective" "$tmp/ref.txt" || fail "the report lacks the collective cases: $(cat "$tmp/ref.txt")"
for r in 1 2 4; do
  ranks $r "${args[@]}" --json "$tmp/r$r.json" > "$tmp/r$r.txt" 2> "$tmp/r$r.err" || { fail "-n $r: $(cat "$tmp/r$r.err")"; continue; }
  cmp -s "$tmp/ref.txt" "$tmp/r$r.txt" || fail "-n $r: report differs: $(diff "$tmp/ref.txt" "$tmp/r$r.txt" | head)"
  python3 - "$tmp/ref.json" "$tmp/r$r.json" <<'PY' || fail "-n $r: --json differs"
import json, sys
def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if k != "host_s"}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x
a, b = (strip(json.load(open(p))) for p in sys.argv[1:3])
assert a == b
assert len(a["cases"]) >= 10, len(a["cases"])
PY
  # Every case ran on exactly one rank.
  [ "$(grep -c "running" "$tmp/r$r.err")" = "$(grep -c "running" "$tmp/ref.err")" ] || fail "-n $r: cases ran more or less than once"
done
[ $fails = 0 ] && echo "mpi_validate: all passed"
exit $((fails > 0))
