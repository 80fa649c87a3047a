// The simulated chip's performance table: interpolated step times within 2% of direct
// simulation of the same programs at held-out shapes (the standard grid of a Llama-3.1-8B
// with two of its 32 layers: every layer's program is the 8B's, the simulation 16x
// shorter), the table's JSON round trip and cache key, and the lowering of a step to
// programs.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "arch/chip.h"
#include "common/error.h"
#include "llm/builtin_configs.h"
#include "serve/npu_perf_model.h"
#include "serve/perf_cache.h"
#include "serve/perf_table.h"
#include "serve/step_simulator.h"

namespace npulab::serve {
namespace {

NpuDeployment two_layer_8b() {
  NpuDeployment d;
  d.model = *llm::builtin_config("llama-3.1-8b");
  d.model.n_layers = 2;
  d.model.name = "llama-3.1-8b (2 layers)";
  d.chip = arch::load_chip_by_name(std::string(NPULAB_SOURCE_DIR) + "/hw/trn2.toml");
  d.weight_dtype = DType::BF16;
  d.max_context = 2048;
  d.max_batch = 64;
  return d;
}

struct Built {
  NpuDeployment d = two_layer_8b();
  int64_t chunk = 0;
  PerfTable table;
  Built() {
    StepSimulator sim(d);
    chunk = sim.prefill_chunk();
    table = build_perf_table(d, PerfGrid::standard(d.max_batch, d.max_context, chunk), chunk, 2);
  }
};

const Built& built() {
  static const Built b;  // built once for the tests of this file (a test fixture, not library state)
  return b;
}

// Prefill within 2%; decode within 3%: with the deep weight ring a decode step's time is
// jagged over the context by about that much (batch 48 of this model: 8.30 ms at context
// 1500, 8.07 ms at 1536, 8.21 ms at 1600; not yet explained), which a grid point at 1536
// does not fix.
TEST(PerfTable, InterpolatesCloseToDirectSimulation) {
  const Built& b = built();
  EXPECT_EQ(b.chunk, 128);
  StepSimulator sim(b.d);
  struct Dec {
    int64_t batch, ctx;
  };
  for (const Dec& p : {Dec{8, 700}, Dec{48, 1500}, Dec{24, 300}, Dec{2, 1800}}) {
    const double direct = sim.decode_ns(p.batch, p.ctx), table = b.table.decode_ns(double(p.batch), double(p.ctx));
    EXPECT_NEAR(table / direct, 1.0, 0.03) << "decode batch " << p.batch << " context " << p.ctx << ": table "
                                           << table << " ns, simulated " << direct << " ns";
  }
  struct Pre {
    int64_t tokens, ctx;
    bool logits;
  };
  for (const Pre& p : {Pre{48, 500, false}, Pre{100, 1500, false}, Pre{16, 1024, false}, Pre{100, 512, true}}) {
    const double direct = sim.prefill_ns(p.tokens, p.ctx, p.logits);
    const double table = b.table.prefill_ns(double(p.tokens), double(p.ctx), p.logits);
    EXPECT_NEAR(table / direct, 1.0, 0.02) << "prefill " << p.tokens << " tokens at " << p.ctx
                                           << (p.logits ? " with logits" : "") << ": table " << table
                                           << " ns, simulated " << direct << " ns";
  }
  // Grid points are the simulations themselves.
  EXPECT_DOUBLE_EQ(b.table.decode_ns(16, 1024), sim.decode_ns(16, 1024));
}

TEST(PerfTable, RoundTripsThroughJsonAndRejectsDamage) {
  const PerfTable& t = built().table;
  const PerfTable back = PerfTable::from_json(nlohmann::json::parse(t.to_json().dump()), "t");
  EXPECT_EQ(back.grid, t.grid);
  EXPECT_EQ(back.decode, t.decode);
  EXPECT_EQ(back.prefill, t.prefill);
  EXPECT_EQ(back.logits_ns, t.logits_ns);
  nlohmann::json bad = t.to_json();
  bad["decode_ns"].erase(0);
  EXPECT_THROW(PerfTable::from_json(bad, "t"), Error);
  bad = t.to_json();
  bad["grid"]["decode_batch"] = {4, 1};
  EXPECT_THROW(PerfTable::from_json(bad, "t"), Error);
}

TEST(PerfTable, CacheKeyedByEverythingItDependsOn) {
  const Built& b = built();
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("npulab_perf_cache_{}", ::getpid());
  StepSimulator sim(b.d);
  const PerfGrid g = b.table.grid;
  const PerfTableKey k = perf_table_key(b.d, g, sim);
  EXPECT_FALSE(load_cached_table(dir.string(), k));
  store_cached_table(dir.string(), k, b.table);
  const auto hit = load_cached_table(dir.string(), k);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->decode, b.table.decode);
  // Another dtype, model or chip is another key.
  NpuDeployment d2 = b.d;
  d2.weight_dtype = DType::F8E4M3;
  StepSimulator sim2(d2);
  EXPECT_NE(perf_table_key(d2, g, sim2).hash, k.hash);
  NpuDeployment d3 = b.d;
  d3.model.hidden_dim = 14336 - 128;
  StepSimulator sim3(d3);
  EXPECT_NE(perf_table_key(d3, g, sim3).hash, k.hash);
  NpuDeployment d4 = b.d;
  d4.chip = arch::load_chip_by_name(std::string(NPULAB_SOURCE_DIR) + "/hw/trn1.toml");
  StepSimulator sim4(d4);
  EXPECT_NE(perf_table_key(d4, g, sim4).hash, k.hash);
  std::filesystem::remove_all(dir);
}

TEST(NpuPerfModel, LowersAStepToDecodeAndPrefillPrograms) {
  const Built& b = built();
  NpuPerfModel m(b.d, b.table);
  const PerfTable& t = b.table;
  // 3 decodes at contexts 100, 200, 600 + a 300-token prompt chunk that ends its prompt.
  std::vector<SeqStep> step = {{100, 1, true}, {200, 1, true}, {40, 300, true}, {600, 1, true}};
  const double want = t.decode_ns(3, 300) + t.prefill_ns(128, 40, false) + t.prefill_ns(128, 168, false) +
                      t.prefill_ns(44, 296, true);
  EXPECT_DOUBLE_EQ(m.step_ns(step), want);
  // More decodes than a program takes: two programs.
  std::vector<SeqStep> many(70, SeqStep{500, 1, true});
  EXPECT_DOUBLE_EQ(m.step_ns(many), t.decode_ns(64, 500) + t.decode_ns(6, 500));
  const KvMemory mem = m.memory();
  EXPECT_EQ(mem.bytes_per_token, 2 * 2 * 1024 * 2);  // K and V, 2 layers, 8 kv heads x 128, bf16
  EXPECT_GT(mem.capacity_bytes, int64_t(90) << 30);  // 96 GiB minus ~2.2 GB of 2-layer weights
}

}  // namespace
}  // namespace npulab::serve
