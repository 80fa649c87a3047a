// deploy::make_system_model: a name resolves to the kind whose hw folder holds it (a chip
// or a GPU system), the default parallelism spans the whole system (data-parallel replicas
// fill it when --tp is smaller), the deployment's
// step times and KV memory come from that kind's model, and unknown names or unfit
// parallelism are errors naming what to change.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../error_of.h"
#include "deploy/system_kind.h"
#include "deploy/system_model.h"
#include "llm/builtin_configs.h"

namespace npulab::deploy {
namespace {

using test_support::error_of;

arch::ChipSearchPath hw_path() { return arch::ChipSearchPath::from_list(std::string(NPULAB_SOURCE_DIR) + "/hw", "test"); }

DeploySpec spec_8b() {
  DeploySpec s;
  s.model = *llm::builtin_config("llama-3.1-8b");
  s.max_context = 1152;
  s.max_batch = 16;
  s.max_batched_tokens = 512;
  return s;
}

TEST(Deploy, ChipNameIsTheSimulatedChipOnItsWholeWidth) {
  const SystemModel m = make_system_model("trn2", spec_8b(), hw_path());
  EXPECT_EQ(m.kind, "chip");
  EXPECT_EQ(m.device, "trn2");
  EXPECT_EQ(m.devices, 1);
  EXPECT_EQ(m.tp, 4);  // 8 NeuronCores at trn2's default LNC=2
  EXPECT_NE(m.perf->describe().find("TP4 x LNC2"), std::string::npos) << m.perf->describe();
  const serve::SeqStep one{1000, 1, true, nullptr};
  const double ns = m.perf->step_ns(std::span(&one, 1));
  EXPECT_GT(ns, 0);
  // Never below the chip's HBM bound: 8B bf16 weights streamed once per decode step.
  const double weight_bytes = double(spec_8b().model.param_count()) * 2;
  EXPECT_GT(ns, weight_bytes / 2.9e12 * 1e9 * 0.9);
}

TEST(Deploy, SplittingOverMoreCoresMakesDecodeFaster) {
  DeploySpec one = spec_8b();
  one.tp = 1;
  const SystemModel a = make_system_model("trn2", one, hw_path());
  const SystemModel b = make_system_model("trn2", spec_8b(), hw_path());
  const serve::SeqStep s{512, 1, true, nullptr};
  EXPECT_EQ(a.tp, 1);
  EXPECT_GT(a.perf->step_ns(std::span(&s, 1)), 2 * b.perf->step_ns(std::span(&s, 1)));
  // The whole chip's HBM less the weights: TP does not change the KV budget much.
  EXPECT_NEAR(double(a.perf->memory().capacity_bytes) / double(b.perf->memory().capacity_bytes), 1.0, 0.05);
  EXPECT_EQ(a.perf->memory().bytes_per_token, b.perf->memory().bytes_per_token);  // 8 kv heads split 4 ways
}

TEST(Deploy, GpuSystemNameIsTheGpuModelOverAllItsGpus) {
  DeploySpec s = spec_8b();
  s.model = *llm::builtin_config("llama-3.1-70b");
  const SystemModel m = make_system_model("8xh100", s, hw_path());
  EXPECT_EQ(m.kind, "gpu-system");
  EXPECT_EQ(m.device, "h100-sxm");
  EXPECT_EQ(m.devices, 8);
  EXPECT_EQ(m.tp, 8);
  EXPECT_EQ(m.dp, 1);
  s.tp = 4;
  s.dp = 1;
  EXPECT_EQ(make_system_model("8xh100", s, hw_path()).devices, 4);  // pays for the GPUs it uses
}

TEST(Deploy, DataParallelReplicasFillTheSystemByDefault) {
  DeploySpec s = spec_8b();
  s.tp = 2;  // --dp not given: as many TP2 replicas as 8 GPUs hold
  SystemModel m = make_system_model("8xh100", s, hw_path());
  EXPECT_EQ(m.tp, 2);
  EXPECT_EQ(m.dp, 4);
  EXPECT_EQ(m.devices, 8);  // prices and power cover every replica
  EXPECT_EQ(m.system_devices, 8);
  s.tp = 3;  // 32 heads do not divide over 3 GPUs: still the TP error, replicas or not
  EXPECT_THROW(make_system_model("8xh100", s, hw_path()), Error);
  s.tp = 0;
  s.dp = 4;  // --dp without --tp: each replica gets 1/4 of the GPUs
  m = make_system_model("8xh100", s, hw_path());
  EXPECT_EQ(m.tp, 2);
  EXPECT_EQ(m.dp, 4);
  EXPECT_EQ(m.devices, 8);
  s.dp = 0;  // neither: one replica over the whole system, as before replicas
  m = make_system_model("8xh100", s, hw_path());
  EXPECT_EQ(m.tp, 8);
  EXPECT_EQ(m.dp, 1);
  // A chip is one device: one replica.
  EXPECT_EQ(make_system_model("trn2", spec_8b(), hw_path()).dp, 1);
}

TEST(Deploy, DataParallelErrorsNameDpTpAndTheSystemsDevices) {
  DeploySpec s = spec_8b();
  s.tp = 4;
  s.dp = 4;
  const std::string e = error_of([&] { make_system_model("8xh100", s, hw_path()); });
  EXPECT_NE(e.find("--dp 4 --tp 4"), std::string::npos) << e;
  EXPECT_NE(e.find("need 16 GPUs"), std::string::npos) << e;
  EXPECT_NE(e.find("'8xh100' has 8"), std::string::npos) << e;
  EXPECT_NE(e.find("at most --dp 2"), std::string::npos) << e;
  s.tp = 0;
  s.dp = 9;
  const std::string g = error_of([&] { make_system_model("8xh100", s, hw_path()); });
  EXPECT_NE(g.find("--dp 9: system '8xh100' has 8 GPUs"), std::string::npos) << g;
  s.dp = 2;
  const std::string c = error_of([&] { make_system_model("trn2", s, hw_path()); });
  EXPECT_NE(c.find("--dp 2: system 'trn2' has 1 chip,"), std::string::npos) << c;
  EXPECT_NE(c.find("multi-chip system"), std::string::npos) << c;
  s.dp = -1;
  EXPECT_NE(error_of([&] { make_system_model("h100", s, hw_path()); }).find("--dp -1"), std::string::npos);
}

TEST(Deploy, FilesGivenByPathAreRecognisedByTheirTables) {
  const std::string hw = std::string(NPULAB_SOURCE_DIR) + "/hw";
  EXPECT_EQ(find_system_kind(hw + "/trn2.toml", hw_path())->name, std::string("chip"));
  EXPECT_EQ(find_system_kind(hw + "/systems/h100.toml", hw_path())->name, std::string("gpu-system"));
  // A GPU description is neither a chip nor a system.
  EXPECT_EQ(find_system_kind(hw + "/gpu/h100-sxm.toml", hw_path()), nullptr);
}

TEST(Deploy, ErrorsNameTheSystemAndWhatToChange) {
  const std::string e = error_of([] { make_system_model("trn9", spec_8b(), hw_path()); });
  EXPECT_NE(e.find("--system 'trn9'"), std::string::npos) << e;
  EXPECT_NE(e.find("trn2"), std::string::npos) << e;   // lists the chips
  EXPECT_NE(e.find("8xh100"), std::string::npos) << e; // and the GPU systems
  DeploySpec s = spec_8b();
  s.tp = 9;  // more than trn2's 8 cores (--tp 3 would pad the 32 heads to 33)
  const std::string t = error_of([&] { make_system_model("trn2", s, hw_path()); });
  EXPECT_NE(t.find("--tp 9"), std::string::npos) << t;
  s.model = *llm::builtin_config("llama-3.1-70b");
  s.tp = 1;
  const std::string f = error_of([&] { make_system_model("h100", s, hw_path()); });
  EXPECT_FALSE(f.empty());  // 140 GB of bf16 weights on one 80 GB GPU
}

}  // namespace
}  // namespace npulab::deploy
