// kernels::ChipBuilder (see chip_builder.h).
#include "kernels/chip_builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "common/error.h"
#include "isa/asm.h"
#include "isa/collective_rules.h"
#include "isa/validate.h"

namespace npulab::kernels {

ChipBuilder::ChipBuilder(const arch::ChipConfig& chip, std::string name, uint32_t cores, BuilderOptions opts)
    : chip_(chip), name_(std::move(name)), hbm_(std::make_shared<HbmAllocator>(chip.hbm.capacity_bytes)) {
  if (cores == 0 || cores > chip.cores_per_chip)
    fail("chip program '{}': {} cores requested, chip '{}' has {} (hw cores_per_chip)", name_, cores, chip.name,
         chip.cores_per_chip);
  // The parts are validated as one executable in finish() (a core's program alone may
  // signal other cores).
  validate_ = opts.validate;
  opts.validate = false;
  for (uint32_t r = 0; r < cores; ++r) {
    auto b = std::make_unique<Builder>(chip, fmt::format("{}[{}]", name_, r), opts);
    b->hbm_ = hbm_;
    b->in_chip_ = true;
    b->core_ = r;
    b->chip_cores_ = cores;
    builders_.push_back(std::move(b));
  }
}

ChipBuilder::~ChipBuilder() = default;

Builder& ChipBuilder::core(uint32_t rank) {
  if (rank >= builders_.size())
    fail("chip program '{}': core {} does not exist (the program has {} cores)", name_, rank, builders_.size());
  return *builders_[rank];
}

void ChipBuilder::spmd(const std::function<void(Builder&, uint32_t)>& body) {
  for (uint32_t r = 0; r < cores(); ++r) body(*builders_[r], r);
}

HbmTensor ChipBuilder::shared(const std::string& name, DType t, std::vector<uint64_t> shape,
                              isa::TensorDecl::Kind k) {
  if (finished_) fail("chip program '{}': already finished", name_);
  for (const auto& d : shared_)
    if (d.name == name) fail("chip program '{}': HBM tensor '{}' declared twice", name_, name);
  const isa::TensorDecl d = hbm_->place(name, t, std::move(shape), k);
  shared_.push_back(d);
  HbmTensor out;
  for (auto& b : builders_) out = b->add_tensor(d);
  return out;
}

std::vector<HbmTensor> ChipBuilder::per_core(const std::string& name, DType t, const std::vector<uint64_t>& shape,
                                             isa::TensorDecl::Kind k) {
  if (finished_) fail("chip program '{}': already finished", name_);
  std::vector<HbmTensor> out;
  for (auto& b : builders_) out.push_back(b->declare(name, t, shape, k));
  return out;
}

HbmTensor ChipBuilder::shared_input(const std::string& n, DType t, std::vector<uint64_t> s) {
  return shared(n, t, std::move(s), isa::TensorDecl::Kind::Input);
}
HbmTensor ChipBuilder::shared_output(const std::string& n, DType t, std::vector<uint64_t> s) {
  return shared(n, t, std::move(s), isa::TensorDecl::Kind::Output);
}
HbmTensor ChipBuilder::shared_scratch(const std::string& n, DType t, std::vector<uint64_t> s) {
  return shared(n, t, std::move(s), isa::TensorDecl::Kind::Scratch);
}
std::vector<HbmTensor> ChipBuilder::private_input(const std::string& n, DType t, std::vector<uint64_t> s) {
  return per_core(n, t, s, isa::TensorDecl::Kind::Input);
}
std::vector<HbmTensor> ChipBuilder::private_output(const std::string& n, DType t, std::vector<uint64_t> s) {
  return per_core(n, t, s, isa::TensorDecl::Kind::Output);
}
std::vector<HbmTensor> ChipBuilder::private_scratch(const std::string& n, DType t, std::vector<uint64_t> s) {
  return per_core(n, t, s, isa::TensorDecl::Kind::Scratch);
}

void ChipBuilder::per_rank(const char* what, const std::vector<isa::TensorRef>& dst,
                           const std::vector<isa::TensorRef>& src,
                           const std::function<void(Builder&, const isa::TensorRef&, const isa::TensorRef&)>& issue) {
  if (dst.size() != cores() || src.size() != cores())
    fail("chip program '{}': {} needs one dst and one src view per core ({}), got {} and {}", name_, what, cores(),
         dst.size(), src.size());
  for (uint32_t r = 0; r < cores(); ++r) issue(*builders_[r], dst[r], src[r]);
}

void ChipBuilder::all_reduce(const std::vector<isa::TensorRef>& dst, const std::vector<isa::TensorRef>& src,
                             isa::AluOp op) {
  per_rank("all_reduce", dst, src, [&](Builder& b, const auto& d, const auto& s) { b.all_reduce(d, s, op); });
}
void ChipBuilder::all_gather(const std::vector<isa::TensorRef>& dst, const std::vector<isa::TensorRef>& src) {
  per_rank("all_gather", dst, src, [&](Builder& b, const auto& d, const auto& s) { b.all_gather(d, s); });
}
void ChipBuilder::reduce_scatter(const std::vector<isa::TensorRef>& dst, const std::vector<isa::TensorRef>& src,
                                 isa::AluOp op) {
  per_rank("reduce_scatter", dst, src, [&](Builder& b, const auto& d, const auto& s) { b.reduce_scatter(d, s, op); });
}
void ChipBuilder::all_to_all(const std::vector<isa::TensorRef>& dst, const std::vector<isa::TensorRef>& src) {
  per_rank("all_to_all", dst, src, [&](Builder& b, const auto& d, const auto& s) { b.all_to_all(d, s); });
}

// The k-th collective of a group must be the same operation on every core of the group
// (the simulator checks it again when they meet; this names the kernel's instructions
// before anything runs).
void ChipBuilder::check_collectives_agree() const {
  std::map<uint64_t, std::vector<std::vector<const Builder::IssuedCollective*>>> by_group;
  for (uint32_t r = 0; r < cores(); ++r)
    for (const auto& c : builders_[r]->collectives_) {
      auto& per_core = by_group[uint64_t(c.in.iimm0)];
      per_core.resize(cores());
      per_core[r].push_back(&c);
    }
  auto same = [](const isa::Instr& a, const isa::Instr& b) {
    return a.op == b.op && a.alu0 == b.alu0 && a.t[1].dtype == b.t[1].dtype && a.t[0].dtype == b.t[0].dtype &&
           a.t[0].elems() == b.t[0].elems() && a.t[1].elems() == b.t[1].elems();
  };
  for (const auto& [group, per_core] : by_group) {
    int64_t first = -1;
    for (uint32_t r = 0; r < cores(); ++r) {
      if (!(group >> r & 1)) continue;
      if (first < 0) {
        first = r;
        continue;
      }
      const auto &a = per_core[size_t(first)], &b = per_core[r];
      for (size_t k = 0; k < std::max(a.size(), b.size()); ++k) {
        auto text = [&](uint32_t core, const std::vector<const Builder::IssuedCollective*>& v) {
          return k < v.size() ? fmt::format("core {} sp[{}] `{}`", core, v[k]->pc, isa::to_text(v[k]->in))
                              : fmt::format("core {} issues none", core);
        };
        if (k >= a.size() || k >= b.size() || !same(a[k]->in, b[k]->in))
          fail("chip program '{}': collective #{} of group {} differs between cores: {} vs {}", name_, k,
               isa::group_text(int64_t(group)), text(uint32_t(first), a), text(r, b));
      }
    }
  }
}

isa::Executable ChipBuilder::finish() {
  if (finished_) fail("chip program '{}': finish() called twice", name_);
  check_collectives_agree();
  finished_ = true;
  isa::Executable exe;
  exe.name = name_;
  exe.chip = chip_.name;
  std::set<std::string> names;
  auto add = [&](const isa::TensorDecl& d) {
    if (!names.insert(d.name).second) return false;
    exe.tensors.push_back(d);
    return true;
  };
  for (const auto& d : shared_) add(d);
  for (auto& b : builders_) {
    isa::Executable part = b->finish();
    for (const auto& d : part.tensors)
      if (!add(d) && std::none_of(shared_.begin(), shared_.end(), [&](const auto& s) { return s.name == d.name; }))
        fail("chip program '{}': HBM tensor '{}' declared twice", name_, d.name);
    exe.constants.insert(exe.constants.end(), part.constants.begin(), part.constants.end());
    exe.cores.push_back(std::move(part.cores.at(0)));
  }
  // Declaration order = HBM order (the allocator hands out increasing offsets).
  std::stable_sort(exe.tensors.begin(), exe.tensors.end(),
                   [](const auto& a, const auto& b) { return a.hbm_offset < b.hbm_offset; });
  if (validate_) isa::validate_executable(exe, chip_);
  return exe;
}

}  // namespace npulab::kernels
