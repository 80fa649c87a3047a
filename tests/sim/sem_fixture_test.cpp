// Every data opcode against the independent python reference (fixtures/gen_sem_fixtures.py):
// each case places its inputs with the test harness, runs the sem_ function directly and
// compares the written operands element by element (codes exact; NaN matches NaN; a case
// may allow a few ulps where libm functions are involved).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "isa/opcode_table.h"
#include "sem_harness.h"

namespace npulab::test {
namespace {

using json = nlohmann::json;
using SemFn = void (*)(const isa::Instr&, sim::ExecCtx&);

// Every opcode's sem_ function by name, from the opcode table itself (opcodes.def).
const std::map<std::string, SemFn>& sem_table() {
  static const std::map<std::string, SemFn> t = {
#define OP(name, ...) {#name, sim::sem_##name},
#include "isa/opcodes.def"
#undef OP
  };
  return t;
}

isa::TensorRef parse_ref(const json& j) {
  isa::TensorRef r;
  const std::string sp = j["space"];
  r.space = sp == "hbm" ? isa::Space::Hbm : sp == "psum" ? isa::Space::Psum : isa::Space::Sbuf;
  r.dtype = *parse_dtype(j["dtype"].get<std::string>());
  r.part_start = j["part_start"];
  r.part_count = j["part_count"];
  r.offset = j["offset"];
  if (j.contains("part_stride")) r.part_stride = j["part_stride"];
  if (j.contains("part_bcast")) r.part_bcast = j["part_bcast"];
  r.ndim = uint8_t(j["dims"].size());
  for (size_t k = 0; k < j["dims"].size(); ++k) r.dims[k] = {j["dims"][k][0].get<int32_t>(), j["dims"][k][1].get<uint32_t>()};
  return r;
}

// Distance in representable steps between two codes of a sign-magnitude format.
int64_t ulp_distance(DType dt, uint64_t a, uint64_t b) {
  const int bits = int(8 * dtype_size(dt));
  const uint64_t sign = 1ull << (bits - 1);
  auto ord = [&](uint64_t c) { return (c & sign) ? -int64_t(c & (sign - 1)) : int64_t(c); };
  return std::llabs(ord(a) - ord(b));
}

bool close(DType dt, uint64_t got, uint64_t exp, int64_t tol_ulp, double tol_abs) {
  if (got == exp) return true;
  if (!dtype_is_float(dt)) return false;
  const float g = load_as_f32(dt, &got, 0), e = load_as_f32(dt, &exp, 0);
  if (std::isnan(g) && std::isnan(e)) return true;  // payloads are not part of the contract
  if (std::isnan(g) || std::isnan(e)) return false;
  if (std::isinf(g) || std::isinf(e)) return g == e;
  return ulp_distance(dt, got, exp) <= tol_ulp || std::fabs(double(g) - double(e)) <= tol_abs;
}

const std::string kFixtureDir = std::string(NPULAB_SOURCE_DIR) + "/tests/sim/fixtures/";

json read_fixture(const std::string& file) {
  const std::string path = kFixtureDir + file;
  std::ifstream f(path);
  if (!f.good()) throw std::runtime_error("missing fixture " + path + " (run gen_sem_fixtures.py)");
  return json::parse(f);
}

void run_fixture(const std::string& file) {
  const json cases = read_fixture(file);
  ASSERT_GT(cases.size(), 0u);
  for (const auto& c : cases) {
    const std::string name = c["name"];
    SCOPED_TRACE(name);
    SemMachine m;
    isa::Instr in;
    in.op = *isa::parse_opcode(c["op"].get<std::string>());
    if (c.contains("alu0")) in.alu0 = *isa::parse_alu(c["alu0"].get<std::string>());
    if (c.contains("alu1")) in.alu1 = *isa::parse_alu(c["alu1"].get<std::string>());
    if (c.contains("act")) in.act = *isa::parse_act(c["act"].get<std::string>());
    if (c.contains("imm0")) in.imm0 = bitsf(c["imm0"].get<uint32_t>());
    if (c.contains("imm1")) in.imm1 = bitsf(c["imm1"].get<uint32_t>());
    if (c.contains("iimm0")) in.iimm0 = c["iimm0"];
    if (c.contains("iimm1")) in.iimm1 = c["iimm1"];
    if (c.contains("flags")) in.flags = c["flags"];
    const auto& ops = c["operands"];
    for (size_t s = 0; s < ops.size(); ++s) {
      if (ops[s].is_null()) continue;
      in.t[s] = parse_ref(ops[s]);
      if (!ops[s].contains("data")) continue;
      // A partition-broadcast input's data is its one row: placed through a 1-partition view.
      isa::TensorRef at = in.t[s];
      if (at.part_bcast) at.part_bcast = false, at.part_count = 1;
      m.put(at, ops[s]["data"].get<std::vector<uint64_t>>());
    }
    auto ctx = m.ctx();
    sem_table().at(c["op"].get<std::string>())(in, ctx);
    for (const auto& e : c["expect"]) {
      const int slot = e["slot"];
      const auto exp = e["codes"].get<std::vector<uint64_t>>();
      const auto got = m.get(in.t[slot]);
      ASSERT_EQ(got.size(), exp.size());
      int bad = 0;
      for (size_t i = 0; i < got.size() && bad < 5; ++i) {
        if (close(in.t[slot].dtype, got[i], exp[i], e["tol_ulp"], e["tol_abs"])) continue;
        ++bad;
        ADD_FAILURE() << name << " slot " << slot << " element " << i << ": got code 0x" << std::hex
                      << got[i] << " (" << load_as_f32(in.t[slot].dtype, &got[i], 0) << "), expected 0x"
                      << exp[i] << std::dec << " (" << load_as_f32(in.t[slot].dtype, &exp[i], 0) << ")";
      }
    }
  }
}

TEST(SemFixtures, CopyCastDmaMemset) { run_fixture("sem_copy.json"); }
TEST(SemFixtures, MatmulTranspose) { run_fixture("sem_matmul.json"); }
TEST(SemFixtures, AluTensorTensorTensorScalar) { run_fixture("sem_alu.json"); }
TEST(SemFixtures, Reductions) { run_fixture("sem_reduce.json"); }
TEST(SemFixtures, MasksIndexShuffle) { run_fixture("sem_masks.json"); }
TEST(SemFixtures, Activation) { run_fixture("sem_act.json"); }
TEST(SemFixtures, OneRankCollectives) { run_fixture("sem_collective.json"); }

// Every data opcode (one that writes a tensor operand) has cases in the python reference
// fixtures, so a new instruction without an independent reference fails here.
TEST(SemFixtures, EveryDataOpcodeHasAFixture) {
  std::map<std::string, int> cases_of;
  for (const auto& entry : std::filesystem::directory_iterator(kFixtureDir)) {
    const std::string file = entry.path().filename().string();
    if (file.starts_with("sem_") && file.ends_with(".json"))
      for (const auto& c : read_fixture(file)) ++cases_of[c["op"].get<std::string>()];
  }
  for (size_t i = 0; i < size_t(isa::Opcode::kCount); ++i) {
    const isa::OpInfo& info = isa::op_info(isa::Opcode(i));
    bool writes = false;
    for (int k = 0; k < info.num_operands; ++k) writes |= info.operands[k].access != isa::Access::R;
    if (writes)
      EXPECT_GT(cases_of[std::string(info.name)], 0)
          << info.name << " has no case in tests/sim/fixtures/sem_*.json: add it to gen_sem_fixtures.py";
  }
}

}  // namespace
}  // namespace npulab::test
