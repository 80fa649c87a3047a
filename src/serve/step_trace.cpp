#include "serve/step_trace.h"

#include <fmt/format.h>

#include <fstream>

#include "common/error.h"

namespace npulab::serve {

void write_step_trace(const std::string& path, const std::vector<BenchRun>& runs) {
  std::ofstream out(path);
  if (!out) fail("cannot write step trace '{}'", path);
  out << "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n";
  bool first = true;
  auto ev = [&](const std::string& e) {
    out << (first ? "" : ",\n") << e;
    first = false;
  };
  for (size_t p = 0; p < runs.size(); ++p) {
    const BenchRun& r = runs[p];
    const std::string label = r.info.label.empty() ? "run" : r.info.label;
    ev(fmt::format(R"({{"ph":"M","pid":{},"name":"process_name","args":{{"name":"{} {}"}}}})", p, r.info.system, label));
    // One thread per data-parallel replica (one "engine steps" thread without replicas).
    for (int64_t t = 0; t < r.run.replicas; ++t)
      ev(fmt::format(R"({{"ph":"M","pid":{},"tid":{},"name":"thread_name","args":{{"name":"{}"}}}})", p, t,
                     r.run.replicas > 1 ? fmt::format("replica {} steps", t) : std::string("engine steps")));
    for (size_t i = 0; i < r.run.steps.size(); ++i) {
      const StepRecord& s = r.run.steps[i];
      const double ts = s.start_s * 1e6, dur = s.dur_s * 1e6;
      const std::string rep = r.run.replicas > 1 ? fmt::format(" {}", s.replica) : "";
      ev(fmt::format(R"({{"ph":"X","pid":{},"tid":{},"ts":{:.3f},"dur":{:.3f},"name":"{}","args":{{"step":{},"seqs":{},)"
                     R"("tokens":{},"prefill_tokens":{},"sampled":{},"preempted":{},"kv_blocks_used":{},"running":{},)"
                     R"("waiting":{}}}}})",
                     p, s.replica, ts, dur, s.prefill_tokens ? "prefill+decode" : "decode", i, s.seqs, s.tokens, s.prefill_tokens,
                     s.sampled, s.preempted, s.kv_blocks_used, s.running, s.waiting));
      ev(fmt::format(R"({{"ph":"C","pid":{},"ts":{:.3f},"name":"batch{}","args":{{"seqs":{}}}}})", p, ts, rep, s.seqs));
      ev(fmt::format(R"({{"ph":"C","pid":{},"ts":{:.3f},"name":"kv blocks used{}","args":{{"blocks":{}}}}})", p, ts,
                     rep, s.kv_blocks_used));
    }
    for (const Sequence& q : r.run.seqs) {
      const int64_t id = int64_t(p) * 100000000 + q.req->id;
      ev(fmt::format(R"({{"ph":"b","cat":"request","pid":{},"id":{},"ts":{:.3f},"name":"request {}","args":{{"input":{},"output":{},"status":"{}"}}}})",
                     p, id, q.send_s * 1e6, q.req->id, q.prompt_len(), q.num_output,
                     q.state == SeqState::Finished ? "ok" : "failed"));
      if (q.first_token_s >= 0)
        ev(fmt::format(R"({{"ph":"n","cat":"request","pid":{},"id":{},"ts":{:.3f},"name":"first token"}})", p, id,
                       q.first_token_s * 1e6));
      ev(fmt::format(R"({{"ph":"e","cat":"request","pid":{},"id":{},"ts":{:.3f},"name":"request {}"}})", p, id,
                     q.finish_s * 1e6, q.req->id));
    }
  }
  out << "\n]}\n";
  if (!out) fail("cannot write step trace '{}'", path);
}

}  // namespace npulab::serve
