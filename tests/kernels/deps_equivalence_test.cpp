// Pins the exact bytes of programs the builder emits, so that speed work on the
// dependency tracker (kernels/deps.*, kernels/region.*) provably leaves every semaphore
// wait unchanged. The constants were recorded with the original linear-scan tracker; a
// change to any kernel's schedule legitimately changes them (re-record then, on a commit
// that does not also touch the tracker). Re-recorded once on purpose: gemm 257x129x385 KM and
// rmsnorm lost false waits when a one-partition region stopped counting as overlapping every
// multi-partition region (region.cpp; tests/kernels/region_test.cpp, race detector on in the
// kernel tests). Re-recorded: gemm 300x700x500 and 1024x1536x2048 now choose 1 x 512 columns
// per k-step instead of 2, since a new stationary's LoadStationary hides behind the previous
// MultiplyMoving (blocking_cost in gemm.cpp; 1024x1536x2048 on trn2 67.8% -> 77.1% of peak).
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>

#include "isa/container.h"
#include "kernels/gemm.h"
#include "kernels/kernels.h"
#include "test_util.h"

namespace npulab::kernels {
namespace {

using test::trn2;

uint64_t fnv1a(const std::vector<uint8_t>& bytes) {
  uint64_t h = 1469598103934665603ull;
  for (uint8_t c : bytes) h = (h ^ c) * 1099511628211ull;
  return h;
}

uint64_t program_hash(const std::string& name, const std::function<void(Builder&)>& emit) {
  Builder b(trn2(), name);
  emit(b);
  return fnv1a(isa::encode_executable(b.finish()));
}

uint64_t gemm_hash(uint64_t M, uint64_t N, uint64_t K, DType in, DType out, ALayout lay = ALayout::MK) {
  return program_hash("gemm", [&](Builder& b) {
    auto A = lay == ALayout::MK ? b.input("A", in, {M, K}) : b.input("A", in, {K, M});
    auto B = b.input("B", in, {K, N});
    GemmOptions opt;
    opt.a_layout = lay;
    gemm(b, A, B, b.output("C", out, {M, N}), opt);
  });
}

struct Case {
  const char* name;
  std::function<uint64_t()> hash;
  uint64_t want;
};

TEST(DepsEquivalence, ProgramsAreByteIdentical) {
  const Case cases[] = {
      {"gemm 128^3 f32", [] { return gemm_hash(128, 128, 128, DType::F32, DType::F32); }, 0x48b091831638df74ull},
      {"gemm 300x700x500 bf16", [] { return gemm_hash(300, 700, 500, DType::BF16, DType::F32); }, 0xcbff344f217f1d66ull},
      {"gemm 1024x1536x2048 bf16", [] { return gemm_hash(1024, 1536, 2048, DType::BF16, DType::BF16); }, 0x9343ab6798200c88ull},
      {"gemm 257x129x385 KM", [] { return gemm_hash(257, 129, 385, DType::BF16, DType::F32, ALayout::KM); }, 0x6e632b6b6b963f67ull},
      {"softmax", [] { return program_hash("sm", [](Builder& b) {
         softmax(b, b.input("X", DType::F32, {300, 1000}), b.output("Y", DType::BF16, {300, 1000})); }); }, 0xdb407af7b67c31d6ull},
      {"rmsnorm", [] { return program_hash("rms", [](Builder& b) {
         rmsnorm(b, b.input("X", DType::BF16, {513, 768}), b.input("g", DType::F32, {768}),
                 b.output("Y", DType::BF16, {513, 768})); }); }, 0xe9795a5c8d7c335aull},
      {"layernorm", [] { return program_hash("ln", [](Builder& b) {
         layernorm(b, b.input("X", DType::F32, {200, 333}), b.input("g", DType::F32, {333}),
                   b.input("b", DType::F32, {333}), b.output("Y", DType::F32, {200, 333}), 1e-5f); }); }, 0x6bc64b834edf30ceull},
      {"transpose", [] { return program_hash("tr", [](Builder& b) {
         transpose(b, b.input("X", DType::BF16, {300, 517}), b.output("Y", DType::BF16, {517, 300})); }); }, 0xdd6c4d19de2fa6dbull},
  };
  for (const Case& c : cases) {
    const uint64_t h = c.hash();
    EXPECT_EQ(h, c.want) << c.name << ": 0x" << std::hex << h;
  }
}

}  // namespace
}  // namespace npulab::kernels
