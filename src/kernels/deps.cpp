#include "kernels/deps.h"

#include <algorithm>

namespace npulab::kernels {

std::vector<Completion> WaitSet::list() const {
  std::vector<Completion> out;
  for (uint32_t s = 0; s < v_.size(); ++s)
    if (v_[s] > 0) out.push_back({uint16_t(s), v_[s]});
  return out;
}

namespace {
// Index granularity: at most this many blocks per bucket, each at least 2^kMinShift
// bytes (smaller blocks would copy a tile's id into many lists for little pruning).
constexpr uint32_t kMaxBlocks = 128;
constexpr uint32_t kMinShift = 9;
}  // namespace

size_t DepTracker::ReadKeyHash::operator()(const ReadKey& k) const {
  uint64_t h = k.base * 0x9E3779B97F4A7C15ull;
  h ^= (k.stride + (uint64_t(k.sem) << 48) + (uint64_t(k.bucket) << 32)) * 0xC2B2AE3D27D4EB4Full;
  h ^= (k.rows * 0x165667B19E3779F9ull) ^ (k.width * 0x27D4EB2F165667C5ull);
  return size_t(h ^ (h >> 29));
}

DepTracker::Bucket DepTracker::make_bucket(bool columns, uint64_t origin, uint64_t span) {
  Bucket b;
  b.columns = columns;
  b.bpp = columns ? span : 0;
  b.origin = origin;
  b.span = span;
  if (span > 0) {
    b.shift = kMinShift;
    while (((span - 1) >> b.shift) >= kMaxBlocks) ++b.shift;
    b.nblocks = uint32_t(((span - 1) >> b.shift) + 1);
  }
  b.writes.resize(b.nblocks);
  b.reads.resize(b.nblocks);
  return b;
}

DepTracker::DepTracker(uint32_t nls, uint32_t num_sems, uint64_t sbuf_bpp, uint64_t psum_bpp)
    : num_sems_(num_sems), sbuf_bpp_(sbuf_bpp), psum_bpp_(psum_bpp),
      known_(nls, std::vector<int64_t>(num_sems, 0)), snaps_(num_sems) {
  buckets_.push_back(make_bucket(true, 0, sbuf_bpp));
  buckets_.push_back(make_bucket(true, 0, psum_bpp));
  buckets_.push_back(make_bucket(false, 0, 0));  // catch-all HBM: one block
}

void DepTracker::add_hbm_range(uint64_t offset, uint64_t bytes) {
  hbm_ranges_.emplace_back(offset, offset + bytes);
  buckets_.push_back(make_bucket(false, offset, bytes));
}

bool DepTracker::block_range(const Bucket& bk, const Region& r, uint32_t& b0, uint32_t& b1) {
  if (r.width == 0) return false;  // a zero-width region still "overlaps" by bounds
  if (bk.nblocks == 1) {
    b0 = b1 = 0;
    return true;
  }
  uint64_t lo, last;  // key range [lo, last] of the bytes r touches
  if (bk.columns) {
    const uint64_t P = bk.bpp;
    // Only a comb with one row per partition (stride == P, not wrapping) is indexed: two
    // such combs overlap only if they share a byte, so their columns intersect. overlaps()
    // is conservative for other pairs (bounding intervals only, e.g. a one-partition run
    // against a multi-partition tile), so those must be compared with everything.
    if (r.rows <= 1 || r.stride != P || r.base % P + r.width > P) return false;
    lo = r.base % P;
    last = lo + r.width - 1;
  } else {
    if (r.hi() <= bk.origin || r.lo() >= bk.origin + bk.span) {  // no byte in this bucket
      b0 = 1;
      b1 = 0;
      return true;
    }
    lo = std::max(r.lo(), bk.origin) - bk.origin;
    last = std::min(r.hi() - bk.origin, bk.span) - 1;
  }
  b0 = uint32_t(lo >> bk.shift);
  b1 = uint32_t(last >> bk.shift);
  return true;
}

size_t DepTracker::bucket_of(const Region& r) const {
  if (r.space == isa::Space::Sbuf) return 0;
  if (r.space == isa::Space::Psum) return 1;
  for (size_t i = 0; i < hbm_ranges_.size(); ++i)
    if (r.lo() >= hbm_ranges_[i].first && r.hi() <= hbm_ranges_[i].second) return 3 + i;
  return 2;
}

// Buckets whose records may overlap r: its own, plus the catch-all HBM bucket (and, for
// a region in the catch-all, every HBM bucket).
template <class F>
void DepTracker::for_buckets(const Region& r, F&& f) const {
  const size_t b = bucket_of(r);
  f(b);
  if (b == 2) {
    for (size_t i = 3; i < buckets_.size(); ++i) f(i);
  } else if (b >= 3) {
    f(2);
  }
}

void DepTracker::collect(uint32_t ls, uint16_t own_sem, const Region& r, bool write, WaitSet& out) const {
  const auto& known = known_[ls];
  if (++stamp_ == 0) {  // wrapped: forget old stamps
    std::fill(seen_.begin(), seen_.end(), 0);
    stamp_ = 1;
  }
  // A record indexed in several blocks is compared once; the WaitSet keeps the max anyway.
  auto visit = [&](const std::vector<uint32_t>& ids) {
    for (uint32_t id : ids) {
      if (seen_[id] == stamp_) continue;
      seen_[id] = stamp_;
      const Rec& x = slots_[id].rec;
      // RAW or WAW for writes, WAR for reads (only visited when r is a write).
      if (x.c.sem != own_sem && known[x.c.sem] < x.c.value && overlaps(x.r, r)) out.need(x.c);
    }
  };
  for_buckets(r, [&](size_t b) {
    const Bucket& bk = buckets_[b];
    visit(bk.wide_writes);
    if (write) visit(bk.wide_reads);
    uint32_t b0 = 0, b1 = bk.nblocks - 1;
    if (!block_range(bk, r, b0, b1)) b0 = 0, b1 = bk.nblocks - 1;
    for (uint32_t k = b0; k <= b1 && k < bk.nblocks; ++k) {
      visit(bk.writes[k]);
      if (write) visit(bk.reads[k]);
    }
  });
}

const int64_t* DepTracker::snapshot(Completion c) const {
  const Snapshots& s = snaps_[c.sem];
  auto it = std::lower_bound(s.values.begin(), s.values.end(), c.value);
  if (it == s.values.end() || *it != c.value) return nullptr;
  return s.known.data() + (it - s.values.begin()) * num_sems_;
}

void DepTracker::prune(uint32_t ls, WaitSet& w) const {
  auto& v = w.raw();
  const auto& known = known_[ls];
  for (uint32_t s = 0; s < num_sems_; ++s)
    if (v[s] <= known[s]) v[s] = 0;
  for (uint32_t s = 0; s < num_sems_; ++s) {
    if (!v[s]) continue;
    const int64_t* snap = snapshot({uint16_t(s), v[s]});
    if (!snap) continue;
    for (uint32_t t = 0; t < num_sems_; ++t)
      if (t != s && v[t] && snap[t] >= v[t]) v[t] = 0;  // waiting for s implies t
  }
}

void DepTracker::learn(uint32_t ls, const WaitSet& w) {
  auto& known = known_[ls];
  for (uint32_t s = 0; s < num_sems_; ++s) {
    if (w[s] <= known[s]) continue;
    known[s] = w[s];
    if (const int64_t* snap = snapshot({uint16_t(s), w[s]}))
      for (uint32_t t = 0; t < num_sems_; ++t) known[t] = std::max(known[t], snap[t]);
  }
}

void DepTracker::completed(uint32_t ls, Completion c) {
  Snapshots& s = snaps_[c.sem];
  s.values.push_back(c.value);
  s.known.insert(s.known.end(), known_[ls].begin(), known_[ls].end());
  s.known[s.known.size() - num_sems_ + c.sem] = c.value;
}

uint32_t DepTracker::insert(uint32_t bucket, const Region& r, bool write, Completion c) {
  uint32_t id;
  if (!free_slots_.empty()) {
    id = free_slots_.back();
    free_slots_.pop_back();
  } else {
    id = uint32_t(slots_.size());
    slots_.emplace_back();
    seen_.push_back(0);
  }
  slots_[id] = Slot{Rec{r, c}, bucket, write, true};
  Bucket& bk = buckets_[bucket];
  ++bk.live;
  uint32_t b0, b1;
  if (!block_range(bk, r, b0, b1)) {
    (write ? bk.wide_writes : bk.wide_reads).push_back(id);
  } else {
    for (uint32_t k = b0; k <= b1; ++k) (write ? bk.writes[k] : bk.reads[k]).push_back(id);
  }
  return id;
}

void DepTracker::record(const Region& r, bool write, Completion by) {
  const uint32_t b = uint32_t(bucket_of(r));
  Bucket& bk = buckets_[b];
  if (write) {
    // Records the new write covers are superseded (see the header comment). A covered
    // record's bytes lie inside r, so all its blocks are inside r's (or it is wide).
    dead_.clear();
    auto sweep = [&](std::vector<uint32_t>& ids) {
      std::erase_if(ids, [&](uint32_t id) {
        Slot& x = slots_[id];
        if (!covers(r, x.rec.r)) return false;
        if (x.alive) {
          x.alive = false;
          dead_.push_back(id);
        }
        return true;
      });
    };
    sweep(bk.wide_writes);
    sweep(bk.wide_reads);
    uint32_t b0 = 0, b1 = bk.nblocks - 1;
    if (!block_range(bk, r, b0, b1)) b0 = 0, b1 = bk.nblocks - 1;
    for (uint32_t k = b0; k <= b1 && k < bk.nblocks; ++k) {
      sweep(bk.writes[k]);
      sweep(bk.reads[k]);
    }
    for (uint32_t id : dead_) {
      const Slot& x = slots_[id];
      if (!x.write) read_index_.erase(read_key(x.rec.r, x.bucket, x.rec.c.sem));
      --bk.live;
      free_slots_.push_back(id);
    }
    insert(b, r, true, by);
  } else {
    const ReadKey key = read_key(r, b, by.sem);
    auto it = read_index_.find(key);
    if (it != read_index_.end()) {
      Completion& c = slots_[it->second].rec.c;
      c.value = std::max(c.value, by.value);
      return;
    }
    read_index_.emplace(key, insert(b, r, false, by));
  }
}

void DepTracker::shift_values(const std::vector<int64_t>& base, const std::vector<int64_t>& add) {
  auto sh = [&](uint32_t s, int64_t& v) {
    if (v > base[s]) v += add[s];
  };
  for (Slot& x : slots_)
    if (x.alive) sh(x.rec.c.sem, x.rec.c.value);
  for (auto& k : known_)
    for (uint32_t t = 0; t < num_sems_; ++t) sh(t, k[t]);
  for (uint32_t s = 0; s < num_sems_; ++s) {
    for (int64_t& v : snaps_[s].values) sh(s, v);
    auto& kn = snaps_[s].known;
    for (size_t i = 0; i < kn.size(); ++i) sh(uint32_t(i % num_sems_), kn[i]);
  }
}

uint64_t DepTracker::live_records() const {
  uint64_t n = 0;
  for (auto& b : buckets_) n += b.live;
  return n;
}

}  // namespace npulab::kernels
