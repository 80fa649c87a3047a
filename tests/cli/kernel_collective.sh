#!/usr/bin/env bash
# `npulab kernel all-reduce|all-gather|reduce-scatter|all-to-all`: nccom-test-like lines
# (size, time, algbw, busbw, algorithm), every rank's result exact, busbw = algbw x 2(n-1)/n
# for all-reduce, times growing over a sweep; bad options give clear errors.
set -euo pipefail
NPULAB="$1"
out=$("$NPULAB" kernel all-reduce --cores 8 --bytes 64K --hw trn2)
grep -q "all-reduce among 8 of the 8 NeuronCores of one trn2 chip" <<<"$out" || { echo "no header: $out"; exit 1; }
line=$(grep -E '^ +65536 ' <<<"$out") || { echo "no 64 KiB line: $out"; exit 1; }
grep -q "exact" <<<"$line" || { echo "all-reduce not exact: $out"; exit 1; }
grep -q "mesh" <<<"$line" || { echo "64 KiB should use mesh: $out"; exit 1; }
awk '{ if ($4 < 1.74 * $3 || $4 > 1.76 * $3) exit 1 }' <<<"$line" || { echo "busbw != 1.75 algbw: $line"; exit 1; }
for k in all-gather reduce-scatter all-to-all; do
  "$NPULAB" kernel $k --cores 3 --bytes 3K --dtype bf16 | grep -q "exact" || { echo "$k not exact"; exit 1; }
done
"$NPULAB" kernel all-reduce --cores 5 --bytes 1K --dtype i32 --op max | grep -q "exact" || { echo "max not exact"; exit 1; }
# A timing-only sweep over the algorithm switches: times never decrease.
out=$("$NPULAB" kernel all-reduce --timing-only -b 256K -e 128M -f 4 --hw trn2)
grep -q "rdh" <<<"$out" && grep -q "ring" <<<"$out" || { echo "sweep lacks rdh/ring: $out"; exit 1; }
grep -E '^ +[0-9]+ ' <<<"$out" | awk 'NR > 1 && $2 < prev { exit 1 } { prev = $2 }' ||
  { echo "time decreased in the sweep: $out"; exit 1; }
# Errors: non-zero exit and a message naming the problem.
if err=$("$NPULAB" kernel all-reduce --cores 9 --bytes 1K 2>&1); then echo "9 cores accepted"; exit 1; fi
grep -q "chip 'trn2' has 8 NeuronCores" <<<"$err" || { echo "unclear error: $err"; exit 1; }
if err=$("$NPULAB" kernel all-reduce --bytes 12Q 2>&1); then echo "bad size accepted"; exit 1; fi
grep -q "expected a size like" <<<"$err" || { echo "unclear error: $err"; exit 1; }
if err=$("$NPULAB" kernel all-reduce --bytes 1K --op subtract 2>&1); then echo "bad op accepted"; exit 1; fi
grep -q "expected add, max or min" <<<"$err" || { echo "unclear error: $err"; exit 1; }
echo "collective CLI ok"
