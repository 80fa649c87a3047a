// The Mamba selective scan (kernels/mamba.h): the three schedules give the same bits (same
// FP32 operations in the same order; v3's chunked scan carries its running value exactly)
// and match the float64 recurrence (kernels/reference.h) with the race detector on; the
// shape and SBUF errors name what to change; v2 (loads hoisted) is faster than v1.
#include <gtest/gtest.h>

#include "kernels/host_io.h"
#include "kernels/mamba.h"
#include "kernels/reference.h"
#include "test_util.h"

namespace npulab::kernels {
namespace {

struct Inputs {
  MambaShape s;
  std::map<std::string, std::vector<float>> m;
};

Inputs inputs(MambaShape s) {
  Inputs in{s, {}};
  const uint64_t rows = s.batch * s.channels, brow = s.batch * s.state;
  in.m["delta"] = random_values(rows * s.seq, 11, 0.001f, 0.1f);
  in.m["u"] = random_values(rows * s.seq, 12, -1.0f, 1.0f);
  in.m["A"] = random_values(s.channels * s.state, 13, -4.0f, -0.5f);
  in.m["B"] = random_values(brow * s.seq, 14, -1.0f, 1.0f);
  in.m["C"] = random_values(brow * s.seq, 15, -1.0f, 1.0f);
  return in;
}

isa::Executable build(const MambaShape& s, MambaSchedule v, const arch::ChipConfig& chip = test::trn2()) {
  Builder b(chip, "mamba");
  const uint64_t rows = s.batch * s.channels, brow = s.batch * s.state;
  mamba(b, b.input("delta", DType::F32, {rows, s.seq}), b.input("u", DType::F32, {rows, s.seq}),
        b.input("A", DType::F32, {s.channels, s.state}), b.input("B", DType::F32, {brow, s.seq}),
        b.input("C", DType::F32, {brow, s.seq}), b.output("out", DType::F32, {rows, s.seq}), s, v);
  return b.finish();
}

TEST(Mamba, SchedulesAgreeBitwiseAndMatchTheRecurrence) {
  const MambaShape s{2, 256, 1024, 3};  // 2 channel tiles, 2 v3 chunks, 2 batches
  const Inputs in = inputs(s);
  const auto want = ref::mamba(in.m.at("delta"), in.m.at("u"), in.m.at("A"), in.m.at("B"), in.m.at("C"), s.batch,
                               s.channels, s.seq, s.state);
  std::vector<float> want_f(want.begin(), want.end());
  std::vector<std::vector<float>> got;
  for (MambaSchedule v : {MambaSchedule::V1, MambaSchedule::V2, MambaSchedule::V3}) {
    auto r = test::run(build(s, v), in.m);
    EXPECT_TRUE(r.result.races.empty()) << r.result.races.front().message;
    EXPECT_TRUE(test::all_close(r.outputs["out"], want_f, 1e-5, 1e-4));
    got.push_back(r.outputs["out"]);
  }
  EXPECT_EQ(got[0], got[1]);
  EXPECT_EQ(got[1], got[2]);
}

TEST(Mamba, ShapesAndSbufErrorsNameWhatToChange) {
  EXPECT_NE(test::error_of([] { build({1, 200, 512, 4}, MambaSchedule::V2); }).find("channels 200 must be a multiple of 128"),
            std::string::npos);
  EXPECT_NE(test::error_of([] { build({1, 128, 700, 4}, MambaSchedule::V3); }).find("seq 700 must be a multiple of its 512"),
            std::string::npos);
  const std::string sbuf = test::error_of([] { build({1, 128, 8192, 4}, MambaSchedule::V2); });
  EXPECT_NE(sbuf.find("SBUF"), std::string::npos) << sbuf;
  EXPECT_NE(sbuf.find("use v3"), std::string::npos) << sbuf;
  EXPECT_NE(test::error_of([] { parse_mamba_schedule("v4"); }).find("expected v1, v2 or v3"), std::string::npos);
}

TEST(Mamba, LoadingDeltaAndUOnceMakesV2FasterThanV1) {
  const MambaShape s{1, 1024, 512, 4};
  const double v1 = test::run_timing(build(s, MambaSchedule::V1)).total_ns;
  const double v2 = test::run_timing(build(s, MambaSchedule::V2)).total_ns;
  EXPECT_LT(v2, v1);
}

}  // namespace
}  // namespace npulab::kernels
