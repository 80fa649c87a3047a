#!/usr/bin/env bash
# Host time of one `npulab bench` sweep (2 systems x 4 concurrency points = 8 independent
# runs, warm performance-table cache) without mpirun and over 1, 2 and 4 MPI ranks, each
# checked to print exactly the single-process output: the numbers of docs/PERFORMANCE.md,
# "A sweep over MPI ranks". Usage: scripts/bench_mpi_sweep.sh [build dir] (default build).
set -euo pipefail
cd "$(dirname "$0")/.."
NPULAB=${1:-build}/npulab
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
MPIRUN=(mpirun --oversubscribe)
[ "$(id -u)" = 0 ] && MPIRUN+=(--allow-run-as-root)
args=(bench --system trn2,h100 --preset 1k/1k --requests 4000 --concurrency 4,16,64,128 --threads 2
  --cache-dir "$tmp/cache")
"$NPULAB" "${args[@]}" > /dev/null 2>&1  # builds the table once: every row below reads it
echo "$(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf "| %-20s | %12s | %17s | %s |\n" launch "host wall" "CPU (user + sys)" "output"
run() {
  local name=$1; shift
  /usr/bin/time -f "%e %U %S" -o "$tmp/time" "$@" "${args[@]}" > "$tmp/$name.txt" 2> /dev/null
  read -r wall user sys < "$tmp/time"
  local same=identical
  [ "$name" = single ] || cmp -s "$tmp/single.txt" "$tmp/$name.txt" || same=DIFFERS
  printf "| %-20s | %10.2f s | %15.2f s | %s |\n" "$name" "$wall" "$(awk -v u="$user" -v s="$sys" "BEGIN { print u + s }")" "$same"
}
run single "$NPULAB"
for r in 1 2 4; do run "mpirun -n $r" "${MPIRUN[@]}" -n $r "$NPULAB"; done
