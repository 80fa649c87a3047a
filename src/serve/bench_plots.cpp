#include "serve/bench_plots.h"

#include <fmt/format.h>

#include <algorithm>

#include "serve/interactivity.h"
#include "serve/svg_chart.h"

namespace npulab::serve {

namespace {

ChartSeries cdf(const std::string& name, std::vector<double> v) {
  std::sort(v.begin(), v.end());
  ChartSeries s{name, {}, {}, false};
  for (size_t i = 0; i < v.size(); ++i) {
    s.x.push_back(v[i]);
    s.y.push_back(double(i + 1) / double(v.size()));
  }
  return s;
}

// At most ~2000 points per time series (a 10,000-request run has ~100,000 steps). With
// data-parallel replicas, replica 0's steps: each replica's batch and KV use are its own
// (the replicas' series interleaved would zigzag between them).
template <class F>
ChartSeries over_time(const std::string& name, const EngineRun& run, F value) {
  ChartSeries s{run.replicas > 1 ? fmt::format("{} (replica 0 of {})", name, run.replicas) : name, {}, {}, false};
  std::vector<const StepRecord*> steps;
  for (const StepRecord& st : run.steps)
    if (st.replica == 0) steps.push_back(&st);
  const size_t stride = std::max<size_t>(1, steps.size() / 2000);
  for (size_t i = 0; i < steps.size(); i += stride) {
    s.x.push_back(steps[i]->start_s);
    s.y.push_back(value(*steps[i]));
  }
  return s;
}

std::string name_of(const BenchRun& r) { return r.info.label.empty() ? "run" : r.info.label; }

}  // namespace

std::vector<std::string> write_bench_plots(const std::string& prefix, const std::vector<BenchRun>& runs) {
  std::vector<std::string> files;
  auto write = [&](const std::string& suffix, const Chart& c) {
    files.push_back(prefix + suffix);
    write_svg(files.back(), c);
  };
  {
    Chart c{"Latency vs throughput", "output tokens/s (simulated)", "ms", {}, false};
    ChartSeries tpot{"TPOT median", {}, {}, true}, tpot99{"TPOT p99", {}, {}, true}, ttft{"TTFT median", {}, {}, true};
    for (const BenchRun& r : runs) {
      for (ChartSeries* s : {&tpot, &tpot99, &ttft}) s->x.push_back(r.summary.output_tok_s);
      tpot.y.push_back(r.summary.tpot.p50);
      tpot99.y.push_back(r.summary.tpot.p99);
      ttft.y.push_back(r.summary.ttft.p50);
    }
    c.series = {tpot, tpot99, ttft};
    write("-latency_throughput.svg", c);
  }
  write("-interactivity.svg", interactivity_chart(interactivity_curves(runs)));
  Chart ttft{"TTFT distribution", "TTFT (ms)", "fraction of requests", {}, false};
  Chart tpot{"TPOT distribution", "TPOT (ms)", "fraction of requests", {}, false};
  Chart batch{"Batch size over time", "simulated time (s)", "sequences in the step", {}, true};
  Chart kv{"KV cache use over time", "simulated time (s)", "% of blocks in use", {}, true};
  for (const BenchRun& r : runs) {
    std::vector<double> a, b;
    for (const Sequence& s : r.run.seqs) {
      const RequestMetrics m = request_metrics(s);
      if (!m.ok) continue;
      a.push_back(m.ttft_ms);
      if (s.num_output > 1) b.push_back(m.tpot_ms);
    }
    ttft.series.push_back(cdf(name_of(r), a));
    tpot.series.push_back(cdf(name_of(r), b));
    batch.series.push_back(over_time(name_of(r), r.run, [](const StepRecord& s) { return double(s.seqs); }));
    const double blocks = double(std::max<int64_t>(1, r.run.kv_blocks));
    kv.series.push_back(over_time(name_of(r), r.run,
                                  [&](const StepRecord& s) { return 100.0 * double(s.kv_blocks_used) / blocks; }));
  }
  write("-ttft_cdf.svg", ttft);
  write("-tpot_cdf.svg", tpot);
  write("-batch.svg", batch);
  write("-kv.svg", kv);
  return files;
}

}  // namespace npulab::serve
