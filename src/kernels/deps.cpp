#include "kernels/deps.h"

#include <algorithm>

namespace npulab::kernels {

std::vector<Completion> WaitSet::list() const {
  std::vector<Completion> out;
  for (uint32_t s = 0; s < v_.size(); ++s)
    if (v_[s] > 0) out.push_back({uint16_t(s), v_[s]});
  return out;
}

DepTracker::DepTracker(uint32_t nls, uint32_t num_sems, uint64_t sbuf_bpp, uint64_t psum_bpp)
    : num_sems_(num_sems), sbuf_bpp_(sbuf_bpp), psum_bpp_(psum_bpp),
      known_(nls, std::vector<int64_t>(num_sems, 0)), snaps_(num_sems), buckets_(3) {}

void DepTracker::add_hbm_range(uint64_t offset, uint64_t bytes) {
  hbm_ranges_.emplace_back(offset, offset + bytes);
  buckets_.emplace_back();
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
  auto want = [&](const Completion& c) {
    if (c.sem != own_sem && known[c.sem] < c.value) out.need(c);
  };
  for_buckets(r, [&](size_t b) {
    const Bucket& bk = buckets_[b];
    for (const Rec& w : bk.writes)
      if (overlaps(w.r, r)) want(w.c);  // RAW or WAW
    if (write)
      for (const Rec& rd : bk.reads)
        if (overlaps(rd.r, r)) want(rd.c);  // WAR
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

void DepTracker::record(const Region& r, bool write, Completion by) {
  Bucket& bk = buckets_[bucket_of(r)];
  if (write) {
    // Records the new write covers are superseded (see the header comment).
    std::erase_if(bk.writes, [&](const Rec& x) { return covers(r, x.r); });
    std::erase_if(bk.reads, [&](const Rec& x) { return covers(r, x.r); });
    bk.writes.push_back({r, by});
  } else {
    for (Rec& x : bk.reads)
      if (x.c.sem == by.sem && x.r.base == r.base && x.r.rows == r.rows && x.r.width == r.width &&
          x.r.stride == r.stride) {
        x.c.value = std::max(x.c.value, by.value);
        return;
      }
    bk.reads.push_back({r, by});
  }
}

uint64_t DepTracker::live_records() const {
  uint64_t n = 0;
  for (auto& b : buckets_) n += b.writes.size() + b.reads.size();
  return n;
}

}  // namespace npulab::kernels
