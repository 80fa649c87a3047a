// Random, structurally valid instructions and executables for the round-trip tests.
// Values cover the whole encodable range (random float bit patterns include NaN payloads,
// -0, infinities and subnormals); only the schema decides which operands/fields are set.
#pragma once
#include <bit>
#include <random>

#include "isa/instr.h"
#include "isa/opcode_table.h"

namespace npulab::isa::testing {

class RandomProgram {
 public:
  explicit RandomProgram(uint64_t seed) : rng_(seed) {}

  template <class T>
  T any() {
    return T(rng_());
  }
  uint64_t below(uint64_t n) { return rng_() % n; }
  bool coin() { return rng_() & 1; }

  TensorRef tensor(uint32_t spaces) {
    TensorRef t;
    Space options[3];
    int n = 0;
    for (Space s : {Space::Hbm, Space::Sbuf, Space::Psum})
      if (spaces & (1u << uint32_t(s))) options[n++] = s;
    t.space = options[below(uint64_t(n))];
    t.dtype = DType(below(uint64_t(DType::kCount)));
    t.ndim = uint8_t(1 + below(4));
    t.part_start = any<uint16_t>();
    t.part_count = any<uint16_t>();
    if (t.space == Space::Hbm || coin()) t.part_stride = any<int64_t>();
    t.offset = any<uint64_t>();
    if (coin()) {
      t.offset_reg = int8_t(below(128));
      t.offset_reg_scale = any<int64_t>();
    }
    for (int d = 0; d < t.ndim; ++d) t.dims[d] = Dim{any<int32_t>(), any<uint32_t>()};
    if (t.space != Space::Hbm && below(4) == 0) t.part_bcast = true;  // the :bcast form
    return t;
  }

  Instr instr(Opcode op) {
    const OpInfo& info = op_info(op);
    Instr in;
    in.op = op;
    for (int k = 0; k < info.num_fields; ++k) {
      switch (info.fields[k].field) {
        case Field::reg0: in.reg0 = any<uint8_t>(); break;
        case Field::iimm0: in.iimm0 = any<int64_t>(); break;
        case Field::iimm1: in.iimm1 = any<int64_t>(); break;
        case Field::imm0: in.imm0 = std::bit_cast<float>(any<uint32_t>()); break;
        case Field::imm1: in.imm1 = std::bit_cast<float>(any<uint32_t>()); break;
        case Field::alu0: in.alu0 = AluOp(below(uint64_t(AluOp::kCount))); break;
        case Field::alu1: in.alu1 = AluOp(below(uint64_t(AluOp::kCount))); break;
        case Field::act: in.act = ActFunc(below(uint64_t(ActFunc::kCount))); break;
        case Field::flags: in.flags = any<uint32_t>() & flags_allowed(op); break;
      }
    }
    for (int k = 0; k < info.num_operands; ++k)
      if (operand_presence(op, k, in.flags) == OperandPresence::Required)
        in.t[k] = tensor(info.operands[k].spaces);
    in.num_waits = uint8_t(below(kMaxWaits + 1));
    for (int i = 0; i < in.num_waits; ++i) {
      SemWait& w = in.waits[i];
      w.sem = any<uint16_t>();
      w.value = any<int64_t>();
      if (coin()) {
        w.reg = int8_t(below(128));
        w.reg_scale = any<int64_t>();
      }
    }
    in.signal = coin() ? int16_t(-1) : int16_t(below(32768));
    if (in.signal >= 0 && below(4) == 0) in.signal_core = int8_t(below(128));  // cross-core
    return in;
  }

  Executable executable(int instrs_per_stream) {
    Executable exe;
    exe.name = "rand \"exe\" #1\\";
    exe.chip = "trn2";
    exe.tensors.push_back({"a", DType::BF16, {128, 512}, 0, TensorDecl::Kind::Input});
    exe.tensors.push_back({"out put", DType::F32, {}, 1 << 20, TensorDecl::Kind::Output});
    exe.constants.push_back({4096, {}});
    for (int i = 0; i < 77; ++i) exe.constants[0].bytes.push_back(any<uint8_t>());
    exe.constants.push_back({any<uint64_t>(), {}});
    int ncores = 1 + int(below(3));
    for (int c = 0; c < ncores; ++c) {
      auto& core = exe.cores.emplace_back();
      core.streams.resize(below(12));
      for (auto& s : core.streams)
        for (int i = 0; i < instrs_per_stream; ++i)
          s.push_back(instr(Opcode(below(uint64_t(Opcode::kCount)))));
    }
    exe.cores.emplace_back();  // an empty core round-trips too
    return exe;
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace npulab::isa::testing
