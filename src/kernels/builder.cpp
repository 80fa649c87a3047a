#include "kernels/builder.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/error.h"
#include "isa/opcode_table.h"
#include "isa/validate.h"
#include "isa/verify.h"

namespace npulab::kernels {

using isa::Instr;
using isa::Opcode;
using isa::Space;
using isa::Stream;
using isa::TensorRef;

namespace {

// Loop bookkeeping: control ops that change a register or the pc (a nop only carries waits).
bool is_loop_control(Opcode op) {
  const isa::OpInfo& info = isa::op_info(op);
  return info.kind == isa::OpKind::Control && (info.writes_reg0() || info.has_target());
}

std::string shape_str(uint32_t parts, const std::vector<uint32_t>& s) {
  std::string r = fmt::format("[{}", parts);
  for (auto d : s) r += fmt::format(", {}", d);
  return r + "]";
}

// Partitions [p0, p0+n) of an operand (SBUF: partition range; HBM: rows).
TensorRef sub_parts(const TensorRef& r, uint32_t p0, uint32_t n) {
  TensorRef s = r;
  if (r.space == Space::Hbm)
    s.offset = uint64_t(int64_t(r.offset) + int64_t(p0) * r.part_stride * int64_t(dtype_size(r.dtype)));
  else if (!r.part_bcast)  // a broadcast view's lanes all read part_start
    s.part_start = uint16_t(r.part_start + p0);
  s.part_count = uint16_t(n);
  return s;
}

}  // namespace

// ------------------------------------------------------------------ HbmTensor
uint64_t HbmTensor::rows() const {
  uint64_t n = 1;
  for (size_t i = 0; i + 1 < decl_.shape.size(); ++i) n *= decl_.shape[i];
  return n;
}

isa::TensorRef HbmTensor::view(uint64_t r0, uint32_t nr, uint64_t c0, uint32_t nc) const {
  if (r0 + nr > rows() || c0 + nc > cols() || nr == 0 || nc == 0)
    fail("HBM tensor '{}': view rows [{}, {}) cols [{}, {}) outside its {}x{}", name(), r0, r0 + nr, c0, c0 + nc,
         rows(), cols());
  TensorRef r;
  r.space = Space::Hbm;
  r.dtype = dtype();
  r.ndim = 1;
  r.part_count = uint16_t(nr);
  r.part_stride = int64_t(cols());
  r.offset = offset() + (r0 * cols() + c0) * dtype_size(dtype());
  r.dims[0] = {1, nc};
  return r;
}

isa::TensorRef HbmTensor::view_t(uint64_t r0, uint32_t nr, uint64_t c0, uint32_t nc) const {
  TensorRef r = view(r0, nr, c0, nc);
  r.part_count = uint16_t(nc);
  r.part_stride = 1;
  r.dims[0] = {int32_t(cols()), nr};
  return r;
}

isa::TensorRef HbmTensor::broadcast_row(uint64_t row, uint32_t parts, uint64_t c0, uint32_t nc) const {
  TensorRef r = view(row, 1, c0, nc);
  r.part_count = uint16_t(parts);
  r.part_stride = 0;
  return r;
}

// ------------------------------------------------------------------ Builder
Builder::Builder(const arch::ChipConfig& chip, std::string name, BuilderOptions opts)
    : chip_(chip), opts_(opts),
      sbuf_alloc_(std::make_shared<TileAllocator>(Space::Sbuf, chip.sbuf.partitions, chip.sbuf.bytes_per_partition, 0)),
      psum_alloc_(std::make_shared<TileAllocator>(Space::Psum, chip.psum.partitions, chip.psum.bytes_per_partition,
                                                  chip.psum.bank_bytes())),
      deps_(1, 1, 1, 1), hbm_(std::make_shared<HbmAllocator>(chip.hbm.capacity_bytes)) {
  if (chip.dma.engines_per_core == 0 || chip.dma.queues_per_engine == 0)
    fail("chip '{}': no DMA engines/queues described", chip.name);
  uint32_t sets = std::clamp<uint32_t>(opts_.dma_queue_sets, 1, chip.dma.queues_per_engine);
  if (chip.semaphores_per_core < isa::kNumFixedStreams + 1)
    fail("chip '{}': {} semaphores per core; the builder needs at least {}", chip.name, chip.semaphores_per_core,
         isa::kNumFixedStreams + 1);
  sets = std::min<uint32_t>(sets, chip.semaphores_per_core - isa::kNumFixedStreams);
  opts_.dma_queue_sets = sets;
  num_sems_ = isa::kNumFixedStreams + sets;  // semaphore i belongs to logical stream i
  deps_ = DepTracker(num_sems_, num_sems_, chip.sbuf.bytes_per_partition, chip.psum.bytes_per_partition);
  count_.assign(num_sems_, 0);
  waited_on_.assign(num_sems_, false);
  prog_.streams.resize(isa::kNumFixedStreams);
  exe_.name = std::move(name);
  exe_.chip = chip.name;
}

Builder::~Builder() = default;


HbmTensor Builder::declare(const std::string& base, DType t, std::vector<uint64_t> shape,
                           isa::TensorDecl::Kind k) {
  const std::string name = in_chip_ ? fmt::format("{}[{}]", base, core_) : base;
  for (auto& d : exe_.tensors)
    if (d.name == name) fail("kernel '{}': HBM tensor '{}' declared twice", exe_.name, name);
  return add_tensor(hbm_->place(name, t, std::move(shape), k));
}

HbmTensor Builder::add_tensor(const isa::TensorDecl& d) {
  deps_.add_hbm_range(d.hbm_offset, d.bytes());
  exe_.tensors.push_back(d);
  return HbmTensor(d);
}

HbmTensor Builder::input(const std::string& n, DType t, std::vector<uint64_t> s) {
  return declare(n, t, std::move(s), isa::TensorDecl::Kind::Input);
}
HbmTensor Builder::output(const std::string& n, DType t, std::vector<uint64_t> s) {
  return declare(n, t, std::move(s), isa::TensorDecl::Kind::Output);
}
HbmTensor Builder::scratch(const std::string& n, DType t, std::vector<uint64_t> s) {
  return declare(n, t, std::move(s), isa::TensorDecl::Kind::Scratch);
}

Tile Builder::make_tile(Space sp, const std::string& name, DType t, uint32_t parts, std::vector<uint32_t> shape) {
  const auto& mem = sp == Space::Sbuf ? chip_.sbuf : chip_.psum;
  const std::string what = fmt::format("{} {} {}", space_name(sp), dtype_name(t), shape_str(parts, shape));
  if (parts == 0 || parts > mem.partitions)
    fail("tile '{}' ({}): {} partitions, the {} has {}", name, what, parts, space_name(sp), mem.partitions);
  if (shape.empty() || shape.size() > 4) fail("tile '{}' ({}): needs 1 to 4 free dims", name, what);
  uint64_t elems = 1;
  for (auto d : shape) {
    if (d == 0) fail("tile '{}' ({}): zero-sized free dim", name, what);
    elems *= d;
  }
  auto& alloc = sp == Space::Sbuf ? sbuf_alloc_ : psum_alloc_;
  auto mem_handle = alloc->allocate(name, elems * dtype_size(t), what);
  TensorRef r;
  r.space = sp;
  r.dtype = t;
  r.ndim = uint8_t(shape.size());
  r.part_start = 0;
  r.part_count = uint16_t(parts);
  r.offset = mem_handle->offset;
  int64_t stride = 1;
  for (int i = int(shape.size()) - 1; i >= 0; --i) {
    r.dims[i] = {int32_t(stride), shape[i]};
    stride *= shape[i];
  }
  return Tile(std::move(mem_handle), r);
}

Tile Builder::sbuf(const std::string& n, DType t, uint32_t p, std::vector<uint32_t> s) {
  return make_tile(Space::Sbuf, n, t, p, std::move(s));
}
Tile Builder::psum(const std::string& n, DType t, uint32_t p, std::vector<uint32_t> s) {
  return make_tile(Space::Psum, n, t, p, std::move(s));
}
Tile Builder::psum_bank(const std::string& n, uint32_t p) {
  return psum(n, DType::F32, p ? p : chip_.psum.partitions, {uint32_t(chip_.psum.bank_bytes() / 4)});
}
uint64_t Builder::sbuf_bytes_in_use() const { return sbuf_alloc_->bytes_in_use(); }
uint64_t Builder::psum_bytes_in_use() const { return psum_alloc_->bytes_in_use(); }

// ------------------------------------------------------------------ emission
// Engine e, or by default the first engine of the op's row (the NKI defaults: vector ops
// on DVE, activation on ACT, matmul/transpose on PE, cross-partition ops on POOL).
uint32_t Builder::pick(Opcode op, Engine e) const {
  const auto& info = isa::op_info(op);
  uint32_t s = 0;
  switch (e) {
    case Engine::Default:
      while (s + 1 < isa::kNumFixedStreams && !(info.engines & isa::engine_mask_of_stream(s))) ++s;
      break;
    case Engine::Vector: s = uint32_t(Stream::DVE); break;
    case Engine::Scalar: s = uint32_t(Stream::ACT); break;
    case Engine::GpSimd: s = uint32_t(Stream::POOL); break;
  }
  if (!(info.engines & isa::engine_mask_of_stream(s)))
    fail("kernel '{}': op {} cannot run on engine {}", exe_.name, info.name, isa::stream_name(s));
  return s;
}

// The one path of every compute op: the tiles take their slots (null = operand absent),
// each must be a live tile in a space its role allows, the row's shape verifier checks the
// instruction where it is emitted (errors name the kernel and the tiles), then it is placed
// and emitted with its inferred waits.
void Builder::emit_op(Instr in, std::initializer_list<const Tile*> tiles, Engine e) {
  const auto& info = isa::op_info(in.op);
  if (info.kind == isa::OpKind::Control || info.kind == isa::OpKind::Dma || info.writes_reg0())
    fail("kernel '{}': {} is emitted by the builder itself (DMA: dma_copy/load/store; control and registers: "
         "loop, load_indexed)", exe_.name, info.name);
  if (tiles.size() > info.num_operands)
    fail("kernel '{}': {} has {} operands, got {}", exe_.name, info.name, info.num_operands, tiles.size());
  int k = 0;
  for (const Tile* t : tiles) {
    const isa::OperandRole& role = info.operands[k];
    if (t) {
      check_on_chip(*t, info.name, role.name);
      if (!(role.spaces & (1u << uint32_t(t->space()))))
        fail("kernel '{}': {} operand {} '{}' is in {}, allowed: {}", exe_.name, info.name, role.name, t->name(),
             space_name(t->space()), isa::spaces_text(role.spaces));
      in.t[k] = t->ref();
    }
    ++k;
  }
  const uint32_t s = pick(in.op, e);
  try {
    isa::verify_shape(isa::VerifyCtx{in, s, chip_});
  } catch (const Error& err) {
    std::string names;  // "dst 'acc', stationary 'w', ..."
    k = 0;
    for (const Tile* t : tiles) {
      if (t) names += fmt::format("{}{} '{}'", names.empty() ? "" : ", ", info.operands[k].name, t->name());
      ++k;
    }
    fail("kernel '{}': {} of {}: {}", exe_.name, info.name, names, err.what());
  }
  emit(s, in);
}

void Builder::check_on_chip(const Tile& t, std::string_view op, std::string_view role) const {
  if (!t.valid()) fail("kernel '{}': {} operand '{}' is not a valid tile (released or empty)", exe_.name, op, role);
}

// One instruction on a fixed engine stream: wait for every hazard on another stream.
void Builder::emit(uint32_t s, Instr& in) {
  if (finished_) fail("kernel '{}': builder already finished", exe_.name);
  const auto& info = isa::op_info(in.op);
  WaitSet ws(num_sems_);
  Region regs[4];
  for (int i = 0; i < info.num_operands; ++i) {
    if (!in.t[i].used()) continue;
    regs[i] = region_of(in.t[i], deps_.bytes_per_partition(in.t[i].space));
    deps_.collect(s, uint16_t(s), regs[i], info.operands[i].access != isa::Access::R, ws);
  }
  deps_.prune(s, ws);
  auto waits = ws.list();
  auto& stream = prog_.streams[s];
  size_t w = 0;
  auto take = [&](Instr& x) {
    x.num_waits = 0;
    while (w < waits.size() && x.num_waits < isa::kMaxWaits) {
      x.waits[x.num_waits++] = make_wait(waits[w]);
      waited_on_[waits[w].sem] = true;
      ++w;
    }
    stats_.waits += x.num_waits;
  };
  while (waits.size() - w > isa::kMaxWaits) {  // too many: a nop carries the extra waits
    Instr nop;
    nop.op = Opcode::nop;
    take(nop);
    stream.push_back(nop);
    ++stats_.nops;
    ++stats_.instrs;
    deps_.completed(s, {uint16_t(s), ++count_[s]});
  }
  take(in);
  for (int i = 0; i < info.num_operands; ++i)
    if (in.t[i].used()) relocate(in.t[i], regs[i]);
  deps_.learn(s, ws);
  stream.push_back(in);
  record_tag(s);
  ++stats_.instrs;
  const Completion me{uint16_t(s), ++count_[s]};
  deps_.completed(s, me);
  for (int pass = 0; pass < 2; ++pass)  // reads first, so an in-place write supersedes them
    for (int i = 0; i < info.num_operands; ++i) {
      if (!in.t[i].used()) continue;
      const bool wr = info.operands[i].access != isa::Access::R;
      if (wr == (pass == 1)) deps_.record(regs[i], wr, me);
    }
}

// Split one transfer into pieces for several DMA engines: by partition groups of
// dma_partition_group (pieces start at multiples of the group; DMA operands are not bound
// by the compute engines' partition-start rule, see isa/validate.cpp), then,
// while engines are left, by chunks of the outermost free dim of at least
// min_efficient_bytes per partition (smaller pieces would waste descriptor time).
std::vector<std::pair<TensorRef, TensorRef>> Builder::split_dma(const TensorRef& dst, const TensorRef& src) const {
  const uint32_t E = chip_.dma.engines_per_core;
  const TensorRef& on_chip = dst.space != Space::Hbm ? dst : src;
  const uint32_t n = dst.part_count, g = std::max<uint32_t>(1, opts_.dma_partition_group);
  std::vector<std::pair<uint32_t, uint32_t>> pr;  // (first partition, count), relative
  const bool aligned = on_chip.space == Space::Hbm || on_chip.part_start % g == 0;
  for (uint32_t p0 = 0; p0 < n;) {
    const uint32_t cnt = aligned ? std::min(g, n - p0) : n;
    pr.emplace_back(p0, cnt);
    p0 += cnt;
  }
  // Free-dim chunks: both operands must have a splittable outermost dim of the same size.
  uint32_t chunks = 1;
  const uint64_t row_bytes = src.free_elems() * std::max(dtype_size(src.dtype), dtype_size(dst.dtype));
  if (pr.size() < E && dst.ndim >= 1 && src.ndim >= 1 && dst.dims[0].size == src.dims[0].size) {
    const uint64_t minb = std::max<uint64_t>(chip_.dma.min_efficient_bytes, 1);
    chunks = uint32_t(std::min<uint64_t>({E / pr.size(), row_bytes / minb, dst.dims[0].size}));
    chunks = std::max<uint32_t>(chunks, 1);
  }
  std::vector<std::pair<TensorRef, TensorRef>> out;
  for (auto [p0, cnt] : pr) {
    TensorRef d = sub_parts(dst, p0, cnt), s = sub_parts(src, p0, cnt);
    const uint32_t total = d.dims[0].size;
    for (uint32_t c = 0; c < chunks; ++c) {
      const uint32_t a = uint32_t(uint64_t(total) * c / chunks), b = uint32_t(uint64_t(total) * (c + 1) / chunks);
      if (a == b) continue;
      TensorRef dc = d, sc = s;
      if (chunks > 1) {
        dc.offset += uint64_t(int64_t(a) * d.dims[0].stride * int64_t(dtype_size(d.dtype)));
        sc.offset += uint64_t(int64_t(a) * s.dims[0].stride * int64_t(dtype_size(s.dtype)));
        dc.dims[0].size = sc.dims[0].size = b - a;
      }
      out.emplace_back(dc, sc);
    }
  }
  return out;
}

void Builder::dma_copy(const TensorRef& dst, const TensorRef& src) { copy_dma(dst, src, nullptr); }

void Builder::dma_copy(const TensorRef& dst, const TensorRef& src, const TensorRef& dst_extent) {
  copy_dma(dst, src, &dst_extent);
}

void Builder::copy_dma(const TensorRef& dst, const TensorRef& src, const TensorRef* dst_extent) {
  if (finished_) fail("kernel '{}': builder already finished", exe_.name);
  if (!dst.used() || !src.used()) fail("kernel '{}': dma_copy with an empty operand", exe_.name);
  if (dst.part_count != src.part_count || dst.free_elems() != src.free_elems())
    fail("kernel '{}': dma_copy shapes differ: dst {} partitions x {} elements, src {} x {}", exe_.name,
         dst.part_count, dst.free_elems(), src.part_count, src.free_elems());
  const uint32_t E = chip_.dma.engines_per_core;
  // Stores (to HBM) rotate over their own sets: a store waits for the compute that
  // produced its data, and must not hold up the next load queued behind it in a set.
  const uint32_t nsets = opts_.dma_queue_sets;
  const uint32_t store_sets = nsets >= 4 ? std::max<uint32_t>(1, nsets / 4) : 0;
  const bool is_store = dst.space == Space::Hbm && store_sets > 0;
  const uint32_t set = is_store ? nsets - store_sets + (next_store_set_++ % store_sets)
                                : next_set_++ % (nsets - store_sets);
  const uint32_t ls = isa::kNumFixedStreams + set;
  const int64_t prev = count_[ls];

  const Region rdst = region_of(dst, deps_.bytes_per_partition(dst.space));
  const Region rsrc = region_of(src, deps_.bytes_per_partition(src.space));
  // What the copy is ordered as writing: dst, or the extent it may be patched to write.
  const Region extent = dst_extent ? region_of(*dst_extent, deps_.bytes_per_partition(dst.space)) : rdst;
  if (dst_extent && (dst_extent->space != dst.space || !covers(extent, rdst)))
    fail("kernel '{}': dma_copy destination extent does not cover the destination", exe_.name);
  if (loop_) {  // a transfer must lie inside one strided range or outside all (not just its pieces)
    TensorRef d = dst, sr = src;
    relocate(d, rdst);
    relocate(sr, rsrc);
    if (dst_extent) {
      TensorRef de = *dst_extent;
      relocate(de, extent);
    }
  }
  struct Part { uint32_t queue; Instr in; Region rd, rs; std::vector<isa::SemWait> extra; };
  std::vector<Part> parts;
  WaitSet all(num_sems_);
  for (const auto& [pd, ps] : split_dma(dst, src)) {
    Part p;
    p.queue = set * E + (engine_cursor_++ % E);
    p.in.op = Opcode::dma_copy;
    p.in.t[0] = pd;
    p.in.t[1] = ps;
    p.rd = region_of(p.in.t[0], deps_.bytes_per_partition(dst.space));
    p.rs = region_of(p.in.t[1], deps_.bytes_per_partition(src.space));
    WaitSet ws(num_sems_);
    deps_.collect(ls, uint16_t(ls), p.rd, true, ws);
    deps_.collect(ls, uint16_t(ls), p.rs, false, ws);
    if (dst_extent) deps_.collect(ls, uint16_t(ls), extent, true, ws);
    if (prev > 0) ws.need({uint16_t(ls), prev});  // groups of a set run one after another
    deps_.prune(ls, ws);
    for (auto& c : ws.list()) {
      p.extra.push_back(make_wait(c));
      waited_on_[c.sem] = true;
      all.need(c);
    }
    relocate(p.in.t[0], p.rd);
    relocate(p.in.t[1], p.rs);
    parts.push_back(std::move(p));
  }
  uint32_t max_q = 0;
  for (auto& p : parts) max_q = std::max(max_q, p.queue + 1);
  if (prog_.streams.size() < isa::dma_stream(max_q)) prog_.streams.resize(isa::dma_stream(max_q));
  for (auto& p : parts) {
    auto& stream = prog_.streams[isa::dma_stream(p.queue)];
    size_t w = 0;
    while (p.extra.size() - w > isa::kMaxWaits) {  // extra waits ride on non-signalling nops
      Instr nop;
      nop.op = Opcode::nop;
      for (; nop.num_waits < isa::kMaxWaits; ++w) nop.waits[nop.num_waits++] = p.extra[w];
      stream.push_back(nop);
      ++stats_.nops;
      ++stats_.instrs;
      stats_.waits += nop.num_waits;
    }
    for (; w < p.extra.size(); ++w) p.in.waits[p.in.num_waits++] = p.extra[w];
    stats_.waits += p.in.num_waits;
    p.in.signal = int16_t(ls);
    stream.push_back(p.in);
    record_tag(isa::dma_stream(p.queue));
    ++stats_.instrs;
  }
  ++stats_.dma_groups;
  deps_.learn(ls, all);
  count_[ls] += int64_t(parts.size());
  const Completion me{uint16_t(ls), count_[ls]};
  deps_.completed(ls, me);
  // The group as a whole read src and wrote dst (one record each, so a later covering
  // write supersedes them even though the pieces went to different engines).
  deps_.record(rsrc, false, me);
  deps_.record(extent, true, me);
}

// ------------------------------------------------------------------ typed op emitters
// Each sets its op's fields and hands the operand tiles, by slot, to emit_op, which does
// everything the table knows (tile checks, spaces, placement, shape verifier, waits).
namespace {
Instr op_instr(Opcode op) {
  Instr in;
  in.op = op;
  return in;
}
}  // namespace

void Builder::matmul(const Tile& ps, const Tile& st, const Tile& mv, bool start) {
  // The builder's own rule: moving streams through the rows the stationary was loaded on.
  if (st.valid() && mv.valid() && mv.part_start() != st.part_start())
    fail("kernel '{}': matmul stationary '{}' and moving '{}' must use the same partitions (contraction K): "
         "{}@{} vs {}@{}", exe_.name, st.name(), mv.name(), st.partitions(), st.part_start(), mv.partitions(),
         mv.part_start());
  Instr in = op_instr(Opcode::matmul);
  in.flags = start ? uint32_t(isa::F_START) : 0u;
  emit_op(in, {&ps, &st, &mv});
}

void Builder::transpose(const Tile& dst, const Tile& src) { emit_op(op_instr(Opcode::transpose), {&dst, &src}); }

void Builder::activation(const Tile& dst, const Tile& src, isa::ActFunc f, const Act& a) {
  Instr in = op_instr(Opcode::activation);
  in.act = f;
  in.imm0 = a.scale;
  if (!a.bias_tile) {
    in.flags |= isa::F_BIAS_IMM;
    in.imm1 = a.bias;
  }
  if (a.accum) in.flags |= isa::F_ACCUMULATE;
  emit_op(in, {&dst, &src, a.bias_tile, a.accum});
}

void Builder::tensor_tensor(const Tile& dst, const Tile& a, const Tile& b, isa::AluOp op, Engine e) {
  Instr in = op_instr(Opcode::tensor_tensor);
  in.alu0 = op;
  emit_op(in, {&dst, &a, &b}, e);
}

void Builder::tensor_scalar(const Tile& dst, const Tile& a, isa::AluOp op0, float s0, isa::AluOp op1, float s1,
                            Engine e) {
  Instr in = op_instr(Opcode::tensor_scalar);
  in.alu0 = op0;
  in.imm0 = s0;
  in.alu1 = op1;
  in.imm1 = s1;
  emit_op(in, {&dst, &a}, e);
}

void Builder::tensor_scalar(const Tile& dst, const Tile& a, isa::AluOp op0, const Tile& s0, isa::AluOp op1,
                            float s1, Engine e) {
  Instr in = op_instr(Opcode::tensor_scalar);
  in.alu0 = op0;
  in.alu1 = op1;
  in.imm1 = s1;
  in.flags = isa::F_SCALAR_TENSOR;
  emit_op(in, {&dst, &a, &s0}, e);
}

void Builder::tensor_tensor_scan(const Tile& dst, const Tile& a, const Tile& b, isa::AluOp op0, isa::AluOp op1,
                                 float init, Engine e) {
  Instr in = op_instr(Opcode::tensor_tensor_scan);
  in.alu0 = op0;
  in.alu1 = op1;
  in.imm0 = init;
  emit_op(in, {&dst, &a, &b}, e);
}

void Builder::tensor_tensor_scan(const Tile& dst, const Tile& a, const Tile& b, isa::AluOp op0, isa::AluOp op1,
                                 const Tile& init, Engine e) {
  Instr in = op_instr(Opcode::tensor_tensor_scan);
  in.alu0 = op0;
  in.alu1 = op1;
  in.flags = isa::F_SCALAR_TENSOR;
  emit_op(in, {&dst, &a, &b, &init}, e);
}

void Builder::tensor_reduce(const Tile& dst, const Tile& src, isa::AluOp op, bool negate, bool all, Engine e) {
  Instr in = op_instr(Opcode::tensor_reduce);
  in.alu0 = op;
  in.flags = (negate ? uint32_t(isa::F_NEGATE) : 0u) | (all ? uint32_t(isa::F_REDUCE_ALL) : 0u);
  emit_op(in, {&dst, &src}, e);
}

void Builder::tensor_copy(const Tile& dst, const Tile& src, Engine e) {
  emit_op(op_instr(Opcode::tensor_copy), {&dst, &src}, e);
}

void Builder::memset(const Tile& dst, float v, Engine e) {
  Instr in = op_instr(Opcode::memset);
  in.imm0 = v;
  emit_op(in, {&dst}, e);
}

void Builder::iota(const Tile& dst, int64_t base, int64_t pmul, float step, Engine e) {
  Instr in = op_instr(Opcode::iota);
  in.iimm0 = base;
  in.iimm1 = pmul;
  in.imm0 = step;
  emit_op(in, {&dst}, e);
}

void Builder::select(const Tile& dst, const Tile& pred, const Tile& t, const Tile& f, Engine e) {
  emit_op(op_instr(Opcode::select), {&dst, &pred, &t, &f}, e);
}

void Builder::affine_select(const Tile& dst, const Tile& src, isa::AluOp cmp, int64_t base, int64_t pmul, float step,
                            float fill, Engine e) {
  Instr in = op_instr(Opcode::affine_select);
  in.alu0 = cmp;
  in.iimm0 = base;
  in.iimm1 = pmul;
  in.imm1 = step;
  in.imm0 = fill;
  emit_op(in, {&dst, &src}, e);
}

void Builder::max8(const Tile& dst, const Tile& src) { emit_op(op_instr(Opcode::max8), {&dst, &src}); }

void Builder::find_index8(const Tile& dst, const Tile& src, const Tile& vals) {
  emit_op(op_instr(Opcode::find_index8), {&dst, &src, &vals});
}

void Builder::partition_reduce(const Tile& dst, const Tile& src, isa::AluOp op) {
  Instr in = op_instr(Opcode::partition_reduce);
  in.alu0 = op;
  emit_op(in, {&dst, &src});
}

void Builder::shuffle(const Tile& dst, const Tile& src, const Tile& idx) {
  emit_op(op_instr(Opcode::shuffle), {&dst, &src, &idx});
}

isa::Executable Builder::finish() {
  if (finished_) fail("kernel '{}': finish() called twice", exe_.name);
  finished_ = true;
  // Every instruction of a fixed stream that someone waits on signals its semaphore, so
  // the counts used by the waits are exact. DMA parts always signal their set's semaphore.
  for (uint32_t s = 0; s < isa::kNumFixedStreams; ++s)
    if (waited_on_[s])
      for (auto& in : prog_.streams[s])  // loop bookkeeping (reg_set/reg_add/branch_lt) is not counted
        if (!is_loop_control(in.op)) in.signal = int16_t(s);
  exe_.cores.assign(1, std::move(prog_));
  if (opts_.validate) isa::validate_executable(exe_, chip_);
  return std::move(exe_);
}

}  // namespace npulab::kernels
