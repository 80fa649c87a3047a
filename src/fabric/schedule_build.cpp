// The collective algorithms as schedules (fabric/collective.h; docs/SYSTEMS.md
// "Algorithms", which states each one's data order):
//  - ring: reduce-scatter in n-1 steps, the walk position q sending the segment of position
//    q-1-t at step t (segment j is reduced starting at position j+1, ((x_{j+1} op x_{j+2})
//    op ...) op x_j), then all-gather in n-1 steps;
//  - rdh: recursive halving (reduce-scatter; at step k the partner is rank XOR g/2^(k+1)
//    and each keeps the half holding its own segment) and recursive doubling (all-gather);
//  - mesh: one step per phase, every rank sending each other rank its segment; rank j
//    reduces the others' in ascending rank order, ((x_j op x_0) op x_1) ... skipping j;
//  - two levels (hierarchical across servers, ring2d across the rows and columns of a 2D
//    torus): ranks r = s x L + p (L per inner group): the inner groups' reduce-scatter,
//    the outer groups' (same p) all-reduce of what each holds, the inner all-gather;
//    reduce-scatter and all-gather order their segments so that chunk r ends at rank r;
//  - direct: all-to-all, permute and send-recv in one step.
// A segment is a list of pieces of the buffer; every rank's buffer has the same layout, so a
// transfer moves a piece to the same offset (all-to-all and permute excepted).
#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "common/error.h"
#include "fabric/collective.h"

namespace npulab::fabric {
namespace {

struct Piece {
  uint64_t off = 0, n = 0;
};
using Region = std::vector<Piece>;

uint64_t total(const Region& r) {
  uint64_t t = 0;
  for (const Piece& p : r) t += p.n;
  return t;
}

// Elements [a, a + len) of the region's concatenation.
Region sub(const Region& r, uint64_t a, uint64_t len) {
  Region out;
  uint64_t at = 0;
  for (const Piece& p : r) {
    const uint64_t lo = std::max(a, at), hi = std::min(a + len, at + p.n);
    if (lo < hi) out.push_back({p.off + (lo - at), hi - lo});
    at += p.n;
  }
  return out;
}

// g segments, sizes differing by at most one (the first total % g one larger).
std::vector<Region> split(const Region& r, uint32_t g) {
  const uint64_t t = total(r), base = t / g, rem = t % g;
  std::vector<Region> out;
  uint64_t at = 0;
  for (uint32_t i = 0; i < g; ++i) {
    const uint64_t len = base + (i < rem ? 1 : 0);
    out.push_back(sub(r, at, len));
    at += len;
  }
  return out;
}

Region concat(const std::vector<Region>& segs, uint32_t a, uint32_t b) {
  Region out;
  for (uint32_t i = a; i < b; ++i) out.insert(out.end(), segs[i].begin(), segs[i].end());
  return out;
}

bool is_pow2(uint32_t n) { return n && !(n & (n - 1)); }

// Groups of ranks that run the same algorithm together: each group's step k is the
// schedule's step base + k.
using Groups = std::vector<std::vector<uint32_t>>;

class Builder {
 public:
  Builder(const Topology& topo, const std::vector<uint32_t>& chips, Schedule& s) : topo_(topo), chips_(chips), s_(s) {}

  void reduce_scatter(Algo a, const Groups& groups, const std::vector<Region>& regions) {
    phase(a, groups, regions, true);
  }
  void all_gather(Algo a, const Groups& groups, const std::vector<Region>& regions) {
    phase(a, groups, regions, false);
  }
  void all_reduce(Algo a, const Groups& groups, const std::vector<Region>& regions) {
    phase(a, groups, regions, true);
    phase(a, groups, regions, false);
  }

 private:
  Step& step(size_t i) {
    while (s_.steps.size() <= i) s_.steps.emplace_back();
    return s_.steps[i];
  }
  void move(size_t at, uint32_t from, uint32_t to, const Region& r, bool reduce) {
    for (const Piece& p : r)
      if (p.n) step(at).transfers.push_back({from, to, p.off, p.off, p.n, reduce});
  }

  // The walk of a ring over the group's members (indices into it): a whole 2D-torus server
  // in boustrophedon order (each step one link), else the members' order.
  std::vector<uint32_t> walk(const std::vector<uint32_t>& members) const {
    std::vector<uint32_t> w(members.size());
    std::iota(w.begin(), w.end(), 0u);
    const auto& t = topo_.system().in_server;
    if (t.kind != arch::TopologyKind::Torus2D || members.size() != topo_.system().chips_per_server) return w;
    std::vector<uint32_t> key(members.size());
    for (size_t i = 0; i < members.size(); ++i) {
      const uint32_t c = chips_[members[i]];
      if (topo_.common_tier(c, chips_[members[0]]) != Tier::InServer) return w;
      const uint32_t pos = topo_.coord(c).position, X = t.dims[0], x = pos % X, y = pos / X;
      key[i] = y * X + (y % 2 ? X - 1 - x : x);
    }
    std::sort(w.begin(), w.end(), [&](uint32_t a, uint32_t b) { return key[a] < key[b]; });
    return w;
  }

  void phase(Algo a, const Groups& groups, const std::vector<Region>& regions, bool rs) {
    const size_t base = s_.steps.size();
    for (size_t gi = 0; gi < groups.size(); ++gi) {
      const auto& m = groups[gi];
      const uint32_t g = uint32_t(m.size());
      if (g < 2) continue;
      const std::vector<Region> seg = split(regions[gi], g);
      switch (a) {
        case Algo::Ring: {
          const auto w = walk(m);
          for (uint32_t t = 0; t + 1 < g; ++t)
            for (uint32_t q = 0; q < g; ++q) {
              const uint32_t from = m[w[q]], to = m[w[(q + 1) % g]];
              const uint32_t owner = rs ? w[(q + 2 * g - 1 - t) % g] : w[(q + g - t) % g];
              move(base + t, from, to, seg[owner], rs);
            }
          break;
        }
        case Algo::Rdh: {
          uint32_t k = 0;
          if (rs) {
            for (uint32_t d = g / 2; d >= 1; d /= 2, ++k)
              for (uint32_t i = 0; i < g; ++i) {
                const uint32_t lo = i & ~(2 * d - 1);
                const bool keep_low = (i & d) == 0;
                const uint32_t a0 = keep_low ? lo + d : lo;  // the half sent to the partner
                move(base + k, m[i], m[i ^ d], concat(seg, a0, a0 + d), true);
              }
          } else {
            for (uint32_t d = 1; d < g; d *= 2, ++k)
              for (uint32_t i = 0; i < g; ++i) {
                const uint32_t lo = i & ~(d - 1);
                move(base + k, m[i], m[i ^ d], concat(seg, lo, lo + d), false);
              }
          }
          break;
        }
        case Algo::Mesh:
          for (uint32_t j = 0; j < g; ++j)
            for (uint32_t i = 0; i < g; ++i)
              if (i != j) {
                if (rs) move(base, m[i], m[j], seg[j], true);
                else move(base, m[j], m[i], seg[j], false);
              }
          break;
        default: fail("internal: {} is not a one-level algorithm", algo_name(a));
      }
    }
  }

  const Topology& topo_;
  const std::vector<uint32_t>& chips_;
  Schedule& s_;
};

// Is rank r's chip, for ranks [s L, (s+1) L), one server for each s (and a different one
// for each s)? Then the group splits into G = n / L server blocks.
uint32_t ranks_per_server_block(const Topology& topo, const std::vector<uint32_t>& chips) {
  const uint32_t n = uint32_t(chips.size());
  uint32_t L = 0;
  while (L < n && topo.common_tier(chips[0], chips[L]) == Tier::InServer) ++L;
  if (L == n || n % L) return 0;
  for (uint32_t r = 0; r < n; ++r) {
    const bool same = topo.common_tier(chips[r], chips[(r / L) * L]) == Tier::InServer;
    if (!same) return 0;
    if (r % L == 0 && r >= L && topo.common_tier(chips[r], chips[r - L]) == Tier::InServer) return 0;
  }
  return L;
}

// The group as the rows of one 2D-torus server in position order: X (the row length), or 0.
uint32_t torus_rows(const Topology& topo, const std::vector<uint32_t>& chips) {
  const auto& t = topo.system().in_server;
  if (t.kind != arch::TopologyKind::Torus2D || chips.size() != topo.system().chips_per_server) return 0;
  for (size_t r = 0; r < chips.size(); ++r)
    if (topo.coord(chips[r]).position != r || topo.common_tier(chips[r], chips[0]) != Tier::InServer) return 0;
  return t.dims[0] > 1 && t.dims[1] > 1 ? t.dims[0] : 0;
}

const arch::FabricTier& outer_tier(const Topology& topo, const std::vector<uint32_t>& chips) {
  static const arch::FabricTier kEfa{arch::TopologyKind::Switch, {}, 0, 0};
  const Tier t = topo.common_tier(chips.front(), chips.back());
  const auto& s = topo.system();
  if (t == Tier::AcrossServers && s.across_servers) return *s.across_servers;
  if (t == Tier::AcrossRacks && s.across_racks) return *s.across_racks;
  if (t == Tier::AcrossRacks && s.across_servers) return *s.across_servers;
  return kEfa;
}

Algo flat_choice(const Topology& topo, const arch::FabricTier& tier, uint32_t g, uint64_t bytes, bool whole_torus) {
  const auto& c = topo.system().collectives;
  if (tier.kind == arch::TopologyKind::Switch) return Algo::Mesh;
  if (bytes <= c.mesh_max_bytes) return Algo::Mesh;
  if (bytes <= c.rdh_max_bytes && is_pow2(g)) return Algo::Rdh;
  return whole_torus ? Algo::Ring2D : Algo::Ring;
}

uint64_t message_bytes(const CollectiveSpec& s) {
  const uint64_t n = s.group.size();
  switch (s.kind) {
    case CollKind::AllReduce: case CollKind::Permute: case CollKind::SendRecv: return s.count * s.elem_bytes;
    default: return s.count * n * s.elem_bytes;
  }
}

// Two levels: inner groups {s L .. s L + L - 1}, outer groups {p, L + p, 2L + p, ...}.
void two_level(Builder& b, CollKind kind, uint32_t n, uint32_t L, uint64_t count, Algo inner, Algo outer) {
  const uint32_t G = n / L;
  Groups in(G), out(L);
  for (uint32_t s = 0; s < G; ++s)
    for (uint32_t p = 0; p < L; ++p) {
      in[s].push_back(s * L + p);
      out[p].push_back(s * L + p);
    }
  if (kind == CollKind::AllReduce) {
    const Region whole{{0, count}};
    const std::vector<Region> wholes(G, whole);
    b.reduce_scatter(inner, in, wholes);
    const std::vector<Region> mine = split(whole, L);  // inner member p holds mine[p]
    b.all_reduce(outer, out, mine);
    b.all_gather(inner, in, wholes);
    return;
  }
  // Chunk r = [r count, (r+1) count). The outer group p's region: chunks s L + p, by s; the
  // inner region: the outer regions by p (so inner member p's segment is outer region p).
  std::vector<Region> outer_regions(L);
  Region inner_region;
  for (uint32_t p = 0; p < L; ++p) {
    for (uint32_t s = 0; s < G; ++s) outer_regions[p].push_back({(uint64_t(s) * L + p) * count, count});
    inner_region.insert(inner_region.end(), outer_regions[p].begin(), outer_regions[p].end());
  }
  const std::vector<Region> inner_regions(G, inner_region);
  if (kind == CollKind::ReduceScatter) {
    b.reduce_scatter(inner, in, inner_regions);
    b.reduce_scatter(outer, out, outer_regions);
  } else {
    b.all_gather(outer, out, outer_regions);
    b.all_gather(inner, in, inner_regions);
  }
}

}  // namespace

Algo choose_algorithm(const Topology& topo, const CollectiveSpec& spec) {
  const uint32_t n = uint32_t(spec.group.size());
  if (spec.kind == CollKind::AllToAll || spec.kind == CollKind::Permute || spec.kind == CollKind::SendRecv)
    return Algo::Direct;
  if (n < 2) return Algo::Ring;
  const uint64_t bytes = message_bytes(spec);
  if (ranks_per_server_block(topo, spec.group)) return Algo::Hierarchical;
  if (topo.common_tier(spec.group.front(), spec.group.back()) != Tier::InServer ||
      [&] {
        for (uint32_t c : spec.group)
          if (topo.common_tier(c, spec.group[0]) != Tier::InServer) return true;
        return false;
      }())
    return flat_choice(topo, outer_tier(topo, spec.group), n, bytes, false);
  return flat_choice(topo, topo.system().in_server, n, bytes, torus_rows(topo, spec.group) != 0);
}

Schedule build_schedule(const Topology& topo, const CollectiveSpec& spec) {
  const uint32_t n = uint32_t(spec.group.size());
  if (n == 0) fail("collective {}: empty group", coll_kind_name(spec.kind));
  for (uint32_t c : spec.group)
    if (c >= topo.chips()) fail("collective {}: chip {} is not in the system (chips 0..{})", coll_kind_name(spec.kind), c, topo.chips() - 1);
  {
    std::vector<uint32_t> sorted = spec.group;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
      fail("collective {}: a chip appears twice in the group", coll_kind_name(spec.kind));
  }
  if (spec.count == 0) fail("collective {}: count must be > 0", coll_kind_name(spec.kind));
  Schedule s;
  s.kind = spec.kind;
  s.ranks = n;
  s.count = spec.count;
  s.algo = spec.algo == Algo::Auto ? choose_algorithm(topo, spec) : spec.algo;
  const uint64_t c = spec.count;
  switch (spec.kind) {
    case CollKind::AllReduce: s.buffer_elems = c; break;
    case CollKind::ReduceScatter: case CollKind::AllGather: s.buffer_elems = c * n; break;
    case CollKind::AllToAll: s.buffer_elems = 2 * c * n; break;
    case CollKind::Permute: case CollKind::SendRecv: s.buffer_elems = 2 * c; break;
  }
  const std::string what = fmt::format("collective {} --algorithm {}", coll_kind_name(spec.kind), algo_name(s.algo));
  const bool pattern = spec.kind == CollKind::AllToAll || spec.kind == CollKind::Permute || spec.kind == CollKind::SendRecv;
  if (pattern != (s.algo == Algo::Direct))
    fail("{}: {} (all-to-all, permute and send-recv are direct; the reductions and all-gather use ring, ring2d, rdh, "
         "mesh or hierarchical)", what, pattern ? "expected direct" : "direct is for all-to-all, permute and send-recv");
  s.description = std::string(algo_name(s.algo));
  if (n == 1 && !pattern) return s;  // one rank: nothing moves
  Builder b(topo, spec.group, s);
  Groups all(1);
  for (uint32_t r = 0; r < n; ++r) all[0].push_back(r);
  switch (s.algo) {
    case Algo::Direct: {
      Step st;
      if (spec.kind == CollKind::AllToAll) {
        for (uint32_t j = 0; j < n; ++j)
          for (uint32_t i = 0; i < n; ++i) st.transfers.push_back({i, j, j * c, n * c + i * c, c, false});
      } else if (spec.kind == CollKind::Permute) {
        if (spec.perm.size() != n) fail("{}: the permutation has {} entries for {} ranks", what, spec.perm.size(), n);
        std::vector<char> seen(n, 0);
        for (uint32_t r = 0; r < n; ++r) {
          if (spec.perm[r] >= n || seen[spec.perm[r]]++) fail("{}: perm is not a permutation of 0..{}", what, n - 1);
          st.transfers.push_back({r, spec.perm[r], 0, c, c, false});
        }
      } else {
        if (spec.src >= n || spec.dst >= n) fail("{}: src {} and dst {} must be ranks 0..{}", what, spec.src, spec.dst, n - 1);
        st.transfers.push_back({spec.src, spec.dst, 0, c, c, false});
      }
      s.steps.push_back(std::move(st));
      return s;
    }
    case Algo::Ring: case Algo::Mesh: case Algo::Rdh: {
      if (s.algo == Algo::Rdh && !is_pow2(n)) fail("{}: recursive halving/doubling needs a power-of-two group, got {} ranks", what, n);
      Region whole;
      if (spec.kind == CollKind::AllReduce) whole = {{0, c}};
      else whole = {{0, c * n}};
      if (spec.kind == CollKind::AllReduce) b.all_reduce(s.algo, all, {whole});
      else if (spec.kind == CollKind::ReduceScatter) b.reduce_scatter(s.algo, all, {whole});
      else b.all_gather(s.algo, all, {whole});
      return s;
    }
    case Algo::Ring2D: {
      const uint32_t X = torus_rows(topo, spec.group);
      if (!X)
        fail("{}: ring2d needs the group to be one whole 2D-torus server in position order (system {} has {} {})", what,
             topo.system().name, arch::topology_name(topo.system().in_server.kind), fmt::join(topo.system().in_server.dims, "x"));
      two_level(b, spec.kind, n, X, c, Algo::Ring, Algo::Ring);
      s.description = fmt::format("ring2d({}x{} rings)", X, n / X);
      return s;
    }
    case Algo::Hierarchical: {
      const uint32_t L = ranks_per_server_block(topo, spec.group);
      if (!L)
        fail("{}: hierarchical needs the group in blocks of one server each, of equal size, on two or more servers", what);
      std::vector<uint32_t> inner_chips(spec.group.begin(), spec.group.begin() + L), outer_chips;
      for (uint32_t r = 0; r < n; r += L) outer_chips.push_back(spec.group[r]);
      const uint64_t bytes = message_bytes(spec);
      Algo inner = flat_choice(topo, topo.system().in_server, L, bytes, false);
      Algo outer = flat_choice(topo, outer_tier(topo, outer_chips), n / L, bytes / L, false);
      if (inner == Algo::Rdh && !is_pow2(L)) inner = Algo::Ring;
      if (outer == Algo::Rdh && !is_pow2(n / L)) outer = Algo::Ring;
      two_level(b, spec.kind, n, L, c, inner, outer);
      s.description = fmt::format("hierarchical({} x {} in server: {}, across: {})", n / L, L, algo_name(inner), algo_name(outer));
      return s;
    }
    case Algo::Auto: break;
  }
  fail("internal: no algorithm");
}

}  // namespace npulab::fabric
