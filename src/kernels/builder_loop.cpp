// Register loops of the kernel builder (docs/KERNELS.md, "Register loops").
//
// loop(count, ranges, body) emits body(0) as straight-line code, then body(1) in register
// form (the loop body every stream runs for i = 1..count-1), then body(2) again as a check
// that is compared with body(1) and dropped. In register form
//  - an HBM operand inside a strided range of iteration i gets offset - i*stride and
//    offset_reg = loop register, scale = stride;
//  - a wait for a completion of the loop (a value above the semaphore's count at loop
//    entry, c0) waits for value - i*delta + reg*delta, delta = signals per iteration; a
//    wait for work before the loop stays absolute.
// If body(2) == body(1) (as instructions, both in register form), every later iteration
// would be emitted identically too: the tracker's records and knowledge only shift by delta
// per iteration. Then the dependency state after the checked copy is renamed to that after
// the last iteration (values above c0 += (count-3)*delta) and code after the loop waits
// for the right counts. Otherwise both copies are turned back into straight-line code and
// the remaining iterations are emitted unrolled.
#include <fmt/format.h>

#include <algorithm>

#include "common/error.h"
#include "isa/compare.h"
#include "kernels/builder.h"

namespace npulab::kernels {

using isa::Instr;
using isa::Opcode;

namespace {

Instr control(Opcode op, uint8_t reg, int64_t a, int64_t b = 0) {
  Instr in;
  in.op = op;
  in.reg0 = reg;
  in.iimm0 = a;
  in.iimm1 = b;
  return in;
}

// Register form -> straight-line code for iteration i.
void materialize(Instr& in, int64_t i) {
  for (uint32_t w = 0; w < in.num_waits; ++w) {
    isa::SemWait& sw = in.waits[w];
    if (sw.reg < 0) continue;
    sw.value += i * sw.reg_scale;
    sw.reg = -1;
    sw.reg_scale = 0;
  }
  for (auto& t : in.t) {
    if (!t.used() || t.offset_reg < 0) continue;
    t.offset = uint64_t(int64_t(t.offset) + i * t.offset_reg_scale);
    t.offset_reg = -1;
    t.offset_reg_scale = 0;
  }
}

}  // namespace

isa::SemWait Builder::make_wait(Completion c) const {
  if (loop_ && c.value > loop_->c0[c.sem]) {
    const int64_t d = loop_->delta[c.sem];
    return {c.sem, int8_t(loop_->reg), c.value - loop_->index * d, d};
  }
  return {c.sem, -1, c.value, 0};
}

void Builder::relocate(isa::TensorRef& r, const Region& g) const {
  if (!loop_ || r.space != isa::Space::Hbm) return;
  for (const LoopRange& lr : loop_->ranges) {
    const uint64_t lo = uint64_t(int64_t(lr.offset) + loop_->index * lr.stride), hi = lo + lr.bytes;
    if (g.hi() <= lo || g.lo() >= hi) continue;
    if (g.lo() < lo || g.hi() > hi)
      fail("kernel '{}': loop operand bytes [{}, {}) straddle the strided range [{}, {}) of iteration {}", exe_.name,
           g.lo(), g.hi(), lo, hi, loop_->index);
    if (lr.stride == 0) return;
    r.offset = uint64_t(int64_t(r.offset) - loop_->index * lr.stride);
    r.offset_reg = int8_t(loop_->reg);
    r.offset_reg_scale = lr.stride;
    return;
  }
}

void Builder::loop(int64_t count, const std::vector<LoopRange>& strided,
                   const std::function<void(const LoopVar&)>& body) {
  if (finished_) fail("kernel '{}': builder already finished", exe_.name);
  if (in_loop_) fail("kernel '{}': register loops cannot be nested", exe_.name);
  if (opts_.loop_register >= chip_.registers_per_engine)
    fail("kernel '{}': loop register r{} does not exist ({} per engine)", exe_.name, opts_.loop_register,
         chip_.registers_per_engine);
  if (count <= 0) return;
  in_loop_ = true;
  // Every iteration starts from the same DMA queue rotation, so all place their transfers
  // on the same queues (a loop body is one instruction sequence per stream).
  const uint32_t set0 = next_set_, store0 = next_store_set_, cur0 = engine_cursor_;
  auto iterate = [&](int64_t i) {
    next_set_ = set0;
    next_store_set_ = store0;
    engine_cursor_ = cur0;
    body(LoopVar{i, count});
  };
  auto sizes = [&] {
    std::vector<size_t> n(prog_.streams.size());
    for (size_t s = 0; s < n.size(); ++s) n[s] = prog_.streams[s].size();
    return n;
  };
  try {
    if (opts_.unroll_loops || count < 3) {
      for (int64_t i = 0; i < count; ++i) iterate(i);
    } else {
      const std::vector<int64_t> c0 = count_;
      iterate(0);
      LoopState st;
      st.reg = opts_.loop_register;
      st.c0 = c0;
      st.ranges = strided;
      st.delta.resize(count_.size());
      for (size_t s = 0; s < count_.size(); ++s) st.delta[s] = count_[s] - c0[s];
      loop_ = st;
      const std::vector<size_t> start1 = sizes();
      loop_->index = 1;
      iterate(1);
      const std::vector<size_t> end1 = sizes();
      loop_->index = 2;
      iterate(2);
      const bool ok = close_loop(start1, end1, count);
      loop_.reset();
      if (!ok)
        for (int64_t i = 3; i < count; ++i) iterate(i);
    }
  } catch (...) {
    loop_.reset();
    in_loop_ = false;
    throw;
  }
  in_loop_ = false;
}

// After body(1) and body(2) were emitted in register form: keep body(1) as the loop of
// every stream, or (not iteration-invariant) make both straight-line code.
bool Builder::close_loop(const std::vector<size_t>& start1, const std::vector<size_t>& end1, int64_t count) {
  auto& streams = prog_.streams;
  auto at = [](const std::vector<size_t>& v, size_t s) { return s < v.size() ? v[s] : size_t(0); };
  bool same = true;
  for (size_t s = 0; s < count_.size() && same; ++s)
    same = count_[s] - loop_->c0[s] == 3 * loop_->delta[s];
  for (size_t s = 0; s < streams.size() && same; ++s) {
    const size_t a = at(start1, s), b = at(end1, s), e = streams[s].size();
    same = e - b == b - a && std::equal(streams[s].begin() + long(a), streams[s].begin() + long(b),
                                        streams[s].begin() + long(b));
  }
  if (!same) {
    for (size_t s = 0; s < streams.size(); ++s) {
      const size_t a = at(start1, s), b = at(end1, s);
      for (size_t pc = a; pc < streams[s].size(); ++pc) materialize(streams[s][pc], pc < b ? 1 : 2);
    }
    ++stats_.loops_unrolled;
    return false;
  }
  // Drop the checked copy; wrap body(1) of every stream that has one in the loop control
  // (its instructions move one place down, after the reg_set).
  std::erase_if(tagged_, [&](const Tagged& t) { return t.pc >= at(end1, t.stream); });
  for (Tagged& t : tagged_)
    if (t.pc >= at(start1, t.stream) && at(end1, t.stream) > at(start1, t.stream)) ++t.pc;
  const uint8_t r = loop_->reg;
  for (size_t s = 0; s < streams.size(); ++s) {
    const size_t a = at(start1, s), b = at(end1, s);
    for (size_t pc = b; pc < streams[s].size(); ++pc) {
      stats_.waits -= streams[s][pc].num_waits;
      if (streams[s][pc].op == Opcode::nop) --stats_.nops;
    }
    stats_.instrs -= streams[s].size() - b;
    streams[s].resize(b);
    if (b == a) continue;
    streams[s].insert(streams[s].begin() + long(a), control(Opcode::reg_set, r, 1));
    streams[s].push_back(control(Opcode::reg_add, r, 1));
    streams[s].push_back(control(Opcode::branch_lt, r, count, int64_t(a + 1)));
    stats_.instrs += 3;
  }
  std::vector<int64_t> add(count_.size());
  for (size_t s = 0; s < count_.size(); ++s) {
    add[s] = (count - 3) * loop_->delta[s];
    count_[s] += add[s];
  }
  deps_.shift_values(loop_->c0, add);
  ++stats_.loops;
  return true;
}

}  // namespace npulab::kernels
