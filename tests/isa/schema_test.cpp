// Sanity of the opcode schema generated from opcodes.def, for every opcode.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "isa/opcode_table.h"

namespace npulab::isa {
namespace {

TEST(Schema, EveryOpcodeIsWellFormed) {
  std::set<std::string_view> names;
  for (size_t i = 0; i < size_t(Opcode::kCount); ++i) {
    Opcode op = Opcode(i);
    const OpInfo& info = op_info(op);
    SCOPED_TRACE(std::string(info.name));
    EXPECT_FALSE(info.name.empty());
    EXPECT_TRUE(names.insert(info.name).second) << "duplicate opcode name";
    EXPECT_EQ(parse_opcode(info.name), op);
    EXPECT_NE(info.engines, 0u);
    EXPECT_EQ(info.engines & ~uint32_t(E_ANY), 0u);
    EXPECT_LE(info.num_operands, 4);
    EXPECT_LE(info.num_fields, 6);
    // Operand roles and field names share the key namespace of an instruction line.
    std::set<std::string_view> keys{"wait", "signal"};
    for (int k = 0; k < info.num_operands; ++k) {
      const OperandRole& r = info.operands[k];
      EXPECT_TRUE(keys.insert(r.name).second) << "duplicate key " << r.name;
      EXPECT_NE(r.spaces, 0u);
      EXPECT_EQ(r.spaces & ~uint32_t(S_HBM | S_SBUF | S_PSUM), 0u);
    }
    // An op that writes a register (reg_load) has it as its result (field r); every other
    // data op's slot 0 is its destination.
    if (info.num_operands > 0 && !info.writes_reg0()) {
      EXPECT_EQ(info.operands[0].name, "dst") << "slot 0 is the destination by convention";
      EXPECT_NE(info.operands[0].access, Access::R);
    }
    std::set<Field> fields;
    for (int k = 0; k < info.num_fields; ++k) {
      EXPECT_TRUE(keys.insert(info.fields[k].name).second) << "duplicate key " << info.fields[k].name;
      EXPECT_TRUE(fields.insert(info.fields[k].field).second) << "field used twice";
    }
    // Flags exist only where the schema has a flags field.
    EXPECT_EQ(flags_allowed(op) != 0, fields.count(Field::flags) == 1);
    // Data instructions are placed on engines; only control may go anywhere.
    if (info.num_operands == 0) {
      EXPECT_EQ(info.engines, uint32_t(E_ANY));
    }
  }
  EXPECT_EQ(parse_opcode("no_such_op"), std::nullopt);
}

TEST(Schema, ConditionsReferToRealSlotsAndFlags) {
  for (size_t i = 0; i < size_t(Opcode::kCount); ++i) {
    const OpInfo& info = op_info(Opcode(i));
    for (int k = 0; k < info.num_operands; ++k) {
      const OperandRole& r = info.operands[k];
      if (r.presence == Presence::Always) continue;
      EXPECT_NE(info.flags & r.flag, 0u) << info.name << "." << r.name << ": its flag is not accepted by the op";
      EXPECT_EQ(r.flag & (r.flag - 1), 0u) << info.name << "." << r.name << ": decided by one flag";
    }
  }
  EXPECT_EQ(operand_presence(Opcode::tensor_scalar, 2, 0), OperandPresence::Forbidden);
  EXPECT_EQ(operand_presence(Opcode::tensor_scalar, 2, F_SCALAR_TENSOR), OperandPresence::Required);
  EXPECT_EQ(operand_presence(Opcode::activation, 2, 0), OperandPresence::Required);
  EXPECT_EQ(operand_presence(Opcode::activation, 2, F_BIAS_IMM), OperandPresence::Forbidden);
  EXPECT_EQ(operand_presence(Opcode::matmul, 0, 0), OperandPresence::Required);
  EXPECT_EQ(operand_presence(Opcode::matmul, 3, 0), OperandPresence::Forbidden);
}

// The columns of a row must agree with each other: what the scheduler, validation, the
// builder and the simulator derive from one column must not contradict another.
TEST(Schema, KindsTraitsAndHooksAgree) {
  for (size_t i = 0; i < size_t(Opcode::kCount); ++i) {
    const Opcode op = Opcode(i);
    const OpInfo& info = op_info(op);
    SCOPED_TRACE(std::string(info.name));
    switch (info.kind) {
      case OpKind::Control:  // sequencer only: no data, nothing a verifier or hook could see
        EXPECT_EQ(info.num_operands, 0);
        EXPECT_EQ(info.engines, uint32_t(E_ANY));
        EXPECT_EQ(info.verify, nullptr);
        EXPECT_FALSE(info.timing_hook) << "control semantics run in every mode already";
        EXPECT_EQ(info.flags, 0u);
        break;
      case OpKind::Tensor: EXPECT_EQ(info.engines, uint32_t(E_PE)); break;
      case OpKind::Dma: EXPECT_EQ(info.engines, uint32_t(E_DMA)); break;
      case OpKind::Compute:
        EXPECT_EQ(info.engines & (E_PE | E_DMA), info.engines == uint32_t(E_ANY) ? uint32_t(E_PE | E_DMA) : 0u)
            << "compute ops run on the streaming engines (or, sequencer reads, anywhere)";
        EXPECT_GT(info.num_operands, 0);
        break;
      case OpKind::Collective:  // the SP queue hands it to the chip's collective engine; HBM only
        EXPECT_EQ(info.engines, uint32_t(E_SP));
        for (int k = 0; k < info.num_operands; ++k) EXPECT_EQ(info.operands[k].spaces, uint32_t(S_HBM));
        EXPECT_TRUE(info.lists(Field::iimm0)) << "the group";
        break;
    }
    if (info.held_slot >= 0) {
      EXPECT_EQ(info.kind, OpKind::Tensor) << "only the tensor engine holds an operand";
      EXPECT_EQ(info.operands[info.held_slot].access, Access::R);
    }
    int held = 0;
    for (int k = 0; k < info.num_operands; ++k) held += info.operands[k].held;
    EXPECT_LE(held, 1);
    if (info.writes_reg0()) EXPECT_TRUE(info.lists(Field::reg0)) << "T_WRITES_REG0 without a register field";
    if (info.has_target()) EXPECT_EQ(info.kind, OpKind::Control) << "only the sequencer branches";
    // A data op whose result is a register must define it in timing-only mode too (no
    // values there), or the two modes would address memory differently afterwards.
    if (info.kind != OpKind::Control && info.writes_reg0()) EXPECT_TRUE(info.timing_hook);
    if (info.traits & T_ANY_PARTITION)
      EXPECT_TRUE(info.kind == OpKind::Dma || info.engines == uint32_t(E_ANY))
          << "only DMA engines and sequencers address partitions one by one";
    EXPECT_EQ(info.traits & ~uint32_t(T_WRITES_REG0 | T_ANY_PARTITION), 0u) << "unknown trait bits";
  }
}

TEST(Schema, SpotChecksAgainstTheTable) {
  const OpInfo& mm = op_info(Opcode::matmul);
  EXPECT_EQ(mm.name, "matmul");
  EXPECT_EQ(mm.engines, uint32_t(E_PE));
  ASSERT_EQ(mm.num_operands, 3);
  EXPECT_EQ(mm.operands[1].name, "stationary");
  EXPECT_EQ(mm.operands[0].spaces, uint32_t(S_PSUM));
  EXPECT_EQ(mm.operands[0].access, Access::RW);
  const OpInfo& act = op_info(Opcode::activation);
  ASSERT_EQ(act.num_fields, 4);
  EXPECT_EQ(act.fields[0].field, Field::act);
  EXPECT_EQ(act.fields[0].name, "func");
  EXPECT_EQ(op_info(Opcode::dma_copy).engines, uint32_t(E_DMA));
  EXPECT_EQ(mm.kind, OpKind::Tensor);
  EXPECT_EQ(mm.held_slot, 1);
  EXPECT_EQ(mm.flags, uint32_t(F_START));
  EXPECT_NE(mm.verify, nullptr);
  EXPECT_EQ(op_info(Opcode::tensor_copy).verify, nullptr);
  EXPECT_EQ(op_info(Opcode::nop).kind, OpKind::Control);
  EXPECT_TRUE(op_info(Opcode::reg_load).timing_hook);
  EXPECT_TRUE(op_info(Opcode::reg_load).writes_reg0());
  EXPECT_FALSE(op_info(Opcode::branch_lt).writes_reg0());
  EXPECT_TRUE(op_info(Opcode::branch_lt).has_target());
  EXPECT_EQ(op_info(Opcode::dma_copy).traits, uint32_t(T_ANY_PARTITION));
  EXPECT_EQ(op_info(Opcode::activation).operands[2].presence, Presence::IfClear);
}

TEST(Schema, Names) {
  for (size_t i = 0; i < size_t(AluOp::kCount); ++i) EXPECT_EQ(parse_alu(alu_name(AluOp(i))), AluOp(i));
  for (size_t i = 0; i < size_t(ActFunc::kCount); ++i) EXPECT_EQ(parse_act(act_name(ActFunc(i))), ActFunc(i));
  EXPECT_EQ(alu_name(AluOp::rsubtract), "rsubtract");
  EXPECT_EQ(act_name(ActFunc::gelu_tanh), "gelu_tanh");
  EXPECT_EQ(stream_name(0), "pe");
  EXPECT_EQ(stream_name(4), "sp");
  EXPECT_EQ(stream_name(dma_stream(3)), "dma3");
  for (uint32_t s = 0; s < 40; ++s) EXPECT_EQ(parse_stream(stream_name(s)), s);
  EXPECT_EQ(parse_stream("dma"), std::nullopt);
  EXPECT_EQ(parse_stream("dma01"), std::nullopt);
  EXPECT_EQ(parse_stream("tpu"), std::nullopt);
  EXPECT_EQ(space_name(Space::Psum), "psum");
  EXPECT_EQ(parse_space("sbuf"), Space::Sbuf);
  EXPECT_EQ(spaces_text(S_HBM | S_SBUF), "hbm|sbuf");
  EXPECT_EQ(engines_text(E_DVE | E_POOL), "dve|pool");
  for (const auto& f : flag_infos()) EXPECT_EQ(parse_flag(f.name), f.bit);
}

}  // namespace
}  // namespace npulab::isa
