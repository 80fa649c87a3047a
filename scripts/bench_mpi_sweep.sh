#!/usr/bin/env bash
# Host time of one `npulab bench` sweep (2 systems x 4 concurrency points = 8 independent
# runs, warm performance-table cache) and of one collective sweep simulated across the
# ranks, without mpirun and over 1, 2 and 4 MPI ranks, each checked to print exactly the
# single-process output: the numbers of docs/PERFORMANCE.md, "A sweep over MPI ranks". Usage: scripts/bench_mpi_sweep.sh [build dir] (default build).
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
echo "bench ${args[*]:1}"
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
# The control: the same two halves as -n 2 runs (trn2's points, h100's points) as two plain
# processes side by side - what the machine's free cores allow, MPI aside.
half() { "$NPULAB" "${args[@]/trn2,h100/$1}" > /dev/null 2>&1; }
/usr/bin/time -f "%e" -o "$tmp/time" bash -c "$(declare -p args NPULAB); $(declare -f half); half trn2 & half h100; wait"
printf "| %-20s | %10.2f s | %17s | %s |\n" "2 plain processes" "$(cat "$tmp/time")" "" "(control)"
# One collective simulated across the ranks: timing only (the data and its check, which every
# rank computes from every input, would hide the simulation's own cost), both networks.
for network in ideal flow; do
  args=(collective all-reduce --system trn2.48xlarge -b 1K -e 1G -f 4 --timing-only --network "$network")
  echo "collective ${args[*]:1}"
  run single "$NPULAB"
  for r in 1 2 4; do run "mpirun -n $r" "${MPIRUN[@]}" -n $r "$NPULAB"; done
done
