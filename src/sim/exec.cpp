// Operand resolution and dense gather/scatter for the semantics functions (see exec.h).
//
// Access patterns: an operand is [part_count partitions] x up to 4 free dims (innermost
// last); a partition-broadcast view (part_bcast) reads partition part_start for each of
// its part_count lanes (partition step 0). Before moving data the free dims are
// normalised: size-1 dims are dropped and adjacent dims that are contiguous in memory
// (stride[k] == stride[k+1] * size[k+1]) are merged, so the common case "contiguous tile" becomes one long run per partition. Runs
// with unit stride go through the bulk, vectorised numerics conversions
// (convert_to_f32 / convert_from_f32); strided runs are first packed into a contiguous
// temporary (raw bytes) and then converted in bulk, so no per-element dtype dispatch.
//
// Bounds: every access is checked before any byte moves (check_operand): partitions
// against the scratchpad's partition count, the lowest and highest byte any free index
// can reach (negative strides included) against bytes_per_partition; for HBM the rows
// (offset + p * part_stride * dtype_size) are included and the range is checked against
// HBM capacity. Register-relative offsets (offset_reg) are applied first. Violations
// throw npulab::Error naming the operand, its space and the offending range.
#include "sim/exec.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "common/checked.h"
#include "common/error.h"

namespace npulab::sim {

using isa::Space;
using isa::TensorRef;

uint64_t register_offset(const TensorRef& r, std::span<const int64_t> regs) {
  if (size_t(r.offset_reg) >= regs.size())
    fail("operand offset register r{} does not exist (stream has {} registers)", r.offset_reg,
         regs.size());
  i128 off = i128(r.offset) + i128(regs[r.offset_reg]) * r.offset_reg_scale;
  if (off < 0 || off > i128(INT64_MAX))
    fail("operand offset {} + r{}({}) * {} is out of range", r.offset, r.offset_reg,
         regs[r.offset_reg], r.offset_reg_scale);
  return uint64_t(off);
}

namespace {

constexpr uint64_t kMaxOperandElems = 1ull << 28;

// Byte span [lo, hi) (relative to the partition/row base) touched by the free dims.
struct FreeSpan {
  int64_t lo = 0, hi = 0;
};
FreeSpan free_span(const TensorRef& r) {
  const int64_t esz = int64_t(dtype_size(r.dtype));
  int64_t lo = 0, hi = 0;
  for (int k = 0; k < r.ndim; ++k) {
    int64_t span = int64_t(r.dims[k].size - 1) * r.dims[k].stride;
    (span < 0 ? lo : hi) += span;
  }
  return {lo * esz, hi * esz + esz};
}

Scratchpad* spad_of(const ExecCtx& ctx, Space s) {
  return s == Space::Sbuf ? ctx.mem.sbuf : s == Space::Psum ? ctx.mem.psum : nullptr;
}

// Normalised access pattern: up to 3 outer dims (outermost first) and one run.
struct Runs {
  uint32_t size[3] = {1, 1, 1};
  int64_t stride[3] = {0, 0, 0};  // bytes
  uint32_t run = 1;               // elements in the innermost run
  int64_t rstride = 0;            // bytes between run elements
};
Runs make_runs(const TensorRef& r) {
  const int64_t esz = int64_t(dtype_size(r.dtype));
  isa::Dim d[4];
  int n = 0;
  for (int k = 0; k < r.ndim; ++k)
    if (r.dims[k].size != 1) d[n++] = r.dims[k];
  // Merge from the innermost outwards.
  isa::Dim m[4];
  int nm = 0;
  for (int k = n - 1; k >= 0; --k) {
    if (nm > 0 && d[k].stride == m[nm - 1].stride * int64_t(m[nm - 1].size)) {
      m[nm - 1].size *= d[k].size;
    } else {
      m[nm++] = d[k];
    }
  }
  Runs out;
  if (nm == 0) {
    out.run = 1;
    out.rstride = esz;
    return out;
  }
  out.run = m[0].size;
  out.rstride = int64_t(m[0].stride) * esz;
  for (int k = 1; k < nm; ++k) {  // m[1] is the next-inner dim -> out.size[2]
    out.size[3 - k] = m[k].size;
    out.stride[3 - k] = int64_t(m[k].stride) * esz;
  }
  return out;
}

// Calls fn(ptr, hbm_addr, dense_index, run, rstride_bytes) for every run of the operand,
// in dense row-major order (partition outermost). For SBUF/PSUM `ptr` is the first
// element of the run; for HBM `ptr` is null and hbm_addr is the byte address.
template <class Fn>
void for_each_run(const ExecCtx& ctx, const TensorRef& r, Checked checked, Fn&& fn) {
  if (checked == Checked::No) check_operand(ctx, r, "operand");
  const uint64_t off = effective_offset(r, ctx.regs);
  const Runs rn = make_runs(r);
  const int64_t esz = int64_t(dtype_size(r.dtype));
  Scratchpad* sp = spad_of(ctx, r.space);
  if (sp && rn.size[0] == 1 && rn.size[1] == 1 && rn.size[2] == 1) {
    // One run per partition (a tile row, a [P, 1] column): the common case, walked with
    // one pointer step per partition instead of the odometer below.
    uint8_t* base = sp->data_row(r.part_start) + off;
    const uint64_t pitch = r.part_bcast ? 0 : sp->pitch();  // broadcast: every lane reads part_start
    for (uint32_t p = 0; p < r.part_count; ++p, base += pitch)
      fn(base, uint64_t(0), uint64_t(p) * rn.run, rn.run, rn.rstride);
    return;
  }
  uint64_t idx = 0;
  for (uint32_t p = 0; p < r.part_count; ++p) {
    uint8_t* base = nullptr;
    int64_t hbase = 0;
    if (sp)
      base = sp->data_row(r.part_start + (r.part_bcast ? 0 : p)) + off;
    else
      hbase = int64_t(off) + int64_t(p) * r.part_stride * esz;
    for (uint32_t a = 0; a < rn.size[0]; ++a)
      for (uint32_t b = 0; b < rn.size[1]; ++b)
        for (uint32_t c = 0; c < rn.size[2]; ++c) {
          int64_t o = int64_t(a) * rn.stride[0] + int64_t(b) * rn.stride[1] +
                      int64_t(c) * rn.stride[2];
          if (sp)
            fn(base + o, uint64_t(0), idx, rn.run, rn.rstride);
          else
            fn(static_cast<uint8_t*>(nullptr), uint64_t(hbase + o), idx, rn.run, rn.rstride);
          idx += rn.run;
        }
  }
}

// Copies of a few bytes are the common case of small programs (transposes and [P, 1]
// columns move one element per partition): fixed-size copies compile to single moves,
// where a memcpy call of a runtime size costs more than the copy itself.
inline void copy_small(uint8_t* dst, const uint8_t* src, size_t n) {
  switch (n) {
    case 1: *dst = *src; return;
    case 2: std::memcpy(dst, src, 2); return;
    case 4: std::memcpy(dst, src, 4); return;
    case 8: std::memcpy(dst, src, 8); return;
    case 16: std::memcpy(dst, src, 16); return;
    case 32: std::memcpy(dst, src, 32); return;  // e.g. a head_dim-8 FP32 row
    case 64: std::memcpy(dst, src, 64); return;
    default: std::memcpy(dst, src, n); return;
  }
}

// Pack `run` strided elements of `esz` bytes at `src` into contiguous `dst`.
inline void pack(uint8_t* dst, const uint8_t* src, uint32_t run, int64_t rstride, size_t esz) {
  switch (esz) {
    case 1: for (uint32_t i = 0; i < run; ++i) dst[i] = src[int64_t(i) * rstride]; break;
    case 2: for (uint32_t i = 0; i < run; ++i) std::memcpy(dst + 2 * i, src + int64_t(i) * rstride, 2); break;
    default: for (uint32_t i = 0; i < run; ++i) std::memcpy(dst + 4 * i, src + int64_t(i) * rstride, 4); break;
  }
}
inline void unpack(uint8_t* dst, const uint8_t* src, uint32_t run, int64_t rstride, size_t esz) {
  switch (esz) {
    case 1: for (uint32_t i = 0; i < run; ++i) dst[int64_t(i) * rstride] = src[i]; break;
    case 2: for (uint32_t i = 0; i < run; ++i) std::memcpy(dst + int64_t(i) * rstride, src + 2 * i, 2); break;
    default: for (uint32_t i = 0; i < run; ++i) std::memcpy(dst + int64_t(i) * rstride, src + 4 * i, 4); break;
  }
}

// Reads one run of raw bytes (packed) into dst.
inline void read_run(const ExecCtx& ctx, const uint8_t* ptr, uint64_t addr, uint32_t run,
                     int64_t rstride, size_t esz, uint8_t* dst) {
  if (ptr) {
    if (rstride == int64_t(esz))
      copy_small(dst, ptr, run * esz);
    else
      pack(dst, ptr, run, rstride, esz);
  } else if (rstride == int64_t(esz)) {
    ctx.mem.hbm->read_in_bounds(addr, dst, run * esz);
  } else {
    for (uint32_t i = 0; i < run; ++i) ctx.mem.hbm->read_in_bounds(addr + int64_t(i) * rstride, dst + i * esz, esz);
  }
}
inline void write_run(const ExecCtx& ctx, uint8_t* ptr, uint64_t addr, uint32_t run,
                      int64_t rstride, size_t esz, const uint8_t* src) {
  if (ptr) {
    if (rstride == int64_t(esz))
      copy_small(ptr, src, run * esz);
    else
      unpack(ptr, src, run, rstride, esz);
  } else if (rstride == int64_t(esz)) {
    ctx.mem.hbm->write_in_bounds(addr, src, run * esz);
  } else {
    for (uint32_t i = 0; i < run; ++i) ctx.mem.hbm->write_in_bounds(addr + int64_t(i) * rstride, src + i * esz, esz);
  }
}

std::vector<uint8_t>& scratch_bytes(size_t n) {
  thread_local std::vector<uint8_t> buf;
  if (buf.size() < n) buf.resize(n);
  return buf;
}

}  // namespace

void check_operand(const ExecCtx& ctx, const TensorRef& r, std::string_view operand) {
  if (!r.used()) fail("{}: operand is missing (ndim = 0)", operand);
  for (int k = 0; k < r.ndim; ++k)
    if (r.dims[k].size == 0) fail("{}: free dim {} has size 0", operand, k);
  if (r.part_count == 0) fail("{}: part_count is 0", operand);
  // Stride-0 dims pass the byte-range check at any size; cap the element count so a
  // broadcast operand cannot ask the host for an absurd temporary buffer.
  i128 n = r.part_count;
  for (int k = 0; k < r.ndim; ++k) {
    n *= r.dims[k].size;
    if (n > i128(kMaxOperandElems))
      fail("{}: operand has more than {} elements (simulator limit per operand)", operand,
           kMaxOperandElems);
  }
  const uint64_t off = effective_offset(r, ctx.regs);
  const FreeSpan fs = free_span(r);
  if (r.space == Space::Hbm) {
    if (!ctx.mem.hbm || !ctx.mem.hbm->has_data())
      fail("{}: HBM has no data storage (timing-only mode?)", operand);
    const int64_t esz = int64_t(dtype_size(r.dtype));
    int64_t pspan = int64_t(r.part_count - 1) * r.part_stride * esz;
    i128 lo = i128(off) + fs.lo + std::min<int64_t>(0, pspan);
    i128 hi = i128(off) + fs.hi + std::max<int64_t>(0, pspan);
    if (lo < 0 || hi > i128(ctx.mem.hbm->capacity()))
      fail("{}: HBM byte range [{}, {}) is out of bounds (HBM capacity {} bytes)", operand,
           int64_t(lo), int64_t(hi), ctx.mem.hbm->capacity());
    return;
  }
  Scratchpad* sp = spad_of(ctx, r.space);
  if (!sp) fail("{}: operand has no memory space", operand);
  const char* sname = r.space == Space::Sbuf ? "SBUF" : "PSUM";
  if (!sp->has_data()) fail("{}: {} has no data storage (timing-only mode?)", operand, sname);
  if (uint32_t(r.part_start) + r.parts_touched() > sp->partitions())
    fail("{}: {} partitions [{}, {}) are out of bounds ({} partitions)", operand, sname,
         r.part_start, uint32_t(r.part_start) + r.parts_touched(), sp->partitions());
  i128 lo = i128(off) + fs.lo, hi = i128(off) + fs.hi;
  if (lo < 0 || hi > i128(sp->bytes_per_partition()))
    fail("{}: {} byte range [{}, {}) per partition is out of bounds ({} bytes per partition)",
         operand, sname, int64_t(lo), int64_t(hi), sp->bytes_per_partition());
  // Lazily initialised scratchpad (memory.h): make the reachable bytes read as 0xFF.
  sp->prepare(r.part_start, r.parts_touched(), uint64_t(hi));
}

void gather_f32(const ExecCtx& ctx, const TensorRef& r, float* out, Checked checked) {
  const size_t esz = dtype_size(r.dtype);
  for_each_run(ctx, r, checked, [&](const uint8_t* ptr, uint64_t addr, uint64_t idx, uint32_t run, int64_t rs) {
    if (ptr && rs == int64_t(esz)) {
      if (r.dtype == DType::F32)  // a plain copy, mostly of a few bytes: inline
        copy_small(reinterpret_cast<uint8_t*>(out + idx), ptr, run * esz);
      else
        convert_to_f32(r.dtype, ptr, out + idx, run);
    } else {
      auto& tmp = scratch_bytes(run * esz);
      read_run(ctx, ptr, addr, run, rs, esz, tmp.data());
      convert_to_f32(r.dtype, tmp.data(), out + idx, run);
    }
  });
}

void scatter_f32(const ExecCtx& ctx, const TensorRef& r, const float* in, Checked checked) {
  const size_t esz = dtype_size(r.dtype);
  for_each_run(ctx, r, checked, [&](uint8_t* ptr, uint64_t addr, uint64_t idx, uint32_t run, int64_t rs) {
    if (ptr && rs == int64_t(esz)) {
      if (r.dtype == DType::F32)
        copy_small(ptr, reinterpret_cast<const uint8_t*>(in + idx), run * esz);
      else
        convert_from_f32(r.dtype, in + idx, ptr, run);
    } else {
      auto& tmp = scratch_bytes(run * esz);
      convert_from_f32(r.dtype, in + idx, tmp.data(), run);
      write_run(ctx, ptr, addr, run, rs, esz, tmp.data());
    }
  });
}

namespace {

// The runs of an operand in dense order, one at a time (an odometer over partition and
// the three outer dims), for operands whose innermost run is contiguous. Each run is a
// host pointer (SBUF/PSUM, as an integer) or an HBM byte address, and a length in bytes.
// The position is kept as an address and stepped by precomputed deltas (small DMAs are
// many runs of a few dozen bytes, so the step is on the copy's critical path).
struct RunCursor {
  uint64_t at = 0;  // start of the current run
  uint64_t run_bytes = 0;
  uint32_t n[4] = {1, 1, 1, 1};       // partitions, then the outer dims (outermost first)
  uint32_t i[4] = {0, 0, 0, 0};
  int64_t step[4] = {0, 0, 0, 0};     // bytes to the next index of level k, the inner ones wrapped

  // False if the innermost run is strided.
  bool init(const ExecCtx& ctx, const TensorRef& r) {
    const int64_t esz = int64_t(dtype_size(r.dtype));
    const Runs rn = make_runs(r);
    if (rn.rstride != esz && rn.run > 1) return false;
    run_bytes = uint64_t(rn.run) * uint64_t(esz);
    const uint64_t off = effective_offset(r, ctx.regs);
    int64_t pstep;
    if (Scratchpad* sp = spad_of(ctx, r.space)) {
      at = uint64_t(reinterpret_cast<uintptr_t>(sp->data_row(r.part_start))) + off;
      pstep = r.part_bcast ? 0 : int64_t(sp->pitch());
    } else {
      at = off;
      pstep = r.part_stride * esz;
    }
    const int64_t stride[4] = {pstep, rn.stride[0], rn.stride[1], rn.stride[2]};
    n[0] = r.part_count;
    for (int k = 1; k < 4; ++k) n[k] = rn.size[k - 1];
    int64_t back = 0;  // bytes the levels inside k advanced before wrapping to 0
    for (int k = 3; k >= 0; --k) {
      step[k] = stride[k] - back;
      back += int64_t(n[k] - 1) * stride[k];
    }
    return true;
  }
  // Advances to the next run; false after the last.
  bool next() {  // unrolled: a loop over k compiles to indexed loads and a branch per level
    if (++i[3] < n[3]) return at += uint64_t(step[3]), true;
    i[3] = 0;
    if (++i[2] < n[2]) return at += uint64_t(step[2]), true;
    i[2] = 0;
    if (++i[1] < n[1]) return at += uint64_t(step[1]), true;
    i[1] = 0;
    if (++i[0] < n[0]) return at += uint64_t(step[0]), true;
    return false;
  }
};

// Byte range [lo, hi) an operand can touch: within a partition for SBUF/PSUM, absolute for HBM.
FreeSpan hull(const ExecCtx& ctx, const TensorRef& r) {
  const int64_t off = int64_t(effective_offset(r, ctx.regs));
  FreeSpan fs = free_span(r);
  if (r.space == Space::Hbm) {
    const int64_t pspan = int64_t(r.part_count - 1) * r.part_stride * int64_t(dtype_size(r.dtype));
    fs.lo += std::min<int64_t>(0, pspan);
    fs.hi += std::max<int64_t>(0, pspan);
  }
  return {fs.lo + off, fs.hi + off};
}


// n bytes from segment position s (space ss) to d (space ds).
void copy_bytes(const ExecCtx& ctx, Space ds, uint64_t d, Space ss, uint64_t s, uint64_t n) {
  Hbm& hbm = *ctx.mem.hbm;
  if (ds != Space::Hbm) {
    auto* dp = reinterpret_cast<uint8_t*>(uintptr_t(d));
    if (ss != Space::Hbm)
      copy_small(dp, reinterpret_cast<const uint8_t*>(uintptr_t(s)), n);
    else
      hbm.read_in_bounds(s, dp, n);
  } else if (ss != Space::Hbm) {
    hbm.write_in_bounds(d, reinterpret_cast<const uint8_t*>(uintptr_t(s)), n);
  } else {
    hbm.copy(d, s, n);
  }
}

// Host address of the run of n bytes at `at` in `space`: `at` itself in SBUF/PSUM; in HBM
// its page's storage when the run lies inside one allocated page, else 0 (then the bytes
// go through the Hbm, which reads untouched pages as 0xFF and allocates on write).
uint64_t host_at(const ExecCtx& ctx, Space space, uint64_t at, uint64_t n) {
  if (space != Space::Hbm) return at;
  if ((at & (Hbm::kPageSize - 1)) + n > Hbm::kPageSize) return 0;
  return uint64_t(reinterpret_cast<uintptr_t>(ctx.mem.hbm->find(at)));
}

// Runs pair up k to one when one operand's run is a multiple of the other's: k = 1, equal
// runs, is the usual case; a partition-major V-cache load puts one HBM row into k padded
// SBUF slots. The long run's host address is found once for its k pieces. The cursors are
// taken by value so they stay in registers across the copies (which may alias anything).
template <class Copy>
void copy_split(const ExecCtx& ctx, RunCursor big, Space bs, RunCursor small, Space ss, bool big_is_src,
                Copy&& copy) {
  const uint64_t n = small.run_bytes, k = big.run_bytes / n;
  do {
    uint64_t ba = big.at, bh = host_at(ctx, bs, ba, big.run_bytes);
    for (uint64_t j = 0; j < k; ++j, ba += n, bh += bh ? n : 0, small.next()) {
      const uint64_t sh = host_at(ctx, ss, small.at, n);
      if (big_is_src) copy(sh, small.at, bh, ba, n);
      else copy(bh, ba, sh, small.at, n);
    }
  } while (big.next());
}

}  // namespace

bool may_overlap(const ExecCtx& ctx, const TensorRef& a, const TensorRef& b) {
  if (a.space != b.space) return false;
  if (a.space != Space::Hbm &&
      (a.part_start >= b.part_start + b.parts_touched() || b.part_start >= a.part_start + a.parts_touched()))
    return false;
  const FreeSpan x = hull(ctx, a), y = hull(ctx, b);
  return x.lo < y.hi && y.lo < x.hi;
}

void copy_raw(const ExecCtx& ctx, const TensorRef& dst, const TensorRef& src, Checked checked) {
  if (checked == Checked::No) {
    check_operand(ctx, dst, "dst");
    check_operand(ctx, src, "src");
  }
  if (dst.dtype != src.dtype || dst.elems() != src.elems())
    fail("copy_raw: dst ({}, {} elements) and src ({}, {} elements) differ", dtype_name(dst.dtype),
         dst.elems(), dtype_name(src.dtype), src.elems());
  RunCursor s, d;
  if (may_overlap(ctx, dst, src) || !s.init(ctx, src) || !d.init(ctx, dst)) {
    auto& tmp = scratch_bytes(src.bytes());
    gather_raw(ctx, src, tmp.data(), Checked::Yes);
    scatter_raw(ctx, dst, tmp.data(), Checked::Yes);
    return;
  }
  // Each copy is a host-to-host move when both runs have host storage (copy_small), else it
  // goes through the Hbm by address (copy_bytes).
  auto copy = [&](uint64_t dh, uint64_t dp, uint64_t sh, uint64_t sp, uint64_t n) {
    if (dh && sh)
      copy_small(reinterpret_cast<uint8_t*>(uintptr_t(dh)), reinterpret_cast<const uint8_t*>(uintptr_t(sh)), n);
    else
      copy_bytes(ctx, dst.space, dp, src.space, sp, n);
  };
  if (s.run_bytes % d.run_bytes == 0) return copy_split(ctx, s, src.space, d, dst.space, true, copy);
  if (d.run_bytes % s.run_bytes == 0) return copy_split(ctx, d, dst.space, s, src.space, false, copy);
  // Walk both operands' runs in lockstep: each copy is the overlap of the current runs.
  uint64_t sp = s.at, sl = s.run_bytes, dp = d.at, dl = d.run_bytes;
  uint64_t sh = host_at(ctx, src.space, sp, sl), dh = host_at(ctx, dst.space, dp, dl);
  for (;;) {
    const uint64_t n = std::min(sl, dl);
    copy(dh, dp, sh, sp, n);
    sp += n, sl -= n, dp += n, dl -= n;
    sh += sh ? n : 0, dh += dh ? n : 0;
    if (sl == 0) {
      if (!s.next()) break;
      sp = s.at, sl = s.run_bytes;
      sh = host_at(ctx, src.space, sp, sl);
    }
    if (dl == 0) {
      d.next();
      dp = d.at, dl = d.run_bytes;
      dh = host_at(ctx, dst.space, dp, dl);
    }
  }
}

void fill_raw(const ExecCtx& ctx, const TensorRef& r, const uint8_t* elem, Checked checked) {
  const size_t esz = dtype_size(r.dtype);
  for_each_run(ctx, r, checked, [&](uint8_t* ptr, uint64_t addr, uint64_t, uint32_t run, int64_t rs) {
    if (!ptr) {  // HBM: write the run from a filled temporary
      auto& tmp = scratch_bytes(run * esz);
      for (uint32_t i = 0; i < run; ++i) std::memcpy(tmp.data() + i * esz, elem, esz);
      write_run(ctx, ptr, addr, run, rs, esz, tmp.data());
      return;
    }
    switch (esz) {  // fixed-size copies compile to single stores
      case 1:
        if (rs == 1) std::memset(ptr, elem[0], run);
        else for (uint32_t i = 0; i < run; ++i) ptr[int64_t(i) * rs] = elem[0];
        break;
      case 2: for (uint32_t i = 0; i < run; ++i) std::memcpy(ptr + int64_t(i) * rs, elem, 2); break;
      default: for (uint32_t i = 0; i < run; ++i) std::memcpy(ptr + int64_t(i) * rs, elem, 4); break;
    }
  });
}

void gather_raw(const ExecCtx& ctx, const TensorRef& r, uint8_t* out, Checked checked) {
  const size_t esz = dtype_size(r.dtype);
  for_each_run(ctx, r, checked, [&](const uint8_t* ptr, uint64_t addr, uint64_t idx, uint32_t run, int64_t rs) {
    read_run(ctx, ptr, addr, run, rs, esz, out + idx * esz);
  });
}

void scatter_raw(const ExecCtx& ctx, const TensorRef& r, const uint8_t* in, Checked checked) {
  const size_t esz = dtype_size(r.dtype);
  for_each_run(ctx, r, checked, [&](uint8_t* ptr, uint64_t addr, uint64_t idx, uint32_t run, int64_t rs) {
    write_run(ctx, ptr, addr, run, rs, esz, in + idx * esz);
  });
}

}  // namespace npulab::sim
