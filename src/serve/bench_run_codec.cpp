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

void put_info(dist::ByteWriter& w, const RunInfo& i) {
  for (const std::string* s : {&i.system, &i.model, &i.dtype, &i.mode, &i.deployment, &i.device, &i.workload, &i.label})
    w.put(*s);
  w.put(i.devices);
  w.put(i.tp);
  w.put(i.request_rate);
  w.put(i.burstiness);
  w.put(i.max_concurrency);
  w.put(i.slo);
  w.put(uint64_t(i.expected_errors.size()));
  for (const FigureError& e : i.expected_errors) {
    w.put(e.metric);
    w.put(e.median_abs_pct);
    w.put(e.cases);
  }
  w.put(i.comm_share);
}

RunInfo get_info(dist::ByteReader& r) {
  RunInfo i;
  for (std::string* s : {&i.system, &i.model, &i.dtype, &i.mode, &i.deployment, &i.device, &i.workload, &i.label})
    *s = r.get_string();
  i.devices = r.get<int64_t>();
  i.tp = r.get<int64_t>();
  i.request_rate = r.get<double>();
  i.burstiness = r.get<double>();
  i.max_concurrency = r.get<int64_t>();
  i.slo = r.get<Slo>();
  const uint64_t n = r.get<uint64_t>();
  for (uint64_t k = 0; k < n; ++k) {
    FigureError e;
    e.metric = r.get_string();
    e.median_abs_pct = r.get<double>();
    e.cases = r.get<int64_t>();
    i.expected_errors.push_back(std::move(e));
  }
  i.comm_share = r.get<double>();
  return i;
}

void put_seq(dist::ByteWriter& w, const Sequence& s) {
  w.put(s.req->id);
  w.put(s.state);
  w.put(s.num_computed);
  w.put(s.num_output);
  w.put(s.output);
  w.put(s.blocks);
  w.put(s.block_hashes);
  w.put(s.num_registered);
  w.put(s.cached_tokens);
  w.put(s.preemptions);
  for (double t : {s.send_s, s.first_token_s, s.last_token_s, s.finish_s}) w.put(t);
  w.put(s.reason);
  w.put(s.error);
}

Sequence get_seq(dist::ByteReader& r, std::span<const Request> requests) {
  Sequence s;
  const int64_t id = r.get<int64_t>();
  if (id < 0 || uint64_t(id) >= requests.size() || requests[size_t(id)].id != id)
    fail("internal: a run from another rank names request {}, which this rank's workload of {} lacks", id,
         requests.size());
  s.req = &requests[size_t(id)];
  s.state = r.get<SeqState>();
  s.num_computed = r.get<int64_t>();
  s.num_output = r.get<int64_t>();
  s.output = r.get_vector<int32_t>();
  s.blocks = r.get_vector<int32_t>();
  s.block_hashes = r.get_vector<uint64_t>();
  s.num_registered = r.get<int64_t>();
  s.cached_tokens = r.get<int64_t>();
  s.preemptions = r.get<int64_t>();
  for (double* t : {&s.send_s, &s.first_token_s, &s.last_token_s, &s.finish_s}) *t = r.get<double>();
  s.reason = r.get<FinishReason>();
  s.error = r.get_string();
  return s;
}

}  // namespace

void encode_run(dist::ByteWriter& w, const BenchRun& b) {
  put_info(w, b.info);
  const EngineRun& e = b.run;
  w.put(uint64_t(e.seqs.size()));
  for (const Sequence& s : e.seqs) put_seq(w, s);
  w.put(e.steps);
  w.put(e.itl_s);
  w.put(e.prefix);
  for (int64_t v : {e.preemptions, e.kv_blocks, e.block_size, e.max_in_flight}) w.put(v);
  w.put(e.end_s);
  w.put(b.summary);
  w.put(b.cost.report);
  for (const std::string* s : {&b.cost.basis, &b.cost.price_label, &b.cost.power_label, &b.cost.missing}) w.put(*s);
}

BenchRun decode_run(dist::ByteReader& r, std::span<const Request> requests) {
  BenchRun b;
  b.info = get_info(r);
  EngineRun& e = b.run;
  const uint64_t n = r.get<uint64_t>();
  e.seqs.reserve(n);
  for (uint64_t k = 0; k < n; ++k) e.seqs.push_back(get_seq(r, requests));
  e.steps = r.get_vector<StepRecord>();
  e.itl_s = r.get_vector<float>();
  e.prefix = r.get<PrefixCacheStats>();
  for (int64_t* v : {&e.preemptions, &e.kv_blocks, &e.block_size, &e.max_in_flight}) *v = r.get<int64_t>();
  e.end_s = r.get<double>();
  b.summary = r.get<Summary>();
  b.cost.report = r.get<std::optional<CostReport>>();
  for (std::string* s : {&b.cost.basis, &b.cost.price_label, &b.cost.power_label, &b.cost.missing}) *s = r.get_string();
  return b;
}

}  // namespace npulab::serve
