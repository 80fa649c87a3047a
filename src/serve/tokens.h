// The token ids of a request's prompt. Datasets and functional runs store them; synthetic
// workloads generate them on demand from a seed (a 10,000-request 8k/1k run would otherwise
// hold 80 M ids), optionally after a prefix shared by every request of the workload (what
// prefix caching can reuse). Either way an index gives the same id every time, so block
// hashes and the prompts a functional backend feeds agree.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

namespace npulab::serve {

// A deterministic pseudo-random id in [0, vocab) for position `index` of stream `seed`.
int32_t synthetic_token(uint64_t seed, int64_t index, int64_t vocab);

class PromptTokens {
 public:
  PromptTokens() = default;
  static PromptTokens stored(std::vector<int32_t> ids);
  // `length` ids: the first `shared_prefix` from stream `prefix_seed` (the same for every
  // request built with that seed), the rest from stream `seed`.
  static PromptTokens synthetic(int64_t length, uint64_t seed, int64_t vocab, int64_t shared_prefix = 0,
                                uint64_t prefix_seed = 0);

  int64_t size() const { return size_; }
  bool is_stored() const { return ids_ != nullptr; }
  int32_t operator[](int64_t i) const;
  std::vector<int32_t> materialize() const;

 private:
  std::shared_ptr<const std::vector<int32_t>> ids_;  // stored ids (shared by copies)
  int64_t size_ = 0, vocab_ = 1, prefix_ = 0;
  uint64_t seed_ = 0, prefix_seed_ = 0;
};

}  // namespace npulab::serve
