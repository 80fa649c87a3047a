#!/usr/bin/env bash
# `npulab bench` end to end on stories260K: a functional sweep over concurrency writes the
# JSON (npulab's schema and vLLM's keys), per-request CSV, outputs, plots and step trace;
# a timing-only run builds the performance table once and reads it from the cache the
# second time; bad input exits non-zero naming what is wrong.
# Usage: bench_serving.sh <path to npulab>; run from the repository root.
set -u
NPULAB=$1
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
model=models/stories260K.bin

"$NPULAB" bench --model "$model" --functional --isl uniform:4:40 --osl 12 --requests 6 --max-num-seqs 4 \
  --concurrency 1,4 --slo-ttft-ms 1000 --json "$tmp/r.json" --csv "$tmp/r.csv" --dump-outputs "$tmp/o.jsonl" \
  --plot "$tmp/p" --step-trace "$tmp/t.json" > "$tmp/out.txt" 2> "$tmp/err.txt" || fail "functional bench: $(cat "$tmp/err.txt")"
grep -q "Successful requests: *6" "$tmp/out.txt" || fail "functional bench: not 6 successful requests: $(cat "$tmp/out.txt")"
grep -q "Mean TPOT (ms):" "$tmp/out.txt" || fail "no TPOT line"
python3 - "$tmp/r.json" "$tmp/o.jsonl" <<'PY' || fail "JSON outputs"
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
assert [r["label"] for r in runs] == ["concurrency=1", "concurrency=4"], runs
for r in runs:
    for k in ("system", "model", "dtype", "tp", "requests", "duration_s", "request_s", "input_tok_s",
              "output_tok_s", "total_tok_s", "completed", "failed", "request_throughput", "output_throughput",
              "total_token_throughput", "mean_ttft_ms", "median_ttft_ms", "p99_ttft_ms", "mean_tpot_ms",
              "mean_itl_ms", "mean_e2el_ms", "request_goodput"):
        assert k in r, k
    for k in ("ttft_ms", "tpot_ms", "itl_ms", "e2e_ms"):
        assert set(("mean", "p50", "p90", "p99")) <= set(r[k]), k
    assert r["completed"] == 6 and r["failed"] == 0, r
    assert r["total_output_tokens"] == 6 * 12
# Concurrency 1 serves one request at a time; 4 batches them.
assert runs[0]["engine"]["batch_size_max"] == 1 and runs[1]["engine"]["batch_size_max"] > 1
lines = [json.loads(l) for l in open(sys.argv[2])]
assert len(lines) == 12 and all(len(l["output"]) == 12 for l in lines)
# The same request gives the same tokens whatever the concurrency (greedy, fp32).
by = {}
for l in lines: by.setdefault(l["id"], []).append(l["output"])
assert all(a == b for a, b in by.values()), by
PY
[[ $(wc -l < "$tmp/r.csv") == 13 ]] || fail "CSV: want a header and 12 rows"
for f in latency_throughput ttft_cdf tpot_cdf batch kv; do
  grep -q "<svg" "$tmp/p-$f.svg" 2>/dev/null || fail "plot p-$f.svg missing"
done
python3 -c "import json,sys; json.load(open(sys.argv[1]))['traceEvents']" "$tmp/t.json" || fail "step trace is not JSON"

# Timing-only: the performance table is built, then read from the cache.
for i in 1 2; do
  "$NPULAB" bench --model "$model" --system trn2 --isl 48 --osl 16 --requests 20 --qps 500 --max-num-seqs 8 \
    --cache-dir "$tmp/cache" --threads 2 > "$tmp/t$i.txt" 2> "$tmp/te$i.txt" || fail "timing bench $i: $(cat "$tmp/te$i.txt")"
done
grep -q "performance table built" "$tmp/te1.txt" || fail "first run did not build the table: $(cat "$tmp/te1.txt")"
grep -q "performance table from the cache" "$tmp/te2.txt" || fail "second run did not use the cache: $(cat "$tmp/te2.txt")"
cmp -s <(grep -v "^npulab" "$tmp/t1.txt") <(grep -v "^npulab" "$tmp/t2.txt") || fail "cached table gives other results"
grep -q "Successful requests: *20" "$tmp/t1.txt" || fail "timing bench: not 20 successful"

# A trace keeps its own arrival times; a dataset's prompts are tokenized with the model's
# tokenizer (models/austen carries tokenizer.model).
"$NPULAB" bench --model "$model" --system trn2 --trace tests/serve/fixtures/npulab_trace.csv --no-cache > "$tmp/tr.txt" 2>&1 ||
  fail "trace replay: $(cat "$tmp/tr.txt")"
grep -q "Successful requests: *3" "$tmp/tr.txt" && grep -q "(npulab layout)" "$tmp/tr.txt" ||
  fail "trace replay: $(cat "$tmp/tr.txt")"
"$NPULAB" bench --model models/austen --functional --dataset tests/serve/fixtures/sharegpt_sample.jsonl \
  --output-len 4 --concurrency 2 > "$tmp/ds.txt" 2>&1 || fail "dataset: $(cat "$tmp/ds.txt")"
grep -q "Successful requests: *4" "$tmp/ds.txt" || fail "dataset: $(cat "$tmp/ds.txt")"

# Bad input.
expect_fail() {
  local needle=$1; shift
  local err rc
  err=$("$NPULAB" bench "$@" 2>&1 >/dev/null); rc=$?
  [[ $rc != 0 ]] || { fail "npulab bench $* exited 0"; return; }
  [[ $err == *"$needle"* ]] || fail "npulab bench $*: stderr lacks '$needle': $err"
}
expect_fail "needs --functional" --model "$model" --dump-outputs "$tmp/x" --requests 2
expect_fail "model config without weights" --model llama-3.1-8b --functional
expect_fail "bad_trace_value.csv:3" --model "$model" --functional --trace tests/serve/fixtures/bad_trace_value.csv
expect_fail "sweep one of them" --model "$model" --qps 1,2 --concurrency 1,2
expect_fail "--isl" --model "$model" --isl uniform:9:3 --functional
expect_fail "--slo-ttft-ms" --model "$model" --functional --slo-ttft-ms -5
# A request longer than the context is reported as failed with its reason, not lost.
"$NPULAB" bench --model "$model" --functional --isl 600 --osl 4 --requests 2 --max-model-len 512 \
  > "$tmp/long.txt" 2>&1 || fail "over-long requests: $(cat "$tmp/long.txt")"
grep -q "Failed requests: *2" "$tmp/long.txt" || fail "over-long requests not failed: $(cat "$tmp/long.txt")"

[[ $fails == 0 ]] && echo "bench_serving: all checks passed"
exit $((fails > 0))
