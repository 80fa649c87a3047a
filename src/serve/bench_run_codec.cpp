#include "serve/bench_run_codec.h"

#include <type_traits>

namespace npulab::serve {
namespace {

// The structs sent as their bytes: a field that is not plain data breaks the build here
// rather than travelling as a pointer.
static_assert(std::is_trivially_copyable_v<Slo>);
static_assert(std::is_trivially_copyable_v<StepRecord>);
static_assert(std::is_trivially_copyable_v<PrefixCacheStats>);
static_assert(std::is_trivially_copyable_v<Summary>);
static_assert(std::is_trivially_copyable_v<std::optional<CostReport>>);

// One list of fields serves both directions: `fields(io, x)` hands every field of x to io,
// which writes it (Out, x const) or reads it back (In); a field added to the list is sent
// and received alike.
struct Out {
  dist::ByteWriter& w;
  template <class T>
  void operator()(const T& v) {
    w.put(v);
  }
};
struct In {
  dist::ByteReader& r;
  template <class T>
  void operator()(T& v) {
    if constexpr (std::is_same_v<T, std::string>) v = r.get_string();
    else if constexpr (requires { v.data(); v.size(); }) v = r.get_vector<typename T::value_type>();
    else v = r.get<T>();
  }
};

template <class IO, class Info>
void fields(IO& io, Info& i) {
  for (auto* s : {&i.system, &i.model, &i.dtype, &i.mode, &i.deployment, &i.device, &i.workload, &i.label}) io(*s);
  io(i.devices);
  io(i.tp);
  io(i.request_rate);
  io(i.burstiness);
  io(i.max_concurrency);
  io(i.slo);
  io(i.comm_share);
}

template <class IO, class Error>
void error_fields(IO& io, Error& e) {
  io(e.metric);
  io(e.median_abs_pct);
  io(e.cases);
}

// A sequence but its request (sent as the request's id).
template <class IO, class Seq>
void seq_fields(IO& io, Seq& s) {
  io(s.state);
  io(s.num_computed);
  io(s.num_output);
  io(s.output);
  io(s.blocks);
  io(s.block_hashes);
  io(s.num_registered);
  io(s.cached_tokens);
  io(s.preemptions);
  for (auto* t : {&s.send_s, &s.first_token_s, &s.last_token_s, &s.finish_s}) io(*t);
  io(s.reason);
  io(s.error);
}

// The run but its sequences and expected errors (lists of non-plain records).
template <class IO, class Run>
void run_fields(IO& io, Run& b) {
  fields(io, b.info);
  auto& e = b.run;
  io(e.steps);
  io(e.itl_s);
  io(e.prefix);
  for (auto* v : {&e.preemptions, &e.kv_blocks, &e.block_size, &e.max_in_flight}) io(*v);
  io(e.end_s);
  io(b.summary);
  io(b.cost.report);
  for (auto* s : {&b.cost.basis, &b.cost.price_label, &b.cost.power_label, &b.cost.missing}) io(*s);
}

}  // namespace

void encode_run(dist::ByteWriter& w, const BenchRun& b) {
  Out out{w};
  run_fields(out, b);
  w.put(uint64_t(b.info.expected_errors.size()));
  for (const FigureError& e : b.info.expected_errors) error_fields(out, e);
  w.put(uint64_t(b.run.seqs.size()));
  for (const Sequence& s : b.run.seqs) {
    w.put(s.req->id);
    seq_fields(out, s);
  }
}

BenchRun decode_run(dist::ByteReader& r, std::span<const Request> requests) {
  In in{r};
  BenchRun b;
  run_fields(in, b);
  b.info.expected_errors.resize(r.get<uint64_t>());
  for (FigureError& e : b.info.expected_errors) error_fields(in, e);
  b.run.seqs.resize(r.get<uint64_t>());
  for (Sequence& s : b.run.seqs) {
    const int64_t id = r.get<int64_t>();
    if (id < 0 || uint64_t(id) >= requests.size() || requests[size_t(id)].id != id)
      fail("internal: a run from another rank names request {}, which this rank's workload of {} lacks", id,
           requests.size());
    s.req = &requests[size_t(id)];
    seq_fields(in, s);
  }
  return b;
}

}  // namespace npulab::serve
