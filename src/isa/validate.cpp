// Static program validation against a chip description. Generic rules come from the opcode
// schema (engines, spaces, operand presence, fields, flags, traits); the opcode-specific
// limits (matmul/transpose tile sizes, index dtypes) are the shape verifiers the table
// names (isa/verify.h). Only static facts are checked; register-relative offsets are
// re-checked by the simulator at run time.
#include "isa/validate.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "common/checked.h"
#include "common/error.h"
#include "isa/access_pattern.h"
#include "isa/asm_text.h"
#include "isa/opcode_table.h"
#include "isa/verify.h"

namespace npulab::isa {
namespace {

using Ctx = VerifyCtx;

// Per-opcode facts of the schema that every instruction's validation needs, tabulated once
// (validation runs on every Chip::run, so its success path must be cheap): which fields
// the opcode lists and which of them are branch targets, and operand presence rules (the
// allocation-free success path of operand_presence_error, which builds the message).
struct OpRules {
  uint32_t listed = 0;   // bit Field f: the opcode lists field f
  uint32_t reserved = 0; // flag bits the opcode accepts that are reserved
  bool any_partition = false;  // T_ANY_PARTITION
  uint32_t targets = 0;  // bit Field f: field f is a branch target
  uint8_t num_operands = 0;
  bool conditional[4] = {};
  uint32_t flag[4] = {};
  bool when_clear[4] = {};
};
const OpRules& op_rules(Opcode op) {
  static const auto rules = [] {
    std::array<OpRules, size_t(Opcode::kCount)> r{};
    for (size_t op = 0; op < r.size(); ++op) {
      const OpInfo& info = op_info(Opcode(op));
      r[op].num_operands = uint8_t(info.num_operands);
      r[op].any_partition = info.traits & T_ANY_PARTITION;
      for (const FlagInfo& f : flag_infos())
        if (f.reserved) r[op].reserved |= f.bit & info.flags;
      for (int k = 0; k < info.num_fields; ++k) {
        r[op].listed |= 1u << uint32_t(info.fields[k].field);
        if (info.fields[k].target) r[op].targets |= 1u << uint32_t(info.fields[k].field);
      }
      for (int k = 0; k < info.num_operands; ++k) {
        const OperandRole& role = info.operands[k];
        r[op].conditional[k] = role.presence != Presence::Always;
        r[op].flag[k] = role.flag;
        r[op].when_clear[k] = role.presence == Presence::IfClear;
      }
    }
    return r;
  }();
  return rules[size_t(op)];
}

bool operand_presence_ok(const Instr& in) {
  const OpRules& pr = op_rules(in.op);
  for (int k = 0; k < 4; ++k) {
    const bool required = k < pr.num_operands &&
                          (!pr.conditional[k] || (((in.flags & pr.flag[k]) != 0) != pr.when_clear[k]));
    if (in.t[k].used() != required) return false;
  }
  return true;
}

// The product of the free dims is at most kMaxFreeElems (checked: four 32-bit sizes can
// overflow 64 bits, and a wrapped product would pass as a small tile).
bool free_size_ok(const TensorRef& t) {
  uint64_t n = 1;
  for (int d = 0; d < t.ndim; ++d) {
    const auto m = mul_exact<uint64_t>(n, t.dims[d].size);
    if (!m || *m > kMaxFreeElems) return false;
    n = *m;
  }
  return true;
}

bool partition_start_ok(uint32_t start, uint32_t count) {
  if (count > 64) return start == 0;
  if (count > 32) return start == 0 || start == 64;
  return start == 0 || start == 32 || start == 64 || start == 96;
}

void check_operand(const Ctx& c, int k) {
  const OperandRole& role = op_info(c.in.op).operands[k];
  const TensorRef& t = c.in.t[k];
  std::string_view name = role.name;
  if (t.ndim > 4) c.error(fmt::format("operand {}: ndim {} exceeds 4", name, t.ndim));
  if (uint8_t(t.dtype) >= uint8_t(DType::kCount)) c.error(fmt::format("operand {}: bad dtype {}", name, int(t.dtype)));
  if (t.space == Space::None || uint8_t(t.space) > 3 || !(role.spaces & (1u << uint32_t(t.space))))
    c.error(fmt::format("operand {} may not be in {} (allowed: {})", name, space_name(t.space), spaces_text(role.spaces)));
  if (t.part_count == 0) c.error(fmt::format("operand {}: partition count is 0", name));
  for (int d = 0; d < t.ndim; ++d)
    if (t.dims[d].size == 0) c.error(fmt::format("operand {}: free dim {} has size 0", name, d));
  if (!free_size_ok(t)) {
    std::string dims;
    for (int d = 0; d < t.ndim; ++d) dims += fmt::format("{}{}", d ? " x " : "", t.dims[d].size);
    c.error(fmt::format("operand {}: free size {} exceeds the simulator's limit of {} elements per partition",
                        name, dims, kMaxFreeElems));
  }
  if (t.offset_reg >= 0 && uint32_t(t.offset_reg) >= c.chip.registers_per_engine)
    c.error(fmt::format("operand {}: register r{} does not exist (registers_per_engine {})", name,
                        t.offset_reg, c.chip.registers_per_engine), true);
  // A partition-broadcast view is a read form: a write has one destination per lane, and
  // HBM rows broadcast with part_stride 0 already.
  if (t.part_bcast) {
    if (role.access != Access::R)
      c.error(fmt::format("operand {}: a partition-broadcast view (:bcast) may only be read, but {} {} it", name,
                          op_info(c.in.op).name, role.access == Access::W ? "writes" : "reads and writes"));
    if (t.space == Space::Hbm)
      c.error(fmt::format("operand {}: partition broadcast (:bcast) is for SBUF/PSUM operands; an HBM row is "
                          "broadcast with partition stride 0", name));
  }
  if (t.space == Space::Hbm) {
    if (t.part_start != 0)
      c.error(fmt::format("operand {}: HBM part_start must be 0 (rows are addressed by the partition stride), got {}", name, t.part_start));
    if (t.offset_reg >= 0) return;  // base known only at run time
    const ByteSpan span = operand_byte_span(t);
    i128 lo = i128(t.offset) + span.lo;
    i128 hi = i128(t.offset) + span.hi;
    if (lo < 0 || hi > i128(c.chip.hbm.capacity_bytes))
      c.error(fmt::format("operand {}: HBM byte range [{}, {}) outside HBM capacity {}", name,
                          int64_t(lo), int64_t(hi), c.chip.hbm.capacity_bytes), true);
    return;
  }
  const arch::Memory2D& mem = t.space == Space::Sbuf ? c.chip.sbuf : c.chip.psum;
  std::string_view mname = t.space == Space::Sbuf ? "SBUF" : "PSUM";
  if (t.part_count > mem.partitions)
    c.error(fmt::format("operand {}: {} partitions exceed the {} {} partitions", name, t.part_count, mem.partitions, mname), true);
  if (uint32_t(t.part_start) + t.parts_touched() > mem.partitions)
    c.error(fmt::format("operand {}: partitions [{}, {}) exceed the {} {} partitions", name, t.part_start,
                        uint32_t(t.part_start) + t.parts_touched(), mem.partitions, mname), true);
  // The start rule comes from the compute engines' partition-lane groups (REFERENCES.md NC
  // §1.5). DMA engines address SBUF partitions individually (each typically serves ~8
  // partitions, §1.6), and a sequencer reads single words (reg_load): operands of ops with
  // T_ANY_PARTITION are only bounds-checked.
  // A partition-broadcast view reads one partition: the rule of a 1-partition tile.
  if (t.part_bcast) {
    if (!op_rules(c.in.op).any_partition && !partition_start_ok(t.part_start, 1))
      c.error(fmt::format("operand {}: a partition-broadcast row may not start at partition {} (a 1-partition "
                          "read starts at 0, 32, 64 or 96)", name, t.part_start));
  } else if (!op_rules(c.in.op).any_partition && !partition_start_ok(t.part_start, t.part_count))
    c.error(fmt::format("operand {}: a tile of {} partitions may not start at partition {} "
                        "(>64 partitions start at 0; 33-64 at 0 or 64; <=32 at 0, 32, 64 or 96)",
                        name, t.part_count, t.part_start));
  const ByteSpan fs = free_byte_span(t);
  i128 span = fs.hi - fs.lo;
  if (t.offset_reg >= 0) {  // only the extent is static
    if (span > i128(mem.bytes_per_partition))
      c.error(fmt::format("operand {}: access pattern spans {} bytes, more than the {} bytes per {} partition", name,
                          int64_t(span), mem.bytes_per_partition, mname), true);
    return;
  }
  i128 lo = i128(t.offset) + fs.lo, hi = i128(t.offset) + fs.hi;
  if (lo < 0 || hi > i128(mem.bytes_per_partition))
    c.error(fmt::format("operand {}: {} byte range [{}, {}) per partition outside {} bytes_per_partition {}", name,
                        mname, int64_t(lo), int64_t(hi), mname, mem.bytes_per_partition), true);
}

// A field outside the schema must keep its default: it is not encoded, so a value there
// would silently vanish in asm/disasm and means the emitter expected it to do something.
void check_unused_fields(const Ctx& c) {
  const OpRules& rules = op_rules(c.in.op);
  auto listed = [&](Field f) { return (rules.listed >> uint32_t(f)) & 1u; };
  const Instr& in = c.in;
  const Instr def;
  auto check = [&](Field f, bool is_default) {
    if (!is_default && !listed(f))
      c.error(fmt::format("field {} is set but {} does not use it", field_name(f), op_info(in.op).name));
  };
  check(Field::reg0, in.reg0 == def.reg0);
  check(Field::iimm0, in.iimm0 == def.iimm0);
  check(Field::iimm1, in.iimm1 == def.iimm1);
  check(Field::imm0, in.imm0 == def.imm0);
  check(Field::imm1, in.imm1 == def.imm1);
  check(Field::alu0, in.alu0 == def.alu0);
  check(Field::alu1, in.alu1 == def.alu1);
  check(Field::act, in.act == def.act);
  check(Field::flags, in.flags == def.flags);
  if (uint8_t(in.alu0) >= uint8_t(AluOp::kCount) || uint8_t(in.alu1) >= uint8_t(AluOp::kCount))
    c.error("ALU op out of range");
  if (uint8_t(in.act) >= uint8_t(ActFunc::kCount)) c.error("activation function out of range");
  uint32_t bad = in.flags & ~flags_allowed(in.op);
  if (bad) c.error(fmt::format("flags {} are not valid for {}", flags_text(bad), op_info(in.op).name));
  if (in.flags & rules.reserved)
    for (const FlagInfo& f : flag_infos())
      if (f.reserved && (in.flags & f.bit)) c.error(fmt::format("flag {} is reserved and not supported", f.name));
  if (listed(Field::reg0) && in.reg0 >= c.chip.registers_per_engine)
    c.error(fmt::format("register r{} does not exist (registers_per_engine {})", in.reg0, c.chip.registers_per_engine), true);
}

void check_sync(const Ctx& c) {
  const Instr& in = c.in;
  if (in.num_waits > kMaxWaits) c.error(fmt::format("{} waits exceed the maximum {}", in.num_waits, kMaxWaits));
  for (int i = 0; i < in.num_waits; ++i) {
    const SemWait& w = in.waits[i];
    if (w.sem >= c.chip.semaphores_per_core)
      c.error(fmt::format("wait on semaphore s{} but the core has {} semaphores", w.sem, c.chip.semaphores_per_core), true);
    if (w.reg >= 0 && uint32_t(w.reg) >= c.chip.registers_per_engine)
      c.error(fmt::format("wait uses register r{} but registers_per_engine is {}", w.reg, c.chip.registers_per_engine), true);
    if (w.reg < -1) c.error(fmt::format("wait register {} is invalid", w.reg));
    if (w.value < -kMaxWaitValue || w.value > kMaxWaitValue)
      c.error(fmt::format("wait value {} outside [-{}, {}]", w.value, kMaxWaitValue, kMaxWaitValue));
    if (w.reg >= 0 && (w.reg_scale < -kMaxWaitRegScale || w.reg_scale > kMaxWaitRegScale))
      c.error(fmt::format("wait register scale {} outside [-{}, {}]", w.reg_scale, kMaxWaitRegScale, kMaxWaitRegScale));
  }
  if (in.signal < -1) c.error(fmt::format("signal {} is invalid", in.signal));
  if (in.signal >= 0 && uint32_t(in.signal) >= c.chip.semaphores_per_core)
    c.error(fmt::format("signal of semaphore s{} but the core has {} semaphores", in.signal, c.chip.semaphores_per_core), true);
  if (in.signal >= 0 && in.signal_core >= 0 && uint32_t(in.signal_core) >= c.chip.cores_per_chip)
    c.error(fmt::format("signal of a semaphore of core {} but the chip has {} cores", in.signal_core, c.chip.cores_per_chip), true);
  if (in.signal_core < -1) c.error(fmt::format("signal core {} is invalid", in.signal_core));
}

void validate_at(const Instr& in, uint32_t stream, const arch::ChipConfig& chip, int64_t core, int64_t index) {
  if (size_t(in.op) >= size_t(Opcode::kCount))
    fail("{}stream {}{}: opcode {} out of range", core >= 0 ? fmt::format("core {}, ", core) : "",
         stream_name(stream), index >= 0 ? fmt::format(", instr {}", index) : "", int(in.op));
  Ctx c{in, stream, chip, core, index};
  const OpInfo& info = op_info(in.op);
  if (stream >= kNumFixedStreams) {
    uint64_t queues = uint64_t(chip.dma.engines_per_core) * chip.dma.queues_per_engine;
    if (stream - kNumFixedStreams >= queues)
      c.error(fmt::format("DMA queue {} does not exist (dma.engines_per_core * dma.queues_per_engine = {})",
                          stream - kNumFixedStreams, queues), true);
  }
  if (!(info.engines & engine_mask_of_stream(stream)))
    c.error(fmt::format("{} cannot run on stream {} (allowed engines: {})", info.name, stream_name(stream), engines_text(info.engines)));
  if (!operand_presence_ok(in))
    if (auto err = operand_presence_error(in)) c.error(*err);
  check_unused_fields(c);
  // A sequencer's immediate is a register value or limit: registers are 32-bit signed
  // (isa/instr.h), so one that does not fit is refused here rather than wrapped when run.
  if (info.kind == OpKind::Control && (in.iimm0 < kRegMin || in.iimm0 > kRegMax))
    for (int k = 0; k < info.num_fields; ++k)
      if (info.fields[k].field == Field::iimm0)
        c.error(fmt::format("{} {} {} does not fit a 32-bit register [{}, {}]", info.name, info.fields[k].name,
                            in.iimm0, kRegMin, kRegMax));
  check_sync(c);
  for (int k = 0; k < info.num_operands; ++k)
    if (in.t[k].used()) check_operand(c, k);
  verify_shape(c);  // the row's shape rules (isa/verify.h)
}

void validate_in_stream(const std::vector<Instr>& code, const arch::ChipConfig& chip, size_t c, size_t s,
                        size_t i) {
  const Instr& in = code[i];
  validate_at(in, uint32_t(s), chip, int64_t(c), int64_t(i));
  // Control-flow targets: an instruction index of this stream, or its end (= stop).
  const uint32_t targets = op_rules(in.op).targets;
  for (const Field f : {Field::iimm0, Field::iimm1}) {
    if (!((targets >> uint32_t(f)) & 1u)) continue;
    int64_t t = f == Field::iimm0 ? in.iimm0 : in.iimm1;
    if (t < 0 || uint64_t(t) > code.size())
      Ctx{in, uint32_t(s), chip, int64_t(c), int64_t(i)}.error(
          fmt::format("branch target {} outside the stream (0..{})", t, code.size()));
  }
}

}  // namespace

void validate_stream_instr(const std::vector<Instr>& code, uint32_t stream, const arch::ChipConfig& chip,
                           uint32_t core, uint32_t index) {
  validate_in_stream(code, chip, core, stream, index);
}

void validate_instr(const Instr& in, uint32_t stream, const arch::ChipConfig& chip) {
  validate_at(in, stream, chip, -1, -1);
}

void validate_executable(const Executable& exe, const arch::ChipConfig& chip) {
  validate_executable_decls(exe, chip);
  for (size_t c = 0; c < exe.cores.size(); ++c) {
    const auto& streams = exe.cores[c].streams;
    for (size_t s = 0; s < streams.size(); ++s)
      for (size_t i = 0; i < streams[s].size(); ++i) validate_in_stream(streams[s], chip, c, s, i);
  }
}

void validate_executable_decls(const Executable& exe, const arch::ChipConfig& chip) {
  if (chip.cores_per_chip && exe.cores.size() > chip.cores_per_chip)
    fail("executable uses {} cores but {} has {} per chip", exe.cores.size(), chip.name, chip.cores_per_chip);
  for (const auto& t : exe.tensors) {
    i128 end = i128(t.hbm_offset) + i128(t.bytes());
    if (chip.hbm.capacity_bytes && end > i128(chip.hbm.capacity_bytes))
      fail("tensor '{}' at HBM [{}, {}) exceeds HBM capacity {} ({})", t.name, t.hbm_offset, int64_t(end),
           chip.hbm.capacity_bytes, chip.source_file.empty() ? chip.name : chip.source_file);
  }
  for (const auto& k : exe.constants) {
    i128 end = i128(k.hbm_offset) + i128(k.bytes.size());
    if (chip.hbm.capacity_bytes && end > i128(chip.hbm.capacity_bytes))
      fail("constant at HBM [{}, {}) exceeds HBM capacity {}", k.hbm_offset, int64_t(end), chip.hbm.capacity_bytes);
  }
}

}  // namespace npulab::isa
