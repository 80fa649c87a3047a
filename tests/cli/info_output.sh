#!/usr/bin/env bash
# `npulab info`: lists the built-in chips, prints a readable table, and --json is valid
# JSON whose peaks follow rows*cols*2*clock (checked here independently in python).
set -eu
NPULAB=$1

list=$("$NPULAB" info)
for c in inf2 trn1 trn2 trn3; do grep -q "^  $c " <<<"$list" || { echo "FAIL: '$c' not listed"; exit 1; }; done

text=$("$NPULAB" info trn2)
for s in BF16 FP8 FP32 "667.0" "629.1" "28 MiB" "2 MiB" "96 GiB" "2900 GB/s" "368 GB/s per core" "0.96 GHz"; do
  grep -qF -- "$s" <<<"$text" || { echo "FAIL: 'npulab info trn2' lacks '$s'"; echo "$text"; exit 1; }
done

"$NPULAB" info trn2 --json | python3 -c '
import json, sys
j = json.load(sys.stdin)
bf16 = j["tensor_tflops"]["bf16"]
exp_core = 128 * 128 * 2 * 2.4e9 / 1e12          # REFERENCES.md NC §1.2: 2.4 GHz, 128x128 PEs
assert abs(bf16["per_core"] - exp_core) < 1e-9, bf16
assert abs(bf16["per_chip"] - 8 * exp_core) < 1e-9, bf16
assert bf16["published_per_chip"] == 667, bf16
assert abs(bf16["diff_pct"] - 100 * (8 * exp_core - 667) / 667) < 1e-9
assert abs(j["tensor_tflops"]["fp8"]["per_chip"] - 2 * 8 * exp_core) < 1e-9
assert abs(j["tensor_tflops"]["fp32"]["per_chip"] - 8 * exp_core / 4) < 1e-9
assert j["sbuf"]["bytes_per_core"] == 128 * 224 * 1024
assert j["psum"]["banks"] == 8 and j["hbm"]["capacity_bytes"] == 96 * 2**30
assert abs(j["dma"]["gbps_per_chip"] - 8 * 16 * 23) < 1e-9
'
"$NPULAB" info --json | python3 -c '
import json, sys
assert sorted(c["name"] for c in json.load(sys.stdin)) == ["inf2", "trn1", "trn2", "trn3"]'
# A chip given by path works like a built-in name.
"$NPULAB" info hw/trn1.toml | grep -q "AWS Trainium1" || { echo "FAIL: path form"; exit 1; }
echo "info_output: all passed"
