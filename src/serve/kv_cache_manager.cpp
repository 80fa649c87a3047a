#include "serve/kv_cache_manager.h"

#include "common/error.h"

namespace npulab::serve {

uint64_t block_hash(uint64_t parent, std::span<const int32_t> tokens) {
  // FNV-1a style chaining with a 64-bit multiply-xorshift finaliser per token.
  uint64_t h = parent ^ 0xcbf29ce484222325ull;
  for (int32_t t : tokens) {
    h ^= uint64_t(uint32_t(t));
    h *= 0x100000001b3ull;
    h ^= h >> 29;
  }
  return h * 0x9e3779b97f4a7c15ull;
}

KvCacheManager::KvCacheManager(int64_t num_blocks, int64_t block_size, bool prefix_caching)
    : pool_(num_blocks, block_size, prefix_caching), ids_(size_t(block_size)) {}

void KvCacheManager::extend_hashes(Sequence& s, int64_t full_blocks) {
  const int64_t B = block_size();
  while (int64_t(s.block_hashes.size()) < full_blocks) {
    const int64_t i = int64_t(s.block_hashes.size());
    for (int64_t j = 0; j < B; ++j) ids_[size_t(j)] = s.token(i * B + j);
    s.block_hashes.push_back(block_hash(i ? s.block_hashes.back() : 0, ids_));
  }
}

std::vector<int32_t> KvCacheManager::cached_prefix(Sequence& s, bool first) {
  std::vector<int32_t> hits;
  if (!s.blocks.empty()) fail("internal: prefix lookup for a sequence that holds blocks");
  if (first) stats_.queried_tokens += s.prompt_len();
  if (!pool_.prefix_caching()) return hits;
  const int64_t B = block_size(), max_blocks = (s.num_tokens() - 1) / B;
  extend_hashes(s, max_blocks);
  for (int64_t i = 0; i < max_blocks; ++i) {
    for (int64_t j = 0; j < B; ++j) ids_[size_t(j)] = s.token(i * B + j);
    const int32_t b = pool_.lookup(s.block_hashes[size_t(i)], ids_);
    if (b < 0) break;
    hits.push_back(b);
  }
  if (first) stats_.hit_tokens += std::min(int64_t(hits.size()) * B, s.prompt_len());
  return hits;
}

bool KvCacheManager::allocate(Sequence& s, int64_t num_new, const std::vector<int32_t>& hits) {
  const int64_t have = int64_t(s.blocks.size() + hits.size());
  const int64_t need = blocks_for(s.num_computed + num_new) - have;
  // Hits waiting in the free queue leave it when touched: they are not free for new blocks.
  int64_t evictable_hits = 0;
  for (int32_t b : hits) evictable_hits += pool_.ref_count(b) == 0;
  if (need > pool_.num_free() - evictable_hits) return false;
  for (int32_t b : hits) {
    pool_.touch(b);
    s.blocks.push_back(b);
  }
  if (!hits.empty()) s.num_registered = int64_t(hits.size());  // hits are registered already
  if (need > 0) pool_.allocate(need, s.blocks);
  return true;
}

void KvCacheManager::register_full_blocks(Sequence& s) {
  if (!pool_.prefix_caching()) return;
  const int64_t B = block_size(), full = std::min<int64_t>(s.num_computed / B, int64_t(s.blocks.size()));
  if (full <= s.num_registered) return;
  extend_hashes(s, full);
  for (int64_t i = s.num_registered; i < full; ++i) {
    for (int64_t j = 0; j < B; ++j) ids_[size_t(j)] = s.token(i * B + j);
    pool_.register_block(s.blocks[size_t(i)], s.block_hashes[size_t(i)], ids_);
  }
  s.num_registered = full;
}

void KvCacheManager::free(Sequence& s) {
  for (auto it = s.blocks.rbegin(); it != s.blocks.rend(); ++it) pool_.release(*it);
  s.blocks.clear();
  s.num_registered = 0;
}

}  // namespace npulab::serve
