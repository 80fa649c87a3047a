// The chip-level program builder: one kernels::Builder per NeuronCore of a group of N
// cores, sharing one HBM address space, finished into one isa::Executable whose cores[r]
// is rank r's program (rank = core index).
//
//  - spmd(body): the same kernel on every core, body(core's Builder, rank), as NKI's
//    program_id / LNC grid; core(r) gives one core's Builder for per-core programs;
//  - HBM tensors shared by all cores (one address: shared_input/output/scratch) or private
//    (one copy per core: private_input/..., rank r's copy named "name[r]"); a tensor a
//    core's own Builder declares inside a body is private to that core too;
//  - collectives as calls (on a core's Builder inside a body, or here with one view per
//    rank): each core's instruction is ordered after that core's writers of its source and
//    before its later readers and writers of its destination, as any op within a core;
//    the collective itself synchronises its participants (docs/KERNELS.md, "Chip programs").
//
// Within a core, semaphores are inferred as in Builder. Accesses of shared tensors by
// different cores are ordered only by collectives (or barrier()); the race detector
// reports any other pair that touches common bytes.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kernels/builder.h"

namespace npulab::kernels {

class ChipBuilder {
 public:
  // `cores` NeuronCores (ranks 0..cores-1); at most the chip's cores_per_chip.
  ChipBuilder(const arch::ChipConfig& chip, std::string name, uint32_t cores, BuilderOptions opts = {});
  ~ChipBuilder();
  ChipBuilder(const ChipBuilder&) = delete;
  ChipBuilder& operator=(const ChipBuilder&) = delete;

  uint32_t cores() const { return uint32_t(builders_.size()); }
  const arch::ChipConfig& chip() const { return chip_; }
  // Rank r's Builder (its per-core program).
  Builder& core(uint32_t rank);
  // The same kernel on every core: body(core(r), r) for r = 0..cores-1, in rank order.
  void spmd(const std::function<void(Builder&, uint32_t rank)>& body);

  // ---- HBM tensors shared by every core: one copy, one address.
  HbmTensor shared_input(const std::string& name, DType t, std::vector<uint64_t> shape);
  HbmTensor shared_output(const std::string& name, DType t, std::vector<uint64_t> shape);
  HbmTensor shared_scratch(const std::string& name, DType t, std::vector<uint64_t> shape);
  // ---- HBM tensors private to each core: result[r] is rank r's copy ("name[r]").
  std::vector<HbmTensor> private_input(const std::string& name, DType t, std::vector<uint64_t> shape);
  std::vector<HbmTensor> private_output(const std::string& name, DType t, std::vector<uint64_t> shape);
  std::vector<HbmTensor> private_scratch(const std::string& name, DType t, std::vector<uint64_t> shape);

  // ---- collectives of every core at once: dst[r] / src[r] are rank r's views (Builder's
  // collectives, group = every core of this program).
  void all_reduce(const std::vector<isa::TensorRef>& dst, const std::vector<isa::TensorRef>& src,
                  isa::AluOp op = isa::AluOp::add);
  void all_gather(const std::vector<isa::TensorRef>& dst, const std::vector<isa::TensorRef>& src);
  void reduce_scatter(const std::vector<isa::TensorRef>& dst, const std::vector<isa::TensorRef>& src,
                      isa::AluOp op = isa::AluOp::add);
  void all_to_all(const std::vector<isa::TensorRef>& dst, const std::vector<isa::TensorRef>& src);

  // Finish every core's program; one executable with cores[r] = rank r's program. Checks
  // that the cores of every group issued the same collectives in the same order.
  isa::Executable finish();

 private:
  HbmTensor shared(const std::string& name, DType t, std::vector<uint64_t> shape, isa::TensorDecl::Kind k);
  void per_rank(const char* what, const std::vector<isa::TensorRef>& dst, const std::vector<isa::TensorRef>& src,
                const std::function<void(Builder&, const isa::TensorRef&, const isa::TensorRef&)>& issue);
  void check_collectives_agree() const;
  std::vector<HbmTensor> per_core(const std::string& name, DType t, const std::vector<uint64_t>& shape,
                                  isa::TensorDecl::Kind k);

  arch::ChipConfig chip_;
  std::string name_;
  std::shared_ptr<HbmAllocator> hbm_;
  std::vector<std::unique_ptr<Builder>> builders_;
  std::vector<isa::TensorDecl> shared_;  // declared here (every core knows them)
  bool validate_ = true;
  bool finished_ = false;
};

}  // namespace npulab::kernels
