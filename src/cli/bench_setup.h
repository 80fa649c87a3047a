// `npulab bench`'s options and what they set up: the model and chip, the workload (synthetic
// lengths or a preset, a trace, or a dataset of real prompts) and the sweep's points (one run
// per request rate or per concurrency given). cmd_bench.cpp runs them.
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "arch/chip.h"
#include "llm/model.h"
#include "serve/metrics.h"
#include "serve/workload.h"

namespace npulab::cli {

struct BenchArgs {
  std::string model = "llama-3.1-8b", dtype, tokenizer;
  // Systems side by side (--system may repeat): chips and GPU systems. Default: the headline
  // pair, one trn2 chip and one H100 (a --functional run: trn2 alone).
  std::vector<std::string> systems;
  int64_t tp = 0;  // 0 = each system's whole width (a replica's share of it with --dp)
  int64_t dp = 0;  // data-parallel replicas; 0 = as many as each system holds
  std::string routing = "least-outstanding";  // how requests are spread over the replicas
  // Pipeline stages (multi-chip systems), engines sharing a pipeline (0 = pp) and
  // micro-batches per step (0 = 1 with several engines, else pp).
  int64_t pp = 1, virtual_engines = 0, micro_batches = 0;
  bool summaries = false;  // per-run vLLM summaries even when comparing systems
  bool compare = false;    // set by validate(): several systems -> the comparison table
  double interactivity = 50;  // tok/s per user at which the comparison reads each system's front
  std::string isl = "1024", osl = "128", preset, dataset, trace;
  int64_t requests = 0, prefix_len = 0, output_len = 0;
  std::vector<double> qps;
  std::vector<int64_t> concurrency;
  double burstiness = 1, time_scale = 1, temperature = 0;
  bool offline = false, functional = false, stop_on_eos = false;
  serve::Slo slo;
  uint64_t seed = 0;
  // Engine.
  int64_t max_num_seqs = 128, max_num_batched_tokens = 0, block_size = 128, max_model_len = 0;  // 0 tokens: the stack's
  std::string stack;  // "" = each system kind's default serving stack, "none" = the hardware alone
  double kv_fraction = 0.9;
  bool no_prefix_caching = false, no_chunked_prefill = false;
  // Performance table.
  std::string cache_dir;
  bool no_cache = false;
  int64_t threads = 0;
  // Outputs.
  std::string json, csv, plot, step_trace, dump_outputs;

  void validate();  // combinations CLI11 cannot check; fills the defaults that depend on others
};

void add_bench_options(CLI::App& app, BenchArgs& a);

struct BenchModel {
  std::optional<llm::Model> model;  // a checkpoint (built-in configs have none)
  llm::ModelConfig config;
  arch::ChipConfig chip;            // --functional: the one chip it runs on
  DType dtype = DType::BF16;
};
BenchModel load_bench_model(const BenchArgs& a);

struct BenchWorkload {
  std::vector<serve::Request> requests;
  std::string describe;
  int64_t max_context = 0;  // the step programs' context: the longest request, capped by the model
};
BenchWorkload make_workload(const BenchArgs& a, const BenchModel& m);

struct SweepPoint {
  std::string label;        // "qps=4", "concurrency=32", "offline"
  serve::Arrivals arrivals;
  bool set_arrivals = true;  // false: a trace keeps its own times
  int64_t concurrency = 0;
};
std::vector<SweepPoint> sweep_points(const BenchArgs& a);

}  // namespace npulab::cli
