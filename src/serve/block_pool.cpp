#include "serve/block_pool.h"

#include <algorithm>

#include "common/error.h"

namespace npulab::serve {

BlockPool::BlockPool(int64_t num_blocks, int64_t block_size, bool prefix_caching)
    : block_size_(block_size), caching_(prefix_caching) {
  if (num_blocks < 1 || num_blocks > INT32_MAX) fail("KV cache of {} blocks: expected 1 .. {}", num_blocks, INT32_MAX);
  if (block_size < 1) fail("KV block size {}: expected at least 1 token", block_size);
  const size_t n = size_t(num_blocks);
  ref_.assign(n, 0);
  prev_.assign(n, -1);
  next_.assign(n, -1);
  in_queue_.assign(n, 0);
  if (caching_) {
    hash_.assign(n, 0);
    registered_.assign(n, 0);
    tokens_.assign(n * size_t(block_size), 0);
  }
  for (int32_t b = 0; b < int32_t(n); ++b) push_tail(b);
}

void BlockPool::push_tail(int32_t b) {
  prev_[size_t(b)] = tail_;
  next_[size_t(b)] = -1;
  if (tail_ >= 0) next_[size_t(tail_)] = b;
  else head_ = b;
  tail_ = b;
  in_queue_[size_t(b)] = 1;
  ++free_count_;
}

void BlockPool::unlink(int32_t b) {
  const int32_t p = prev_[size_t(b)], n = next_[size_t(b)];
  if (p >= 0) next_[size_t(p)] = n;
  else head_ = n;
  if (n >= 0) prev_[size_t(n)] = p;
  else tail_ = p;
  in_queue_[size_t(b)] = 0;
  --free_count_;
}

void BlockPool::evict(int32_t b) {
  if (!caching_ || !registered_[size_t(b)]) return;
  auto it = cached_.find(hash_[size_t(b)]);
  if (it != cached_.end() && it->second == b) cached_.erase(it);
  registered_[size_t(b)] = 0;
  ++evictions_;
}

void BlockPool::allocate(int64_t n, std::vector<int32_t>& out) {
  if (n > free_count_) fail("internal: {} KV blocks requested, {} free", n, free_count_);
  for (int64_t i = 0; i < n; ++i) {
    const int32_t b = head_;
    unlink(b);
    evict(b);
    ref_[size_t(b)] = 1;
    out.push_back(b);
  }
}

int32_t BlockPool::lookup(uint64_t hash, std::span<const int32_t> tokens) const {
  if (!caching_) return -1;
  auto it = cached_.find(hash);
  if (it == cached_.end()) return -1;
  const int32_t* t = &tokens_[size_t(it->second) * size_t(block_size_)];
  return std::equal(tokens.begin(), tokens.end(), t) ? it->second : -1;  // equal hash, other ids: a collision
}

void BlockPool::touch(int32_t b) {
  if (in_queue_[size_t(b)]) unlink(b);
  ++ref_[size_t(b)];
}

void BlockPool::release(int32_t b) {
  if (ref_[size_t(b)] <= 0) fail("internal: KV block {} released more often than referenced", b);
  if (--ref_[size_t(b)] == 0) push_tail(b);
}

bool BlockPool::register_block(int32_t b, uint64_t hash, std::span<const int32_t> tokens) {
  if (!caching_ || registered_[size_t(b)]) return false;
  if (int64_t(tokens.size()) != block_size_) fail("internal: registering a block of {} tokens", tokens.size());
  if (!cached_.emplace(hash, b).second) return false;
  hash_[size_t(b)] = hash;
  registered_[size_t(b)] = 1;
  std::copy(tokens.begin(), tokens.end(), tokens_.begin() + ptrdiff_t(size_t(b) * size_t(block_size_)));
  return true;
}

}  // namespace npulab::serve
