// The tile-level kernel builder: a C++ API in the spirit of NKI that emits an
// isa::Executable for one NeuronCore. Kernels declare HBM tensors, allocate SBUF/PSUM
// tiles, and issue ops; the builder
//  - emits every compute op through one table-driven path (emit_op; the typed emitters are
//    thin wrappers) and places it on the first engine of its opcodes.def row unless told
//    otherwise (the NKI defaults: vector ops on DVE, activation on ACT, matmul/transpose on
//    PE, cross-partition ops on POOL);
//  - splits every DMA by partition groups over the core's DMA engines (~8 partitions per
//    engine on a 128-partition tile) so their bandwidth adds up, rotating over queue sets;
//  - infers all semaphore waits from data dependencies (kernels/deps.h): streams are
//    in-order, so only hazards between different streams get a wait.
// Walkthrough: docs/KERNELS.md.
#pragma once
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "arch/chip.h"
#include "isa/instr.h"
#include "kernels/deps.h"
#include "kernels/hbm_allocator.h"
#include "kernels/tile.h"

namespace npulab::kernels {

// A tensor in HBM (input, output or scratch), row-major. Views address it as a 2-D
// matrix [rows, cols] with rows = product of all but the last dim, cols = last dim.
class HbmTensor {
 public:
  HbmTensor() = default;
  HbmTensor(const isa::TensorDecl& d) : decl_(d) {}
  const std::string& name() const { return decl_.name; }
  DType dtype() const { return decl_.dtype; }
  const std::vector<uint64_t>& shape() const { return decl_.shape; }
  uint64_t offset() const { return decl_.hbm_offset; }
  uint64_t rows() const;
  uint64_t cols() const { return decl_.shape.empty() ? 1 : decl_.shape.back(); }
  const isa::TensorDecl& decl() const { return decl_; }

  // Rows [r0, r0+nr) x cols [c0, c0+nc): partition p = row r0+p (a DMA operand).
  isa::TensorRef view(uint64_t r0, uint32_t nr, uint64_t c0, uint32_t nc) const;
  // Transposed view of the same block: partition p = column c0+p, free = rows (strided).
  isa::TensorRef view_t(uint64_t r0, uint32_t nr, uint64_t c0, uint32_t nc) const;
  // Row r, cols [c0, c0+nc), repeated on `parts` partitions (stride 0): broadcasts.
  isa::TensorRef broadcast_row(uint64_t r, uint32_t parts, uint64_t c0, uint32_t nc) const;

 private:
  isa::TensorDecl decl_;
};

// Which engine runs an op that several can run.
enum class Engine : uint8_t { Default, Vector, Scalar, GpSimd };

// Activation options: dst = func(src * scale + bias), optional free-axis sum into accum.
struct Act {
  float scale = 1.0f;
  float bias = 0.0f;                 // used when bias_tile is null
  const Tile* bias_tile = nullptr;   // per-partition bias [P,1] (SBUF)
  const Tile* accum = nullptr;       // [P,1] FP32: sum over the free axis of the result
};

struct BuilderOptions {
  // DMA groups rotate over this many sets of queues (a quarter of them for stores).
  uint32_t dma_queue_sets = 8;
  // Partitions per DMA piece. The hardware gives each DMA engine ~8 partitions
  // (REFERENCES.md NC §1.6); DMA operands are not bound by the compute engines'
  // partition-start rule, so a 128-partition tile becomes 16 pieces spread over the engines
  // (free-dim chunks are added only while engines are left).
  uint32_t dma_partition_group = 8;
  bool validate = true;          // run isa::validate_executable in finish()
  // loop() emits every iteration as straight-line code instead of a register loop (the
  // reference the looped program is checked against; same waits up to the register form).
  bool unroll_loops = false;
  uint8_t loop_register = 0;     // register of every stream that counts loop iterations
};

// HBM bytes [offset + i*stride, offset + i*stride + bytes) are what iteration i of a loop
// addresses (e.g. layer i's weights): operands inside become register-relative.
struct LoopRange {
  uint64_t offset = 0, bytes = 0;
  int64_t stride = 0;
};

// The iteration being emitted: the body uses `index` like a normal loop variable (views of
// layer `index`); the builder turns what differs between iterations into register offsets.
struct LoopVar {
  int64_t index = 0;
  int64_t count = 0;
};

struct BuilderStats {
  uint64_t instrs = 0, waits = 0, nops = 0, dma_groups = 0;
  uint64_t loops = 0;           // register loops emitted
  uint64_t loops_unrolled = 0;  // loop() bodies that were not iteration-invariant (unrolled)
};

class Builder {
 public:
  Builder(const arch::ChipConfig& chip, std::string name, BuilderOptions opts = {});
  ~Builder();
  Builder(const Builder&) = delete;
  Builder& operator=(const Builder&) = delete;

  const arch::ChipConfig& chip() const { return chip_; }

  // ---- HBM tensors
  HbmTensor input(const std::string& name, DType t, std::vector<uint64_t> shape);
  HbmTensor output(const std::string& name, DType t, std::vector<uint64_t> shape);
  HbmTensor scratch(const std::string& name, DType t, std::vector<uint64_t> shape);

  // ---- on-chip tiles: [partitions, free...] (1 to 4 free dims)
  Tile sbuf(const std::string& name, DType t, uint32_t partitions, std::vector<uint32_t> free_shape);
  Tile psum(const std::string& name, DType t, uint32_t partitions, std::vector<uint32_t> free_shape);
  // One whole PSUM bank as an FP32 [partitions, bank_elems] tile (a matmul accumulator).
  Tile psum_bank(const std::string& name, uint32_t partitions = 0);
  uint64_t sbuf_bytes_in_use() const;
  uint64_t psum_bytes_in_use() const;

  // ---- DMA (split over the DMA engines; dtype cast when the dtypes differ)
  void load(const Tile& dst, const isa::TensorRef& src) { dma_copy(dst.ref(), src); }
  void store(const isa::TensorRef& dst, const Tile& src) { dma_copy(dst, src.ref()); }
  void dma_copy(const isa::TensorRef& dst, const isa::TensorRef& src);
  // Same, for a program that is patched later to write elsewhere inside `dst_extent` (e.g. a
  // bucketed decode program's KV-cache append, moved one row per position): the copy is
  // ordered against every access of the extent, as if it wrote all of it, so the semaphores
  // stay right after any patch within it. `dst_extent` must cover `dst`.
  void dma_copy(const isa::TensorRef& dst, const isa::TensorRef& src, const isa::TensorRef& dst_extent);
  void store(const isa::TensorRef& dst, const Tile& src, const isa::TensorRef& dst_extent) {
    dma_copy(dst, src.ref(), dst_extent);
  }

  // ---- tensor engine
  // psum[M, N] (=|+=) stationary[K, M]^T @ moving[K, N]; start=true overwrites.
  void matmul(const Tile& psum, const Tile& stationary, const Tile& moving, bool start);
  // psum[F, P] = src[P, F]^T.
  void transpose(const Tile& psum_dst, const Tile& src);

  // ---- scalar engine
  void activation(const Tile& dst, const Tile& src, isa::ActFunc f, const Act& a = {});

  // ---- vector engine (or another engine that can run the op)
  void tensor_tensor(const Tile& dst, const Tile& a, const Tile& b, isa::AluOp op, Engine e = Engine::Default);
  // dst = (a op0 s0) op1 s1
  void tensor_scalar(const Tile& dst, const Tile& a, isa::AluOp op0, float s0,
                     isa::AluOp op1 = isa::AluOp::bypass, float s1 = 0, Engine e = Engine::Default);
  // Same with s0 a per-partition scalar tile [P,1].
  void tensor_scalar(const Tile& dst, const Tile& a, isa::AluOp op0, const Tile& s0,
                     isa::AluOp op1 = isa::AluOp::bypass, float s1 = 0, Engine e = Engine::Default);
  // Scan along each partition's free elements: dst[i] = (a[i] op0 dst[i-1]) op1 b[i] from
  // dst[-1] = init (a float, or a per-partition tile [P,1]).
  void tensor_tensor_scan(const Tile& dst, const Tile& a, const Tile& b, isa::AluOp op0, isa::AluOp op1,
                          float init, Engine e = Engine::Default);
  void tensor_tensor_scan(const Tile& dst, const Tile& a, const Tile& b, isa::AluOp op0, isa::AluOp op1,
                          const Tile& init, Engine e = Engine::Default);
  void tensor_reduce(const Tile& dst, const Tile& src, isa::AluOp op, bool negate = false,
                     bool all_free_dims = false, Engine e = Engine::Default);
  void tensor_copy(const Tile& dst, const Tile& src, Engine e = Engine::Default);
  void memset(const Tile& dst, float value, Engine e = Engine::Default);
  // dst[p, i] = base + p * pmul + i * step
  void iota(const Tile& dst, int64_t base, int64_t pmul, float step, Engine e = Engine::Default);
  void select(const Tile& dst, const Tile& pred, const Tile& on_true, const Tile& on_false,
              Engine e = Engine::Default);
  // dst = (base + p*pmul + i*step) <cmp> 0 ? src : fill
  void affine_select(const Tile& dst, const Tile& src, isa::AluOp cmp, int64_t base, int64_t pmul,
                     float step, float fill, Engine e = Engine::Default);
  void max8(const Tile& dst, const Tile& src);
  void find_index8(const Tile& dst, const Tile& src, const Tile& vals);
  // ---- gpsimd
  void partition_reduce(const Tile& dst, const Tile& src, isa::AluOp op);
  void shuffle(const Tile& dst, const Tile& src, const Tile& idx);
  // ---- any compute or tensor-engine op of isa/opcodes.def: `in` carries the opcode and its
  // fields, `tiles` its operands by slot (null = absent). The typed emitters above are thin
  // wrappers over this one path, which takes everything else from the op's table row: the
  // operand roles (tile checks and allowed spaces, named in errors), the engine (e, or the
  // first engine of the row), the shape verifier (run here, so a bad tile fails where it is
  // used) and the access of each operand (the inferred waits).
  void emit_op(isa::Instr in, std::initializer_list<const Tile*> tiles, Engine e = Engine::Default);
  // ---- data-dependent load (builder_indexed.cpp): dst <- src + value(index) * stride bytes,
  // index one i32 in SBUF (e.g. a routed MoE expert), read per DMA queue by reg_load into
  // register `reg`. src must be read-only in the program (tracked at its static address).
  // A queue's register is reloaded only when it does not hold the same index word of the
  // same `epoch` (start a new epoch whenever the index may have been rewritten).
  void load_indexed(const Tile& dst, const isa::TensorRef& src, const Tile& index, uint8_t reg, int64_t stride,
                    uint64_t epoch);

  // ---- collectives (builder_collective.cpp; docs/KERNELS.md, "Chip programs"): this core's
  // part of a collective among the cores of `group` (bit c = core c; 0 = every core of the
  // ChipBuilder, or this core alone in a plain Builder), issued on the core's SP stream.
  // dst and src are this rank's HBM views (private or shared tensors). Every core of the
  // group must issue the same collectives (op, dtype, sizes) in the same order: the k-th
  // of each core meet (ranks: the group's cores in ascending order). Semaphores as for
  // any op of this core: it waits for this core's earlier writers of src and accesses of
  // dst; later accesses of dst (and writers of src) wait for its completion, which comes
  // when the whole collective has ended.
  // dst = op over the ranks of src (op add, max or min; same sizes).
  void all_reduce(const isa::TensorRef& dst, const isa::TensorRef& src, isa::AluOp op = isa::AluOp::add,
                  uint64_t group = 0);
  // dst = every rank's src, rank after rank (dst holds n x src's elements).
  void all_gather(const isa::TensorRef& dst, const isa::TensorRef& src, uint64_t group = 0);
  // dst = chunk `rank` of op over the ranks of src (src holds n x dst's elements).
  void reduce_scatter(const isa::TensorRef& dst, const isa::TensorRef& src, isa::AluOp op = isa::AluOp::add,
                      uint64_t group = 0);
  // chunk j of dst = chunk `rank` of rank j's src (n equal chunks).
  void all_to_all(const isa::TensorRef& dst, const isa::TensorRef& src, uint64_t group = 0);
  // This core's index in its chip program (0 in a plain Builder) and the program's cores.
  uint32_t core_index() const { return core_; }
  uint32_t chip_cores() const { return chip_cores_; }

  // ---- register loops (docs/KERNELS.md, "Register loops")
  // Runs body(i) for i in [0, count). Unless opts.unroll_loops (or count < 3), the program
  // holds iteration 0 as straight-line code and iterations 1..count-1 once per engine
  // stream as a loop (reg_set / body / reg_add / branch_lt on opts.loop_register): HBM
  // operands inside a `strided` range become base + reg * stride, and the inferred waits
  // on work of the loop become value + reg * (signals per iteration). The body must emit
  // the same instructions in every iteration (checked: iteration 2 is emitted too and
  // compared with iteration 1; a mismatch falls back to unrolled code, stats().loops_unrolled).
  // Not nestable.
  void loop(int64_t count, const std::vector<LoopRange>& strided, const std::function<void(const LoopVar&)>& body);

  // Finish: set semaphore signals, (optionally) validate, return the executable.
  isa::Executable finish();
  const BuilderStats& stats() const { return stats_; }
  // The raw program so far (tests inspect emitted waits).
  const isa::CoreProgram& program() const { return prog_; }

  // ---- patch sites: every instruction emitted while a tag (non-zero) is set is recorded with
  // its stream and final position (a register loop's body counts once), so a caller that
  // patches the program later (a bucketed LLM decode step) finds its fields by construction
  // instead of by searching. DMA pieces are recorded, not the nops carrying extra waits.
  struct Tagged {
    uint32_t stream = 0, pc = 0, tag = 0;
  };
  void set_tag(uint32_t tag) { tag_ = tag; }
  const std::vector<Tagged>& tagged() const { return tagged_; }

 private:
  friend class ChipBuilder;
  HbmTensor declare(const std::string& name, DType t, std::vector<uint64_t> shape, isa::TensorDecl::Kind k);
  HbmTensor add_tensor(const isa::TensorDecl& d);  // an allocated tensor becomes known here
  Tile make_tile(isa::Space sp, const std::string& name, DType t, uint32_t parts, std::vector<uint32_t> shape);
  uint32_t pick(isa::Opcode op, Engine e) const;
  void emit(uint32_t stream, isa::Instr& in);  // takes the waits and relocations into `in`
  std::vector<std::pair<isa::TensorRef, isa::TensorRef>> split_dma(const isa::TensorRef& dst,
                                                                   const isa::TensorRef& src) const;
  void check_on_chip(const Tile& t, std::string_view op, std::string_view role) const;
  // Both dma_copy overloads: dst_extent null = ordered as writing just dst.
  void copy_dma(const isa::TensorRef& dst, const isa::TensorRef& src, const isa::TensorRef* dst_extent);
  // Register loops (builder_loop.cpp).
  struct LoopState {
    int64_t index = 0;                 // iteration being emitted (1 or 2: the checked copy)
    uint8_t reg = 0;
    std::vector<int64_t> c0, delta;    // per semaphore: count at loop entry, signals per iteration
    std::vector<LoopRange> ranges;
  };
  isa::SemWait make_wait(Completion c) const;
  void relocate(isa::TensorRef& r, const Region& g) const;
  bool close_loop(const std::vector<size_t>& start1, const std::vector<size_t>& end1, int64_t count);

  arch::ChipConfig chip_;
  BuilderOptions opts_;
  isa::Executable exe_;
  isa::CoreProgram prog_;
  std::shared_ptr<TileAllocator> sbuf_alloc_, psum_alloc_;
  DepTracker deps_;
  uint32_t num_sems_;
  std::vector<int64_t> count_;   // per logical stream (= per semaphore): completions so far
  std::vector<bool> waited_on_;  // per semaphore
  uint32_t next_set_ = 0, next_store_set_ = 0;
  uint32_t engine_cursor_ = 0;  // DMA pieces rotate over the engines
  std::shared_ptr<HbmAllocator> hbm_;  // shared by the Builders of a ChipBuilder
  void collective(isa::Opcode op, const isa::TensorRef& dst, const isa::TensorRef& src, isa::AluOp alu,
                  uint64_t group);
  // The collectives this core issued, in order (ChipBuilder checks that cores agree).
  struct IssuedCollective {
    isa::Instr in;
    uint32_t pc = 0;  // on the SP stream, when emitted
  };
  std::vector<IssuedCollective> collectives_;
  // Set by ChipBuilder: this Builder emits the program of core `core_` of `chip_cores_`;
  // tensors it declares are that core's own (named "name[core]").
  bool in_chip_ = false;
  uint32_t core_ = 0, chip_cores_ = 1;
  BuilderStats stats_;
  // Per DMA queue: which index word its load_indexed register holds (builder_indexed.cpp).
  struct IndexedReg {
    bool valid = false;
    uint8_t reg = 0;
    uint16_t part = 0;
    uint64_t offset = 0, epoch = 0;
    bool operator==(const IndexedReg&) const = default;
  };
  std::vector<IndexedReg> indexed_regs_;
  std::optional<LoopState> loop_;  // set while a loop iteration is emitted in register form
  bool in_loop_ = false;
  uint32_t tag_ = 0;
  std::vector<Tagged> tagged_;
  void record_tag(uint32_t stream) {
    if (tag_) tagged_.push_back({stream, uint32_t(prog_.streams[stream].size() - 1), tag_});
  }
  bool finished_ = false;
};

}  // namespace npulab::kernels
