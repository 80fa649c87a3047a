#!/usr/bin/env bash
# `npulab kernel`: GEMM verifies against the host reference with zero races; timing-only
# reports a sane % of peak; row-wise and mamba kernels verify; bad options give clear errors.
set -euo pipefail
NPULAB="$1"
out=$("$NPULAB" kernel gemm --m 200 --n 300 --k 130 --dtype bf16 --seed 3)
grep -q "verify:        PASS" <<<"$out" || { echo "gemm did not verify: $out"; exit 1; }
grep -q "races:         0" <<<"$out" || { echo "gemm races: $out"; exit 1; }
out=$("$NPULAB" kernel gemm --m 130 --n 520 --k 260 --dtype f8e4m3 --layout km --out-dtype f32)
grep -q "verify:        PASS" <<<"$out" || { echo "fp8 gemm did not verify: $out"; exit 1; }
trace=$(mktemp --suffix=.json)
out=$("$NPULAB" kernel gemm --m 1024 --n 1024 --k 1024 --timing-only --trace "$trace")
pct=$(sed -n 's/.*TFLOPS = \([0-9.]*\)% of.*/\1/p' <<<"$out")
awk -v p="$pct" 'BEGIN { exit !(p > 40 && p <= 100) }' || { echo "implausible % of peak '$pct': $out"; exit 1; }
grep -q '"traceEvents"' "$trace" || { echo "no trace written"; exit 1; }
rm -f "$trace"
for k in softmax rmsnorm layernorm transpose; do
  "$NPULAB" kernel $k --rows 130 --cols 200 | grep -q "verify:        PASS" || { echo "$k failed"; exit 1; }
done
"$NPULAB" kernel act --func silu --rows 64 --cols 96 | grep -q "verify:        PASS"
for v in v1 v2 v3; do
  "$NPULAB" kernel mamba --schedule $v --seq 1024 --channels 128 --state 2 | grep -q "verify:        PASS" ||
    { echo "mamba $v failed"; exit 1; }
done
if err=$("$NPULAB" kernel mamba --schedule v2 --seq 8192 --channels 128 --hw trn1 --timing-only 2>&1); then
  echo "mamba v2 beyond SBUF accepted"; exit 1
fi
grep -q "needs 352 KiB of SBUF per partition" <<<"$err" || { echo "unclear error: $err"; exit 1; }
# Errors: non-zero exit and a message naming the problem.
if err=$("$NPULAB" kernel gemm --m 64 --n 64 --k 64 --dtype nope 2>&1); then echo "bad dtype accepted"; exit 1; fi
grep -q "unknown dtype 'nope'" <<<"$err" || { echo "unclear error: $err"; exit 1; }
if err=$("$NPULAB" kernel act --func bogus 2>&1); then echo "bad func accepted"; exit 1; fi
grep -q "unknown activation 'bogus'" <<<"$err" || { echo "unclear error: $err"; exit 1; }
echo "kernel CLI ok"
