// The per-sequence view of the paged KV cache (vLLM V1's KVCacheManager): a block table per
// sequence, admission by free blocks, and prefix caching of full blocks.
//
// Block i of a sequence holds positions [i*B, (i+1)*B). Its hash chains the previous block's
// hash with its B token ids (block_hash), so equal hashes mean equal whole prefixes; a lookup
// also compares the stored ids, so a hash collision is a miss, never a wrong hit. A
// sequence's longest cached prefix is reused up to one token short of its length (the last
// token is always computed: its logits give the next token).
#pragma once
#include <cstdint>
#include <vector>

#include "serve/block_pool.h"
#include "serve/request.h"

namespace npulab::serve {

uint64_t block_hash(uint64_t parent, std::span<const int32_t> tokens);

struct PrefixCacheStats {
  int64_t queried_tokens = 0;  // prompt tokens looked up at first admissions
  int64_t hit_tokens = 0;      // of which found in the cache
  double hit_rate() const { return queried_tokens ? double(hit_tokens) / double(queried_tokens) : 0.0; }
};

class KvCacheManager {
 public:
  KvCacheManager(int64_t num_blocks, int64_t block_size, bool prefix_caching);

  int64_t block_size() const { return pool_.block_size(); }
  int64_t num_blocks() const { return pool_.num_blocks(); }
  int64_t num_used() const { return pool_.num_used(); }
  int64_t num_free() const { return pool_.num_free(); }
  double usage() const { return double(pool_.num_used()) / double(pool_.num_blocks()); }
  const BlockPool& pool() const { return pool_; }
  const PrefixCacheStats& prefix_stats() const { return stats_; }
  int64_t blocks_for(int64_t tokens) const { return (tokens + block_size() - 1) / block_size(); }

  // The cached blocks of s's longest cached prefix (s holds no blocks yet). `first` counts
  // the lookup in prefix_stats() (a first admission, not a re-admission after preemption).
  std::vector<int32_t> cached_prefix(Sequence& s, bool first);
  // Give s the blocks to hold num_computed + num_new tokens, taking `hits` (from
  // cached_prefix, covering num_computed) first. False, with nothing changed, when the free
  // queue is too short.
  bool allocate(Sequence& s, int64_t num_new, const std::vector<int32_t>& hits = {});
  // After a step computed s's tokens up to s.num_computed: register its newly full blocks.
  void register_full_blocks(Sequence& s);
  // Release s's blocks (last block first, so its tail is evicted before its shared head).
  void free(Sequence& s);

 private:
  void extend_hashes(Sequence& s, int64_t full_blocks);
  BlockPool pool_;
  PrefixCacheStats stats_;
  std::vector<int32_t> ids_;  // scratch: one block's token ids
};

}  // namespace npulab::serve
