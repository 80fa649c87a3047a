#include "kernels/tile.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/error.h"

namespace npulab::kernels {

TileStorage::~TileStorage() {
  if (owner) owner->free(id);
}

const std::string& Tile::name() const {
  static const std::string none = "<invalid tile>";
  return mem_ ? mem_->name : none;
}

Tile Tile::parts(uint32_t start, uint32_t count) const {
  if (uint64_t(start) + count > ref_.part_count || count == 0)
    fail("tile '{}': partition slice [{}, {}) outside its {} partitions", name(), start, start + count,
         ref_.part_count);
  Tile t = *this;
  // Lanes of a partition-broadcast view all read its one partition: a sub-range of lanes
  // still reads it.
  if (!ref_.part_bcast) t.ref_.part_start = uint16_t(ref_.part_start + start);
  t.ref_.part_count = uint16_t(count);
  return t;
}

Tile Tile::slice(int d, uint32_t start, uint32_t count) const {
  if (d < 0 || d >= ref_.ndim) fail("tile '{}': free dim {} out of range (rank {})", name(), d, ref_.ndim);
  if (uint64_t(start) + count > ref_.dims[d].size || count == 0)
    fail("tile '{}': slice [{}, {}) of free dim {} outside its size {}", name(), start, start + count, d,
         ref_.dims[d].size);
  Tile t = *this;
  t.ref_.offset += uint64_t(int64_t(start) * ref_.dims[d].stride * int64_t(dtype_size(ref_.dtype)));
  t.ref_.dims[d].size = count;
  return t;
}

Tile Tile::reshape(const std::vector<uint32_t>& shape) const {
  int64_t expect = 1;  // contiguity check: strides are row-major dense
  for (int i = ref_.ndim - 1; i >= 0; --i) {
    if (ref_.dims[i].size > 1 && ref_.dims[i].stride != expect)
      fail("tile '{}': reshape needs a contiguous view", name());
    expect *= ref_.dims[i].size;
  }
  uint64_t n = 1;
  for (auto s : shape) n *= s;
  if (shape.empty() || shape.size() > 4 || n != free_elems())
    fail("tile '{}': cannot reshape {} free elements into {} dims of {} elements", name(), free_elems(),
         shape.size(), n);
  Tile t = *this;
  t.ref_.ndim = uint8_t(shape.size());
  int64_t stride = 1;
  for (int i = int(shape.size()) - 1; i >= 0; --i) {
    t.ref_.dims[i] = {int32_t(stride), shape[i]};
    stride *= shape[i];
  }
  return t;
}

Tile Tile::split(int d, uint32_t outer) const {
  if (d < 0 || d >= ref_.ndim) fail("tile '{}': free dim {} out of range (rank {})", name(), d, ref_.ndim);
  const uint32_t n = ref_.dims[d].size;
  if (ref_.ndim >= 4 || outer == 0 || n % outer)
    fail("tile '{}': cannot split free dim {} of size {} into {} parts (rank {})", name(), d, n, outer, ref_.ndim);
  Tile t = *this;
  for (int i = ref_.ndim; i > d + 1; --i) t.ref_.dims[i] = ref_.dims[i - 1];
  const int32_t s = ref_.dims[d].stride;
  t.ref_.dims[d] = {int32_t(int64_t(s) * (n / outer)), outer};
  t.ref_.dims[d + 1] = {s, n / outer};
  ++t.ref_.ndim;
  return t;
}

Tile Tile::broadcast(uint32_t n) const {
  if (free_elems() != 1) fail("tile '{}': broadcast needs a [P,1] tile, has {} free elements", name(), free_elems());
  Tile t = *this;
  t.ref_.ndim = 1;
  t.ref_.dims[0] = {0, n};
  return t;
}

Tile Tile::repeat_inner(uint32_t n) const {
  if (ref_.ndim >= 4 || n == 0)
    fail("tile '{}': cannot repeat {} times along a new innermost dim (rank {}, at most 4)", name(), n, ref_.ndim);
  Tile t = *this;
  t.ref_.dims[ref_.ndim] = {0, n};
  ++t.ref_.ndim;
  return t;
}

Tile Tile::broadcast_partitions(uint32_t count) const {
  if (ref_.space != isa::Space::Sbuf && ref_.space != isa::Space::Psum)
    fail("tile '{}': broadcast_partitions needs an SBUF or PSUM tile, is in {}", name(), isa::space_name(ref_.space));
  if (ref_.part_count != 1 && !ref_.part_bcast)
    fail("tile '{}': broadcast_partitions needs a 1-partition tile, has {} partitions", name(), ref_.part_count);
  if (count == 0 || count > UINT16_MAX)
    fail("tile '{}': broadcast_partitions count {} must be in [1, {}]", name(), count, UINT16_MAX);
  Tile t = *this;
  t.ref_.part_bcast = true;
  t.ref_.part_count = uint16_t(count);
  return t;
}

Tile Tile::bitcast(DType ty) const {
  if (dtype_size(ty) != dtype_size(ref_.dtype))
    fail("tile '{}': bitcast {} -> {} changes the element size", name(), dtype_name(ref_.dtype), dtype_name(ty));
  Tile t = *this;
  t.ref_.dtype = ty;
  return t;
}

TileAllocator::TileAllocator(isa::Space space, uint32_t partitions, uint64_t bpp, uint64_t bank)
    : space_(space), partitions_(partitions), bpp_(bpp), bank_(bank) {}

std::shared_ptr<TileStorage> TileAllocator::allocate(const std::string& name, uint64_t bytes,
                                                     const std::string& what) {
  constexpr uint64_t kAlign = 64;
  const uint64_t size = (bytes + kAlign - 1) / kAlign * kAlign;
  uint64_t pos = 0;
  auto fits_bank = [&](uint64_t at) {
    if (!bank_ || size > bank_) return true;
    return at / bank_ == (at + size - 1) / bank_;
  };
  auto next_candidate = [&](uint64_t at) {
    if (bank_ && size <= bank_ && !fits_bank(at)) return (at / bank_ + 1) * bank_;
    if (bank_ && size > bank_ && at % bank_) return (at / bank_ + 1) * bank_;
    return at;
  };
  size_t i = 0;
  for (;; ++i) {
    pos = next_candidate(pos);
    const uint64_t gap_end = i < live_.size() ? live_[i].offset : bpp_;
    if (pos + size <= gap_end) break;
    if (i >= live_.size()) {
      throw OnChipMemoryFull(
          space_, size, bytes_in_use(), bpp_,
          fmt::format("{} full: cannot allocate tile '{}' ({}: {} bytes per partition); capacity {} bytes per "
                      "partition, {} in use: {}",
                      space_ == isa::Space::Psum ? "PSUM" : "SBUF", name, what, size, bpp_, bytes_in_use(),
                      usage_summary()));
    }
    pos = std::max(pos, live_[i].offset + live_[i].size);
  }
  Live l{next_id_++, pos, size, name};
  live_.insert(live_.begin() + ptrdiff_t(i), l);
  auto s = std::make_shared<TileStorage>();
  s->owner = shared_from_this();
  s->id = l.id;
  s->offset = pos;
  s->size = size;
  s->name = name;
  return s;
}

void TileAllocator::free(uint64_t id) {
  auto it = std::find_if(live_.begin(), live_.end(), [&](const Live& l) { return l.id == id; });
  if (it != live_.end()) live_.erase(it);
}

uint64_t TileAllocator::bytes_in_use() const {
  uint64_t n = 0;
  for (auto& l : live_) n += l.size;
  return n;
}

std::string TileAllocator::usage_summary() const {
  if (live_.empty()) return "nothing";
  std::string s;
  size_t shown = 0;
  for (auto& l : live_) {
    if (shown++ == 12) {
      s += fmt::format(", ... ({} more)", live_.size() - 12);
      break;
    }
    s += fmt::format("{}'{}' {} B @{}", s.empty() ? "" : ", ", l.name, l.size, l.offset);
  }
  return s;
}

}  // namespace npulab::kernels
