// The KV cache as a pool of fixed-size blocks (block_size token positions each, all layers),
// in the manner of vLLM V1's BlockPool: every block has a reference count; blocks nobody
// references wait in a free queue ordered least recently freed first; a full block whose
// tokens are known is registered under the hash of its token prefix (block_hash.h) and keeps
// that registration while it waits in the free queue, so a later request with the same
// prefix takes it back instead of recomputing it (prefix caching). Allocation takes blocks
// from the head of the queue, evicting the registration of a cached one: LRU eviction.
#pragma once
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace npulab::serve {

class BlockPool {
 public:
  BlockPool(int64_t num_blocks, int64_t block_size, bool prefix_caching);

  int64_t num_blocks() const { return int64_t(ref_.size()); }
  int64_t block_size() const { return block_size_; }
  bool prefix_caching() const { return caching_; }
  // Blocks in the free queue (unreferenced; cached ones among them can be evicted).
  int64_t num_free() const { return free_count_; }
  int64_t num_used() const { return num_blocks() - free_count_; }
  int64_t num_cached() const { return int64_t(cached_.size()); }
  int64_t evictions() const { return evictions_; }
  int32_t ref_count(int32_t b) const { return ref_[size_t(b)]; }

  // Take n blocks from the head of the free queue (reference count 1 each), evicting their
  // cache registrations; fails (internal error) when fewer than n are free.
  void allocate(int64_t n, std::vector<int32_t>& out);
  // The cached block holding `tokens` (block_size ids) under `hash`, or -1.
  int32_t lookup(uint64_t hash, std::span<const int32_t> tokens) const;
  // A prefix-cache hit: one more reference (the block leaves the free queue if it was there).
  void touch(int32_t b);
  // One reference fewer; at zero the block goes to the tail of the free queue (still cached).
  void release(int32_t b);
  // Register full block b under `hash` with its tokens; false (nothing changes) when another
  // block already holds that hash, or caching is off.
  bool register_block(int32_t b, uint64_t hash, std::span<const int32_t> tokens);

 private:
  void push_tail(int32_t b);
  void unlink(int32_t b);
  void evict(int32_t b);
  int64_t block_size_;
  bool caching_;
  std::vector<int32_t> ref_;
  std::vector<int32_t> prev_, next_;  // the free queue, a doubly linked list (-1 ends)
  std::vector<uint8_t> in_queue_;
  int32_t head_ = -1, tail_ = -1;
  int64_t free_count_ = 0, evictions_ = 0;
  std::vector<uint64_t> hash_;        // hash of a registered block
  std::vector<uint8_t> registered_;
  std::vector<int32_t> tokens_;       // [num_blocks][block_size]: ids of registered blocks
  std::unordered_map<uint64_t, int32_t> cached_;
};

}  // namespace npulab::serve
