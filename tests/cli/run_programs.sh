#!/usr/bin/env bash
# `npulab run`: statistics table, JSON, trace, timing-only equivalence, race exit code,
# and clear errors (deadlock, missing file). Usage: run_programs.sh <path to npulab>;
# run from the repository root.
set -u
NPULAB=$1
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

out=$("$NPULAB" run examples/asm/pipeline.s --hw trn2 2>&1); rc=$?
[[ $rc == 0 ]] || fail "pipeline.s exited $rc: $out"
for s in "total time" "core0.act" "core0.dma0" "core0.dma1" "busy %" "TFLOPS" "GB/s"; do
  [[ $out == *"$s"* ]] || fail "pipeline.s output lacks '$s': $out"
done
[[ $out == *"race"* ]] && fail "pipeline.s reports a race: $out"

# Functional and timing-only runs give the same simulated time; the trace is valid JSON.
"$NPULAB" run examples/asm/pipeline.s --json > "$tmp/f.json" || fail "functional --json"
"$NPULAB" run examples/asm/pipeline.s --timing-only --json --trace "$tmp/t.json" > "$tmp/t_stats.json" ||
  fail "timing-only --json --trace"
python3 - "$tmp/f.json" "$tmp/t_stats.json" "$tmp/t.json" <<'PY' || fail "JSON checks"
import json, sys
f, t, tr = (json.load(open(p)) for p in sys.argv[1:4])
assert f["total_ns"] == t["total_ns"] > 0, (f["total_ns"], t["total_ns"])
assert f["mode"] == "functional" and t["mode"] == "timing-only"
assert {s["name"] for s in f["streams"]} == {"core0.act", "core0.dma0", "core0.dma1"}
names = {e["args"]["name"] for e in tr["traceEvents"] if e.get("name") == "thread_name"}
assert {"act", "dma0", "dma1"} <= names, names
assert sum(1 for e in tr["traceEvents"] if e["ph"] == "X") == 5  # 2 loads, 2 activations, 1 store
PY

# The racy variant: both instructions named, exit status 3.
out=$("$NPULAB" run examples/asm/pipeline_racy.s 2>&1); rc=$?
[[ $rc == 3 ]] || fail "pipeline_racy.s exited $rc (want 3)"
[[ $out == *"data race"*"core0.dma1[0]"*"core0.act[1]"* ]] || fail "race report lacks both instructions: $out"
"$NPULAB" run examples/asm/pipeline_racy.s --no-race-check > /dev/null 2>&1 || fail "--no-race-check still fails"

# Deadlock: the store waits for a semaphore nobody signals.
sed 's/wait=s1>=2/wait=s7>=1/' examples/asm/pipeline.s > "$tmp/deadlock.s"
err=$("$NPULAB" run "$tmp/deadlock.s" 2>&1 >/dev/null); rc=$?
[[ $rc == 1 ]] || fail "deadlock exited $rc (want 1)"
[[ $err == *"deadlock"*"core0.dma1[0]"*"sem 7 >= 1"* ]] || fail "deadlock message: $err"

# Missing file.
err=$("$NPULAB" run "$tmp/nope.s" 2>&1 >/dev/null); rc=$?
[[ $rc == 1 && $err == *"nope.s"* ]] || fail "missing file: rc $rc, $err"

if [[ $fails == 0 ]]; then echo "run_programs: all passed"; else exit 1; fi
