// Collectives on the simulated chip (kernels::ChipBuilder -> sim::Chip): every collective
// against a plain reference for 2..8 cores, odd sizes and every dtype; results that do not
// depend on the order the cores arrive in; race-free ordering through collectives and the
// race reported without it; participants that disagree named.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <bit>
#include <cmath>
#include <functional>

#include "common/error.h"
#include "kernels/chip_builder.h"
#include "kernels/host_io.h"
#include "kernels/reference.h"
#include "test_util.h"

namespace npulab::kernels {
namespace {

using isa::AluOp;
using test::error_of;
using test::trn2;

enum class Coll { AllReduce, AllGather, ReduceScatter, AllToAll };
const char* name(Coll c) {
  switch (c) {
    case Coll::AllReduce: return "all_reduce";
    case Coll::AllGather: return "all_gather";
    case Coll::ReduceScatter: return "reduce_scatter";
    case Coll::AllToAll: return "all_to_all";
  }
  return "?";
}

// Inputs a dtype holds exactly and whose reductions over 8 ranks stay in range.
std::vector<float> inputs(DType t, uint64_t n, uint64_t seed) {
  std::vector<float> v = random_values(n, seed);
  for (float& x : v) {
    switch (t) {
      case DType::I32: x = std::round(x * 1000); break;
      case DType::I8: x = std::round(x * 15); break;
      case DType::U8: x = std::round((x + 1) * 15); break;
      default: break;
    }
  }
  return rounded(t, v);
}

struct Shape {
  uint64_t src_rows, src_cols, dst_rows, dst_cols;
};
// Odd sizes: every count is odd or prime where the operation allows it.
Shape shape_of(Coll c, uint32_t n) {
  switch (c) {
    case Coll::AllReduce: return {3, 37, 3, 37};
    case Coll::AllGather: return {5, 7, uint64_t(n) * 5, 7};
    case Coll::ReduceScatter: return {uint64_t(n) * 3, 11, 3, 11};
    case Coll::AllToAll: return {uint64_t(n) * 3, 5, uint64_t(n) * 3, 5};
  }
  return {};
}

isa::Opcode opcode(Coll c) {
  switch (c) {
    case Coll::AllReduce: return isa::Opcode::all_reduce;
    case Coll::AllGather: return isa::Opcode::all_gather;
    case Coll::ReduceScatter: return isa::Opcode::reduce_scatter;
    case Coll::AllToAll: return isa::Opcode::all_to_all;
  }
  return isa::Opcode::nop;
}
std::vector<float> reference(Coll c, AluOp op, DType t, const std::vector<std::vector<float>>& x, uint32_t r) {
  return ref::collective(opcode(c), op, t, x, r);
}

// `delay[r]`: vector-engine work rank r does before it issues the collective (so ranks
// arrive in a chosen order).
isa::Executable program(Coll c, AluOp op, DType t, uint32_t n, const std::vector<int>& delay = {}) {
  ChipBuilder cb(trn2(), name(c), n);
  const Shape s = shape_of(c, n);
  auto X = cb.private_input("x", t, {s.src_rows, s.src_cols});
  auto Y = cb.private_output("y", t, {s.dst_rows, s.dst_cols});
  cb.spmd([&](Builder& b, uint32_t r) {
    if (!delay.empty()) {
      Tile busy = b.sbuf("busy", DType::F32, 128, {2048});
      for (int k = 0; k < delay[r]; ++k) b.memset(busy, float(k));
    }
    const auto dst = Y[r].view(0, uint32_t(s.dst_rows), 0, uint32_t(s.dst_cols));
    const auto src = X[r].view(0, uint32_t(s.src_rows), 0, uint32_t(s.src_cols));
    switch (c) {
      case Coll::AllReduce: b.all_reduce(dst, src, op); break;
      case Coll::AllGather: b.all_gather(dst, src); break;
      case Coll::ReduceScatter: b.reduce_scatter(dst, src, op); break;
      case Coll::AllToAll: b.all_to_all(dst, src); break;
    }
  });
  return cb.finish();
}

struct Outcome {
  std::vector<std::vector<float>> y;
  sim::SimResult result;
};
Outcome run(const isa::Executable& exe, const std::vector<std::vector<float>>& x) {
  std::map<std::string, std::vector<float>> in;
  for (size_t r = 0; r < x.size(); ++r) in[fmt::format("x[{}]", r)] = x[r];
  auto out = test::run(exe, in);
  Outcome o;
  o.result = out.result;
  for (size_t r = 0; r < x.size(); ++r) o.y.push_back(out.outputs.at(fmt::format("y[{}]", r)));
  return o;
}

TEST(Collectives, EveryCollectiveEveryDtypeTwoToEightCoresMatchesTheReference) {
  const DType dtypes[] = {DType::F32, DType::BF16, DType::F16, DType::F8E4M3, DType::F8E5M2,
                          DType::I32, DType::I8, DType::U8};
  const std::pair<Coll, AluOp> cases[] = {{Coll::AllReduce, AluOp::add}, {Coll::AllReduce, AluOp::max},
                                          {Coll::AllReduce, AluOp::min}, {Coll::AllGather, AluOp::bypass},
                                          {Coll::ReduceScatter, AluOp::add}, {Coll::ReduceScatter, AluOp::max},
                                          {Coll::AllToAll, AluOp::bypass}};
  for (uint32_t n = 2; n <= 8; ++n)
    for (DType t : dtypes)
      for (auto [c, op] : cases) {
        const Shape s = shape_of(c, n);
        std::vector<std::vector<float>> x;
        for (uint32_t r = 0; r < n; ++r) x.push_back(inputs(t, s.src_rows * s.src_cols, 1000 * n + 10 * r + uint64_t(t)));
        const Outcome o = run(program(c, op, t, n), x);
        const std::string what = fmt::format("{} {} {} cores", name(c), dtype_name(t), n);
        ASSERT_TRUE(o.result.races.empty()) << what << ": " << o.result.races[0].message;
        for (uint32_t r = 0; r < n; ++r) {
          const auto want = reference(c, op, t, x, r);
          ASSERT_EQ(o.y[r].size(), want.size()) << what;
          for (size_t i = 0; i < want.size(); ++i)
            ASSERT_EQ(o.y[r][i], want[i]) << what << " rank " << r << " element " << i << " op " << int(op);
        }
      }
}

TEST(Collectives, SumIsReducedInRankOrderWithOneRounding) {
  // BF16 inputs whose FP32 sum in rank order differs from other orders and from BF16
  // rounding after every addition: 1 + 2^-8 + 2^-8 = 1 + 2^-7 (exact in FP32 and BF16),
  // while rounding to BF16 after each step would lose both 2^-8 (ties to even).
  const uint32_t n = 3;
  std::vector<std::vector<float>> x(n, std::vector<float>(3 * 37, 0.0f));
  x[0][0] = 1.0f;
  x[1][0] = std::ldexp(1.0f, -8);
  x[2][0] = std::ldexp(1.0f, -8);
  const Outcome o = run(program(Coll::AllReduce, AluOp::add, DType::BF16, n), x);
  for (uint32_t r = 0; r < n; ++r) EXPECT_EQ(o.y[r][0], 1.0f + std::ldexp(1.0f, -7));
}

TEST(Collectives, ResultsDoNotDependOnTheOrderTheCoresArrive) {
  const uint32_t n = 5;
  const Shape s = shape_of(Coll::AllReduce, n);
  std::vector<std::vector<float>> x;
  for (uint32_t r = 0; r < n; ++r) x.push_back(inputs(DType::F32, s.src_rows * s.src_cols, 77 + r));
  const auto base = run(program(Coll::AllReduce, AluOp::add, DType::F32, n), x);
  const std::vector<std::vector<int>> orders = {{0, 1, 2, 3, 4}, {4, 3, 2, 1, 0}, {2, 0, 4, 1, 3}, {3, 3, 0, 3, 3}};
  for (const auto& delay : orders) {
    const auto o = run(program(Coll::AllReduce, AluOp::add, DType::F32, n, delay), x);
    EXPECT_TRUE(o.result.races.empty());
    for (uint32_t r = 0; r < n; ++r)
      for (size_t i = 0; i < o.y[r].size(); ++i)
        ASSERT_EQ(std::bit_cast<uint32_t>(o.y[r][i]), std::bit_cast<uint32_t>(base.y[r][i])) << r << " " << i;
  }
  // The last core to arrive decides when it starts: same collective time after it.
  auto late = [&](int who) {
    std::vector<int> d(n, 0);
    d[size_t(who)] = 4;
    return test::run_timing(program(Coll::AllReduce, AluOp::add, DType::F32, n, d)).total_ns;
  };
  EXPECT_NEAR(late(0), late(4), 1e-6);
}

TEST(Collectives, ResultsDoNotDependOnHostHelperThreads) {
  // Each rank multiplies its own matrices (large enough for the chip's matmul helper
  // thread to take half the columns), then the ranks all-reduce the products: the same
  // bits with and without the helper thread.
  const uint32_t n = 3;
  ChipBuilder cb(trn2(), "mm_ar", n);
  auto A = cb.private_input("a", DType::BF16, {128, 128});
  auto B = cb.private_input("b", DType::BF16, {128, 512});
  auto Z = cb.private_scratch("z", DType::F32, {128, 512});
  auto Y = cb.private_output("y", DType::F32, {128, 512});
  cb.spmd([&](Builder& b, uint32_t r) {
    Tile a = b.sbuf("a", DType::BF16, 128, {128}), bm = b.sbuf("b", DType::BF16, 128, {512});
    Tile p = b.psum_bank("p"), z = b.sbuf("z", DType::F32, 128, {512});
    b.load(a, A[r].view(0, 128, 0, 128));
    b.load(bm, B[r].view(0, 128, 0, 512));
    b.matmul(p, a, bm, true);
    b.tensor_copy(z, p);
    b.store(Z[r].view(0, 128, 0, 512), z);
    b.all_reduce(Y[r].view(0, 128, 0, 512), Z[r].view(0, 128, 0, 512));
  });
  const isa::Executable exe = cb.finish();
  auto go = [&](bool helper) {
    sim::ChipOptions co;
    co.helper_thread = helper;
    sim::Chip chip(trn2(), sim::Mode::Functional, co);
    for (uint32_t r = 0; r < n; ++r) {
      write_tensor(chip.hbm(), A[r].decl(), random_values(128 * 128, 5 + r));
      write_tensor(chip.hbm(), B[r].decl(), random_values(128 * 512, 50 + r));
    }
    sim::SimOptions o;
    o.check_races = true;
    const auto res = chip.run(exe, o);
    EXPECT_TRUE(res.races.empty());
    std::vector<float> all;
    for (uint32_t r = 0; r < n; ++r) {
      const auto y = read_tensor(chip.hbm(), Y[r].decl());
      all.insert(all.end(), y.begin(), y.end());
    }
    return std::make_pair(all, res.total_ns);
  };
  const auto [with, t_with] = go(true);
  const auto [without, t_without] = go(false);
  ASSERT_EQ(with.size(), without.size());
  for (size_t i = 0; i < with.size(); ++i)
    ASSERT_EQ(std::bit_cast<uint32_t>(with[i]), std::bit_cast<uint32_t>(without[i])) << i;
  EXPECT_EQ(t_with, t_without);
  EXPECT_NE(with[0], 0.0f);
}

TEST(Collectives, OrderingThroughACollectiveIsRaceFreeAcrossCores) {
  // Every rank gathers into one shared tensor, then reads all of it back: ordered by the
  // collective (each core's reader waits for its own all_gather, which ends after every
  // rank's part is written).
  const uint32_t n = 4;
  ChipBuilder cb(trn2(), "ag", n);
  auto X = cb.private_input("x", DType::F32, {8, 16});
  auto G = cb.shared_scratch("g", DType::F32, {uint64_t(n) * 8, 16});
  auto Y = cb.private_output("y", DType::F32, {uint64_t(n) * 8, 16});
  cb.spmd([&](Builder& b, uint32_t r) {
    Tile t = b.sbuf("t", DType::F32, n * 8, {16});
    b.all_gather(G.view(0, n * 8, 0, 16), X[r].view(0, 8, 0, 16));
    b.load(t, G.view(0, n * 8, 0, 16));
    b.store(Y[r].view(0, n * 8, 0, 16), t);
  });
  std::vector<std::vector<float>> x;
  for (uint32_t r = 0; r < n; ++r) x.push_back(inputs(DType::F32, 8 * 16, r));
  const auto o = run(cb.finish(), x);
  EXPECT_TRUE(o.result.races.empty()) << o.result.races[0].message;
  for (uint32_t r = 0; r < n; ++r) EXPECT_EQ(o.y[r], reference(Coll::AllGather, AluOp::bypass, DType::F32, x, r));
}

TEST(Collectives, ANonParticipantReadingTheDestinationRacesUnlessSignalled) {
  // Cores 0 and 1 gather into a shared tensor; core 2, not in the group, loads it. Without
  // synchronisation the load races with the collective's writes (reported naming both);
  // with core 0 signalling core 2 after its all_gather completed, it does not.
  auto build = [] {
    ChipBuilder cb(trn2(), "ag2", 3);
    auto X = cb.private_input("x", DType::F32, {4, 16});
    auto G = cb.shared_scratch("g", DType::F32, {8, 16});
    for (uint32_t r = 0; r < 2; ++r) cb.core(r).all_gather(G.view(0, 8, 0, 16), X[r].view(0, 4, 0, 16), 0b011);
    Tile t = cb.core(2).sbuf("t", DType::F32, 8, {16});
    cb.core(2).load(t, G.view(0, 8, 0, 16));
    return cb.finish();
  };
  sim::SimOptions opt;
  opt.check_races = true;
  sim::Chip chip(trn2(), sim::Mode::TimingOnly);
  const auto racy = chip.run(build(), opt);
  ASSERT_FALSE(racy.races.empty());
  EXPECT_NE(racy.races[0].message.find("core2.dma"), std::string::npos) << racy.races[0].message;
  EXPECT_NE(racy.races[0].message.find("all_gather"), std::string::npos) << racy.races[0].message;
  isa::Executable exe = build();
  isa::Instr nop;
  nop.op = isa::Opcode::nop;
  nop.signal = 63;
  nop.signal_core = 2;
  exe.cores[0].streams[uint32_t(isa::Stream::SP)].push_back(nop);  // after the all_gather completed
  for (size_t q = isa::kNumFixedStreams; q < exe.cores[2].streams.size(); ++q)
    for (auto& in : exe.cores[2].streams[q]) in.waits[in.num_waits++] = isa::SemWait{63, -1, 1, 0};
  const auto ordered = chip.run(exe, opt);
  EXPECT_TRUE(ordered.races.empty()) << ordered.races[0].message;
  EXPECT_GT(ordered.total_ns, racy.total_ns);
}

TEST(Collectives, ParticipantsThatDisagreeAreNamed) {
  // The builder refuses programs whose cores disagree ...
  ChipBuilder cb(trn2(), "bad", 2);
  auto X = cb.private_input("x", DType::F32, {4, 4});
  auto Y = cb.private_output("y", DType::F32, {8, 4});
  cb.core(0).all_reduce(Y[0].view(0, 4, 0, 4), X[0].view(0, 4, 0, 4));
  cb.core(1).all_gather(Y[1].view(0, 8, 0, 4), X[1].view(0, 4, 0, 4));
  const std::string e = error_of([&] { cb.finish(); });
  EXPECT_NE(e.find("collective #0 of group {0,1} differs between cores"), std::string::npos) << e;
  EXPECT_NE(e.find("all_reduce"), std::string::npos) << e;
  EXPECT_NE(e.find("all_gather"), std::string::npos) << e;
  // ... and so does the simulator, for programs made otherwise: the op, the sizes.
  isa::Executable exe = program(Coll::AllReduce, AluOp::add, DType::F32, 2);
  for (auto& in : exe.cores[1].streams[uint32_t(isa::Stream::SP)])
    if (in.op == isa::Opcode::all_reduce) in.alu0 = AluOp::max;
  const std::string e2 = error_of([&] { test::run_timing(exe); });
  EXPECT_NE(e2.find("disagree on the reduction op (add vs max)"), std::string::npos) << e2;
  EXPECT_NE(e2.find("core0.sp[0]"), std::string::npos) << e2;
  EXPECT_NE(e2.find("core1.sp[0]"), std::string::npos) << e2;
  // A core naming another group waits forever: the deadlock names both instructions.
  isa::Executable exe3 = program(Coll::AllReduce, AluOp::add, DType::F32, 3);
  for (auto& in : exe3.cores[2].streams[uint32_t(isa::Stream::SP)])
    if (in.op == isa::Opcode::all_reduce) in.iimm0 = 0b110;
  const std::string e3 = error_of([&] { test::run_timing(exe3); });
  EXPECT_NE(e3.find("deadlock"), std::string::npos) << e3;
  EXPECT_NE(e3.find("core0.sp[0]"), std::string::npos) << e3;
  EXPECT_NE(e3.find("core2.sp[0]"), std::string::npos) << e3;
  EXPECT_NE(e3.find("group {0,1,2}, not issued by core 2"), std::string::npos) << e3;
  // A group with a core the chip does not have is refused by validation.
  exe3.cores[2].streams[uint32_t(isa::Stream::SP)][0].iimm0 = 0x304;
  const std::string e4 = error_of([&] { test::run_timing(exe3); });
  EXPECT_NE(e4.find("names cores the chip does not have"), std::string::npos) << e4;
}

}  // namespace
}  // namespace npulab::kernels
