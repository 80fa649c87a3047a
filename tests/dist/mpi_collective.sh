#!/usr/bin/env bash
# `mpirun -n R npulab collective` runs one simulation across R ranks, each holding a block of
# the chips, the bytes of cross-rank transfers moving between the processes: for R = 1, 2, 4
# the table (simulated times, algorithms, checks) and --json (times and a digest of every
# chip's result) equal the single-process run's, for every kind, both fabric models, dtypes
# and a hierarchical run across two systems; more ranks than chips is a clear error, and an
# error on one rank ends them all.
# Usage: mpi_collective.sh <npulab> <ON|OFF>; run from the repository root.
set -u
source "$(dirname "$0")/mpi_common.sh" "$1" "$2"
cases=(
  "all-reduce --system trn2.48xlarge -b 1K -e 16M -f 16 --check-max 4M"
  "all-reduce --system trn2.48xlarge --bytes 1M --algorithm ring --network ideal"
  "reduce-scatter --system trn2-ultraserver --bytes 96K --dtype bf16"
  "all-gather --system trn2-ultraserver --bytes 96K --op max"
  "all-to-all --system trn2.48xlarge --bytes 256K --network ideal"
  "permute --system inf2.48xlarge --bytes 3000"
  "send-recv --system trn2.48xlarge --chips 4 --bytes 64K"
  "all-reduce --system trn2.48xlarge --systems 2 --bytes 1M --dtype bf16"
)
i=0
for c in "${cases[@]}"; do
  i=$((i + 1))
  # shellcheck disable=SC2086
  "$NPULAB" collective $c --json "$tmp/c$i.json" > "$tmp/c$i.txt" 2> "$tmp/c$i.err" || { fail "$c: $(cat "$tmp/c$i.err")"; continue; }
  grep -q "exact" "$tmp/c$i.txt" || fail "$c: not exact: $(cat "$tmp/c$i.txt")"
  grep -q '"data_fnv1a"' "$tmp/c$i.json" || fail "$c: no digest in --json"
  for r in 1 2 4; do
    # shellcheck disable=SC2086
    ranks $r collective $c --json "$tmp/c$i.r$r.json" > "$tmp/c$i.r$r.txt" 2> "$tmp/c$i.r$r.err" ||
      { fail "-n $r $c: $(cat "$tmp/c$i.r$r.err")"; continue; }
    cmp -s "$tmp/c$i.txt" "$tmp/c$i.r$r.txt" || fail "-n $r $c: table differs: $(diff "$tmp/c$i.txt" "$tmp/c$i.r$r.txt")"
    cmp -s "$tmp/c$i.json" "$tmp/c$i.r$r.json" || fail "-n $r $c: --json differs"
  done
  # Over 4 ranks real bytes crossed between them (not only times).
  grep -Eq "events between ranks carrying [1-9][0-9]* B" "$tmp/c$i.r4.err" || fail "-n 4 $c: no bytes between ranks: $(cat "$tmp/c$i.r4.err")"
done
ranks 4 collective all-reduce --chips 2 --bytes 1K > "$tmp/e.txt" 2> "$tmp/e.err" && fail "-n 4 on 2 chips succeeded"
grep -q "mpirun -n 4: the collective has 2 chips, at least one per MPI rank" "$tmp/e.err" || fail "-n 4 on 2 chips: $(head -3 "$tmp/e.err")"
ranks 2 collective all-reduce --ranks-per-chip 2 --bytes 1K > "$tmp/e.txt" 2> "$tmp/e.err" && fail "-n 2 --ranks-per-chip 2 succeeded"
grep -q "\-\-ranks-per-chip 2: the chips' own phase is timed in one process" "$tmp/e.err" || fail "--ranks-per-chip: $(head -3 "$tmp/e.err")"
# An error on rank 0 alone (its --json cannot be written) ends every rank, naming the rank.
timeout 120 "${MPIRUN[@]}" -n 2 "$NPULAB" collective all-reduce --bytes 1K --json "$tmp/no/such/dir.json" \
  > "$tmp/a.txt" 2> "$tmp/a.err"
rc=$?
[ $rc != 0 ] && [ $rc != 124 ] || fail "an error on rank 0: exit $rc (124: the other rank hung)"
grep -q "npulab: error (rank 0 of 2): --json: cannot write" "$tmp/a.err" || fail "rank 0's error: $(head -5 "$tmp/a.err")"
[ $fails = 0 ] && echo "mpi_collective: all passed"
exit $((fails > 0))
