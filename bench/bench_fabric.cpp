// Host speed of collectives across chips (docs/PERFORMANCE.md, "Collectives across chips"):
//  - BM_AllReduce64ChipsTiming/<MiB>: build the schedule of an all-reduce among the 64 chips
//    of a Trn2 UltraServer (hierarchical) and time it on the flow model, no data;
//  - BM_AllReduce64ChipsFunctional/<KiB>: the same schedule executed on 64 real FP32 buffers
//    (the data moves and reduces), then timed;
//  - BM_AllToAll144Chips/<KiB>: a timing-only all-to-all among the 144 chips of a Trn3 Gen2
//    UltraServer (20,592 flows sharing switch ports).
#include <benchmark/benchmark.h>

#include "arch/chip_system.h"
#include "fabric/collective.h"

namespace {
using namespace npulab;

const arch::ChipSystem& system_named(const char* name) {
  static const arch::ChipSystem us = arch::load_chip_system("trn2-ultraserver");
  static const arch::ChipSystem g2 = arch::load_chip_system("trn3-ultraserver");
  return std::string_view(name) == "trn2-ultraserver" ? us : g2;
}

void BM_AllReduce64ChipsTiming(benchmark::State& st) {
  const fabric::Topology topo(system_named("trn2-ultraserver"));
  const auto net = fabric::make_network("flow", topo);
  const auto group = fabric::default_group(topo, 64);
  const uint64_t bytes = uint64_t(st.range(0)) << 20;
  for (auto _ : st) benchmark::DoNotOptimize(fabric::collective_time_ns(*net, fabric::CollKind::AllReduce, group, bytes, 4));
}
BENCHMARK(BM_AllReduce64ChipsTiming)->Arg(1)->Arg(1024)->Unit(benchmark::kMillisecond);

void BM_AllReduce64ChipsFunctional(benchmark::State& st) {
  const fabric::Topology topo(system_named("trn2-ultraserver"));
  const auto net = fabric::make_network("flow", topo);
  fabric::CollectiveSpec spec;
  spec.group = fabric::default_group(topo, 64);
  spec.count = uint64_t(st.range(0)) * 1024 / 4;
  const fabric::Schedule s = fabric::build_schedule(topo, spec);
  std::vector<std::vector<uint8_t>> buf(64, std::vector<uint8_t>(s.buffer_elems * 4, 0));
  for (auto _ : st) {
    fabric::execute(s, DType::F32, fabric::ReduceOp::Add, buf);
    benchmark::DoNotOptimize(fabric::time_schedule(s, *net, spec.group, 4).total_ns);
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(s.buffer_elems * 4 * 64));
}
BENCHMARK(BM_AllReduce64ChipsFunctional)->Arg(1024)->Unit(benchmark::kMillisecond);

void BM_AllToAll144Chips(benchmark::State& st) {
  const fabric::Topology topo(system_named("trn3-ultraserver"));
  const auto net = fabric::make_network("flow", topo);
  const auto group = fabric::default_group(topo, 144);
  for (auto _ : st)
    benchmark::DoNotOptimize(
        fabric::collective_time_ns(*net, fabric::CollKind::AllToAll, group, uint64_t(st.range(0)) << 10, 4));
}
BENCHMARK(BM_AllToAll144Chips)->Arg(1024)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
