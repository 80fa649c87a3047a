// Running a collective's schedule on real buffers (fabric/collective.h, "Data").
#include <cstring>

#include "common/error.h"
#include "fabric/collective.h"
#include "sim/semantics/alu.h"

namespace npulab::fabric {
namespace {

void combine(ReduceOp op, float* acc, const float* x, size_t n) {
  switch (op) {
    case ReduceOp::Add:
      for (size_t i = 0; i < n; ++i) acc[i] += x[i];
      return;
    case ReduceOp::Max:
      for (size_t i = 0; i < n; ++i) acc[i] = sim::alu::fmax_prop(acc[i], x[i]);
      return;
    case ReduceOp::Min:
      for (size_t i = 0; i < n; ++i) acc[i] = sim::alu::fmin_prop(acc[i], x[i]);
      return;
  }
}

}  // namespace

void execute(const Schedule& s, DType dt, ReduceOp op, std::vector<std::vector<uint8_t>>& buffers) {
  const size_t esz = dtype_size(dt);
  if (buffers.size() != s.ranks) fail("collective {}: {} buffers for {} ranks", coll_kind_name(s.kind), buffers.size(), s.ranks);
  for (const auto& b : buffers)
    if (b.size() != s.buffer_elems * esz)
      fail("collective {}: a buffer holds {} bytes, the schedule needs {} ({} elements of {})", coll_kind_name(s.kind),
           b.size(), s.buffer_elems * esz, s.buffer_elems, dtype_name(dt));
  std::vector<uint8_t> payload;
  std::vector<size_t> at;
  for (const Step& st : s.steps) {
    // Every source as the step found it, then the transfers in order.
    size_t bytes = 0;
    at.clear();
    for (const Transfer& t : st.transfers) {
      at.push_back(bytes);
      bytes += t.count * esz;
    }
    payload.resize(bytes);
    for (size_t i = 0; i < st.transfers.size(); ++i) {
      const Transfer& t = st.transfers[i];
      std::memcpy(payload.data() + at[i], buffers[t.src].data() + t.src_off * esz, t.count * esz);
    }
    for (size_t i = 0; i < st.transfers.size(); ++i)
      apply_transfer(dt, op, st.transfers[i], payload.data() + at[i], buffers[st.transfers[i].dst]);
  }
}

void apply_transfer(DType dt, ReduceOp op, const Transfer& t, const uint8_t* src, std::vector<uint8_t>& buffer) {
  const size_t esz = dtype_size(dt);
  uint8_t* dst = buffer.data() + t.dst_off * esz;
  if (!t.reduce) {
    std::memcpy(dst, src, t.count * esz);
    return;
  }
  std::vector<float> a(t.count), x(t.count);
  convert_to_f32(dt, dst, a.data(), t.count);
  convert_to_f32(dt, src, x.data(), t.count);
  combine(op, a.data(), x.data(), t.count);
  convert_from_f32(dt, a.data(), dst, t.count);  // RNE to the dtype (integers saturate)
}

}  // namespace npulab::fabric
