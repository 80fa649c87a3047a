// Chrome trace output: valid JSON (parsed back with nlohmann-json), one named track per
// engine and DMA queue, one complete event per executed instruction.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "sched_util.h"

namespace npulab::sim {
namespace {

using namespace testutil;
using isa::Stream;

TEST(SchedTrace, WritesParsableChromeTraceWithTracks) {
  auto exe = make_exe(2, 2);
  for (uint32_t c = 0; c < 2; ++c) {
    dmaq(exe, 0, c).push_back(with_signal(dma(sbuf(DType::F32, 128, 64), hbm(DType::F32, 128, 64, c * 65536)), 0));
    stream(exe, Stream::ACT, c).push_back(with_signal(with_wait(activation(sbuf(DType::F32, 128, 64, 4096), sbuf(DType::F32, 128, 64), isa::ActFunc::exp), 0, 1), 1));
    stream(exe, Stream::PE, c).push_back(matmul(psum(128, 64), sbuf(DType::BF16, 128, 128, 8192), sbuf(DType::BF16, 128, 64, 16384)));
    dmaq(exe, 1, c).push_back(with_wait(dma(hbm(DType::F32, 128, 64, (4 + c) << 20), sbuf(DType::F32, 128, 64, 4096)), 1, 1));
  }
  const auto path = (std::filesystem::temp_directory_path() / "npulab_sched_trace_test.json").string();
  Chip chip(trn2(), Mode::TimingOnly);
  SimOptions o;
  o.trace_path = path;
  const SimResult r = chip.run(exe, o);
  std::ifstream f(path);
  ASSERT_TRUE(f.good());
  const nlohmann::json j = nlohmann::json::parse(f);
  std::remove(path.c_str());
  std::set<std::pair<int, std::string>> threads;
  std::set<std::string> processes;
  int complete = 0;
  double max_end_us = 0;
  for (const auto& e : j.at("traceEvents")) {
    if (e.at("ph") == "M" && e.at("name") == "thread_name")
      threads.insert({e.at("pid").get<int>(), e.at("args").at("name").get<std::string>()});
    if (e.at("ph") == "M" && e.at("name") == "process_name")
      processes.insert(e.at("args").at("name").get<std::string>());
    if (e.at("ph") == "X") {
      ++complete;
      EXPECT_FALSE(e.at("args").at("asm").get<std::string>().empty());
      EXPECT_GT(e.at("dur").get<double>(), 0);
      max_end_us = std::max(max_end_us, e.at("ts").get<double>() + e.at("dur").get<double>());
      if (e.at("name") == "matmul") {
        EXPECT_EQ(e.at("args").at("flops").get<double>(), 2.0 * 128 * 128 * 64);
      }
      if (e.at("name") == "dma_copy") {
        EXPECT_EQ(e.at("args").at("bytes").get<uint64_t>(), 128u * 64 * 4);
      }
    }
  }
  EXPECT_EQ(processes, (std::set<std::string>{"core0", "core1"}));
  for (int c = 0; c < 2; ++c)
    for (const char* t : {"pe", "act", "dma0", "dma1"}) EXPECT_TRUE(threads.count({c, t})) << c << t;
  EXPECT_EQ(complete, int(r.instrs));
  EXPECT_NEAR(max_end_us * 1000, r.total_ns, 1e-3);
}

}  // namespace
}  // namespace npulab::sim

namespace npulab::sim {
namespace {
using namespace testutil;

TEST(SchedTrace, HundredThousandEventsStayFast) {
  auto exe = make_exe();
  for (isa::Stream s : {isa::Stream::DVE, isa::Stream::ACT}) {
    auto& code = stream(exe, s);
    code.push_back(ctrl(isa::Opcode::reg_set, 0, 0));
    code.push_back(memset(sbuf(DType::BF16, 128, 64, s == isa::Stream::DVE ? 0 : 4096), 0.0f));
    code.push_back(ctrl(isa::Opcode::reg_add, 0, 1));
    code.push_back(ctrl(isa::Opcode::branch_lt, 0, 50000, 1));
  }
  const auto path = (std::filesystem::temp_directory_path() / "npulab_sched_trace_big.json").string();
  Chip chip(trn2(), Mode::TimingOnly);
  SimOptions o;
  o.trace_path = path;
  o.check_races = false;  // measure the trace writer, not the race detector
  const auto t0 = std::chrono::steady_clock::now();
  chip.run(exe, o);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::ifstream f(path);
  const nlohmann::json j = nlohmann::json::parse(f);
  std::remove(path.c_str());
  size_t complete = 0;
  for (const auto& e : j.at("traceEvents")) complete += e.at("ph") == "X";
  EXPECT_EQ(complete, 100000u);
  EXPECT_LT(secs, 5.0);  // typically ~0.1 s
  std::printf("trace of %zu events written in %.3f s\n", complete, secs);
}

}  // namespace
}  // namespace npulab::sim
