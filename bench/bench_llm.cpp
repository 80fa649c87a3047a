// LLM benchmarks (docs/LLM.md, "Benchmarks"):
//  - host speed of functional generation on stories260K through the compiled programs on the
//    simulated NeuronCore (which also simulates timing), against the plain single-threaded
//    C++ reference forward pass of the same checkpoint in the same run (64 and 256 tokens),
//    and from a fresh runner as `npulab generate` runs it (weights written, preloaded);
//    scripts/bench_vs_llama2c.sh compares whole processes against llama2.c's run.c;
//  - host time of one Llama-3.1-8B decode step in timing-only mode at batch 1 and 64 (context
//    2048), on one core and tensor-parallel on the chip's 8, with the simulated TPOT, the
//    collectives' time and the HBM roofline bound as counters;
//  - the simulated TTFT of a 2048-token prompt (16 chunks of 128).
#include <benchmark/benchmark.h>

#include "arch/chip.h"
#include "llm/builtin_configs.h"
#include "llm/model.h"
#include "llm/reference/forward.h"
#include "llm/reference/sampler.h"
#include "llm/runtime/generation.h"
#include "llm/runtime/model_runner.h"
#include "llm/runtime/roofline.h"

using namespace npulab;
using namespace npulab::llm;

namespace {

const Model& stories() {
  static Model m = load_model(std::string(NPULAB_SOURCE_DIR) + "/models/stories260K.bin");
  return m;
}

// Greedy generation of range(0) tokens from BOS with the plain C++ reference forward pass.
void BM_StoriesReferenceGreedy(benchmark::State& st) {
  const Model& m = stories();
  const int64_t tokens = st.range(0);
  reference::ReferenceModel rm(m.config, *m.weights, tokens + 1);
  for (auto _ : st) {
    rm.reset();
    int64_t tok = m.config.bos_id;
    for (int64_t p = 0; p < tokens; ++p) tok = reference::argmax(rm.forward(tok, p));
    benchmark::DoNotOptimize(tok);
  }
  st.counters["tokens_per_s"] = benchmark::Counter(double(tokens), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_StoriesReferenceGreedy)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond);

// The same on the simulated NeuronCore (every instruction and its time simulated), one
// runner reused across iterations. range(0): the decode bucket (0: a program built per
// step; 128: one per bucket, patched, kept across reset()); range(1): tokens.
void BM_StoriesNpuGreedy(benchmark::State& st) {
  const Model& m = stories();
  const int64_t tokens = st.range(1);
  runtime::RunnerOptions o;
  o.decode_key_bucket = st.range(0);
  o.compile.max_context = tokens + 1;
  o.check_races = false;
  runtime::ModelRunner r(m.config, m.weights.get(), arch::load_chip_by_name("trn2"), o);
  double sim_ns = 0;
  for (auto _ : st) {
    r.reset();
    const size_t first = r.steps().size();
    auto logits = r.prefill({m.config.bos_id});
    for (int64_t p = 1; p < tokens; ++p) logits = r.decode({reference::argmax(logits)});
    sim_ns = 0;
    for (size_t i = first + 1; i < r.steps().size(); ++i) sim_ns += r.steps()[i].sim_ns;
  }
  st.counters["tokens_per_s"] = benchmark::Counter(double(tokens), benchmark::Counter::kIsIterationInvariantRate);
  st.counters["sim_tpot_us"] = sim_ns / double(tokens - 1) / 1e3;
}
BENCHMARK(BM_StoriesNpuGreedy)->Args({0, 64})->Args({128, 64})->Args({128, 256})->Unit(benchmark::kMillisecond);

// What `npulab generate models/stories260K.bin --max-tokens N --dtype fp32` does after
// loading the checkpoint: a fresh runner (weights written to HBM, the resident-weight
// preload program), the prefill and N-1 decode steps with the CLI's functional default
// bucket (128), sampling greedily through runtime::generate. range(0): tokens.
void BM_StoriesNpuGenerateFresh(benchmark::State& st) {
  const Model& m = stories();
  const arch::ChipConfig chip = arch::load_chip_by_name("trn2");
  runtime::GenerateOptions g;
  g.max_tokens = st.range(0);
  g.stop_on_eos = false;
  for (auto _ : st) {
    runtime::RunnerOptions o;
    o.decode_key_bucket = 128;
    o.compile.max_context = g.max_tokens + 1;
    runtime::ModelRunner r(m.config, m.weights.get(), chip, o);
    benchmark::DoNotOptimize(runtime::generate(r, {m.config.bos_id}, g).tokens.back());
  }
  st.counters["tokens_per_s"] = benchmark::Counter(double(g.max_tokens), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_StoriesNpuGenerateFresh)->Arg(256)->Unit(benchmark::kMillisecond);

// One Llama-3.1-8B decode step (bf16, trn2, context 2048) in timing-only mode. Arg 0: the
// batch; arg 1: the decode bucket (0 = a program built per step; 128 = the first step of a
// bucket builds it, the following steps, as timed here after the first iteration, patch it);
// arg 2 (default 1): tensor parallelism over that many NeuronCores (LNC=1).
void BM_Llama8BDecodeStepTimingOnly(benchmark::State& st) {
  const int64_t batch = st.range(0), bucket = st.range(1), ctx = 2048, tp = st.range(2);
  auto cfg = *builtin_config("llama-3.1-8b");
  runtime::RunnerOptions o;
  o.mode = sim::Mode::TimingOnly;
  o.check_races = false;
  o.compile.weight_dtype = DType::BF16;
  o.compile.batch = batch;
  o.compile.max_context = ctx + 64;
  o.decode_key_bucket = bucket;
  o.compile.tp = tp;
  runtime::ModelRunner r(cfg, nullptr, arch::load_chip_by_name("trn2"), o);
  const std::vector<int64_t> toks(size_t(batch), 1);
  for (int64_t b = 0; b < batch; ++b) r.set_position(b, ctx);
  r.decode(toks);  // builds the bucket's program (not timed)
  for (auto _ : st) r.decode(toks);
  const auto& s = r.steps().back();
  const auto bound = runtime::decode_bound(r.tp_layout(), ctx, batch);
  st.counters["sim_tpot_ms"] = s.sim_ns / 1e6;
  st.counters["bound_core_dma_ms"] = bound.core_dma_ns / 1e6;
  st.counters["bound_chip_hbm_ms"] = bound.chip_hbm_ns / 1e6;
  st.counters["compile_ms"] = s.compile_host_s * 1e3;
  st.counters["simulate_ms"] = s.sim_host_s * 1e3;
  st.counters["instrs"] = double(s.instrs);
  st.counters["program_instrs"] = double(s.program_instrs);
  st.counters["comm_ms"] = s.comm_ns / 1e6;
  st.counters["comm_overlap_ms"] = s.comm_overlap_ns / 1e6;
}
BENCHMARK(BM_Llama8BDecodeStepTimingOnly)
    ->Args({1, 0, 1})
    ->Args({1, 128, 1})
    ->Args({64, 0, 1})
    ->Args({64, 128, 1})
    ->Args({1, 128, 8})
    ->Args({64, 128, 8})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);

// TTFT of a 2048-token prompt on Llama-3.1-8B (bf16, trn2): 16 prefill chunk programs.
void BM_Llama8BPrefill2048TimingOnly(benchmark::State& st) {
  auto cfg = *builtin_config("llama-3.1-8b");
  runtime::RunnerOptions o;
  o.mode = sim::Mode::TimingOnly;
  o.check_races = false;
  o.compile.weight_dtype = DType::BF16;
  o.compile.max_context = 2048;
  runtime::ModelRunner r(cfg, nullptr, arch::load_chip_by_name("trn2"), o);
  double ttft = 0;
  for (auto _ : st) {
    r.reset();
    const size_t first = r.steps().size();
    r.prefill(std::vector<int64_t>(2048, 1));
    ttft = 0;
    for (size_t i = first; i < r.steps().size(); ++i) ttft += r.steps()[i].sim_ns;
  }
  const auto bound = runtime::prefill_bound(r.tp_layout(), 2048);
  st.counters["sim_ttft_ms"] = ttft / 1e6;
  st.counters["bound_core_ms"] = bound.core_ns / 1e6;
}
BENCHMARK(BM_Llama8BPrefill2048TimingOnly)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
