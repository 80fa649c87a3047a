// kernels::ChipBuilder: SPMD and per-core programs over shared and private HBM tensors,
// one executable with a program per core; race-free when the cores' accesses are disjoint,
// races named when they are not; bad input named.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "kernels/chip_builder.h"
#include "kernels/host_io.h"
#include "test_util.h"

namespace npulab::kernels {
namespace {

using test::error_of;
using test::trn2;

// Rank r scales its private x[r] by r + 1 and writes rows [r*R, (r+1)*R) of the shared Y.
isa::Executable scale_program(uint32_t cores, uint32_t R, uint32_t C, bool overlap = false) {
  ChipBuilder cb(trn2(), "scale", cores);
  auto X = cb.private_input("x", DType::F32, {R, C});
  auto Y = cb.shared_output("y", DType::F32, {uint64_t(cores) * R, C});
  cb.spmd([&](Builder& b, uint32_t r) {
    Tile t = b.sbuf("t", DType::F32, R, {C});
    b.load(t, X[r].view(0, R, 0, C));
    b.tensor_scalar(t, t, isa::AluOp::multiply, float(r + 1));
    const uint64_t row = overlap ? 0 : uint64_t(r) * R;
    b.store(Y.view(row, R, 0, C), t);
  });
  return cb.finish();
}

TEST(ChipBuilder, SpmdOverPrivateInputsAndASharedOutput) {
  const uint32_t cores = 4, R = 100, C = 37;
  const auto exe = scale_program(cores, R, C);
  ASSERT_EQ(exe.cores.size(), cores);
  std::map<std::string, std::vector<float>> in;
  for (uint32_t r = 0; r < cores; ++r) in[fmt::format("x[{}]", r)] = random_values(R * C, 10 + r);
  const auto out = test::run(exe, in);
  EXPECT_TRUE(out.result.races.empty()) << out.result.races.front().message;
  const auto& y = out.outputs.at("y");
  for (uint32_t r = 0; r < cores; ++r)
    for (uint32_t i = 0; i < R * C; i += 7)
      ASSERT_EQ(y[r * R * C + i], in[fmt::format("x[{}]", r)][i] * float(r + 1)) << r << " " << i;
  // Every core's program ran (each core's DMA streams are busy).
  for (uint32_t r = 0; r < cores; ++r) {
    double busy = 0;
    for (const auto& s : out.result.streams)
      if (s.core == r) busy += s.busy_ns;
    EXPECT_GT(busy, 0) << r;
  }
}

TEST(ChipBuilder, TensorsAreDisjointAndNamedPerCore) {
  ChipBuilder cb(trn2(), "t", 3);
  auto s = cb.shared_input("w", DType::BF16, {64, 64});
  auto p = cb.private_scratch("kv", DType::F32, {10, 10});
  HbmTensor inner;
  cb.spmd([&](Builder& b, uint32_t r) {
    auto t = b.scratch("tmp", DType::F32, {8, 8});
    if (r == 2) inner = t;
  });
  EXPECT_EQ(inner.name(), "tmp[2]");
  const auto exe = cb.finish();
  std::vector<std::string> names;
  for (const auto& d : exe.tensors) names.push_back(d.name);
  EXPECT_EQ(names, (std::vector<std::string>{"w", "kv[0]", "kv[1]", "kv[2]", "tmp[0]", "tmp[1]", "tmp[2]"}));
  for (size_t i = 1; i < exe.tensors.size(); ++i)
    EXPECT_GE(exe.tensors[i].hbm_offset, exe.tensors[i - 1].hbm_offset + exe.tensors[i - 1].bytes());
  EXPECT_EQ(s.offset(), exe.tensors[0].hbm_offset);
  EXPECT_EQ(p[1].name(), "kv[1]");
}

TEST(ChipBuilder, PerCoreProgramsDiffer) {
  ChipBuilder cb(trn2(), "pc", 2);
  auto Y = cb.shared_output("y", DType::F32, {2, 64});
  for (uint32_t r = 0; r < 2; ++r) {
    Builder& b = cb.core(r);
    Tile t = b.sbuf("t", DType::F32, 1, {64});
    if (r == 0) b.memset(t, 1.5f);
    else b.iota(t, 0, 0, 1.0f);
    b.store(Y.view(r, 1, 0, 64), t);
  }
  const auto out = test::run(cb.finish(), {});
  EXPECT_TRUE(out.result.races.empty());
  EXPECT_EQ(out.outputs.at("y")[5], 1.5f);
  EXPECT_EQ(out.outputs.at("y")[64 + 5], 5.0f);
}

TEST(ChipBuilder, CoresWritingTheSameSharedBytesRace) {
  const auto exe = scale_program(2, 16, 32, /*overlap=*/true);
  const auto r = test::run_timing(exe);
  sim::Chip chip(trn2(), sim::Mode::TimingOnly);
  sim::SimOptions o;
  o.check_races = true;
  const auto res = chip.run(exe, o);
  ASSERT_FALSE(res.races.empty());
  EXPECT_NE(res.races[0].message.find("core0.dma"), std::string::npos) << res.races[0].message;
  EXPECT_NE(res.races[0].message.find("core1.dma"), std::string::npos) << res.races[0].message;
  EXPECT_GT(r.total_ns, 0);
}

TEST(ChipBuilder, BadInput) {
  EXPECT_NE(error_of([] { ChipBuilder(trn2(), "x", 9); }).find("9 cores requested, chip 'trn2' has 8"),
            std::string::npos);
  EXPECT_NE(error_of([] { ChipBuilder(trn2(), "x", 0); }).find("0 cores requested"), std::string::npos);
  ChipBuilder cb(trn2(), "x", 2);
  EXPECT_NE(error_of([&] { cb.core(2); }).find("core 2 does not exist"), std::string::npos);
  cb.shared_input("a", DType::F32, {4});
  EXPECT_NE(error_of([&] { cb.shared_input("a", DType::F32, {4}); }).find("'a' declared twice"), std::string::npos);
}

}  // namespace
}  // namespace npulab::kernels
