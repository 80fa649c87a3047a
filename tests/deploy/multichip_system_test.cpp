// The multi-chip system kind (deploy/multichip_system.cpp): hw/systems files with a chip
// are claimed and listed as chip systems, a model is split over all their chips (one chip's
// shard simulated, the cross-chip collectives timed on the fabric), and a model that does
// not divide over the chips is an error naming the system and --tp.
#include <gtest/gtest.h>

#include <algorithm>

#include "../error_of.h"
#include "deploy/system_kind.h"
#include "deploy/system_model.h"
#include "llm/builtin_configs.h"
#include "serve/multichip_perf_model.h"
#include "serve/pipeline_perf_model.h"
#include "serve/stack_perf_model.h"

namespace npulab::deploy {
namespace {

using test_support::error_of;

arch::ChipSearchPath hw_path() { return arch::ChipSearchPath::from_list(std::string(NPULAB_SOURCE_DIR) + "/hw", "test"); }

DeploySpec spec_70b() {
  DeploySpec s;
  s.model = *llm::builtin_config("llama-3.1-70b");
  s.max_context = 1152;
  s.max_batch = 16;
  s.max_batched_tokens = 512;
  s.stack = "none";  // the hardware alone
  return s;
}

// The layout a deployment reports: one replica's TP and stages, the replicas, every device.
void expect_layout(const SystemModel& m, int64_t tp, int64_t pp, int64_t dp, int64_t devices) {
  EXPECT_EQ(m.tp, tp);
  EXPECT_EQ(m.pp, pp);
  EXPECT_EQ(m.dp, dp);
  EXPECT_EQ(m.devices, devices);
}

double decode_ns(serve::PerfModel& m, int64_t batch, int64_t context) {
  const std::vector<serve::SeqStep> step(size_t(batch), serve::SeqStep{context, 1, true, nullptr});
  return m.step_ns(step);
}

TEST(MultiChip, ChipSystemsAreClaimedAndListed) {
  for (const char* s : {"trn2.48xlarge", "inf2.48xlarge", "trn1.32xlarge", "trn2-ultraserver", "trn3-ultraserver"}) {
    const SystemKind* k = find_system_kind(s, hw_path());
    ASSERT_NE(k, nullptr) << s;
    EXPECT_EQ(k->name, std::string("chip-system")) << s;
    const std::vector<std::string> names = k->names(hw_path());
    EXPECT_NE(std::find(names.begin(), names.end(), s), names.end()) << s;
  }
  // GPU systems live in the same folder and stay the GPU kind's; a chip stays a chip.
  EXPECT_EQ(find_system_kind("8xh100", hw_path())->name, std::string("gpu-system"));
  EXPECT_EQ(find_system_kind("trn2", hw_path())->name, std::string("chip"));
  EXPECT_EQ(find_system_kind(std::string(NPULAB_SOURCE_DIR) + "/hw/systems/trn2.48xlarge.toml", hw_path())->name,
            std::string("chip-system"));
  const Occupied o = find_system_kind("trn2.48xlarge", hw_path())->occupies("trn2.48xlarge", hw_path());
  EXPECT_EQ(o.device, "trn2");
  EXPECT_EQ(o.devices, 16);
}

TEST(MultiChip, DecodeOnTrn2ServerBeatsOneChipAndStaysAboveItsHbmBound) {
  // 70B bf16 does not fit one trn2 (96 GiB); the one-chip comparison is llama-3.1-8b.
  DeploySpec small = spec_70b();
  small.model = *llm::builtin_config("llama-3.1-8b");
  const SystemModel sys8 = make_system_model("trn2.48xlarge", small, hw_path());
  const SystemModel one = make_system_model("trn2", small, hw_path());
  const double t_sys = decode_ns(*sys8.perf, 8, 1000), t_one = decode_ns(*one.perf, 8, 1000);
  EXPECT_LT(t_sys, t_one) << t_sys << " vs one chip " << t_one;
  EXPECT_GT(double(sys8.perf->memory().capacity_bytes), 14.0 * double(one.perf->memory().capacity_bytes));

  const SystemModel sys = make_system_model("trn2.48xlarge", spec_70b(), hw_path());
  EXPECT_EQ(sys.kind, "chip-system");
  EXPECT_EQ(sys.devices, 16);
  EXPECT_EQ(sys.tp % 16, 0);
  EXPECT_NE(sys.perf->describe().find("16 chips x TP"), std::string::npos) << sys.perf->describe();
  // The system's HBM bound: 70B bf16 weights streamed once per step over 16 chips x 2.9 TB/s.
  const double weight_bytes = double(spec_70b().model.param_count()) * 2;
  EXPECT_GT(decode_ns(*sys.perf, 8, 1000), weight_bytes / (16 * 2.9e12) * 1e9);
  // The KV budget is the system's: 16 chips' HBM less the weights.
  const double hbm = 16.0 * 96 * 1073741824.0;
  EXPECT_LT(double(sys.perf->memory().capacity_bytes), hbm - weight_bytes);
  EXPECT_GT(double(sys.perf->memory().capacity_bytes), 0.8 * (hbm - weight_bytes));
}

TEST(MultiChip, CommunicationGrowsWithTokens) {
  const SystemModel sys = make_system_model("trn2.48xlarge", spec_70b(), hw_path());
  auto* mc = dynamic_cast<serve::MultiChipPerfModel*>(sys.perf.get());
  ASSERT_NE(mc, nullptr);
  const std::vector<serve::SeqStep> one(1, serve::SeqStep{500, 1, true, nullptr});
  const std::vector<serve::SeqStep> sixteen(16, serve::SeqStep{500, 1, true, nullptr});
  const std::vector<serve::SeqStep> prefill(1, serve::SeqStep{0, 512, true, nullptr});
  const double c1 = mc->comm_ns(one), c16 = mc->comm_ns(sixteen), cp = mc->comm_ns(prefill);
  EXPECT_GT(c1, 0);
  EXPECT_GT(c16, c1);
  EXPECT_GT(cp, c16);
  // 80 layers x 2 all-reduces, each at least the fabric's fixed start.
  EXPECT_GT(c1, 160 * 3000.0);
  EXPECT_LT(c1, decode_ns(*sys.perf, 1, 500));  // a share of the step, not more
}

TEST(MultiChip, UnfitParallelismIsAClearError) {
  DeploySpec s = spec_70b();
  // 17: no chip count divides it with at most 8 logical cores each, with padded heads or
  // not (--tp 20 pads 64 heads to 80 over 10 chips: llm/compile/tp_padding.h).
  s.tp = 17;
  const std::string e = error_of([&] { make_system_model("trn2.48xlarge", s, hw_path()); });
  EXPECT_NE(e.find("--tp 17"), std::string::npos) << e;
  EXPECT_NE(e.find("16 chips"), std::string::npos) << e;
  // TP25 over inf2.48xlarge's 12 chips of 2 cores: 25 chips or 5 x 5 cores do not exist.
  // (TP24 runs, the heads padded: tests/cli/bench_chip_system.sh.)
  DeploySpec m = spec_70b();
  m.model = *llm::builtin_config("llama-3.1-8b");
  m.tp = 25;
  const std::string h = error_of([&] { make_system_model("inf2.48xlarge", m, hw_path()); });
  EXPECT_NE(h.find("inf2.48xlarge"), std::string::npos) << h;
  EXPECT_NE(h.find("--tp 25"), std::string::npos) << h;
  EXPECT_NE(h.find("12 chips"), std::string::npos) << h;
}


// trn2.48xlarge as 8 data-parallel replicas of llama-3.1-8b at TP8 = 2 chips x TP4 x LNC2:
// each replica's step is a 2-chip shard's, and the run is priced for all 16 chips.
TEST(MultiChip, DataParallelReplicasSplitTheChips) {
  DeploySpec s = spec_70b();
  s.model = *llm::builtin_config("llama-3.1-8b");
  s.tp = 8;
  s.dp = 8;
  const SystemModel m = make_system_model("trn2.48xlarge", s, hw_path());
  expect_layout(m, 8, 1, 8, 16);
  auto* mc = dynamic_cast<serve::MultiChipPerfModel*>(m.perf.get());
  ASSERT_NE(mc, nullptr);
  EXPECT_EQ(mc->plan().chips, 2);
  // Without --dp, TP8 is the most chips that divide it (8 chips x 1 logical core, as before
  // replicas) and two such replicas fill the system; --dp 1 is one of them.
  s.dp = 0;
  const SystemModel wide = make_system_model("trn2.48xlarge", s, hw_path());
  EXPECT_EQ(wide.dp, 2);
  EXPECT_EQ(wide.devices, 16);
  s.dp = 1;
  EXPECT_EQ(make_system_model("trn2.48xlarge", s, hw_path()).devices, 8);
  // --tp 11 --dp 2: no chip count up to a replica's 8 chips divides 11 and splits the model
  // (--tp 5 would: 5 chips with the heads padded to 35).
  s.tp = 11;
  s.dp = 2;
  const std::string e = error_of([&] { make_system_model("trn2.48xlarge", s, hw_path()); });
  EXPECT_NE(e.find("--tp 11"), std::string::npos) << e;
  EXPECT_NE(e.find("8 per replica (--dp)"), std::string::npos) << e;
  // --dp 3 --tp 16: a replica's 5 chips hold TP16 as 4 chips x 4 logical cores; the run
  // occupies (and pays for) the 12 chips its replicas use, 4 stay idle.
  s.tp = 16;
  s.dp = 3;
  const SystemModel three = make_system_model("trn2.48xlarge", s, hw_path());
  EXPECT_EQ(three.devices, 12);
  auto* mc3 = dynamic_cast<serve::MultiChipPerfModel*>(three.perf.get());
  ASSERT_NE(mc3, nullptr);
  EXPECT_EQ(mc3->plan().chips, 4);
}


// llama-3.1-70b on trn2.48xlarge as 2 pipeline stages of 40 layers, each 8 chips x TP4 x LNC2
// (8 heads per chip, on every NeuronCore): the stages before the last
// compute no logits, the step follows the stages, and unfit depths are errors naming --pp.
TEST(MultiChip, PipelineStagesSplitTheLayersAndTheChips) {
  DeploySpec s = spec_70b();
  s.pp = 2;
  s.micro_batches = 1;
  SystemModel m = make_system_model("trn2.48xlarge", s, hw_path());
  expect_layout(m, 32, 2, 1, 16);
  auto* pm = dynamic_cast<serve::PipelinePerfModel*>(m.perf.get());
  ASSERT_NE(pm, nullptr);
  EXPECT_EQ(pm->plan().layers_per_stage, 40);
  EXPECT_EQ(m.virtual_engines, 2);  // vLLM's default: an engine per stage
  EXPECT_EQ(pm->plan().virtual_engines, 2);
  EXPECT_EQ(deploy::engine_backends(m).size(), 2u);
  auto* inner = dynamic_cast<serve::MultiChipPerfModel*>(&pm->inner());
  auto* last = dynamic_cast<serve::MultiChipPerfModel*>(&pm->last());
  ASSERT_TRUE(inner && last);
  EXPECT_EQ(inner->plan().chips, 8);
  EXPECT_EQ(inner->chip().deployment().cores(), 8);  // all of the chip's NeuronCores
  EXPECT_EQ(inner->plan().n_layers, 40);
  EXPECT_FALSE(inner->chip().deployment().logits);
  EXPECT_TRUE(last->chip().deployment().logits);
  // Without the classifier an earlier stage's decode step is faster than the last stage's.
  const double ti = decode_ns(*inner, 8, 500), tl = decode_ns(*last, 8, 500);
  EXPECT_LT(ti, tl);
  // One micro-batch: the stages one after another plus the hand-off, nothing overlapped.
  const double step = decode_ns(*m.perf, 8, 500);
  EXPECT_GT(step, ti + tl);
  EXPECT_LT(step, ti + tl + 1e6);  // a hand-off of 8 x 8192 bf16 activations is microseconds
  // KV: every stage holds its 40 layers' K and V; the whole model's per position.
  EXPECT_EQ(m.perf->memory().bytes_per_token, inner->memory().bytes_per_token + last->memory().bytes_per_token);
  EXPECT_GT(m.perf->comm_ns_total(), 0);
}

TEST(MultiChip, UnfitPipelinesAreClearErrors) {
  DeploySpec s = spec_70b();
  s.pp = 3;  // 80 layers
  std::string e = error_of([&] { make_system_model("trn2.48xlarge", s, hw_path()); });
  EXPECT_NE(e.find("--pp 3"), std::string::npos) << e;
  EXPECT_NE(e.find("80 layers do not split into 3 equal stages"), std::string::npos) << e;
  s.pp = 5;  // 80 layers split, 16 chips do not
  e = error_of([&] { make_system_model("trn2.48xlarge", s, hw_path()); });
  EXPECT_NE(e.find("16 chips, which do not split into 5 equal stages"), std::string::npos) << e;
  s.pp = 160;
  e = error_of([&] { make_system_model("trn2.48xlarge", s, hw_path()); });
  EXPECT_NE(e.find("has 80 layers, fewer than the stages"), std::string::npos) << e;
  s.pp = 2;
  e = error_of([&] { make_system_model("8xh100", s, hw_path()); });
  EXPECT_NE(e.find("--pp 2: pipeline parallelism is modelled across the chips of multi-chip systems"),
            std::string::npos)
      << e;
  e = error_of([&] { make_system_model("trn2", s, hw_path()); });
  EXPECT_NE(e.find("--pp 2"), std::string::npos) << e;
  s.pp = 1;
  s.micro_batches = 4;
  e = error_of([&] { make_system_model("trn2.48xlarge", s, hw_path()); });
  EXPECT_NE(e.find("--micro-batches 4"), std::string::npos) << e;
  s.micro_batches = 0;
  s.virtual_engines = 2;
  e = error_of([&] { make_system_model("trn2.48xlarge", s, hw_path()); });
  EXPECT_NE(e.find("--virtual-engines 2: virtual engines share a pipeline's stages; give --pp"), std::string::npos)
      << e;
}

}  // namespace
}  // namespace npulab::deploy
