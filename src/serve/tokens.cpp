#include "serve/tokens.h"

#include <algorithm>

#include "common/error.h"

namespace npulab::serve {

namespace {
// splitmix64 (Steele, Lea, Flood: "Fast splittable pseudorandom number generators", 2014):
// a bijective mix, so distinct (seed, index) pairs rarely collide after reduction.
uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
}  // namespace

int32_t synthetic_token(uint64_t seed, int64_t index, int64_t vocab) {
  return int32_t(mix64(mix64(seed) ^ uint64_t(index)) % uint64_t(vocab));
}

PromptTokens PromptTokens::stored(std::vector<int32_t> ids) {
  PromptTokens p;
  p.size_ = int64_t(ids.size());
  p.ids_ = std::make_shared<const std::vector<int32_t>>(std::move(ids));
  return p;
}

PromptTokens PromptTokens::synthetic(int64_t length, uint64_t seed, int64_t vocab, int64_t shared_prefix,
                                     uint64_t prefix_seed) {
  if (length < 0 || vocab < 1 || shared_prefix < 0)
    fail("internal: synthetic prompt of {} tokens over a vocabulary of {}", length, vocab);
  PromptTokens p;
  p.size_ = length;
  p.vocab_ = vocab;
  p.prefix_ = std::min(shared_prefix, length);
  p.seed_ = seed;
  p.prefix_seed_ = prefix_seed;
  return p;
}

int32_t PromptTokens::operator[](int64_t i) const {
  if (ids_) return (*ids_)[size_t(i)];
  return i < prefix_ ? synthetic_token(prefix_seed_, i, vocab_) : synthetic_token(seed_, i, vocab_);
}

std::vector<int32_t> PromptTokens::materialize() const {
  if (ids_) return *ids_;
  std::vector<int32_t> out(static_cast<size_t>(size_));
  for (int64_t i = 0; i < size_; ++i) out[size_t(i)] = (*this)[i];
  return out;
}

}  // namespace npulab::serve
