// `npulab collective <kind> --system <name>`: one collective among the chips of a multi-chip
// system, as nccom-test runs it (one line per message size: size, time, algbw, busbw, the
// algorithm, its steps and whether every rank's result equals a plain reference). The
// schedule is built by fabric/collective.h, executed on real buffers up to --check-max and
// timed on the fabric model (--network); above --check-max (or with --timing-only) only the
// timing runs, which is the same number by construction. --plot writes busbw over the sweep
// as SVG, --json every row (with a digest of every chip's result). Under `mpirun -n R` the
// chips are split over the ranks and the schedule runs as one simulation across them
// (fabric/partitioned_collective.h); rank 0 prints exactly what one process prints.
#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "arch/chip_system.h"
#include "cli/collective_table.h"
#include "cli/command.h"
#include "cli/ranges.h"
#include "common/error.h"
#include "dist/bytes.h"
#include "fabric/collective.h"
#include "fabric/partitioned_collective.h"
#include "serve/svg_chart.h"

namespace npulab::cli {
namespace {

using nlohmann::ordered_json;

struct Opts {
  std::string kind, system = "trn2.48xlarge", network = "flow", algorithm = "auto", dtype = "f32", op = "add";
  std::string bytes, minbytes, maxbytes, check_max = "16M", plot, json;
  uint32_t chips = 0, systems = 1, ranks_per_chip = 1;
  double stepfactor = 2;
  bool timing_only = false;
  uint64_t seed = 1;
};

fabric::ReduceOp parse_op(const std::string& s) {
  if (s == "add") return fabric::ReduceOp::Add;
  if (s == "max") return fabric::ReduceOp::Max;
  if (s == "min") return fabric::ReduceOp::Min;
  fail("--op: expected add, max or min, got '{}'", s);
}

// Every rank's input as the kind lays it out (fabric/collective.h), small integers so that
// the check is exact whatever order the algorithm sums in (BF16: in [-1, 1], so no partial
// sum of up to 256 ranks leaves BF16's exact integers).
std::vector<std::vector<uint8_t>> inputs(const fabric::Schedule& s, DType dt, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<uint8_t>> buf(s.ranks);
  const uint64_t in = s.kind == fabric::CollKind::ReduceScatter || s.kind == fabric::CollKind::AllToAll ? s.count * s.ranks : s.count;
  for (uint32_t r = 0; r < s.ranks; ++r) {
    std::vector<float> v(s.buffer_elems, 0.0f);
    const uint64_t at = s.kind == fabric::CollKind::AllGather ? r * s.count : 0;
    const int64_t span = dt == DType::BF16 ? 1 : 4;
    for (uint64_t i = 0; i < in; ++i) v[at + i] = float(int64_t(rng() % uint64_t(2 * span + 1)) - span);
    buf[r].resize(v.size() * dtype_size(dt));
    convert_from_f32(dt, v.data(), buf[r].data(), v.size());
  }
  return buf;
}

// The plain reference of rank r's result region, elementwise from the inputs, for the ranks
// this process holds (`own`).
uint64_t count_wrong(const fabric::Schedule& s, DType dt, fabric::ReduceOp op, const std::vector<std::vector<uint8_t>>& in,
                     const std::vector<std::vector<uint8_t>>& out, const std::vector<uint32_t>& perm, uint32_t src, uint32_t dst,
                     const fabric::RankOwnership& own) {
  const uint32_t n = s.ranks;
  const uint64_t c = s.count;
  auto at = [&](const std::vector<std::vector<uint8_t>>& b, uint32_t r, uint64_t i) { return load_as_f32(dt, b[r].data(), i); };
  // The reduction once per element (ascending rank order, rounded once), for every rank.
  std::vector<float> reduced;
  if (s.kind == fabric::CollKind::AllReduce || s.kind == fabric::CollKind::ReduceScatter) {
    reduced.resize(s.kind == fabric::CollKind::AllReduce ? c : c * n);
    for (uint64_t i = 0; i < reduced.size(); ++i) {
      float acc = at(in, 0, i);
      for (uint32_t r = 1; r < n; ++r) {
        const float x = at(in, r, i);
        acc = op == fabric::ReduceOp::Add ? acc + x : op == fabric::ReduceOp::Max ? std::max(acc, x) : std::min(acc, x);
      }
      reduced[i] = round_to(dt, acc);
    }
  }
  auto reduce = [&](uint64_t i) { return reduced[i]; };
  uint64_t bad = 0;
  for (uint32_t r = 0; r < n; ++r) {
    if (!own.mine(r)) continue;
    switch (s.kind) {
      case fabric::CollKind::AllReduce:
        for (uint64_t i = 0; i < c; ++i) bad += at(out, r, i) != reduce(i);
        break;
      case fabric::CollKind::ReduceScatter:
        for (uint64_t i = r * c; i < (r + 1) * c; ++i) bad += at(out, r, i) != reduce(i);
        break;
      case fabric::CollKind::AllGather:
        for (uint64_t i = 0; i < n * c; ++i) bad += at(out, r, i) != at(in, uint32_t(i / c), i);
        break;
      case fabric::CollKind::AllToAll:
        for (uint64_t j = 0; j < n; ++j)
          for (uint64_t i = 0; i < c; ++i) bad += at(out, r, n * c + j * c + i) != at(in, uint32_t(j), r * c + i);
        break;
      case fabric::CollKind::Permute: case fabric::CollKind::SendRecv:
        for (uint32_t j = 0; j < n; ++j) {
          const bool sends = s.kind == fabric::CollKind::Permute ? perm[j] == r : (j == src && r == dst);
          if (sends)
            for (uint64_t i = 0; i < c; ++i) bad += at(out, r, c + i) != at(in, j, i);
        }
        break;
    }
  }
  return bad;
}

// FNV-1a over every rank's buffer in rank order: the result's fingerprint, the same however
// many processes held the buffers (each hashes its own, rank 0 combines them in order).
std::string data_digest(const std::vector<std::vector<uint8_t>>& buf, const fabric::RankOwnership& own, dist::Comm& comm) {
  constexpr uint64_t kBasis = 0xcbf29ce484222325ull, kPrime = 0x100000001b3ull;
  dist::ByteWriter w;
  for (uint32_t r = 0; r < buf.size(); ++r)
    if (own.mine(r)) {
      uint64_t h = kBasis;
      for (uint8_t b : buf[r]) h = (h ^ b) * kPrime;
      w.put(h);
    }
  uint64_t all = kBasis;
  for (const dist::Bytes& b : comm.all_gather(w.take())) {
    dist::ByteReader rd(b);
    while (!rd.done()) {
      const uint64_t h = rd.get<uint64_t>();
      for (int i = 0; i < 8; ++i) all = (all ^ ((h >> (8 * i)) & 0xff)) * kPrime;
    }
  }
  return fmt::format("{:016x}", all);
}

int run(const Opts& o, dist::Comm& comm) {
  const auto kind = fabric::parse_coll_kind(o.kind);
  if (!kind) fail("collective '{}': expected all-reduce, reduce-scatter, all-gather, all-to-all, permute or send-recv", o.kind);
  const auto algo = fabric::parse_algo(o.algorithm);
  if (!algo) fail("--algorithm: expected auto, ring, ring2d, rdh, mesh, hierarchical or direct, got '{}'", o.algorithm);
  const auto dt = parse_dtype(o.dtype);
  if (!dt || (*dt != DType::F32 && *dt != DType::BF16)) fail("--dtype: expected f32 or bf16, got '{}'", o.dtype);
  const fabric::ReduceOp op = parse_op(o.op);
  const arch::ChipSystem sys = arch::load_chip_system(o.system);
  const fabric::Topology topo(sys, o.systems);
  const auto net = fabric::make_network(o.network, topo);
  const uint32_t chips = o.chips ? o.chips : topo.chips();
  if (chips > topo.chips()) fail("--chips {}: {} x {} has {} chips", chips, o.systems, sys.name, topo.chips());
  if (*kind == fabric::CollKind::SendRecv && chips < 2) fail("--chips: send-recv needs 2 or more");
  const bool timing_only = o.timing_only || o.ranks_per_chip > 1;
  const uint64_t check_max = parse_bytes(o.check_max, "check-max");
  const auto messages = sweep_sizes(o.bytes, o.minbytes, o.maxbytes, o.stepfactor, "1G");
  const auto group = fabric::default_group(topo, chips);
  const uint32_t eb = uint32_t(dtype_size(*dt));
  const bool reduces = *kind == fabric::CollKind::AllReduce || *kind == fabric::CollKind::ReduceScatter;
  const bool parted = comm.size() > 1;
  if (parted && o.ranks_per_chip > 1)
    fail("--ranks-per-chip {}: the chips' own phase is timed in one process; run without mpirun (or -n 1)",
         o.ranks_per_chip);
  const fabric::RankOwnership own(chips, comm);
  // Only rank 0 speaks (every rank computes the same rows).
  const bool say = comm.root();
  if (parted && say)
    fmt::print(stderr, "npulab collective: {} chips over {} MPI ranks (contiguous blocks); lookahead {} ns, the "
               "smallest route latency between chips of different ranks\n",
               chips, comm.size(), fabric::cross_rank_lookahead_ns(topo, group, own));
  if (say) {
    fmt::print("collective:    {} among {} of the {} {} chips of {}{}, {}{}; fabric model '{}'\n", o.kind, chips, topo.chips(),
               sys.chip.name, o.systems > 1 ? fmt::format("{} x ", o.systems) : "", sys.name, dtype_name(*dt),
               reduces ? fmt::format(", op {}", o.op) : "", net->name());
    fmt::print("               start {} ns, {} ns per step; {} GB/s collective DMA per chip; {}\n", sys.collectives.start_ns,
               sys.collectives.step_ns, topo.chip_dma_gbps(),
               o.ranks_per_chip > 1 ? fmt::format("{} ranks (cores) per chip: the chip's own phase added, timing only", o.ranks_per_chip)
                                    : fmt::format("data checked up to {} B", check_max));
    print_collective_header(timing_only ? "(timing only)" : "check");
  }
  ordered_json rows = ordered_json::array();
  serve::ChartSeries series{fmt::format("{} {} ({})", sys.name, o.kind, o.algorithm), {}, {}, true};
  bool ok = true;
  for (uint64_t bytes : messages) {
    fabric::CollectiveSpec spec;
    spec.kind = *kind;
    spec.group = group;
    spec.elem_bytes = eb;
    spec.algo = *algo;
    const bool split = *kind == fabric::CollKind::ReduceScatter || *kind == fabric::CollKind::AllGather ||
                       *kind == fabric::CollKind::AllToAll;
    spec.count = std::max<uint64_t>(1, bytes / eb / (split ? chips : 1));
    for (uint32_t r = 0; r < chips; ++r) spec.perm.push_back((r + 1) % chips);
    spec.src = 0;
    spec.dst = chips > 1 ? 1 : 0;
    const fabric::Schedule s = fabric::build_schedule(topo, spec);
    const uint64_t msg = s.message_elems() * eb;
    const bool data = !timing_only && msg <= check_max;
    double t = 0;
    std::string check = "-", digest;
    std::vector<std::vector<uint8_t>> buf, in;
    if (data) {
      buf = inputs(s, *dt, o.seed + bytes);
      in = buf;
      for (uint32_t r = 0; r < chips; ++r)
        if (!own.mine(r)) buf[r] = {};  // another process holds that chip
    }
    if (o.ranks_per_chip > 1) {
      t = fabric::collective_time_ns(*net, *kind, group, msg, eb, s.algo, o.ranks_per_chip);
    } else if (parted) {
      const fabric::PartitionedRun pr = fabric::run_partitioned(s, *net, group, eb, comm, *dt, op, data ? &buf : nullptr);
      t = pr.timing.total_ns;
      if (say)
        fmt::print(stderr, "npulab collective: {} B: {} windows, {} events between ranks carrying {} B\n", msg,
                   pr.windows, pr.remote_events, pr.remote_bytes);
    } else {
      t = fabric::time_schedule(s, *net, group, eb).total_ns;
      if (data) fabric::execute(s, *dt, op, buf);
    }
    if (data) {
      const uint64_t bad = dist::all_sum(comm, count_wrong(s, *dt, op, in, buf, spec.perm, spec.src, spec.dst, own));
      check = bad ? fmt::format("FAIL ({} elements)", bad) : "exact";
      ok = ok && bad == 0;
      digest = data_digest(buf, own, comm);
    }
    const double bus = fabric::bus_factor(*kind, chips * o.ranks_per_chip);
    if (say) print_collective_row({msg, t, bus, std::string(fabric::algo_name(s.algo)), s.steps.size(), check,
                          s.description == fabric::algo_name(s.algo) ? "" : s.description});
    const double algbw = double(msg) / t;
    rows.push_back({{"bytes", msg}, {"time_us", t / 1e3}, {"algbw_gbps", algbw}, {"busbw_gbps", algbw * bus},
                    {"algorithm", fabric::algo_name(s.algo)}, {"schedule", s.description}, {"steps", s.steps.size()},
                    {"check", check}});
    if (data) rows.back()["data_fnv1a"] = digest;
    series.x.push_back(std::log2(double(msg)));
    series.y.push_back(algbw * bus);
  }
  if (!o.json.empty() && say) {
    ordered_json j{{"collective", o.kind}, {"system", sys.name}, {"systems", o.systems}, {"chips", chips},
                   {"ranks_per_chip", o.ranks_per_chip}, {"dtype", dtype_name(*dt)}, {"network", net->name()},
                   {"algorithm", o.algorithm}, {"rows", rows}};
    std::ofstream f(o.json);
    if (!f) fail("--json: cannot write '{}'", o.json);
    f << j.dump(2) << "\n";
  }
  if (!o.plot.empty() && say) {
    serve::Chart c;
    c.title = fmt::format("{} among {} chips of {} (simulated)", o.kind, chips, sys.name);
    c.xlabel = "log2 message size (B)";
    c.ylabel = "busbw (GB/s)";
    c.series.push_back(series);
    serve::write_svg(o.plot, c);
  }
  return ok ? 0 : 1;
}

Run setup(CLI::App& app, dist::Comm& comm) {
  auto o = std::make_shared<Opts>();
  app.add_option("kind", o->kind, "all-reduce, reduce-scatter, all-gather, all-to-all, permute or send-recv")->required();
  app.add_option("--system", o->system, "chip system (hw/systems/<name>.toml with system.chip)")->capture_default_str();
  app.add_option("--systems", o->systems, "copies of the system joined over EFA")->check(int_range(1, 1024))->capture_default_str();
  app.add_option("--chips", o->chips, "ranks: the first N chips (default: all)")->check(int_range(1, 1 << 20));
  app.add_option("--ranks-per-chip", o->ranks_per_chip, "ranks (cores) per chip; > 1 adds the chip's own collective phase (timing only)")
      ->check(int_range(1, 1024))
      ->capture_default_str();
  app.add_option("--bytes", o->bytes, "one message size (4096, 64K, 1M, 1G)");
  app.add_option("--minbytes,-b", o->minbytes, "smallest message of a sweep (default 1K)");
  app.add_option("--maxbytes,-e", o->maxbytes, "largest message of a sweep (default 1G)");
  app.add_option("--stepfactor,-f", o->stepfactor, "sweep factor between sizes")->capture_default_str();
  app.add_option("--algorithm", o->algorithm, "auto, ring, ring2d, rdh, mesh, hierarchical or direct")->capture_default_str();
  app.add_option("--network", o->network, "fabric model: flow (max-min fair sharing) or ideal (no contention)")->capture_default_str();
  app.add_option("--dtype,-d", o->dtype, "f32 or bf16")->capture_default_str();
  app.add_option("--op", o->op, "reduction: add, max or min")->capture_default_str();
  app.add_option("--check-max", o->check_max, "run the data and check it up to this message size")->capture_default_str();
  app.add_flag("--timing-only", o->timing_only, "time only: no data moves, nothing is checked");
  app.add_option("--seed", o->seed, "seed of the inputs")->capture_default_str();
  app.add_option("--plot", o->plot, "write busbw over the sweep as an SVG file");
  app.add_option("--json", o->json, "write every row as JSON");
  return [o, &comm]() { return run(*o, comm); };
}

Registrar reg{"collective", "A collective among the chips of a multi-chip system (nccom-test style)", setup};

}  // namespace
}  // namespace npulab::cli
