// `npulab generate <model>`: compile a Llama-family model into NeuronCore programs and run
// them on the simulated chip — functionally (real weights, real tokens, simulated time per
// step) or timing-only (same programs, no values; built-in configs need no weights).
// Prints the generated tokens as they come, then TTFT, TPOT, simulated and host tokens/s,
// with the roofline bounds beside them. `--tp N` runs the model tensor-parallel over N
// logical NeuronCores of the chip (`--lnc` physical cores each; cli/tp_args.h).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <optional>

#include "arch/chip.h"
#include "cli/command.h"
#include "cli/host_env.h"
#include "cli/model_tokenizer.h"
#include "cli/ranges.h"
#include "cli/token_ids.h"
#include "cli/tp_args.h"
#include "common/error.h"
#include "llm/config_source.h"
#include "llm/compile/resident_weights.h"
#include "llm/model.h"
#include "llm/runtime/generation.h"
#include "llm/runtime/roofline.h"
#include "llm/tokenizer/tokenizer.h"

namespace npulab::cli {
namespace {

using namespace npulab::llm;

struct Args {
  std::string model, prompt, tokens, hw = "trn2", dtype = "fp32", tokenizer;
  int64_t max_tokens = 32, decode_bucket = -1, prompt_len = 0, batch = 1, context = 0, decode_samples = -1;
  float temperature = 0, top_p = 1;
  int64_t top_k = 0;
  uint64_t seed = 0;
  bool print_ids = false, print_steps = false, timing_only = false, ignore_capacity = false, check_races = false,
       unroll_layers = false, no_resident_weights = false;
  TpArgs tp;
};

// Default decode bucket of functional generation. Every step of a functional run is
// simulated and consecutive positions share a bucket, so one program is built per 128
// positions and patched for the others (llm/runtime/model_runner.h): the same logits bit for
// bit as exact per-step programs (tests/llm/bucket_decode_test.cpp) without building a
// program per token, which cost 3-4x the simulation of a stories260K step. The simulated
// step then includes the bucket's masked keys (stories260K, 256 tokens: TPOT 0.116 ms
// instead of 0.112 ms); --decode-bucket 0 gives exact programs. Timing-only runs simulate a
// few sample steps in different buckets by default, so they keep exact programs.
constexpr int64_t kFunctionalDecodeBucket = 128;

double ms(double ns) { return ns / 1e6; }

void print_decode_stats(const std::vector<double>& tpot, int64_t batch, double host_s, int64_t host_steps) {
  if (tpot.empty()) {
    fmt::print("decode: no decode steps (one token came from the prefill)\n");
    return;
  }
  const double mean = std::accumulate(tpot.begin(), tpot.end(), 0.0) / double(tpot.size());
  const auto [mn, mx] = std::minmax_element(tpot.begin(), tpot.end());
  fmt::print("decode: {} steps, TPOT simulated mean {:.3f} ms, min {:.3f} ms, max {:.3f} ms\n", tpot.size(), ms(mean),
             ms(*mn), ms(*mx));
  fmt::print("        simulated {:.1f} tokens/s ({} sequence{}), host {:.2f} decode steps/s ({:.3f} s per step)\n",
             double(batch) * 1e9 / mean, batch, batch > 1 ? "s" : "", host_steps / std::max(host_s, 1e-12),
             host_s / double(std::max<int64_t>(host_steps, 1)));
}

void print_bounds(const runtime::ModelRunner& r, int64_t prompt_len, double ttft_ns, int64_t ctx_first,
                  int64_t ctx_last, int64_t batch) {
  const auto& L = r.tp_layout();
  const auto pb = runtime::prefill_bound(L, prompt_len);
  const std::string used = pb.cores == 1 ? "one core's" : fmt::format("{} cores'", pb.cores);
  fmt::print("bound:  prefill {:.3f} GFLOP: >= {:.3f} ms at {} {} peak ({:.3f} ms at the chip's); simulated "
             "TTFT {:.3f} ms\n",
             pb.flops / 1e9, ms(pb.core_ns), used, dtype_name(L.rank(0).mm_dtype()), ms(pb.chip_ns), ms(ttft_ns));
  const auto d0 = runtime::decode_bound(L, ctx_first, batch), d1 = runtime::decode_bound(L, ctx_last, batch);
  fmt::print("        decode step moves >= {:.1f} MB ({}KV cache at context {}..{}): >= {:.3f}..{:.3f} ms at {} "
             "DMA bandwidth ({:.0f} GB/s), >= {:.3f}..{:.3f} ms at the chip's HBM bandwidth ({:.0f} GB/s)\n",
             d0.bytes / 1e6, L.resident_weights() ? "weights resident; " : "weights + ", ctx_first, ctx_last,
             ms(d0.core_dma_ns), ms(d1.core_dma_ns), used,
             double(d0.cores) * L.chip().dma.engines_per_core * L.chip().dma.bytes_per_ns_per_engine,
             ms(d0.chip_hbm_ns), ms(d1.chip_hbm_ns), L.chip().hbm.bandwidth_gbps);
}

// Which decode programs ran: bucketed ones simulate the bucket's masked keys too.
void print_decode_programs(const runtime::ModelRunner& r) {
  if (const int64_t b = r.decode_bucket(); b > 0)
    fmt::print("        decode programs: one per {}-position bucket, patched per step (TPOT includes its masked keys; "
               "--decode-bucket 0: exact per-step programs)\n",
               b);
  else
    fmt::print("        decode programs: exact, one built per step\n");
}

// Where the weights live: resident in SBUF (loaded once by the preload program, a one-time
// cost like writing them to HBM, so not in TTFT/TPOT) or streamed from HBM by every step.
void print_weights(const runtime::ModelRunner& r) {
  const auto& L = r.layout();
  if (r.weights_resident()) {
    fmt::print("weights: resident in SBUF ({:.1f} KiB per partition), loaded once by the preload program: "
               "simulated {:.3f} ms (not in TTFT/TPOT), host {:.3f} s\n",
               L.resident_bytes() / 1024.0, ms(r.preload_sim_ns()), r.preload_host_s());
    return;
  }
  std::string why = "--no-resident-weights";
  if (L.options().resident_weights) {
    const auto plan = compile::resident_plan(L);
    if (plan.empty()) why = "MoE experts are chosen at run time";
    else if (L.aliased()) why = "--ignore-capacity aliases the layers";
    else
      why = fmt::format("{:.0f} KiB per partition needed, SBUF budget {:.0f} KiB",
                        compile::resident_bytes_per_partition(L, plan) / 1024.0,
                        compile::resident_budget_per_partition() / 1024.0);
  }
  fmt::print("weights: streamed from HBM by every step program ({})\n", why);
}

// Tensor-parallel runs: the time the cores spent in collectives (all-reduces) per step and
// how much of it overlapped their other work (compute engines, DMA queues), mean over the cores.
void print_comm(const runtime::ModelRunner& r) {
  if (r.tp_layout().ranks() == 1) return;
  double comm[2] = {0, 0}, overlap[2] = {0, 0}, sim[2] = {0, 0};
  int64_t n[2] = {0, 0};
  for (const auto& s : r.steps()) {
    const int d = s.kind == compile::StepSpec::Kind::Decode;
    comm[d] += s.comm_ns;
    overlap[d] += s.comm_overlap_ns;
    sim[d] += s.sim_ns;
    ++n[d];
  }
  auto part = [&](int d, const char* what, const char* of) {
    if (!n[d]) return std::string();
    return fmt::format("{} {:.3f} ms{} ({:.1f}% of {}), {:.0f}% of it overlapping other work", what,
                       ms(comm[d] / double(d ? n[d] : 1)), d ? " per step" : "", 100.0 * comm[d] / sim[d], of,
                       comm[d] > 0 ? 100.0 * overlap[d] / comm[d] : 0.0);
  };
  const std::string pre = part(0, "prefill", "TTFT"), dec = part(1, "decode", "TPOT");
  fmt::print("communication: all-reduces on {} cores: {}{}{}\n", r.tp_layout().ranks(), pre,
             !pre.empty() && !dec.empty() ? "; " : "", dec);
}

void print_steps(const runtime::ModelRunner& r) {
  for (const auto& s : r.steps())
    fmt::print(stderr,
               "step {:<7} pos {:>6} tokens {:>4}: simulated {:>10.3f} ms, {:>9} instructions executed ({} in the "
               "program{}), HBM {:>9.1f} MB{}, host compile {:.3f} s + simulate {:.3f} s\n",
               s.kind == compile::StepSpec::Kind::Prefill ? "prefill" : "decode", s.pos0, s.tokens, ms(s.sim_ns),
               s.instrs, s.program_instrs, s.patched ? ", patched" : "", s.hbm_bytes / 1e6,
               s.comm_ns > 0 ? fmt::format(", collectives {:.3f} ms ({:.3f} ms overlapped)", ms(s.comm_ns),
                                           ms(s.comm_overlap_ns))
                             : std::string(),
               s.compile_host_s, s.sim_host_s);
}

int run(const Args& a) {
  const auto t_start = std::chrono::steady_clock::now();
  const arch::ChipConfig chip = arch::load_chip_by_name(a.hw);
  std::optional<Model> model;
  ModelConfig cfg;
  if (auto wc = weightless_config(a.model)) {
    if (!a.timing_only)
      fail("'{}' is a model config without weights: add --timing-only, or pass a checkpoint path", a.model);
    cfg = *wc;
  } else {
    model = load_model(a.model);
    cfg = model->config;
  }
  runtime::RunnerOptions ro;
  ro.compile.weight_dtype = compile::parse_weight_dtype(a.dtype);
  ro.compile.batch = a.batch;
  ro.compile.ignore_capacity = a.ignore_capacity;
  ro.compile.unroll_layers = a.unroll_layers;
  ro.compile.resident_weights = !a.no_resident_weights;
  const std::string tp_note = resolve_tp(a.tp, cfg, chip, ro.compile);
  if (!tp_note.empty()) fmt::print(stderr, "npulab generate: {}\n", tp_note);
  ro.mode = a.timing_only ? sim::Mode::TimingOnly : sim::Mode::Functional;
  ro.chip = chip_options_from_env();
  ro.check_races = a.check_races;
  ro.decode_key_bucket = a.decode_bucket >= 0 ? a.decode_bucket : a.timing_only ? 0 : kFunctionalDecodeBucket;
  if (!a.timing_only && a.batch != 1) fail("--batch > 1 needs --timing-only (functional generation runs one sequence)");
  if (a.ignore_capacity && !a.timing_only) fail("--ignore-capacity needs --timing-only");

  // Context: what the run needs (the KV cache is sized to it), capped by the model.
  const int64_t want_prompt = a.timing_only ? (a.prompt_len > 0 ? a.prompt_len : 128) : 0;

  std::unique_ptr<Tokenizer> tok = model_tokenizer(a.model, model ? &*model : nullptr, a.tokenizer, "generate");
  if (tok && int64_t(tok->vocab_size()) != cfg.vocab_size)
    fail("tokenizer has {} tokens but model '{}' has a vocabulary of {}: they do not belong together",
         tok->vocab_size(), cfg.name, cfg.vocab_size);
  std::vector<int64_t> prompt;
  if (!a.timing_only) {
    if (!a.tokens.empty() && !a.prompt.empty()) fail("give either --prompt or --tokens, not both");
    if (!a.tokens.empty()) {
      prompt = parse_token_ids(a.tokens);
    } else if (!a.prompt.empty()) {
      if (!tok) fail("model '{}' has no tokenizer: pass --tokenizer FILE or give --tokens 1,2,3", a.model);
      for (int32_t id : tok->encode(a.prompt, true)) prompt.push_back(id);
    } else {
      prompt = {cfg.bos_id};
    }
  }
  const int64_t need = a.timing_only ? want_prompt + a.max_tokens : int64_t(prompt.size()) + a.max_tokens;
  if (!a.timing_only && int64_t(prompt.size()) > cfg.max_seq_len)
    fail("prompt of {} tokens is longer than the context length {} of model '{}'", prompt.size(), cfg.max_seq_len,
         cfg.name);
  ro.compile.max_context = a.context > 0 ? a.context : std::min<int64_t>(need, cfg.max_seq_len);

  runtime::ModelRunner runner(cfg, model ? model->weights.get() : nullptr, chip, ro);
  const auto& L = runner.layout();
  fmt::print(stderr, "npulab generate: {} ({} layers, dim {}, {} heads / {} kv heads) on {}: dtype {} (KV cache {}), "
                     "context {}, batch {}; {}{}{}\n",
             cfg.name, cfg.n_layers, cfg.dim, cfg.n_heads, cfg.n_kv_heads, chip.name, dtype_name(L.mm_dtype()),
             dtype_name(L.kv_dtype()), L.max_context(), a.batch,
             cores_used_text(ro.compile.tp, ro.compile.lnc, chip), a.timing_only ? "; timing-only (no values)" : "",
             runner.tp_layout().aliased() ? "; --ignore-capacity: every layer uses layer 0's HBM weights (timing only)"
                                          : "");

  if (a.timing_only) {
    runtime::TimingRunOptions to;
    to.prompt_len = want_prompt;
    to.max_tokens = a.max_tokens;
    to.decode_samples = a.decode_samples >= 0 ? a.decode_samples : (a.max_tokens - 1 > 16 ? 8 : 0);
    auto t = runtime::run_timing_only(runner, to);
    fmt::print("prompt: {} tokens, prefill (TTFT) simulated {:.3f} ms in {} chunk(s) of <= {} tokens, host {:.2f} s\n",
               to.prompt_len, ms(t.ttft_ns), (to.prompt_len + runner.prefill_chunk() - 1) / runner.prefill_chunk(),
               runner.prefill_chunk(), t.prefill_host_s);
    print_decode_stats(t.tpot_ns, a.batch, t.decode_host_s, t.decode_steps_simulated);
    print_decode_programs(runner);
    if (t.decode_steps_simulated < int64_t(t.tpot_ns.size()))
      fmt::print("        {} of {} decode steps simulated; the others interpolated linearly in context length "
                 "(--decode-samples 0 simulates all)\n",
                 t.decode_steps_simulated, t.tpot_ns.size());
    print_weights(runner);
    print_comm(runner);
    print_bounds(runner, to.prompt_len, t.ttft_ns, to.prompt_len, to.prompt_len + a.max_tokens - 2, a.batch);
    if (a.print_steps) print_steps(runner);
    return 0;
  }

  runtime::GenerateOptions go;
  go.max_tokens = a.max_tokens;
  go.sampling = {a.temperature, a.top_k, a.top_p, a.seed};
  const bool ids = a.print_ids || !tok;
  int64_t prev = prompt.back();
  bool first = true;
  if (!ids && !a.prompt.empty()) fmt::print("{}", a.prompt);  // the text continues the prompt, as run.c prints it
  go.on_token = [&](int64_t t) {
    if (ids) fmt::print("{}{}", first ? "" : " ", t);
    else fmt::print("{}", tok->decode_piece(int32_t(prev), int32_t(t)));
    first = false;
    prev = t;
    std::fflush(stdout);
  };
  auto g = runtime::generate(runner, prompt, go);
  fmt::print("\n");
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  fmt::print("prompt: {} tokens, prefill (TTFT) simulated {:.3f} ms, host {:.3f} s\n", prompt.size(), ms(g.ttft_ns),
             g.prefill_host_s);
  print_decode_stats(g.tpot_ns, 1, g.decode_host_s, int64_t(g.tpot_ns.size()));
  print_decode_programs(runner);
  fmt::print("host:   {} tokens in {:.2f} s wall ({:.1f} tokens/s, including loading and writing weights to HBM "
             "in {:.2f} s)\n",
             g.tokens.size(), wall, double(g.tokens.size()) / wall, runner.weight_write_host_s());
  print_weights(runner);
  print_comm(runner);
  print_bounds(runner, int64_t(prompt.size()), g.ttft_ns, int64_t(prompt.size()),
               int64_t(prompt.size() + g.tokens.size()) - 1, 1);
  if (a.print_steps) print_steps(runner);
  return 0;
}

Run setup(CLI::App& app) {
  auto a = std::make_shared<Args>();
  app.add_option("model", a->model, "llama2.c .bin, Hugging Face directory, .gguf, or a built-in config name")
      ->required();
  app.add_option("--prompt", a->prompt, "prompt text (needs a tokenizer)");
  app.add_option("--tokens", a->tokens, "prompt token ids, e.g. 1,2,3 (default: BOS)");
  app.add_option("--max-tokens", a->max_tokens, "tokens to generate")->check(int_range(1, kMaxTokens));
  app.add_option("--hw", a->hw, "chip name or hw/*.toml path");
  app.add_option("--dtype", a->dtype, "matmul weight dtype: fp32, bf16 or fp8");
  app.add_option("--temperature", a->temperature, "sampling temperature (0 = greedy)")->check(real_range(0, 1e6));
  app.add_option("--top-k", a->top_k, "top-k cut (0 = off)")->check(int_range(0));
  app.add_option("--top-p", a->top_p, "nucleus cut (1 = off)")->check(real_range(0, 1));
  app.add_option("--seed", a->seed, "sampler seed");
  app.add_option("--tokenizer", a->tokenizer, "tokenizer file (tokenizer.model / tokenizer.bin)");
  app.add_flag("--print-ids", a->print_ids, "print token ids instead of text");
  app.add_flag("--timing-only", a->timing_only, "simulate timing without values (no weights needed)");
  app.add_option("--prompt-len", a->prompt_len, "timing-only: prompt length (default 128)")->check(int_range(0, kMaxTokens));
  app.add_option("--batch", a->batch, "timing-only: decode batch (sequences per step)")->check(int_range(1, kMaxBatch));
  app.add_option("--context", a->context, "KV cache length (default: prompt + max tokens)")->check(int_range(0, kMaxTokens));
  app.add_option("--decode-samples", a->decode_samples,
                 "timing-only: decode steps to simulate (others interpolated; 0 = all; default 8 when > 16 steps)");
  app.add_flag("--ignore-capacity", a->ignore_capacity,
               "timing-only: run models larger than HBM (layers share HBM addresses; timing is unaffected)");
  app.add_flag("--unroll-layers", a->unroll_layers,
               "emit every layer as straight-line code instead of one register loop (same results, bigger programs)");
  app.add_flag("--no-resident-weights", a->no_resident_weights,
               "stream every weight from HBM in every step, even when the model fits in SBUF");
  app.add_option("--decode-bucket", a->decode_bucket,
                 "reuse one decode program per N positions (keys after the current one masked; 0 = an exact program "
                 "per step; default 128 for functional generation, 0 with --timing-only)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--print-steps", a->print_steps, "print every simulated step (time, instructions, host time) to stderr");
  app.add_flag("--check-races", a->check_races, "run the simulator's race detector on every step program");
  add_tp_options(app, a->tp);
  return [a]() { return run(*a); };
}

Registrar reg{"generate", "Compile a Llama-family model and generate tokens on the simulated chip", setup};

}  // namespace
}  // namespace npulab::cli
